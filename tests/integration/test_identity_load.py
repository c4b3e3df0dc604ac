"""本人確認情報ファイルの初期作成: a register migrated from an old system (its residents there
before any CS link) takes over the prefecture's copy as its CS file without sending anything,
continues the city's 更新順番号 where the old system left it, names the persons on which the two
disagree, and the next movement's update is applied by the prefecture in turn."""

from __future__ import annotations

import attrs
import pytest

import kure_juki as kj
from kure_juki.adapters.cs.simulated_peers import SimulatedNetwork
from kure_juki.domain.identity_file import IdentityRecord
from kure_juki.domain.identity_mapping import UpdateFacts, identity_record
from kure_juki.service.cs_delivery import deliver
from kure_juki.service.cs_sync import outbox_of
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.cs import identity_record as stranger
from kure_juki.testing.factories import move_in, person

KURE = "342025"
PASSWORD = "a-long-passphrase"
OLD_SYSTEM_LAST = 41_207  # the last 更新順番号 the old system sent for the city


def migrated_register(url: str, clock: SettableClock, people: int) -> tuple[kj.Registry, list[str]]:
    """Residents recorded before the register has a CS link (as a migration leaves them)."""
    reg = kj.open_registry(url, municipality_code=KURE, clock=clock)
    reg.bootstrap_admin("admin", PASSWORD)
    s = reg.login("admin", PASSWORD, terminal_id="T-1", purpose="resident_records")
    ids: list[str] = []
    for _ in range(people // 2):
        ids += s.submit(
            move_in([person(), person(relationship="妻", sex="female", birth_date="1984-02-03")])
        ).resident_ids
    return reg, ids


def old_system_copy(reg: kj.Registry, clock: SettableClock) -> list[IdentityRecord]:
    """The prefecture's copy as the old system left it: the same persons, its own bookkeeping,
    the last of them written by update OLD_SYSTEM_LAST."""
    with reg.store.unit_of_work() as uow:
        people = list(uow.residents.iter_all())
    records = []
    for n, r in enumerate(people, start=1):
        facts = UpdateFacts(
            municipality_code=KURE,
            changed_on=r.address_since,
            notified_on=r.address_notified_on,
            operator_id="OLDSYS",
            terminal_id="OLD-01",
            request_number=f"OLD-{n:06d}",
            update_sequence=OLD_SYSTEM_LAST - len(people) + n,
            timestamp=clock(),
        )
        records.append(
            identity_record(r, "転入", facts, resident_code_used_from=r.became_resident_on)
        )
    return sorted(records, key=lambda rec: rec.resident_code)


def linked(reg: kj.Registry, network: SimulatedNetwork, clock: SettableClock) -> kj.Registry:
    return kj.Registry(reg.store, municipality_code=KURE, clock=clock, cs_link=network.link(KURE))


def move(reg: kj.Registry, ids: list[str]) -> None:
    s = reg.login("admin", PASSWORD, terminal_id="T-1", purpose="resident_records")
    s.submit(
        {
            "type": "move_within",
            "occurred_on": "2026-11-20",
            "notified_on": "2026-11-25",
            "resident_ids": ids,
            "address": {"postal_code": "737-0041", "text": "広島県呉市和庄一丁目2番3号"},
        }
    )


def test_a_migrated_register_takes_over_the_cs_file_and_numbering(
    store_url: str, clock: SettableClock
) -> None:
    before, ids = migrated_register(store_url, clock, 8)
    network = SimulatedNetwork([KURE], clock=clock)
    copy = old_system_copy(before, clock)
    network.prefecture.load(copy, last_applied=OLD_SYSTEM_LAST)
    reg = linked(before, network, clock)

    report = reg.load_identity_file()
    assert (report.adopted, report.kept, report.ok) == (8, 0, True)
    assert report.last_update_sequence == OLD_SYSTEM_LAST
    with reg.store.unit_of_work() as uow:
        box = outbox_of(uow)
        assert box.pending_count() == 0  # nothing sent: the prefecture has these persons
        assert list(box.identities.iter_sorted()) == copy  # bookkeeping and all
    assert reg.reconcile().ok

    move(reg, ids[:2])
    sent = deliver(reg)
    assert (sent.sent, sent.pending, sent.failures) == (2, 0, ())
    assert network.prefecture.last_applied(KURE) == OLD_SYSTEM_LAST + 2
    assert reg.reconcile().ok

    again = reg.load_identity_file()
    assert (again.adopted, again.kept) == (0, 8)
    with reg.store.unit_of_work() as uow:
        trail = [e.detail for e in uow.audit.iter_all() if e.operation == "identity_file_load"]
    assert [(d["adopted"], d["kept"]) for d in trail] == [(8, 0), (0, 8)]
    before.close()


def test_disagreements_are_named_for_the_clerk_never_shown(
    store_url: str, clock: SettableClock
) -> None:
    before, ids = migrated_register(store_url, clock, 6)
    copy = old_system_copy(before, clock)
    with before.store.unit_of_work() as uow:
        first = uow.residents.get(ids[0])
        missing = uow.residents.get(ids[5])
    assert first is not None and missing is not None
    # The old system told the CS another address for one person, never told it of another,
    # and holds a third the register does not know.
    copy = [
        attrs.evolve(rec, address="広島県呉市宝町1番1号")
        if rec.resident_code == first.resident_code
        else rec
        for rec in copy
        if rec.resident_code != missing.resident_code
    ]
    extra = stranger(900, update_sequence=OLD_SYSTEM_LAST - 50)
    copy = sorted([*copy, extra], key=lambda rec: rec.resident_code)
    network = SimulatedNetwork([KURE], clock=clock)
    # Every update the prefecture applied left its number on the record it wrote.
    last = max(rec.update_sequence for rec in copy)
    network.prefecture.load(copy, last_applied=last)
    reg = linked(before, network, clock)

    report = reg.load_identity_file()
    assert not report.ok and report.last_update_sequence == last
    assert report.differing == ((ids[0], ("address",)),)
    assert report.missing_there == (ids[5],)
    assert report.missing_here == (extra.resident_code,)
    assert "宝町" not in repr(report)
    # The file is the prefecture's: the next movement of that person sends the register's
    # address as a 転居 from what the CS holds, and the prefecture applies it.
    move(reg, ids[:2])
    sent = deliver(reg)
    assert (sent.sent, sent.failures) == (2, ())
    with reg.store.unit_of_work() as uow:
        held = outbox_of(uow).identities.get(first.resident_code)
    assert held is not None and held.address == "広島県呉市和庄一丁目2番3号"
    before.close()


def test_a_register_without_a_cs_link_is_told_so(store_url: str, clock: SettableClock) -> None:
    reg, _ = migrated_register(store_url, clock, 2)
    with pytest.raises(kj.LinkError) as none:
        reg.load_identity_file()
    assert none.value.code == "KJ-LINK-029"
    reg.close()
