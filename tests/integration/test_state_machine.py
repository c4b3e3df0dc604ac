"""A hypothesis state machine submitting long random sequences of notifications.

After every step: each living resident is in exactly one active household; each household
with members has exactly one head (or none while an announced 世帯主変更 is awaited); no two
living residents share a 住民票コード or 個人番号; a rejected notification left the register
byte-for-byte as it was; and the history replayed from empty rebuilds the same register.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import kure_juki as kj
from kure_juki.adapters.memory.store import MemoryStore
from kure_juki.domain.mj_text import MjText, strip_selectors
from kure_juki.domain.search import SearchCriteria, matches
from kure_juki.domain.serialization import household_to_dict, resident_to_dict
from kure_juki.service.replay import replay
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import FAMILY, person, unique_codes

ADDRESSES = [
    "広島県呉市本通一丁目1番1号",
    "広島県呉市中通二丁目2番2号",
    "広島県呉市広古新開三丁目3番",
]
RELATIONSHIPS = ["妻", "夫", "子", "父", "母", "同居人", "孫"]
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
        if data.draw(st.booleans(), label="with codes"):
            p.update(resident_code=code, my_number=number)
        if data.draw(st.integers(0, 3), label="MJ family name") == 0:
            written, _, kana = data.draw(st.sampled_from(MJ_FAMILY), label="MJ name")
            p.update(family_name=written, family_name_kana=kana)
        return p

    def pick(self, data: st.DataObject, items: list[str], label: str) -> str:
        return data.draw(st.sampled_from(items), label=label)

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
        if self.households() and data.draw(st.integers(0, 3)) == 0:
            household = {"household_id": self.pick(data, self.households(), "hh")}
            persons = persons[1:] or [self.new_person(data, "同居人")]
        self.submit(
            {
                "type": self.pick(data, ["move_in", "move_in", "move_in_from_abroad"], "t"),
                "occurred_on": occurred.isoformat(),
                "notified_on": self.today(),
                "address": {"postal_code": "737-0045", "text": self.pick(data, ADDRESSES, "addr")},
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
        self.submit({"type": "confirm_move_out", "resident_ids": [self.pick(data, planned, "rid")]})

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
        target = self.pick(data, self.households(), "into")
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
    def codes_unique_among_the_living(self) -> None:
        living = self.living()
        codes = Counter(r.resident_code for r in living)
        numbers = Counter(r.my_number for r in living)
        assert max(codes.values(), default=1) == 1
        assert max(numbers.values(), default=1) == 1

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
