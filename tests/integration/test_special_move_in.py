"""特例転入 end to end between two registers: a move-out recorded in A, the card presented in B,
B fetches A's 転出証明書情報 through the simulated CS and records the move-in, the 転入通知 goes
to A, and A confirms the move-out (消除) when it takes the notice in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

import kure_juki as kj
from kure_juki.adapters.card.simulated import SimulatedCardReader
from kure_juki.adapters.card.simulated_card import SimulatedMyNumberCard
from kure_juki.adapters.cs.simulated_peers import SimulatedNetwork
from kure_juki.domain.card import CardIdentity
from kure_juki.domain.cs_messages import PeerRefused
from kure_juki.service.cs_delivery import deliver
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

A, B, C = "342025", "341002", "342076"  # 呉市, 広島市, 福山市
PASSWORD = "a-long-passphrase"
PIN = "1234"
NEW_ADDRESS = {"postal_code": "730-0011", "text": "広島県広島市中区基町10番52号"}


class Town:
    def __init__(self, url: str, code: str, clock: SettableClock, network: SimulatedNetwork):
        self.code = code
        self.reg = kj.open_registry(
            url, municipality_code=code, clock=clock, cs_link=network.link(code)
        )
        self.reg.bootstrap_admin("admin", PASSWORD)

    def session(self) -> kj.Session:
        return self.reg.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")


@pytest.fixture
def network(clock: SettableClock) -> SimulatedNetwork:
    return SimulatedNetwork([A, B, C], clock=clock)


@pytest.fixture
def towns(
    store_url: str, tmp_path: Path, clock: SettableClock, network: SimulatedNetwork
) -> Iterator[tuple[Town, Town]]:
    second = "memory://" if store_url == "memory://" else f"sqlite:///{tmp_path / 'b.db'}"
    a, b = Town(store_url, A, clock, network), Town(second, B, clock, network)
    yield a, b
    a.reg.close()
    b.reg.close()


def moved_out(a: Town, destination: str = B) -> tuple[str, dict[str, str], CardIdentity]:
    """A resident of A who notified a move-out, and the card they carry."""
    s = a.session()
    p = person()
    rid = s.submit(move_in([p])).resident_ids[0]
    s.submit(
        {
            "type": "move_out",
            "occurred_on": "2026-12-01",
            "resident_ids": [rid],
            "destination": {"municipality_code": destination, "text": NEW_ADDRESS["text"]},
        }
    )
    assert deliver(a.reg).pending == 0
    view = s.resident(rid)
    card = CardIdentity(
        my_number=p["my_number"],
        name=f"{view['family_name']}　{view['given_name']}",
        address=view["address"]["text"],
        birth_date=dt.date.fromisoformat(p["birth_date"]),
        sex="male",
    )
    return rid, p, card


def test_special_move_in_end_to_end(
    towns: tuple[Town, Town], clock: SettableClock, network: SimulatedNetwork
) -> None:
    a, b = towns
    rid, p, card = moved_out(a)
    clock.set("2026-12-02T09:30:00+09:00")

    counter = b.session()
    read = counter.read_card(SimulatedCardReader(SimulatedMyNumberCard(card, pin=PIN)), PIN)
    receipt = counter.special_move_in(
        read, address=NEW_ADDRESS, household={"new": True}, occurred_on="2026-12-01"
    )
    newcomer = counter.resident(receipt.resident_ids[0])
    assert newcomer["resident_code"] == p["resident_code"]
    assert newcomer["my_number"] == p["my_number"]
    assert newcomer["registered_domicile"] == p["registered_domicile"]
    assert newcomer["history"][0]["type"] == "move_in"
    assert deliver(b.reg).pending == 0
    at_prefecture = network.prefecture.record(B, p["resident_code"])
    assert at_prefecture is not None and at_prefecture.change_reason == "特例転入"

    # A takes the 転入通知 in: the planned move-out becomes a 除票.
    assert a.session().resident(rid)["status"] == "planned_move_out"
    report = a.reg.process_move_in_notices()
    assert report.confirmed == (rid,) and len(report.acknowledged) == 1 and not report.problems
    gone = a.session().resident(rid)
    assert gone["status"] == "deleted"
    assert gone["deletion"]["destination"]["municipality_code"] == B
    assert deliver(a.reg).pending == 0
    removed = network.prefecture.record(A, p["resident_code"])
    assert removed is not None and removed.record_state == "deleted"
    assert a.reg.process_move_in_notices() == type(report)()  # nothing left
    assert a.reg.reconcile().ok and b.reg.reconcile().ok
    with a.reg.store.unit_of_work() as uow:
        trail = [(e.operation, e.outcome) for e in uow.audit.search(subject_id=rid)]
    assert ("move_in_notice", "ok") in trail


def test_the_card_must_match_the_certificate(
    towns: tuple[Town, Town], clock: SettableClock
) -> None:
    a, b = towns
    _, _, card = moved_out(a)
    other = attrs.evolve(card, birth_date=dt.date(1979, 4, 1), address="広島県呉市宝町1番")
    counter = b.session()
    with pytest.raises(kj.LogicError) as refused:
        counter.special_move_in(
            other, address=NEW_ADDRESS, household={"new": True}, occurred_on="2026-12-01"
        )
    assert {(x.code, x.item) for x in refused.value.problems} == {
        ("KJ-LOGIC-118", "birth_date"),
        ("KJ-LOGIC-118", "address"),
    }
    with b.reg.store.unit_of_work() as uow:
        assert uow.residents.count() == 0
        refusals = [e for e in uow.audit.iter_all() if e.operation == "special_move_in"]
    assert refusals[-1].outcome == "refused" and refusals[-1].code == "KJ-LOGIC-118"


def test_only_the_destination_named_in_the_certificate_can_use_it(
    towns: tuple[Town, Town], network: SimulatedNetwork, clock: SettableClock
) -> None:
    a, b = towns
    _, _, card = moved_out(a, destination=C)
    with pytest.raises(PeerRefused) as refused:
        b.session().special_move_in(
            card, address=NEW_ADDRESS, household={"new": True}, occurred_on="2026-12-01"
        )
    assert refused.value.peer_codes == ("KJ-LINK-026",)


@pytest.mark.parametrize("delivered_first", [True, False])
def test_a_cancelled_move_out_takes_its_certificate_back(
    towns: tuple[Town, Town], clock: SettableClock, delivered_first: bool
) -> None:
    a, b = towns
    s = a.session()
    p = person()
    rid = s.submit(move_in([p])).resident_ids[0]
    out = s.submit(
        {
            "type": "move_out",
            "occurred_on": "2026-12-01",
            "resident_ids": [rid],
            "destination": {"municipality_code": B, "text": NEW_ADDRESS["text"]},
        }
    )
    if delivered_first:  # the destination could have fetched it already
        assert deliver(a.reg).pending == 0
        assert network_certificate(b, p["resident_code"]) is not None
    s.submit({"type": "cancellation", "movement_id": out.movement_id, "reason": "届出の取下げ"})
    report = deliver(a.reg)
    assert report.pending == 0 and not report.failures
    assert network_certificate(b, p["resident_code"]) is None
    view = b.session()
    card = CardIdentity(
        my_number=p["my_number"],
        name=f"{p['family_name']}　{p['given_name']}",
        address=s.resident(rid)["address"]["text"],
        birth_date=dt.date.fromisoformat(p["birth_date"]),
        sex="male",
    )
    with pytest.raises(PeerRefused) as refused:
        view.special_move_in(
            card, address=NEW_ADDRESS, household={"new": True}, occurred_on="2026-12-01"
        )
    assert refused.value.peer_codes == ("KJ-LINK-026",)


def network_certificate(town: Town, resident_code: str) -> object:
    link = town.reg.cs_link
    assert link is not None
    try:
        return link.fetch_move_out_certificate(resident_code, town.code)
    except PeerRefused as refused:
        assert refused.peer_codes == ("KJ-LINK-026",)
        return None


def test_a_card_the_national_server_does_not_know(
    towns: tuple[Town, Town], clock: SettableClock
) -> None:
    _, b = towns
    stranger = CardIdentity(
        my_number=person()["my_number"],
        name="呉　花子",
        address="広島県呉市中央四丁目1番6号",
        birth_date=dt.date(1990, 1, 1),
        sex="female",
    )
    with pytest.raises(kj.LinkError) as unknown:
        b.session().special_move_in(
            stranger, address=NEW_ADDRESS, household={"new": True}, occurred_on="2026-12-01"
        )
    assert unknown.value.code == "KJ-LINK-030"


def test_special_move_in_needs_a_cs_link(clock: SettableClock) -> None:
    reg = kj.open_registry("memory://", municipality_code=B, clock=clock)
    reg.bootstrap_admin("admin", PASSWORD)
    s = reg.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")
    card = CardIdentity(
        my_number=person()["my_number"],
        name="呉　花子",
        address="広島県呉市中央四丁目1番6号",
        birth_date=dt.date(1990, 1, 1),
        sex="female",
    )
    with pytest.raises(kj.LinkError) as missing:
        s.special_move_in(
            card, address=NEW_ADDRESS, household={"new": True}, occurred_on="2026-12-01"
        )
    assert missing.value.code == "KJ-LINK-029"


def test_a_notice_for_someone_without_a_planned_move_out_waits_for_the_clerk(
    towns: tuple[Town, Town], network: SimulatedNetwork, clock: SettableClock
) -> None:
    a, b = towns
    s = a.session()
    p = person()
    rid = s.submit(move_in([p])).resident_ids[0]
    # B records an ordinary 転入 naming A as the former municipality, though A knows no 転出.
    other = b.session()
    arriving = person(resident_code=p["resident_code"], my_number=p["my_number"])
    notice = move_in([arriving], address=NEW_ADDRESS["text"])
    notice["address"] = NEW_ADDRESS
    notice["previous_address"] = {"municipality_code": A, "text": "広島県呉市本通一丁目1番1号"}
    other.submit(notice)
    deliver(b.reg)
    report = a.reg.process_move_in_notices()
    assert report.confirmed == () and report.acknowledged == ()
    assert [x.code for _, x in report.problems] == ["KJ-LOGIC-120"]
    assert s.resident(rid)["status"] == "resident"
    assert len(network.exchange._mailboxes[A]) == 1  # still waiting, not lost


def test_taking_a_notice_in_again_after_a_crash_only_acknowledges_it(
    towns: tuple[Town, Town], network: SimulatedNetwork, clock: SettableClock
) -> None:
    a, b = towns
    rid, _, card = moved_out(a)
    clock.set("2026-12-02T09:30:00+09:00")
    b.session().special_move_in(
        card, address=NEW_ADDRESS, household={"new": True}, occurred_on="2026-12-01"
    )
    deliver(b.reg)
    link = a.reg.cs_link
    assert link is not None
    real_ack = link.acknowledge_move_in_notice

    def crash(number: str) -> object:
        raise kj.LinkError("KJ-LINK-010")

    link.acknowledge_move_in_notice = crash  # type: ignore[method-assign]
    with pytest.raises(kj.LinkError):
        a.reg.process_move_in_notices()
    assert a.session().resident(rid)["status"] == "deleted"  # the 消除 was committed
    link.acknowledge_move_in_notice = real_ack  # type: ignore[method-assign]
    again = a.reg.process_move_in_notices()
    assert again.confirmed == () and len(again.acknowledged) == 1
    assert network.exchange._mailboxes[A] == {}


def test_the_move_in_notice_deletes_on_the_earlier_day_and_keeps_the_plan(
    towns: tuple[Town, Town], clock: SettableClock
) -> None:
    """標準1.1.5, 4.1.3.1.1; 住基令13条: planned for 12-10, moved in on 12-02: the 除票 is of
    12-02, and keeps the planned date and destination beside what the 転入通知 reported."""
    a, b = towns
    s = a.session()
    p = person()
    rid = s.submit(move_in([p])).resident_ids[0]
    planned = {"municipality_code": B, "text": "広島県広島市南区架空町1番"}
    s.submit({"type": "move_out", "occurred_on": "2026-12-10", "resident_ids": [rid],
              "destination": planned})
    assert deliver(a.reg).pending == 0
    view = s.resident(rid)
    card = CardIdentity(my_number=p["my_number"],
                        name=f"{view['family_name']}　{view['given_name']}",
                        address=view["address"]["text"],
                        birth_date=dt.date.fromisoformat(p["birth_date"]), sex="male")
    clock.set("2026-12-03T09:30:00+09:00")
    counter = b.session()
    read = counter.read_card(SimulatedCardReader(SimulatedMyNumberCard(card, pin=PIN)), PIN)
    counter.special_move_in(read, address=NEW_ADDRESS, household={"new": True},
                            occurred_on="2026-12-02")
    assert deliver(b.reg).pending == 0
    report = a.reg.process_move_in_notices()
    assert report.confirmed == (rid,)
    d = a.session().resident(rid)["deletion"]
    assert d["deleted_on"] == "2026-12-02" and d["planned_on"] == "2026-12-10"
    assert d["destination"]["text"] == planned["text"]  # not overwritten by the notice
    assert d["move_in_notice"]["moved_in_on"] == "2026-12-02"
    assert d["move_in_notice"]["destination"]["text"] == NEW_ADDRESS["text"]
    copy = a.session().issue_certificate("jojo", resident_ids=[rid]).text
    assert "令和8年12月10日" in copy and planned["text"] in copy and NEW_ADDRESS["text"] in copy
