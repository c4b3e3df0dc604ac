"""A hypothesis state machine submitting long random sequences of notifications.

After every step: each living resident is in exactly one active household; each household
with members has exactly one head (or none while an announced 世帯主変更 is awaited); the
living members of a household share one address (住基法6条); no two living residents share a
住民票コード or 個人番号; no 住民票コード or 個人番号 of a 除票 belongs to another person, living
or deleted (標準4.1.1.2: a 再転入者 continues the former 宛名番号); a rejected notification
left the register byte-for-byte as it was; and the history replayed from empty rebuilds the
same register. A person blocked from movements (異動抑止) is left unchanged by a 取消, a death
in the household and the daily batch. The same on a SQLite file across restarts and a second
writer: ``test_state_machine_restarts.py``.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any

import pypdf
import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import kure_juki as kj
from kure_juki.adapters.memory.store import MemoryStore
from kure_juki.domain.certificates.member_order import member_order
from kure_juki.domain.format_checks import is_valid_stay_period
from kure_juki.domain.mj_text import MjText, strip_selectors
from kure_juki.domain.recorded_date import parse_recorded_date
from kure_juki.domain.relationship import Relationship
from kure_juki.domain.search import SearchCriteria, matches
from kure_juki.domain.serialization import household_to_dict, resident_to_dict
from kure_juki.domain.wareki import era_of
from kure_juki.service.replay import replay
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import FAMILY, person, unique_codes

ADDRESSES = [
    "広島県呉市本通一丁目1番1号",
    "広島県呉市中通二丁目2番2号",
    "広島県呉市広古新開三丁目3番",
]
# 標準1.1.11: valid 続柄, and words it refuses (孫 was once on the list above).
RELATIONSHIPS = ["妻", "夫", "子", "父", "母", "同居人", "子の子", "妻（未届）", "縁故者", "妻の父"]
INVALID_RELATIONSHIPS = ["孫", "長男", "祖父", "家事使用人", "子の子の子の子の子"]
# 消除事由 whose record is not its person's 除票: its codes live on in the record made from
# it (帰化・国籍取得・国籍喪失), or it was entered by mistake and removed by a 取消 (標準4.6.0.1).
NOT_THE_PERSONS_OWN = {
    "帰化", "国籍取得", "国籍喪失", "異動取消（減）", "異動取消（増）", "異動取消（修正）"
}


def as_recorded(data: st.DataObject, day: dt.date, *, off_calendar: bool = True) -> dict[str, Any]:
    """*day* written as a 戸籍 might (標準1.1.8): a day off the calendar (2月30日) or a 不詳日
    form whose period starts on or before *day*."""
    era, n = era_of(day)
    y = f"{era}{'元' if n == 1 else n}年"
    forms = [
        f"{y}頃",
        f"{y}{day.month}月頃",
        f"{y}{day.month}月{day.day}日頃",
        f"推定{y}{day.month}月{day.day}日",
        f"{y} 月日不詳",
        f"{y}{day.month}月 日不詳",
        f"{y}{day.month}月{['上旬', '中旬', '下旬'][min(day.day - 1, 29) // 10]}",
        f"{y}{day.month}月1日頃から{day.day}日頃までの間",
        "年月日不詳",
    ]
    if off_calendar:
        forms.append(f"{y}{day.month}月{min(day.day + 3, 31)}日")  # maybe 2月31日, 4月31日
    text = data.draw(st.sampled_from(forms), label="as recorded")
    return {"as_recorded": text}
# Family names with MJ characters, as intake may write them: Unicode with a Moji_Joho IVS,
# non-BMP ideographs, and MJ文字図形名 references (docs/characters.md).
MJ_FAMILY = [
    ("葛\U000e0103西", "葛\U000e0103西", "くずにし"),
    ("{MJ032129}田", "\U00020bb7田", "よしだ"),
    ("髙{MJ030196}", "髙\ufa11", "たかさき"),
    ("&MJ032932;井", "\U0002123d井", "つちい"),
]


class RegisterMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = SettableClock("2026-04-01T09:00:00+09:00")
        self.reg = kj.open_registry("memory://", municipality_code="342025", clock=self.clock)
        self.reg.bootstrap_admin("admin", "a-long-passphrase")
        self.s = self.reg.login(
            "admin", "a-long-passphrase", terminal_id="T-SM", purpose="resident_records"
        )
        self.store: MemoryStore = self.reg.store  # type: ignore[assignment]
        self.used_codes: list[tuple[str, str]] = []
        self.counter = 0
        self.accepted = 0
        self.rejected = 0
        self.before_movement: dict[int, Any] = {}  # movement id -> living content before it

    # -- helpers ------------------------------------------------------------------------
    def today(self) -> str:
        return self.clock.today.isoformat()

    def living(self) -> list[Any]:
        return [r for r in self.store.state.residents.values() if r.is_living]

    def households(self) -> list[str]:
        return sorted({r.household_id for r in self.living()})

    def members(self, hid: str) -> list[str]:
        return sorted(r.resident_id for r in self.living() if r.household_id == hid)

    def content(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The living register's items, versions aside (what a 取消 must restore)."""
        state = self.store.state
        residents = {
            rid: {k: v for k, v in resident_to_dict(r).items() if k != "version"}
            for rid, r in state.residents.items()
            if r.is_living
        }
        households = {
            hid: {k: v for k, v in household_to_dict(h).items() if k != "version"}
            for hid, h in state.households.items()
            if h.is_active
        }
        return residents, households

    def submit(self, n: dict[str, Any]) -> kj.Receipt | None:
        before = self.store.snapshot()
        content = self.content()
        try:
            receipt = self.s.submit(n)
        except kj.RegistryError as e:
            event(
                f"rejected {n.get('type')}: {e.code}"
                if isinstance(n.get("type"), str)
                else "rejected junk"
            )
            assert e.problems and all(p.message_ja and p.message_en for p in e.problems)
            assert self.store.snapshot() == before, "a rejected notification changed the store"
            self.rejected += 1
            return None
        self.accepted += 1
        event(f"accepted {n['type']}")
        self.before_movement[receipt.movement_id] = content
        return receipt

    def new_person(self, data: st.DataObject, relationship: str) -> dict[str, Any]:
        self.counter += 1
        reuse = self.used_codes and data.draw(st.integers(0, 9), label="reuse") == 0
        code, number = (
            data.draw(st.sampled_from(self.used_codes))
            if reuse
            else unique_codes(10_000 + self.counter)
        )
        self.used_codes.append((code, number))
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=data.draw(st.integers(0, 30_000)))
        p = person(
            relationship=relationship,
            sex=data.draw(st.sampled_from(["male", "female"])),
            birth_date=birth.isoformat(),
            family=data.draw(st.integers(0, len(FAMILY))),
            given=data.draw(st.integers(0, 3)),
            codes=False,
            foreign=data.draw(st.integers(0, 6)) == 0,
        )
        # 在留期間, well-formed or not, and sometimes on a Japanese resident (refused).
        if data.draw(st.integers(0, 3), label="stay period") == 0:
            p["stay_period"] = data.draw(st.sampled_from(["3年", "6月", "5年3月", "3", "0年"]))
        if data.draw(st.booleans(), label="with codes"):
            p.update(resident_code=code, my_number=number)
        if data.draw(st.integers(0, 4), label="birth as recorded") == 0:
            p["birth_date"] = as_recorded(data, birth)
        if data.draw(st.integers(0, 3), label="MJ family name") == 0:
            written, _, kana = data.draw(st.sampled_from(MJ_FAMILY), label="MJ name")
            p.update(family_name=written, family_name_kana=kana)
        return p

    def address_of(self, hid: str) -> dict[str, str]:
        member = next(r for r in self.living() if r.household_id == hid)
        return member.address.to_dict()

    def pick(self, data: st.DataObject, items: list[str], label: str) -> str:
        return data.draw(st.sampled_from(items), label=label)

    def persons_deleted_records(self) -> list[Any]:
        """除票 that stand for their person (the ones a 再転入 continues)."""
        return sorted(
            (
                r
                for r in self.store.state.residents.values()
                if r.deletion is not None and r.deletion.reason not in NOT_THE_PERSONS_OWN
            ),
            key=lambda r: r.resident_id,
        )

    def relationships_for(self, data: st.DataObject, ids: list[str]) -> dict[str, str]:
        rels = {i: self.pick(data, RELATIONSHIPS, "rel") for i in ids}
        if ids and data.draw(st.integers(0, 7)) == 0:  # sometimes incomplete or wrong
            rels.pop(ids[0])
        return rels

    # -- rules --------------------------------------------------------------------------
    @rule(data=st.data(), size=st.integers(1, 4), late=st.integers(0, 40))
    def move_in(self, data: st.DataObject, size: int, late: int) -> None:
        persons = [self.new_person(data, "世帯主")] + [
            self.new_person(data, self.pick(data, RELATIONSHIPS, "rel")) for _ in range(size - 1)
        ]
        occurred = self.clock.today - dt.timedelta(days=late)
        household: dict[str, Any] = {"new": True}
        address = {"postal_code": "737-0045", "text": self.pick(data, ADDRESSES, "addr")}
        if self.households() and data.draw(st.integers(0, 3)) == 0:
            hid = self.pick(data, self.households(), "hh")
            household = {"household_id": hid}
            persons = persons[1:] or [self.new_person(data, "同居人")]
            if data.draw(st.booleans(), label="at its address"):
                address = self.address_of(hid)
        self.submit(
            {
                "type": self.pick(data, ["move_in", "move_in", "move_in_from_abroad"], "t"),
                "occurred_on": occurred.isoformat(),
                "notified_on": self.today(),
                "address": address,
                "previous_address": {"municipality_code": "131016", "text": "東京都千代田区"},
                "household": household,
                "persons": persons,
            }
        )

    @precondition(lambda self: self.households())
    @rule(data=st.data())
    def birth(self, data: st.DataObject) -> None:
        self.submit(
            {
                "type": "birth",
                "occurred_on": self.today(),
                "household_id": self.pick(data, self.households(), "hh"),
                "person": {
                    "family_name": "佐藤",
                    "given_name": "陽菜",
                    "family_name_kana": "さとう",
                    "given_name_kana": "ひな",
                    "sex": "female",
                    "relationship": "子",
                },
            }
        )

    @precondition(lambda self: self.households())
    @rule(data=st.data())
    def birth_as_recorded(self, data: st.DataObject) -> None:
        """出生 whose date is written as the 戸籍 records it (標準1.1.8)."""
        self.submit(
            {
                "type": "birth",
                "occurred_on": as_recorded(data, self.clock.today, off_calendar=False),
                "notified_on": self.today(),
                "household_id": self.pick(data, self.households(), "hh"),
                "person": {
                    "family_name": "田中",
                    "given_name": "蓮",
                    "family_name_kana": "たなか",
                    "given_name_kana": "れん",
                    "sex": "male",
                    "relationship": "子",
                },
            }
        )

    @precondition(lambda self: self.living())
    @rule(data=st.data())
    def death_as_recorded(self, data: st.DataObject) -> None:
        rid = self.pick(data, sorted(r.resident_id for r in self.living()), "rid")
        occurred = as_recorded(data, self.clock.today, off_calendar=False)
        self.submit({"type": "death", "occurred_on": occurred, "resident_id": rid})

    @precondition(lambda self: self.living())
    @rule(data=st.data())
    def death(self, data: st.DataObject) -> None:
        rid = self.pick(data, sorted(r.resident_id for r in self.living()), "rid")
        self.submit({"type": "death", "occurred_on": self.today(), "resident_id": rid})

    @precondition(lambda self: self.households())
    @rule(data=st.data())
    def move_within(self, data: st.DataObject) -> None:
        hid = self.pick(data, self.households(), "hh")
        self.submit(
            {
                "type": "move_within",
                "occurred_on": self.today(),
                "resident_ids": self.members(hid),
                "address": {"postal_code": "737-0046", "text": self.pick(data, ADDRESSES, "addr")},
            }
        )

    @precondition(lambda self: self.households())
    @rule(data=st.data(), join=st.booleans())
    def partial_move_within(self, data: st.DataObject, join: bool) -> None:
        """Part of a household moves: into a household it forms at the new address, or one
        living there; sometimes without naming either (refused, KJ-LOGIC-501)."""
        hid = self.pick(data, self.households(), "hh")
        ids = self.members(hid)
        chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True), label="who")
        n: dict[str, Any] = {
            "type": "move_within",
            "occurred_on": self.today(),
            "resident_ids": chosen,
            "address": {"postal_code": "737-0046", "text": self.pick(data, ADDRESSES, "addr")},
        }
        others = [h for h in self.households() if h != hid]
        how = data.draw(st.integers(0, 9), label="how")
        if join and others and how:
            target = self.pick(data, others, "into")
            n["household"] = {"household_id": target}
            n["relationships"] = self.relationships_for(data, chosen)
            if how > 1:  # mostly at its address; else refused (KJ-LOGIC-502)
                n["address"] = self.address_of(target)
        elif how:
            head = self.pick(data, chosen, "head")
            n["household"] = {"new": True}
            n["relationships"] = {
                head: "世帯主",
                **self.relationships_for(data, [i for i in chosen if i != head]),
            }
        done = self.submit(n)
        into = "joining" if "household_id" in n.get("household", {}) else (
            "a new household" if "household" in n else "no household")
        event(f"partial move_within, {into}: {'accepted' if done else 'refused'}")

    @precondition(lambda self: self.households())
    @rule(data=st.data(), ahead=st.integers(-20, 20), abroad=st.booleans())
    def move_out(self, data: st.DataObject, ahead: int, abroad: bool) -> None:
        hid = self.pick(data, self.households(), "hh")
        ids = self.members(hid)
        chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True), label="who")
        planned = (self.clock.today + dt.timedelta(days=ahead)).isoformat()
        dest = (
            {"country": "大韓民国", "text": "ソウル特別市"}
            if abroad
            else {"municipality_code": "011002", "text": "北海道札幌市"}
        )
        self.submit(
            {
                "type": "move_out_abroad" if abroad else "move_out",
                "occurred_on": planned,
                "notified_on": self.today(),
                "resident_ids": chosen,
                "destination": dest,
            }
        )

    @precondition(lambda self: any(r.planned_move_out for r in self.living()))
    @rule(data=st.data())
    def confirm_move_out(self, data: st.DataObject) -> None:
        planned = sorted(r.resident_id for r in self.living() if r.planned_move_out)
        n: dict[str, Any] = {"type": "confirm_move_out",
                             "resident_ids": [self.pick(data, planned, "rid")]}
        if data.draw(st.booleans(), label="notice"):
            # A 転入通知 reporting a 転入日 up to ten days back and the address there.
            back = data.draw(st.integers(0, 10), label="back")
            n.update(source="move_in_notice",
                     occurred_on=(self.clock.today - dt.timedelta(days=back)).isoformat(),
                     destination={"municipality_code": "011002", "text": "北海道札幌市中央区"})
        self.submit(n)

    @precondition(lambda self: self.households())
    @rule(data=st.data())
    def change_head(self, data: st.DataObject) -> None:
        hid = self.pick(data, self.households(), "hh")
        ids = self.members(hid)
        new_head = self.pick(data, ids, "head")
        self.submit(
            {
                "type": "change_head",
                "household_id": hid,
                "new_head_id": new_head,
                "relationships": self.relationships_for(data, [i for i in ids if i != new_head]),
            }
        )

    @precondition(lambda self: self.households())
    @rule(data=st.data())
    def split(self, data: st.DataObject) -> None:
        hid = self.pick(data, self.households(), "hh")
        ids = self.members(hid)
        chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True), label="who")
        new_head = self.pick(data, chosen, "head")
        self.submit(
            {
                "type": "split_household",
                "resident_ids": chosen,
                "new_head_id": new_head,
                "relationships": self.relationships_for(data, [i for i in chosen if i != new_head]),
            }
        )

    @precondition(lambda self: len(self.households()) >= 2)
    @rule(data=st.data())
    def merge(self, data: st.DataObject) -> None:
        source = self.pick(data, self.households(), "from")
        here = [h for h in self.households() if self.address_of(h) == self.address_of(source)]
        # Mostly a household at the same address; else refused (KJ-LOGIC-504).
        target = self.pick(data, here if data.draw(st.booleans()) else self.households(), "into")
        self.submit(
            {
                "type": "merge_households",
                "household_id": source,
                "into_household_id": target,
                "relationships": self.relationships_for(data, self.members(source)),
            }
        )

    @precondition(lambda self: self.store.state.residents)
    @rule(data=st.data())
    def correction(self, data: st.DataObject) -> None:
        rid = self.pick(data, sorted(self.store.state.residents), "rid")
        change = data.draw(
            st.sampled_from(
                [
                    {"given_name_kana": "はるか"},
                    {"sex": "female"},
                    {"birth_date": "1999-09-09"},
                    {"nationality": "カナダ"},
                    {"registered_domicile": "広島県呉市"},
                    {"resident_code": "12345678901"},
                    {"relationship": "世帯主"},
                    {},
                ]
            ),
            label="change",
        )
        self.submit(
            {"type": "correction", "resident_id": rid, "reason": "誤記修正", "changes": change}
        )

    def foreign_ids(self) -> list[str]:
        return sorted(r.resident_id for r in self.living() if r.kind == "foreign")

    def japanese_ids(self) -> list[str]:
        return sorted(r.resident_id for r in self.living() if r.kind == "japanese")

    @precondition(lambda self: self.foreign_ids())
    @rule(
        data=st.data(),
        kind=st.sampled_from(
            [
                "alias_entry",
                "alias_deletion",
                "stay_extension",
                "residence_status_change",
                "naturalization",
            ]
        ),
    )
    def foreign_resident_notice(self, data: st.DataObject, kind: str) -> None:
        rid = self.pick(data, self.foreign_ids(), "rid")
        n: dict[str, Any] = {"type": kind, "resident_id": rid}
        if kind == "alias_entry":
            n.update(alias="山田太郎", alias_kana="やまだたろう")
        elif kind in ("stay_extension", "residence_status_change"):
            n["stay_expires_on"] = "2031-03-31"
            n["stay_period"] = data.draw(st.sampled_from(["1年", "3年", "4年6月", "13月"]))
            if kind == "residence_status_change":
                n["residence_status"] = "定住者"
        elif kind == "naturalization":
            n.update(
                occurred_on=self.today(),
                family_name="山田",
                given_name="太郎",
                family_name_kana="やまだ",
                given_name_kana="たろう",
                registered_domicile="広島県呉市",
                domicile_head="山田　太郎",
            )
        self.submit(n)

    @precondition(lambda self: self.japanese_ids())
    @rule(
        data=st.data(),
        kind=st.sampled_from(
            [
                "former_surname_entry",
                "former_surname_deletion",
                "resident_code_change",
                "my_number_change",
                "individual_entry",
                "nationality_loss",
            ]
        ),
    )
    def japanese_resident_notice(self, data: st.DataObject, kind: str) -> None:
        rid = self.pick(data, self.japanese_ids(), "rid")
        n: dict[str, Any] = {"type": kind, "resident_id": rid}
        if kind == "former_surname_entry":
            n.update(former_surname="旧姓", former_surname_kana="きゅうせい")
        elif kind == "individual_entry":
            n.update(item="elector", fields={"投票区": "第3投票区"})
        elif kind == "nationality_loss":
            n.update(occurred_on=self.today(), nationality="大韓民国")
        self.submit(n)

    @precondition(lambda self: self.store.state.movements)
    @rule()
    def cancel_the_last_movement(self) -> None:
        last = self.store.state.movements[-1]
        receipt = self.submit(
            {"type": "cancellation", "movement_id": last.movement_id, "reason": "誤入力"}
        )
        if last.type == "cancellation" or last.movement_id not in self.before_movement:
            return
        # The last movement can always be cancelled, and the register is as before it.
        assert receipt is not None
        assert self.content() == self.before_movement[last.movement_id]

    @precondition(lambda self: len(self.store.state.movements) > 1)
    @rule(data=st.data())
    def cancel_any_movement(self, data: st.DataObject) -> None:
        ids = [m.movement_id for m in self.store.state.movements]
        self.submit(
            {
                "type": "cancellation",
                "movement_id": data.draw(st.sampled_from(ids)),
                "reason": "誤入力",
            }
        )

    @precondition(lambda self: self.persons_deleted_records())
    @rule(data=st.data(), late=st.integers(0, 10))
    def re_enter_a_deleted_person(self, data: st.DataObject, late: int) -> None:
        """再転入 by code: the person continues under the former 宛名番号."""
        records = self.persons_deleted_records()
        alive = [r for r in records if r.deletion.reason != "死亡"]
        if alive and data.draw(st.integers(0, 4), label="a deceased one") > 0:
            records = alive
        former = data.draw(st.sampled_from(records), label="former")
        p = person(
            sex=former.sex,
            birth_date=former.birth_date.isoformat(),
            codes=False,
            foreign=former.kind == "foreign",
        )
        keys = data.draw(
            st.sampled_from(["resident_code", "my_number", "both"]), label="matched by"
        )
        if keys in ("resident_code", "both"):
            p["resident_code"] = former.resident_code
        if keys in ("my_number", "both") and former.my_number:
            p["my_number"] = former.my_number
        if former.foreign is not None and former.foreign.residence_card_number:
            p["residence_card_number"] = former.foreign.residence_card_number
        occurred = max(self.clock.today - dt.timedelta(days=late), former.birth_date)
        receipt = self.submit(
            {
                "type": "move_in",
                "occurred_on": occurred.isoformat(),
                "notified_on": self.today(),
                "address": {"postal_code": "737-0045", "text": ADDRESSES[0]},
                "previous_address": {"municipality_code": "131016", "text": "東京都千代田区"},
                "household": {"new": True},
                "persons": [p],
            }
        )
        assert former.deletion is not None
        if former.deletion.reason == "死亡":
            assert receipt is None, "a deceased person's codes were accepted"
        elif receipt is not None:
            event("re-entry continued the former 宛名番号")
            assert receipt.resident_ids == (former.resident_id,)
            assert "KJ-WARN-602" in [w.code for w in receipt.warnings]
        else:
            # Only a foreign person's category items may stand in the way, never the codes.
            assert former.kind == "foreign"

    @precondition(lambda self: self.persons_deleted_records())
    @rule(data=st.data(), how=st.sampled_from(["move_in", "birth"]))
    def reuse_a_deleted_persons_code(self, data: st.DataObject, how: str) -> None:
        """番号法8条2項・住基法30条の3: never for anybody else."""
        former = data.draw(st.sampled_from(self.persons_deleted_records()), label="former")
        other = person(
            birth_date=(former.birth_date + dt.timedelta(days=1)).isoformat(), codes=False
        )
        code, number = unique_codes(900_000 + self.counter)
        self.counter += 1
        if data.draw(st.booleans(), label="code or number") or not former.my_number:
            other.update(resident_code=former.resident_code, my_number=number)
        else:
            other.update(resident_code=code, my_number=former.my_number)
        if how == "birth" and self.households():
            other.pop("birth_date")
            other["relationship"] = "子"
            n: dict[str, Any] = {
                "type": "birth",
                "occurred_on": self.today(),
                "household_id": self.pick(data, self.households(), "hh"),
                "person": other,
            }
        else:
            n = {
                "type": "move_in",
                "occurred_on": self.today(),
                "address": {"postal_code": "737-0045", "text": ADDRESSES[1]},
                "previous_address": {"municipality_code": "131016", "text": "東京都千代田区"},
                "household": {"new": True},
                "persons": [other],
            }
        assert self.submit(n) is None, "a deleted person's code was given to somebody else"

    @rule(
        data=st.data(),
        how=st.sampled_from(["move_in", "birth", "change_head", "correction"]),
        wrong=st.sampled_from(INVALID_RELATIONSHIPS),
    )
    def refuse_a_relationship_outside_the_standard(
        self, data: st.DataObject, how: str, wrong: str
    ) -> None:
        hid = self.pick(data, self.households(), "hh") if self.households() else None
        if how == "birth" and hid is not None:
            n: dict[str, Any] = {
                "type": "birth",
                "occurred_on": self.today(),
                "household_id": hid,
                "person": {
                    "family_name": "佐藤",
                    "given_name": "陽菜",
                    "family_name_kana": "さとう",
                    "given_name_kana": "ひな",
                    "sex": "female",
                    "relationship": wrong,
                },
            }
        elif how == "change_head" and hid is not None and len(self.members(hid)) >= 2:
            ids = self.members(hid)
            n = {
                "type": "change_head",
                "household_id": hid,
                "new_head_id": ids[0],
                "relationships": {i: wrong for i in ids[1:]},
            }
        elif how == "correction" and hid is not None:
            members = [r for r in self.living() if r.household_id == hid and not r.is_head]
            if not members:
                return
            n = {
                "type": "correction",
                "resident_id": members[0].resident_id,
                "reason": "誤記修正",
                "changes": {"relationship": wrong},
            }
        else:
            n = {
                "type": "move_in",
                "occurred_on": self.today(),
                "address": {"postal_code": "737-0045", "text": ADDRESSES[2]},
                "previous_address": {"municipality_code": "131016", "text": "東京都千代田区"},
                "household": {"new": True},
                "persons": [
                    self.new_person(data, "世帯主"),
                    person(relationship=wrong, codes=False),
                ],
            }
        before = self.store.snapshot()
        with pytest.raises(kj.FormatError) as refused:
            self.s.submit(n)
        assert {"KJ-FMT-601", "KJ-FMT-602"} & {p.code for p in refused.value.problems}
        assert self.store.snapshot() == before

    @rule(
        junk=st.dictionaries(
            st.sampled_from(["type", "resident_id", "persons", "occurred_on", "household_id", "x"]),
            st.one_of(
                st.none(),
                st.integers(),
                st.text(max_size=5),
                st.sampled_from(["move_in", "death", "birth"]),
            ),
            max_size=5,
        )
    )
    def garbage(self, junk: dict[str, Any]) -> None:
        assert self.submit(junk) is None

    @precondition(lambda self: self.living())
    @rule(data=st.data())
    def a_blocked_person_is_never_changed(self, data: st.DataObject) -> None:
        """異動抑止 (標準3.1) holds on every path: a 取消, a death in the household (which may
        make them head ex officio) and the daily batch leave a person blocked at error level
        exactly as they were."""
        rid = self.pick(data, sorted(r.resident_id for r in self.living()), "blocked")
        block = self.s.set_block(process="movement", resident_id=rid, reason="職権調査中")
        before = self.store.state.residents[rid]
        movements = self.store.state.movements
        if movements:
            target = self.pick(data, [m.movement_id for m in movements], "cancelled")
            self.submit({"type": "cancellation", "movement_id": target, "reason": "誤入力"})
        others = [m for m in self.members(before.household_id) if m != rid]
        if others:
            dead = self.pick(data, others, "dies")
            self.submit({"type": "death", "occurred_on": self.today(), "resident_id": dead})
        self.reg.process_due_move_outs()
        assert self.store.state.residents[rid] == before
        self.s.lift_block(block)

    @rule(
        data=st.data(),
        bad=st.sampled_from(["\x00", "\ud800", "\x1b", "\x9f", "\x7f"]),
        where=st.sampled_from(["name", "resident", "search", "operator"]),
    )
    def unstorable_text(self, data: st.DataObject, bad: str, where: str) -> None:
        """Text no store holds, anywhere: a FormatError naming the item, nothing changed,
        the refusal audited (service/entry_guard.py)."""
        text = data.draw(st.text(max_size=4), label="text") + bad
        before, content = self.store.snapshot(), self.content()
        trail = len(self.store.state.audit)
        attempts = {
            "name": lambda: self.s.submit(
                {"type": "correction", "resident_id": "R1", "reason": "誤記",
                 "changes": {"given_name": text}}
            ),
            "resident": lambda: self.s.resident(text),
            "search": lambda: self.s.search(family_name=text, birth_date="1980-04-01"),
            "operator": lambda: self.s.add_operator(text, password="x" * 16, role="clerk"),
        }
        try:
            attempts[where]()
        except kj.FormatError as e:
            assert {p.code for p in e.problems} & {"KJ-FMT-801", "KJ-FMT-802", "KJ-FMT-803"}
        else:
            raise AssertionError(f"unstorable text accepted ({where})")
        assert self.store.snapshot() == before and self.content() == content
        assert len(self.store.state.audit) == trail + 1  # the refusal, and only it

    @rule(
        blank=st.text(st.sampled_from(" \u3000\u2003\u00a0\t\n"), min_size=1, max_size=3),
        family=st.sampled_from([f for f, _ in FAMILY]),
    )
    def blank_search_item(self, blank: str, family: str) -> None:
        """A blank item does not count toward the two basic items of an identity search."""
        try:
            self.s.search(family_name=family, address=blank)
        except kj.AccessDenied as e:
            assert e.code == "KJ-ACCESS-002"
        else:
            raise AssertionError("a blank address counted as a search item")

    @precondition(lambda self: self.living())
    @rule(data=st.data())
    def print_a_copy(self, data: st.DataObject) -> None:
        # Whatever the register holds prints as registered, or as its recorded 代替文字, and
        # the PDF's text extracts back as that (標準7.2.3: the exact glyph on the copy).
        rid = self.pick(data, sorted(r.resident_id for r in self.living()), "rid")
        cert = self.s.issue_certificate("juminhyo", resident_ids=[rid], format="pdf")
        reader = pypdf.PdfReader(io.BytesIO(cert.content), strict=True)
        shown = "".join("".join(page.extract_text() for page in reader.pages).split())
        for where, text in cert.document.texts():
            for s in cert.substitutions:
                if s.where == where:
                    text = text.replace(s.original, s.substitute)
            assert "".join(text.split()) in shown, where
        family = self.s.resident(rid)["family_name"]
        for s in cert.substitutions:
            family = family.replace(s.original, s.substitute)
        assert "".join(family.split()) in shown

    @rule(days=st.integers(1, 10))
    def next_day(self, days: int) -> None:
        self.clock.advance(days=days)
        self.s = self.reg.login(
            "admin", "a-long-passphrase", terminal_id="T-SM", purpose="resident_records"
        )  # a new working day
        before = self.store.snapshot()
        done = self.reg.process_due_move_outs()
        if not done:
            assert self.store.snapshot() == before

    # -- invariants ---------------------------------------------------------------------
    @invariant()
    def one_household_each_and_one_head(self) -> None:
        state = self.store.state
        for hid in self.households():
            h = state.households[hid]
            assert h.is_active
            heads = [r for r in self.living() if r.household_id == hid and r.is_head]
            if h.head_id is None:
                assert not heads and len(self.members(hid)) >= 2
            else:
                assert [r.resident_id for r in heads] == [h.head_id]

    @invariant()
    def a_household_lives_at_one_address(self) -> None:
        for hid in self.households():
            assert len({r.address for r in self.living() if r.household_id == hid}) == 1, hid

    @invariant()
    def codes_unique_among_the_living(self) -> None:
        living = self.living()
        codes = Counter(r.resident_code for r in living)
        numbers = Counter(r.my_number for r in living)
        assert max(codes.values(), default=1) == 1
        assert max(numbers.values(), default=1) == 1

    @invariant()
    def dates_as_recorded_lie_in_their_periods(self) -> None:
        """A date kept as the 戸籍 records it parses, and its internal date is in its period."""
        for r in self.store.state.residents.values():
            pairs = []
            if r.as_recorded is not None:
                pairs += [
                    (r.as_recorded.birth_date, r.birth_date),
                    (r.as_recorded.became_resident_on, r.became_resident_on),
                    (r.as_recorded.address_since, r.address_since),
                ]
            if r.deletion is not None:
                pairs.append((r.deletion.deleted_on_as_recorded, r.deletion.deleted_on))
            for text, day in pairs:
                if text is None:
                    continue
                recorded = parse_recorded_date(text)
                if recorded.first is not None and recorded.last is not None:
                    assert recorded.first <= day <= recorded.last, (text, day)

    @invariant()
    def moved_out_records_keep_the_planned_move_out(self) -> None:
        """標準1.1.5, 4.1.3.1.1: a 除票 of a planned 転出 keeps its planned destination and date
        and is deleted no later than the planned date (the earlier of it and the 転入日)."""
        for r in self.store.state.residents.values():
            d, plan = r.deletion, r.planned_move_out
            if d is None or plan is None or d.reason not in ("転出", "国外転出"):
                continue
            assert d.destination == plan.destination and d.planned_on == plan.planned_on
            assert d.deleted_on <= plan.planned_on
            if d.confirmed is not None:
                assert d.deleted_on == min(plan.planned_on, d.confirmed.moved_in_on)

    @invariant()
    def stay_period_is_a_foreign_residents_well_formed_item(self) -> None:
        """在留期間 (住基法30条の45) is held by foreign residents only, in the checked form."""
        for r in self.store.state.residents.values():
            if r.foreign is None:
                continue
            period = r.foreign.stay_period
            assert period is None or is_valid_stay_period(period)

    @invariant()
    def member_order_lists_each_member_once_head_first(self) -> None:
        """標準5.2: the printed order of a household is its members, each once, head first."""
        for hid in self.households():
            members = [r for r in self.living() if r.household_id == hid]
            order = member_order(members)
            assert sorted(order) == sorted(r.resident_id for r in members)
            heads = [r.resident_id for r in members if r.is_head]
            assert order[: len(heads)] == tuple(heads)

    @invariant()
    def codes_of_deleted_records_belong_to_nobody_else(self) -> None:
        owners: dict[str, set[str]] = {}
        for r in self.store.state.residents.values():
            if r.deletion is not None and r.deletion.reason in NOT_THE_PERSONS_OWN:
                continue
            for code in (r.resident_code, r.my_number):
                if code:
                    owners.setdefault(code, set()).add(r.resident_id)
        shared = {code: ids for code, ids in owners.items() if len(ids) > 1}
        assert not shared, "a code of a 除票 belongs to another person"

    @invariant()
    def every_relationship_is_the_standards(self) -> None:
        assert all(Relationship.is_valid(r.relationship) for r in self.living())

    @invariant()
    def mj_names_are_stored_as_unicode_and_found(self) -> None:
        stored = {written: (text, kana) for written, text, kana in MJ_FAMILY}
        for r in self.living():
            name = r.name.family_name
            assert "{MJ" not in name and "&MJ" not in name
            if name in {text for text, _ in stored.values()}:
                event("a living resident with an MJ family name")
                assert MjText(name).not_mj == ()
                for query in (name, strip_selectors(name), r.name.family_name_kana):
                    criteria = SearchCriteria(family_name=query, birth_date=r.birth_date)
                    assert matches(r, criteria), query

    @invariant()
    def history_replays_into_the_same_register(self) -> None:
        rebuilt = MemoryStore()
        replay(list(self.store.state.movements), rebuilt, "342025")
        mine, theirs = self.store.snapshot(), rebuilt.snapshot()
        assert mine["residents"] == theirs["residents"]
        assert mine["households"] == theirs["households"]

    def teardown(self) -> None:
        assert self.reg.verify_audit_log().ok


RegisterMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestRegister = RegisterMachine.TestCase
