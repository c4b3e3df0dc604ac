"""The contract of the CS outbox port (送信待ち電文, ``kure_juki.ports.outbox``): every store whose
units of work carry an ``outbox`` (memory, SQLAlchemy on SQLite or PostgreSQL, a vendor's own)
must pass this suite unchanged.

Subclass :class:`OutboxContract` once per store and implement ``make_store``; a store that
persists implements ``reopen`` to prove a second opening sees the queue::

    class TestMyOutbox(OutboxContract):
        def make_store(self, tmp_path, request):
            return MyStore(...)

The properties, each a test below: the outbox and the 本人確認情報ファイル commit and roll back
with their unit (the 更新順番号 too, so numbers stay gap-free, even between concurrent units);
each message the register queues lands on its stream under its de-duplication key, anything
else is refused (KJ-LINK-024); an identity update carries the number just taken (KJ-LINK-019);
a claim takes each stream from its head, in order, under a lease no other worker can break
until it runs out; a head that is not due holds back its own stream only; a message is recorded
sent once, whatever workers, leases, failures and crashes come between (generated schedules);
refused, requeued and purged messages end as the port says; the identity file streams in
住民票コード order.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kure_juki.domain.cs_messages import (
    CardStatusNotice,
    DeliveryInfoNotice,
    IdentityUpdate,
    Message,
    MoveInNotice,
    MoveOutCertificateWithdrawal,
    QueryByResidentCode,
    ReconciliationRequest,
    decode_message,
)
from kure_juki.domain.errors import LinkError
from kure_juki.ports.clock import JST
from kure_juki.ports.outbox import STREAMS, Outbox, OutboxEntry, describe
from kure_juki.ports.storage import Store, UnitOfWork
from kure_juki.service.cs_sync import outbox_of
from kure_juki.testing.contracts.cs_link import certificate_for
from kure_juki.testing.cs import identity_record

__all__ = ["OutboxContract"]

KURE = "342025"
T0 = dt.datetime(2026, 11, 26, 10, 0, tzinfo=JST)
LEASE = dt.timedelta(seconds=60)

HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    # One store per test, shared by its examples: each example queues new messages and drains
    # them before it ends, so what it checks holds whatever earlier examples left behind.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.differing_executors,
    ],
)

_numbers = itertools.count(1)


def move_in_notice(n: int) -> MoveInNotice:  # 転入通知 to the former municipality
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


def card_status(n: int) -> CardStatusNotice:  # カード状態の通知
    return CardStatusNotice(
        notice_number=f"{KURE}-CS{n}",
        municipality_code=KURE,
        resident_code=identity_record(n).resident_code,
        card_kind="my_number_card",
        status="issued",
        changed_on=dt.date(2026, 11, 20),
    )


def add_updates(box: Outbox, count: int, first_person: int = 1) -> list[OutboxEntry]:
    """``count`` identity updates (転入), each with the number just taken, and their records."""
    entries = []
    for i in range(count):
        sequence = box.next_update_sequence()
        record = identity_record(first_person + i, update_sequence=sequence)
        entries.append(box.enqueue(IdentityUpdate(KURE, "転入", record), now=T0))
        box.identities.put(record)
    return entries


def enqueue_any(box: Outbox, stream: str, now: dt.datetime) -> OutboxEntry:
    """A fresh message of ``stream`` (fresh keys: examples share the store)."""
    n = next(_numbers)
    message: Message
    if stream == "prefecture":
        record = identity_record(n, update_sequence=box.next_update_sequence())
        message = IdentityUpdate(KURE, "転入", record)
    elif stream == "exchange":
        message = move_in_notice(n)
    else:
        message = card_status(n)
    return box.enqueue(message, now=now)


class OutboxContract:
    """Subclass per store and implement :meth:`make_store` (and :meth:`reopen`)."""

    def make_store(self, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
        raise NotImplementedError

    def reopen(self, store: Store) -> Store:
        """The same data seen by a new opening (a new process would see it the same way)."""
        return store

    @pytest.fixture
    def store(self, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
        store = self.make_store(tmp_path, request)
        yield store
        store.close()

    # -- the unit of work ------------------------------------------------------------------
    def test_writes_commit_and_roll_back_with_the_unit(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            add_updates(outbox_of(uow), 2)
            outbox_of(uow).enqueue(move_in_notice(1), now=T0)
            # not committed
        with store.unit_of_work() as uow:
            box = outbox_of(uow)
            assert (box.pending_count(), box.last_update_sequence(), box.identities.count()) == (
                0,
                0,
                0,
            )
            add_updates(box, 2)
            box.enqueue(move_in_notice(1), now=T0)
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

    def test_every_message_the_register_queues_lands_on_its_stream(self, store: Store) -> None:
        record = identity_record(7)
        messages: list[Message] = [
            move_in_notice(1),
            certificate_for(record, "341002"),
            MoveOutCertificateWithdrawal(f"{KURE}-W1", KURE, record.resident_code),
            DeliveryInfoNotice.build(KURE, f"{KURE}-D1", '{"送付先郵便番号":"737-0045"}'),
            card_status(1),
        ]
        with store.unit_of_work() as uow:
            box = outbox_of(uow)
            sequence = box.next_update_sequence()
            messages.insert(
                0, IdentityUpdate(KURE, "転入", identity_record(7, update_sequence=sequence))
            )
            queued = [box.enqueue(m, now=T0) for m in messages]
            uow.commit()
        with store.unit_of_work() as uow:
            box = outbox_of(uow)
            stored = [box.get(e.message_id) for e in queued]
        assert [(e.stream, e.key, e.sequence) for e in queued] == [describe(m) for m in messages]
        assert stored == queued  # bodies (a My Number among them) come back as queued
        assert [decode_message(e.body) for e in queued] == messages
        assert [e.message_id for e in queued] == sorted({e.message_id for e in queued})
        assert {e.stream for e in queued} == set(STREAMS)

    @pytest.mark.parametrize(
        "message",
        [
            QueryByResidentCode(identity_record(1).resident_code),
            ReconciliationRequest(KURE, None, 100),
        ],
        ids=["query", "reconciliation"],
    )
    def test_a_message_of_no_stream_is_refused(self, store: Store, message: Message) -> None:
        with store.unit_of_work() as uow:
            with pytest.raises(LinkError) as refused:
                outbox_of(uow).enqueue(message, now=T0)
            assert refused.value.code == "KJ-LINK-024"
            assert outbox_of(uow).pending_count() == 0

    def test_an_update_must_carry_the_number_just_taken(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            box = outbox_of(uow)
            box.next_update_sequence()
            wrong = IdentityUpdate(KURE, "転入", identity_record(1, update_sequence=5))
            with pytest.raises(LinkError) as refused:
                box.enqueue(wrong, now=T0)
            assert refused.value.code == "KJ-LINK-019"
            right = IdentityUpdate(KURE, "転入", identity_record(1, update_sequence=1))
            box.enqueue(right, now=T0)
            with pytest.raises(LinkError) as again:  # a number is taken for one update
                box.enqueue(right, now=T0)
            assert again.value.code == "KJ-LINK-019"

    def test_queued_messages_survive_reopening(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            box = outbox_of(uow)
            queued = [*add_updates(box, 2), box.enqueue(move_in_notice(3), now=T0)]
            uow.commit()
        with store.unit_of_work() as uow:
            box = outbox_of(uow)
            box.mark_sent(queued[0].message_id, "w1", now=T0)
            uow.commit()
        again = self.reopen(store)
        try:
            with again.unit_of_work() as uow:
                box = outbox_of(uow)
                assert [e.message_id for e in box.entries()] == [e.message_id for e in queued]
                assert [e.state for e in box.entries()] == ["sent", "pending", "pending"]
                assert box.get(queued[2].message_id) == queued[2]
                assert box.last_update_sequence() == 2
                assert sorted(r.update_sequence for r in box.identities.iter_sorted()) == [1, 2]
                assert box.next_update_sequence() == 3
        finally:
            if again is not store:
                again.close()

    def test_update_numbers_stay_gap_free_between_concurrent_units(self, store: Store) -> None:
        """Units taking 更新順番号 from several threads: each commits its own number once; the
        numbers are 1, 2, 3 … with no gap and no repeat, in the order the units committed."""
        errors: list[BaseException] = []
        start = threading.Barrier(4)

        def take() -> None:
            try:
                start.wait()
                for _ in range(5):
                    with store.unit_of_work() as uow:
                        enqueue_any(outbox_of(uow), "prefecture", T0)
                        uow.commit()
            except BaseException as error:  # collected for the main thread
                errors.append(error)

        threads = [threading.Thread(target=take) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with store.unit_of_work() as uow:
            box = outbox_of(uow)
            entries = list(box.entries())
            assert box.last_update_sequence() == 20
        assert [e.sequence for e in entries] == list(range(1, 21))

    # -- claims and leases ------------------------------------------------------------------
    def test_numbering_continues_after_a_number_taken_over_and_is_never_lowered(
        self, store: Store
    ) -> None:
        """A register taking over a city's numbering (本人確認情報ファイルの初期作成) numbers
        its next update one above it; a rollback gives the change back; lowering is refused."""
        with store.unit_of_work() as uow:
            outbox_of(uow).continue_update_sequence(900)
            uow.rollback()
        with store.unit_of_work() as uow:
            box = outbox_of(uow)
            assert box.last_update_sequence() == 0
            box.continue_update_sequence(41_207)
            uow.commit()
        with store.unit_of_work() as uow:
            box = outbox_of(uow)
            assert box.last_update_sequence() == 41_207
            assert box.next_update_sequence() == 41_208
            uow.commit()
        with store.unit_of_work() as uow:
            box = outbox_of(uow)
            box.continue_update_sequence(41_208)  # where it stands: accepted, nothing changes
            with pytest.raises(LinkError) as lowered:
                box.continue_update_sequence(41_207)
            assert lowered.value.code == "KJ-LINK-033"

    def test_claims_follow_each_stream_from_its_head_under_a_lease(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            box = outbox_of(uow)
            add_updates(box, 3)
            box.enqueue(move_in_notice(1), now=T0)
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

    def test_a_head_not_due_holds_back_its_stream_only(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            box = outbox_of(uow)
            add_updates(box, 2)
            box.enqueue(move_in_notice(1), now=T0)
            uow.commit()
        with store.unit_of_work() as uow:
            box = outbox_of(uow)
            head = box.claim(1, "w1", now=T0, lease=LEASE)[0]
            box.mark_failed(
                head.message_id,
                "w1",
                code="KJ-LINK-010",
                next_try_at=T0 + dt.timedelta(seconds=30),
            )
            box.mark_failed(head.message_id, "w2", code="KJ-LINK-009", next_try_at=T0)  # not its
            uow.commit()
        with store.unit_of_work() as uow:
            box = outbox_of(uow)
            failed = box.get(head.message_id)
            assert failed is not None
            assert (failed.attempts, failed.last_code, failed.claimed_by) == (
                1,
                "KJ-LINK-010",
                None,
            )
            now = box.claim(10, "w1", now=T0 + dt.timedelta(seconds=5), lease=LEASE)
            assert [e.stream for e in now] == ["exchange"]
            box.release([e.message_id for e in now], "w1")
            due = box.claim(10, "w1", now=T0 + dt.timedelta(seconds=31), lease=LEASE)
            assert [e.key for e in due] == ["1", "2", f"{KURE}-TN1"]
            uow.commit()

    def test_sent_refused_requeued_and_purged(self, store: Store) -> None:
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
            box.mark_sent(three.message_id, "w1", now=T0, purge_after=T0 + dt.timedelta(days=1))
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

    @pytest.fixture
    def epoch(self) -> list[dt.datetime]:
        """When the next example starts: later than every lease and retry of the ones before."""
        return [T0]

    @HYPOTHESIS
    @given(data=st.data())
    def test_each_stream_is_recorded_sent_once_in_order(
        self, store: Store, epoch: list[dt.datetime], data: st.DataObject
    ) -> None:
        """Workers claim, send, fail, give back and crash in a drawn order, time jumping past
        leases now and then: every claim is a run from its stream's head not leased by anyone
        else, and each message is recorded sent once, in its stream's order."""
        # An example hypothesis abandons half-way (data exhausted) leaves messages behind.
        epoch[0] += 10 * LEASE
        self._drain(store, epoch[0], lambda uow, entry: None)
        now = epoch[0] = epoch[0] + 10 * LEASE
        streams = data.draw(st.lists(st.sampled_from(STREAMS), min_size=2, max_size=10))
        with store.unit_of_work() as uow:
            ours = [enqueue_any(outbox_of(uow), s, now) for s in streams]
            uow.commit()
        order = {s: [e.message_id for e in ours if e.stream == s] for s in STREAMS}
        mine = {e.message_id for e in ours}
        recorded: dict[str, list[int]] = {s: [] for s in STREAMS}
        held: dict[str, list[OutboxEntry]] = {}  # what each worker believes it holds

        def mark_sent(uow: UnitOfWork, entry: OutboxEntry, worker: str) -> None:
            box = outbox_of(uow)
            before = box.get(entry.message_id)
            box.mark_sent(entry.message_id, worker, now=now)
            after = box.get(entry.message_id)
            assert before is not None and after is not None
            if before.state == "pending":
                assert after.state == "sent"
                recorded[entry.stream].append(entry.message_id)
            else:  # already recorded: nothing changes
                assert after == before

        for _ in range(data.draw(st.integers(1, 30), label="steps")):
            now += data.draw(st.sampled_from([dt.timedelta(0), dt.timedelta(seconds=20), LEASE]))
            epoch[0] = now
            worker = data.draw(st.sampled_from(["w1", "w2"]), label="worker")
            action = data.draw(st.sampled_from(["claim", "work", "work", "crash"]))
            if action == "crash":
                held.pop(worker, None)  # its leases run out on their own
            elif action == "claim":
                with store.unit_of_work() as uow:
                    box = outbox_of(uow)
                    pending = list(box.entries(state="pending"))
                    batch = data.draw(st.integers(1, 5), label="batch")
                    claimed = box.claim(batch, worker, now=now, lease=LEASE)
                    uow.commit()
                assert len(claimed) <= batch
                for s in STREAMS:
                    got = [e.message_id for e in claimed if e.stream == s]
                    heads = [e for e in pending if e.stream == s]
                    assert got == [e.message_id for e in heads[: len(got)]], s
                    if any(e.leased_by_other(worker, now) for e in heads):
                        event("a stream leased by another worker")
                        assert got == [], s
                    elif heads and heads[0].next_try_at > now:
                        event("a stream whose head is not due")
                        assert got == [], s
                    elif any(e.claimed_by not in (None, worker) for e in heads) and got:
                        event("a lease run out taken over")
                assert all(e.claimed_by == worker for e in claimed)
                assert all(e.claimed_until == now + LEASE for e in claimed)
                held[worker] = claimed
            elif held.get(worker):
                entry = held[worker].pop(0)
                outcome = data.draw(st.sampled_from(["sent", "failed"]), label="outcome")
                with store.unit_of_work() as uow:
                    box = outbox_of(uow)
                    if outcome == "sent":
                        mark_sent(uow, entry, worker)
                    else:
                        retry = data.draw(st.sampled_from([dt.timedelta(0), LEASE, 2 * LEASE]))
                        box.mark_failed(
                            entry.message_id, worker, code="KJ-LINK-010", next_try_at=now + retry
                        )
                        # the rest of its stream waits for this one
                        rest = [e for e in held[worker] if e.stream == entry.stream]
                        box.release([e.message_id for e in rest], worker)
                        held[worker] = [e for e in held[worker] if e.stream != entry.stream]
                    uow.commit()

        now = epoch[0] = now + 10 * LEASE  # every lease run out, every retry due
        self._drain(store, now, lambda uow, entry: mark_sent(uow, entry, "drain"))
        assert recorded == order
        with store.unit_of_work() as uow:
            box = outbox_of(uow)
            assert box.pending_count() == 0
            assert all(e.state == "sent" for e in box.entries() if e.message_id in mine)

    @staticmethod
    def _drain(
        store: Store, now: dt.datetime, send: Callable[[UnitOfWork, OutboxEntry], None]
    ) -> None:
        """One worker sends whatever is pending (``send`` records it, then it is marked)."""
        for _ in range(100):
            with store.unit_of_work() as uow:
                box = outbox_of(uow)
                claimed = box.claim(100, "drain", now=now, lease=LEASE)
                for entry in claimed:
                    send(uow, entry)
                    box.mark_sent(entry.message_id, "drain", now=now)
                uow.commit()
            if not claimed:
                return
        raise AssertionError("claims keep handing out messages already marked sent")

    # -- 本人確認情報ファイル ---------------------------------------------------------------------
    @HYPOTHESIS
    @given(
        codes=st.lists(st.integers(1, 5000), unique=True, min_size=1, max_size=30),
        data=st.data(),
    )
    def test_the_identity_file_streams_in_resident_code_order(
        self, store: Store, codes: list[int], data: st.DataObject
    ) -> None:
        records = [identity_record(n) for n in codes]
        half = data.draw(st.integers(0, len(records)), label="committed first")
        with store.unit_of_work() as uow:
            before = {r.resident_code: r for r in outbox_of(uow).identities.iter_sorted()}
            for record in records[:half]:
                outbox_of(uow).identities.put(record)
            uow.commit()
        expected = before | {r.resident_code: r for r in records}
        gone = data.draw(st.sampled_from(records)).resident_code
        del expected[gone]
        with store.unit_of_work() as uow:
            files = outbox_of(uow).identities
            for record in records[half:]:
                files.put(record)
            files.remove(gone)
            listed = list(files.iter_sorted())
            assert [r.resident_code for r in listed] == sorted(expected)
            assert listed == [expected[c] for c in sorted(expected)]
            assert files.count() == len(expected) and files.get(gone) is None
            uow.commit()
        with store.unit_of_work() as uow:
            files = outbox_of(uow).identities
            assert [r.resident_code for r in files.iter_sorted()] == sorted(expected)
        with store.unit_of_work() as uow:
            outbox_of(uow).identities.put(identity_record(99_999))
            # not committed
        with store.unit_of_work() as uow:
            assert outbox_of(uow).identities.count() == len(expected)

    def test_a_record_is_replaced_under_its_code(self, store: Store) -> None:
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
