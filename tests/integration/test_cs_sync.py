"""The register tells the CS: every movement that changes 本人確認情報 items is checked and
enqueued with the next 更新順番号 in its own transaction, and the prefecture — which applies the
same checks itself — accepts all of it. Only the whitelisted items leave."""

from __future__ import annotations

import json
from collections.abc import Iterator

import attrs
import pytest

import kure_juki as kj
from kure_juki.adapters.cs.numbering import CsNumbering
from kure_juki.adapters.cs.simulated_peers import SimulatedNetwork
from kure_juki.adapters.cs.transport import Encoded
from kure_juki.domain.cs_messages import (
    IdentityUpdate,
    QueryByResidentCode,
    ReconciliationRequest,
    decode_message,
    encode_message,
)
from kure_juki.domain.identity_file import WHITELIST
from kure_juki.service.cs_delivery import deliver
from kure_juki.service.cs_sync import outbox_of
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.cs import identity_record
from kure_juki.testing.factories import move_in, person

KURE, HIROSHIMA = "342025", "341002"
PASSWORD = "a-long-passphrase"


@pytest.fixture
def network(clock: SettableClock) -> SimulatedNetwork:
    return SimulatedNetwork([KURE, HIROSHIMA, "131016"], clock=clock)


@pytest.fixture
def reg(store_url: str, clock: SettableClock, network: SimulatedNetwork) -> Iterator[kj.Registry]:
    link = network.link(KURE)
    registry = kj.open_registry(
        store_url,
        municipality_code=KURE,
        clock=clock,
        cs_link=link,
        numbering=CsNumbering(link),
    )
    registry.bootstrap_admin("admin", PASSWORD)
    yield registry
    registry.close()


@pytest.fixture
def s(reg: kj.Registry) -> kj.Session:
    return reg.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")


def updates(reg: kj.Registry) -> list[IdentityUpdate]:
    with reg.store.unit_of_work() as uow:
        found = [decode_message(e.body) for e in outbox_of(uow).entries()]
    return [m for m in found if isinstance(m, IdentityUpdate)]


def kinds(reg: kj.Registry) -> list[str]:
    with reg.store.unit_of_work() as uow:
        return [e.kind for e in outbox_of(uow).entries()]


def reasons(reg: kj.Registry) -> list[str]:
    return [u.reason for u in updates(reg)]


def test_every_movement_reaches_the_prefecture_with_its_reason(
    reg: kj.Registry, s: kj.Session, network: SimulatedNetwork
) -> None:
    family = s.submit(move_in())
    head, wife = family.resident_ids
    child = s.submit(
        {
            "type": "birth",
            "household_id": family.household_id,
            "occurred_on": "2026-11-24",
            "person": {
                "family_name": "佐藤",
                "given_name": "翔",
                "family_name_kana": "さとう",
                "given_name_kana": "しょう",
                "sex": "male",
                "relationship": "子",
            },
        }
    ).resident_ids[0]
    s.submit(
        {
            "type": "move_within",
            "occurred_on": "2026-11-25",
            "resident_ids": [head, wife, child],
            "address": {"postal_code": "737-0046", "text": "広島県呉市中通二丁目2番"},
        }
    )
    s.submit(
        {
            "type": "correction",
            "resident_id": wife,
            "reason": "誤記",
            "changes": {"given_name": "花代"},
        }
    )
    s.submit(
        {
            "type": "former_surname_entry",
            "resident_id": wife,
            "former_surname": "山田",
            "former_surname_kana": "やまだ",
        }
    )
    s.submit({"type": "resident_code_change", "resident_id": child})
    s.submit({"type": "my_number_change", "resident_id": child})
    s.submit(
        {
            "type": "change_head",
            "household_id": family.household_id,
            "new_head_id": wife,
            "relationships": {wife: "世帯主", head: "夫", child: "子"},
        }
    )
    s.submit({"type": "death", "occurred_on": "2026-11-26", "resident_id": head})
    s.submit(
        {
            "type": "move_out",
            "occurred_on": "2026-12-10",
            "resident_ids": [wife, child],
            "destination": {"municipality_code": HIROSHIMA, "text": "広島県広島市中区基町1番"},
        }
    )
    assert reasons(reg) == [
        "転入",
        "転入",
        "出生",
        "転居",
        "転居",
        "転居",
        "職権修正",
        "旧氏記載",
        "住民票コード変更",
        "個人番号変更",
        "続柄変更",  # the wife becomes 世帯主
        "続柄変更",  # the husband becomes 夫
        "死亡",
        "転出",
        "転出",
    ]
    assert [u.update_sequence for u in updates(reg)] == list(range(1, 16))
    sent = kinds(reg)
    assert sent.count("move_in_notice") == 2  # to 千代田区, the former municipality
    assert sent.count("delivery_info") == 2  # the newborn, then the changed number
    assert sent.count("move_out_certificate") == 2

    report = deliver(reg)
    assert (report.refused, report.pending) == ((), 0)
    assert network.prefecture.last_applied(KURE) == 15
    assert reg.reconcile().ok
    child_view = s.resident(child)
    (national,) = reg.cs_link.query_identity(QueryByResidentCode(child_view["resident_code"]))
    assert national.my_number == child_view["my_number"]


