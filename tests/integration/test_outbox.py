"""The outbox port on every store: what each adapter must do (``ports.outbox``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kure_juki as kj
from kure_juki.domain.cs_messages import IdentityUpdate, MoveInNotice
from kure_juki.ports.outbox import Outbox
from kure_juki.ports.storage import Store
from kure_juki.service.cs_sync import outbox_of
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.cs import identity_record

KURE = "342025"
T0 = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
LEASE = dt.timedelta(seconds=60)


@pytest.fixture
def store(store_url: str, clock: SettableClock) -> Iterator[Store]:
    reg = kj.open_registry(store_url, municipality_code=KURE, clock=clock)
    yield reg.store
    reg.close()


def notice(n: int) -> MoveInNotice:
    return MoveInNotice(
        notice_number=f"{KURE}-TN{n}",
        from_municipality_code=KURE,
        to_municipality_code="341002",
        resident_code=identity_record(n).resident_code,
        name_kanji="呉　太郎",
        name_kana="くれ　たろう",
        birth_date=dt.date(1980, 4, 1),
        sex="male",
        new_postal_code="737-0045",
        new_address="広島県呉市中央四丁目1番6号",
        moved_in_on=dt.date(2026, 11, 20),
        notified_on=dt.date(2026, 11, 25),
    )


def add_updates(box: Outbox, count: int, first_person: int = 1) -> None:
    for i in range(count):
        sequence = box.next_update_sequence()
        record = identity_record(first_person + i, update_sequence=sequence)
        box.enqueue(IdentityUpdate(KURE, "転入", record), now=T0)
        box.identities.put(record)


def test_writes_commit_and_roll_back_with_the_unit(store: Store) -> None:
    with store.unit_of_work() as uow:
        add_updates(outbox_of(uow), 2)
        outbox_of(uow).enqueue(notice(1), now=T0)
        # not committed
    with store.unit_of_work() as uow:
        box = outbox_of(uow)
        assert (box.pending_count(), box.last_update_sequence(), box.identities.count()) == (
            0,
            0,
            0,
        )
        add_updates(box, 2)
        box.enqueue(notice(1), now=T0)
        assert box.pending_count() == 3  # the unit reads its own writes
        uow.commit()
    with store.unit_of_work() as uow:
        box = outbox_of(uow)
        assert (box.pending_count(), box.last_update_sequence(), box.identities.count()) == (
            3,
            2,
            2,
        )
        entries = list(box.entries())
    assert [(e.stream, e.kind, e.key, e.sequence) for e in entries] == [
        ("prefecture", "identity_update", "1", 1),
        ("prefecture", "identity_update", "2", 2),
        ("exchange", "move_in_notice", f"{KURE}-TN1", None),
    ]
    assert all(e.state == "pending" and e.attempts == 0 for e in entries)


def test_an_update_must_carry_the_number_just_taken(store: Store) -> None:
    with store.unit_of_work() as uow:
        box = outbox_of(uow)
        box.next_update_sequence()
        wrong = IdentityUpdate(KURE, "転入", identity_record(1, update_sequence=5))
        with pytest.raises(kj.LinkError) as refused:
            box.enqueue(wrong, now=T0)
        assert refused.value.code == "KJ-LINK-019"


def test_claims_follow_each_stream_from_its_head_under_a_lease(store: Store) -> None:
    with store.unit_of_work() as uow:
        box = outbox_of(uow)
        add_updates(box, 3)
        box.enqueue(notice(1), now=T0)
        uow.commit()
    with store.unit_of_work() as uow:
        first = outbox_of(uow).claim(2, "w1", now=T0, lease=LEASE)
        uow.commit()
    assert [e.key for e in first] == ["1", "2"]
    assert all(e.claimed_by == "w1" and e.claimed_until == T0 + LEASE for e in first)
    with store.unit_of_work() as uow:
        second = outbox_of(uow).claim(10, "w2", now=T0, lease=LEASE)
        uow.commit()
    # the prefecture stream is w1's while its lease runs; the exchange stream is free
    assert [e.key for e in second] == [f"{KURE}-TN1"]
    with store.unit_of_work() as uow:
        after = T0 + LEASE + dt.timedelta(seconds=1)
        later = outbox_of(uow).claim(10, "w2", now=after, lease=LEASE)
        uow.commit()
    # w1 died: w2 takes over from the head (and keeps what it already held)
    assert [e.key for e in later] == ["1", "2", "3", f"{KURE}-TN1"]


def test_a_head_not_due_holds_back_its_stream_only(store: Store) -> None:
    with store.unit_of_work() as uow:
        box = outbox_of(uow)
        add_updates(box, 2)
        box.enqueue(notice(1), now=T0)
        uow.commit()
    with store.unit_of_work() as uow:
        box = outbox_of(uow)
        head = box.claim(1, "w1", now=T0, lease=LEASE)[0]
        box.mark_failed(
            head.message_id, "w1", code="KJ-LINK-010", next_try_at=T0 + dt.timedelta(seconds=30)
        )
        box.mark_failed(head.message_id, "w2", code="KJ-LINK-009", next_try_at=T0)  # not its
        uow.commit()
    with store.unit_of_work() as uow:
        box = outbox_of(uow)
        failed = box.get(head.message_id)
        assert failed is not None
        assert (failed.attempts, failed.last_code, failed.claimed_by) == (1, "KJ-LINK-010", None)
        now = box.claim(10, "w1", now=T0 + dt.timedelta(seconds=5), lease=LEASE)
        assert [e.stream for e in now] == ["exchange"]
        box.release([e.message_id for e in now], "w1")
        due = box.claim(10, "w1", now=T0 + dt.timedelta(seconds=31), lease=LEASE)
        assert [e.key for e in due] == ["1", "2", f"{KURE}-TN1"]
        uow.commit()


def test_sent_refused_requeued_and_purged(store: Store) -> None:
    with store.unit_of_work() as uow:
        box = outbox_of(uow)
        add_updates(box, 3)
        uow.commit()
    with store.unit_of_work() as uow:
        box = outbox_of(uow)
        one, two, three = box.claim(10, "w1", now=T0, lease=LEASE)
        box.mark_sent(one.message_id, "w1", now=T0)
        box.mark_sent(one.message_id, "w1", now=T0 + LEASE)  # recorded once
        box.mark_refused(two.message_id, "w1", codes=["KJ-LINK-011", "KJ-LOGIC-001"])
        box.mark_sent(
            three.message_id, "w1", now=T0, purge_after=T0 + dt.timedelta(days=1)
        )
        uow.commit()
    with store.unit_of_work() as uow:
        box = outbox_of(uow)
        states = [(e.state, e.sent_at, e.last_code) for e in box.entries()]
        assert states == [
            ("sent", T0, None),
            ("refused", None, "KJ-LINK-011,KJ-LOGIC-001"),
            ("sent", T0, None),
        ]
        assert box.pending_count() == 0
        assert box.purge_due(T0 + dt.timedelta(hours=23)) == 0
        assert box.purge_due(T0 + dt.timedelta(days=1)) == 1
        assert box.requeue("prefecture", 1, now=T0) == 1  # the sent one not yet purged
        uow.commit()
    with store.unit_of_work() as uow:
        box = outbox_of(uow)
        assert [e.state for e in box.entries()] == ["pending", "refused", "purged"]
        purged = box.get(three.message_id)
        assert purged is not None and purged.body == b""
        assert [e.key for e in box.claim(10, "w9", now=T0, lease=LEASE)] == ["1"]


@settings(max_examples=25, deadline=None)
@given(codes=st.lists(st.integers(1, 5000), unique=True, min_size=1, max_size=30))
def test_the_identity_file_streams_in_resident_code_order(codes: list[int]) -> None:
    store = kj.open_registry("memory://", municipality_code=KURE, clock=SettableClock()).store
    records = [identity_record(n) for n in codes]
    half = len(records) // 2
    with store.unit_of_work() as uow:
        for record in records[:half]:
            outbox_of(uow).identities.put(record)
        uow.commit()
    with store.unit_of_work() as uow:
        files = outbox_of(uow).identities
        for record in records[half:]:
            files.put(record)
        files.remove(records[0].resident_code)
        listed = [r.resident_code for r in files.iter_sorted()]
        expected = sorted(r.resident_code for r in records[1:])
        assert listed == expected and files.count() == len(expected)
        uow.commit()
    with store.unit_of_work() as uow:
        assert [r.resident_code for r in outbox_of(uow).identities.iter_sorted()] == expected


def test_the_identity_file_on_every_store(store: Store) -> None:
    records = [identity_record(n) for n in (5, 3, 9, 1)]
    with store.unit_of_work() as uow:
        for record in records:
            outbox_of(uow).identities.put(record)
        uow.commit()
    with store.unit_of_work() as uow:
        files = outbox_of(uow).identities
        files.remove(records[1].resident_code)
        moved = identity_record(9, address="広島県呉市宝町1番", update_sequence=2)
        files.put(moved)
        uow.commit()
    with store.unit_of_work() as uow:
        files = outbox_of(uow).identities
        listed = list(files.iter_sorted())
        assert [r.resident_code for r in listed] == sorted(
            r.resident_code for r in (records[0], records[2], records[3])
        )
        assert files.get(moved.resident_code) == moved
        assert files.get(records[1].resident_code) is None