def test_a_birth_gets_its_my_number_from_the_national_server(
    reg: kj.Registry, s: kj.Session, network: SimulatedNetwork
) -> None:
    family = s.submit(move_in([person()]))
    born = s.submit(
        {
            "type": "birth",
            "household_id": family.household_id,
            "occurred_on": "2026-11-25",
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
    view = s.resident(born.resident_ids[0])
    assert network.national._issued[view["resident_code"]] == view["my_number"]


def test_naturalization_and_cancellations_keep_the_prefecture_in_step(
    reg: kj.Registry, s: kj.Session
) -> None:
    foreigner = person(foreign=True)
    r = s.submit(move_in([foreigner]))
    s.submit({"type": "alias_entry", "resident_id": r.resident_ids[0], "alias": "山田次郎"})
    s.submit(
        {
            "type": "naturalization",
            "occurred_on": "2026-11-25",
            "resident_id": r.resident_ids[0],
            "family_name": "鈴木",
            "given_name": "譲",
            "family_name_kana": "すずき",
            "given_name_kana": "じょう",
            "registered_domicile": "広島県呉市",
            "domicile_head": "鈴木　譲",
        }
    )
    other = s.submit(move_in([person()]))
    moved = s.submit(
        {
            "type": "move_within",
            "occurred_on": "2026-11-25",
            "resident_ids": list(other.resident_ids),
            "address": {"postal_code": "737-0046", "text": "広島県呉市中通二丁目2番"},
        }
    )
    s.submit({"type": "cancellation", "movement_id": moved.movement_id, "reason": "誤入力"})
    s.submit({"type": "cancellation", "movement_id": other.movement_id, "reason": "誤入力"})
    assert reasons(reg) == ["転入", "職権消除", "帰化", "転入", "転居", "職権修正", "職権消除"]
    report = deliver(reg)
    assert (report.refused, report.pending) == ((), 0)
    assert reg.reconcile().ok


def test_only_the_whitelisted_items_leave(reg: kj.Registry, s: kj.Session) -> None:
    receipt = s.submit(move_in([person(foreign=True)]))
    with reg.store.unit_of_work() as uow:
        bodies = [json.loads(e.body) for e in outbox_of(uow).entries(state="pending")]
    records = [b["body"]["record"] for b in bodies if b["type"] == "identity_update"]
    assert records and all(set(r) == WHITELIST for r in records)
    text = json.dumps(records, ensure_ascii=False)
    (rid,) = receipt.resident_ids
    for held_back in ("アメリカ合衆国", "技術・人文知識・国際業務", "AB12345678CD", rid):
        assert held_back not in text  # nationality, status, card number, 宛名番号 stay home


def test_a_record_the_cs_would_refuse_fails_the_submit_and_writes_nothing(
    reg: kj.Registry, s: kj.Session
) -> None:
    s.add_operator("窓口担当", password="clerk-passphrase-01", role="clerk")
    clerk = reg.login(
        "窓口担当", "clerk-passphrase-01", terminal_id="T-002", purpose="resident_records"
    )
    with pytest.raises(kj.FormatError) as refused:
        clerk.submit(move_in([person()]))
    assert {(p.code, p.item) for p in refused.value.problems} == {("KJ-FMT-112", "operator_id")}
    with reg.store.unit_of_work() as uow:
        assert uow.residents.count() == 0
        assert outbox_of(uow).pending_count() == 0
        assert outbox_of(uow).last_update_sequence() == 0
        assert uow.movements.last_id() == 0


def test_without_a_cs_link_nothing_is_enqueued(clock: SettableClock) -> None:
    registry = kj.open_registry("memory://", municipality_code=KURE, clock=clock)
    registry.bootstrap_admin("admin", PASSWORD)
    session = registry.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")
    session.submit(move_in())
    with registry.store.unit_of_work() as uow:
        assert list(outbox_of(uow).entries()) == []
    with pytest.raises(kj.LinkError) as missing:
        deliver(registry)
    assert missing.value.code == "KJ-LINK-029"


def test_reconciliation_reports_each_kind_of_difference(
    reg: kj.Registry, s: kj.Session, network: SimulatedNetwork
) -> None:
    people = [person(given=i) for i in range(4)]
    for p in people:
        s.submit(move_in([p]))
    deliver(reg)
    codes = [p["resident_code"] for p in people]
    prefecture = network.prefecture
    prefecture.forget(KURE, codes[0])  # missing there
    altered = prefecture.record(KURE, codes[1])
    assert altered is not None
    prefecture.alter(attrs.evolve(altered, address="広島県呉市宝町1番"))
    prefecture.alter(identity_record(9999))  # missing here
    moved = s.submit(
        {
            "type": "move_within",
            "occurred_on": "2026-11-25",
            "resident_ids": [s.search(resident_code=codes[2])[0]["resident_id"]],
            "address": {"postal_code": "737-0046", "text": "広島県呉市中通二丁目2番"},
        }
    )
    assert moved.resident_ids  # its update waits in the outbox: in flight, not a fault
    report = reg.reconcile(page_size=2)
    assert report.counts == {
        "missing_here": 1,
        "missing_there": 1,
        "differing_items": 1,
        "sequence_gap": 1,
        "sequence_behind": 0,
    }
    assert (report.in_flight, report.ok) == (1, False)
    assert (report.ours, report.theirs) == (4, 4)
    differing = next(d for d in report.differences if d.kind == "differing_items")
    assert differing.items == ("address",)
    text = report.to_text()
    assert "整合性確認" in text and "広島県呉市宝町" not in text  # item names, never values
    with reg.store.unit_of_work() as uow:
        audited = [e for e in uow.audit.iter_all() if e.operation == "reconcile"]
    assert audited[-1].detail["consistent"] is False
    assert audited[-1].detail["differing_items"] == 1


def test_the_prefecture_sends_pages_exactly_as_encode_message_would(
    network: SimulatedNetwork,
) -> None:
    records = [identity_record(n) for n in (3, 1, 2)]
    network.prefecture.load(
        [*records, identity_record(4, former_surname="山田", former_surname_kana="やまだ")]
    )
    member = "cs-342025"
    for after, limit in ((None, 2), (records[0].resident_code, 10), (None, 10)):
        reply = network.prefecture.handle(member, ReconciliationRequest(KURE, after, limit))
        assert isinstance(reply, Encoded)
        assert reply.data == encode_message(reply.message)
