"""Fault injection: every change reaches the prefecture once, in 更新順番号 order, nothing lost.

Each example enqueues a few changes (new persons and moves of persons already sent, so a change
applied out of order would be refused by the prefecture's own checks) and a 転入通知, then
delivers them through a link that drops, delays, duplicates, reorders and corrupts frames and
kills the sender before or after sending, following a random schedule. A message that failed
holds its stream back until its retry is due; then another worker goes on. Restarted workers
take over after the dead one's lease. At the end every message is sent, the prefecture has
applied each update exactly once in order, its copy equals the register's identity file, and
the exchange holds each notice once. The first restarted process of a schedule also registers
a person whose numbers the register allots: no 住民票コード or 個人番号 is ever handed out twice
on one store, across all its processes (the SQL stores keep their residents between examples).

The schedules run on the memory store (10,000), on SQLite (10,000) and on PostgreSQL (10,000):
30,000 in all, each a tiny example (override the totals with KJ_FAULT_EXAMPLES_MEMORY / _SQLITE
/ _POSTGRES). Each store's examples are split into shards, test cases of their own so that
pytest-xdist runs them side by side. A shard draws only the schedules that start with its own
fault kinds, and Hypothesis never draws the same schedule twice in a run, so every example of a
store is a different (changes, schedule) pair. The shards' seeds derive from one seed of the
run; a failure names it, and KJ_FAULT_SEED set to it draws the same schedules again.
``test_outbox_postgres.py`` runs two worker processes on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import secrets
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import kure_juki as kj
from kure_juki.adapters.cs.faults import (
    FAULTS,
    Fault,
    FaultKind,
    FaultyTransport,
    SimulatedCrash,
)
from kure_juki.adapters.cs.simulated_peers import PREFECTURE_ID, SimulatedNetwork
from kure_juki.adapters.memory.store import MemoryStore
from kure_juki.domain.cs_messages import IdentityUpdate, Message, MoveInNotice, UpdateAck
from kure_juki.domain.identity_file import reconcile
from kure_juki.domain.parsing import parse_notification
from kure_juki.ports.storage import Store
from kure_juki.service.cs_delivery import MAX_RETRY_DELAY, deliver
from kure_juki.service.cs_sync import outbox_of
from kure_juki.service.signing_keys import SigningKeys
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.cs import identity_record, updated
from kure_juki.testing.factories import move_in, person
from kure_juki.testing.postgres import PostgresCluster

KURE = "342025"
RETRY_DELAY = dt.timedelta(seconds=1)
# Longer than every retry wait of an example together: a lease a live worker failed to give
# back would still hold its messages when the next worker runs, and the example not finish.
LEASE = dt.timedelta(days=1)
MEMORY_EXAMPLES = int(os.environ.get("KJ_FAULT_EXAMPLES_MEMORY", "10000"))
SQLITE_EXAMPLES = int(os.environ.get("KJ_FAULT_EXAMPLES_SQLITE", "10000"))
POSTGRES_EXAMPLES = int(os.environ.get("KJ_FAULT_EXAMPLES_POSTGRES", "10000"))
SHARDS = 5  # per store; each takes the schedules that start with 2 of the 10 fault kinds
# One seed per run, the same in every xdist worker of the run (they share its run id).
RUN_SEED = (
    os.environ.get("KJ_FAULT_SEED")
    or os.environ.get("PYTEST_XDIST_TESTRUNUID")
    or secrets.token_hex(16)
)
ANY_FAULT = st.sampled_from(FAULTS)


@st.composite
def _fault(draw: st.DrawFn, kinds: st.SearchStrategy[FaultKind] = ANY_FAULT) -> Fault:
    kind = draw(kinds)
    # Only a corruption has a position (the bit it flips): one drawn for any other kind would
    # make distinct draws of the same schedule, which Hypothesis could not tell apart.
    return Fault(kind, draw(st.integers(0, 2**20))) if kind.startswith("corrupt") else Fault(kind)


def schedules(shard: int) -> st.SearchStrategy[list[Fault]]:
    """Up to four faults, the first of this shard's kinds (``FAULTS[shard::SHARDS]``; shard 0
    also has the empty schedule): the shards split the schedules, none draws another's."""
    first = _fault(st.sampled_from(FAULTS[shard::SHARDS]))
    some = st.builds(lambda f, rest: [f, *rest], first, st.lists(_fault(), max_size=3))
    return st.one_of(st.just([]), some) if shard == 0 else some


changes = st.lists(st.sampled_from(["new", "move", "notice"]), min_size=1, max_size=2)

_people = itertools.count(1)


class Rig:
    """A register on an empty store, its outbox and a fresh simulated network whose
    prefecture logs applies."""

    def __init__(
        self,
        url: str,
        clock: SettableClock,
        reopen: Callable[[], kj.Registry],
        issued: set[str] | None = None,
    ):
        self.url = url
        self.clock = clock
        self.reopen = reopen
        self.reg = reopen()
        # Every 住民票コード and 個人番号 the store's numbering has handed out, over all the
        # processes (examples) that used this store: none may come twice.
        self.issued = issued if issued is not None else set()
        self.registered = False
        self.applied: list[int] = []
        self.notices: list[MoveInNotice] = []
        self.network = SimulatedNetwork([KURE, "341002"], clock=clock)
        server = self.network.servers[PREFECTURE_ID]
        inner = server.dispatcher

        def recording(sender: str, message: Message) -> Message:
            reply = inner(sender, message)
            if isinstance(reply, UpdateAck) and reply.status == "applied":
                self.applied.append(reply.update_sequence)
            return reply

        server.dispatcher = recording

    def enqueue(self, kinds: list[str]) -> None:
        """The changes, each in its own transaction, as movements would write them."""
        for kind in kinds:
            with self.reg.store.unit_of_work() as uow:
                box = outbox_of(uow)
                now = self.clock()
                if kind == "notice":
                    notice = MoveInNotice(
                        notice_number=f"{KURE}-TN{next(_people)}",
                        from_municipality_code=KURE,
                        to_municipality_code="341002",
                        resident_code=identity_record(1).resident_code,
                        name_kanji="呉　太郎",
                        name_kana="くれ　たろう",
                        birth_date=dt.date(1980, 4, 1),
                        sex="male",
                        new_postal_code="737-0045",
                        new_address="広島県呉市中央四丁目1番6号",
                        moved_in_on=dt.date(2026, 11, 20),
                        notified_on=dt.date(2026, 11, 25),
                    )
                    box.enqueue(notice, now=now)
                    self.notices.append(notice)
                    uow.commit()
                    continue
                living = (
                    [r for r in box.identities.iter_sorted() if r.record_state == "current"]
                    if kind == "move"
                    else []
                )
                sequence = box.next_update_sequence()
                if living:
                    before = living[sequence % len(living)]
                    record = updated(
                        before,
                        "転居",
                        sequence,
                        address=f"広島県呉市中通{sequence % 9 + 1}丁目{sequence}番",
                    )
                    reason = "転居"
                else:
                    record = identity_record(next(_people), update_sequence=sequence)
                    reason = "転入"
                box.enqueue(IdentityUpdate(KURE, reason, record), now=now)
                box.identities.put(record)
                uow.commit()

    def deliver_through(self, schedule: list[Fault]) -> None:
        link = self.network.link(KURE)
        faulty = FaultyTransport(link.prefecture.transport, schedule)
        link.prefecture.transport = faulty
        link.exchange.transport = FaultyTransport(link.exchange.transport, schedule)
        for worker in range(100):
            try:
                report = deliver(
                    self.reg,
                    link,
                    worker=f"w{worker}",
                    lease=LEASE,
                    retry_delay=RETRY_DELAY,
                )
            except SimulatedCrash:
                # The process died: a new one starts, after the dead worker's lease ran out.
                self.reg = self.reopen()
                self.clock.advance(seconds=LEASE.total_seconds() + 1)
                if not self.registered:
                    self.register_someone()
                continue
            if report.pending == 0:
                break
            # What failed is not due yet, and its stream waits behind it: the next worker runs
            # once every retry is due (the longest delay has passed).
            self.clock.advance(seconds=MAX_RETRY_DELAY.total_seconds())
        faulty.flush()

    def register_someone(self) -> None:
        """A move-in without codes through the restarted process: its numbering starts afresh
        and must not hand out what an earlier process did."""
        today = self.clock.today.isoformat()
        n = parse_notification(
            move_in([person(codes=False)], occurred_on=today, notified_on=today)
        )
        receipt = self.reg.run_movement(
            n, operator_id="SYSTEM", terminal_id="RESTART", purpose="resident_records"
        )
        self.registered = True
        with self.reg.store.unit_of_work() as uow:
            new = uow.residents.get(receipt.resident_ids[0])
        assert new is not None and new.my_number is not None
        for number in (f"code:{new.resident_code}", f"number:{new.my_number}"):
            assert number not in self.issued, "a restarted process handed out a number again"
            self.issued.add(number)

    def check(self) -> None:
        with self.reg.store.unit_of_work() as uow:
            box = outbox_of(uow)
            states = [e.state for e in box.entries()]
            last = box.last_update_sequence()
            ours = list(box.identities.iter_sorted())
        assert states == ["sent"] * len(states)  # nothing pending, nothing refused
        assert self.applied == list(range(1, last + 1))  # once each, in order
        assert self.network.prefecture.last_applied(KURE) == last
        theirs = list(self.network.prefecture.records(KURE))
        assert list(reconcile(ours, theirs)) == []
        held = self.network.exchange._mailboxes.get("341002", {})
        assert list(held.values()) == self.notices


POLICY = kj.load_policy()
# The deployment's key file: every restarted process signs with it. Without one, each process
# on PostgreSQL would publish a key of its own and every later start would load them all.
KEYS = SigningKeys.generate()


# Numbers handed out on each shared SQL store, across its examples (the residents stay).
_ISSUED: dict[str, set[str]] = {}


def _rig(name: str, store: Store, clock: SettableClock) -> Rig:
    return Rig(
        name,
        clock,
        lambda: kj.Registry(
            store, municipality_code=KURE, clock=clock, policy=POLICY, signing_keys=KEYS
        ),
        None if name.startswith("memory") else _ISSUED.setdefault(name, set()),
    )


def _memory_rig(clock: SettableClock) -> Rig:
    return _rig("memory://", MemoryStore(), clock)


def _shard_sizes(total: int) -> list[int]:
    return [total // SHARDS + (1 if i < total % SHARDS else 0) for i in range(SHARDS)]


def _run_schedules(store_name: str, shard: int, examples: int, new_rig: Callable[[], Rig]) -> None:
    """``examples`` random (changes, schedule) pairs of the shard, each pair once (Hypothesis
    does not draw a choice sequence twice), seeded from the run's seed."""
    if examples == 0:
        return

    @seed(f"{RUN_SEED}:{store_name}:{shard}")
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )
    @given(kinds=changes, schedule=schedules(shard))
    def every_change_arrives_once_in_order(kinds: list[str], schedule: list[Fault]) -> None:
        rig = new_rig()
        rig.enqueue(kinds)
        rig.deliver_through(schedule)
        rig.check()

    try:
        every_change_arrives_once_in_order()
    except BaseException as failure:
        failure.add_note(f"replay: KJ_FAULT_SEED={RUN_SEED} (shard {shard} on {store_name})")
        raise


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_change_arrives_once_in_order_on_memory(shard: int) -> None:
    _run_schedules(
        "memory",
        shard,
        _shard_sizes(MEMORY_EXAMPLES)[shard],
        lambda: _memory_rig(SettableClock()),
    )


@pytest.fixture(scope="module")
def postgres_store(postgres_cluster: PostgresCluster) -> Iterator[Store]:
    """One PostgreSQL register for every example, as for SQLite."""
    reg = kj.open_registry(postgres_cluster.create_database(), municipality_code=KURE,
                           policy=POLICY, signing_keys=KEYS)
    yield reg.store
    reg.close()


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_change_arrives_once_in_order_on_postgres(postgres_store: Store, shard: int) -> None:
    _run_schedules(
        "postgres",
        shard,
        _shard_sizes(POSTGRES_EXAMPLES)[shard],
        lambda: _sql_rig("postgres", postgres_store),
    )


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One SQLite register for every example (a schema per example would dominate the run);
    each example starts from an empty outbox and identity file."""
    url = f"sqlite:///{tmp_path_factory.mktemp('faults') / 'register.db'}"
    reg = kj.open_registry(url, municipality_code=KURE, policy=POLICY, signing_keys=KEYS)
    yield reg.store
    reg.close()


def _sql_rig(name: str, store: Store) -> Rig:
    """A rig on the shared SQL register, emptied first (the audit log stays: it only grows)."""
    from kure_juki.adapters.sqlalchemy.tables import cs_identity, cs_outbox, cs_outbox_state

    engine = store.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        conn.execute(sa.delete(cs_outbox))
        conn.execute(sa.delete(cs_identity))
        conn.execute(sa.delete(cs_outbox_state).where(cs_outbox_state.c.name == "update_sequence"))
        conn.commit()
    return _rig(name, store, SettableClock())


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_change_arrives_once_in_order_on_sqlite(sqlite_store: Store, shard: int) -> None:
    _run_schedules(
        "sqlite",
        shard,
        _shard_sizes(SQLITE_EXAMPLES)[shard],
        lambda: _sql_rig("sqlite", sqlite_store),
    )


def test_the_shards_split_the_schedules_and_meet_every_fault() -> None:
    """Each shard's schedules start with its own fault kinds (so no two shards run the same
    schedule), together they start with every kind and contain every kind, and the shards'
    example counts add up to the totals stated above."""
    met: set[str] = set()
    firsts: list[set[str]] = []
    for shard in range(SHARDS):
        firsts.append(set())

        @settings(max_examples=200, database=None, deadline=None)
        @given(schedule=schedules(shard))
        def collect(schedule: list[Fault]) -> None:
            met.update(f.kind for f in schedule)
            firsts[-1].update(f.kind for f in schedule[:1])

        collect()
    assert met == set(FAULTS)
    assert sorted(itertools.chain.from_iterable(firsts)) == sorted(FAULTS)  # each in one shard
    for total in (MEMORY_EXAMPLES, SQLITE_EXAMPLES, POSTGRES_EXAMPLES, 7, 0):
        sizes = _shard_sizes(total)
        assert len(sizes) == SHARDS and sum(sizes) == total and max(sizes) - min(sizes) <= 1


def test_a_crash_after_sending_is_answered_duplicate_and_recorded_once() -> None:
    clock = SettableClock()
    rig = _memory_rig(clock)
    rig.enqueue(["new", "new"])
    rig.deliver_through([Fault("crash_after_send")])
    rig.check()
    with rig.reg.store.unit_of_work() as uow:
        entries = list(outbox_of(uow).entries())
    assert [e.state for e in entries] == ["sent", "sent"]
    assert rig.applied == [1, 2]


def test_a_record_is_not_held_longer_than_its_lease() -> None:
    clock = SettableClock()
    rig = _memory_rig(clock)
    rig.enqueue(["new"])
    link = rig.network.link(KURE)
    link.prefecture.transport = FaultyTransport(link.prefecture.transport, ["crash_before_send"])
    with pytest.raises(SimulatedCrash):
        deliver(rig.reg, link, worker="dead", lease=LEASE)
    other = deliver(rig.reg, link, worker="alive", lease=LEASE)
    assert (other.sent, other.pending) == (0, 1)  # the dead worker's lease still runs
    clock.advance(seconds=LEASE.total_seconds() + 1)
    after = deliver(rig.reg, link, worker="alive", lease=LEASE)
    assert (after.sent, after.pending) == (1, 0)


def test_a_failed_message_holds_back_its_stream_until_it_is_due() -> None:
    clock = SettableClock()
    rig = _memory_rig(clock)
    rig.enqueue(["new", "new"])
    link = rig.network.link(KURE)
    link.prefecture.transport = FaultyTransport(link.prefecture.transport, ["drop_request"])
    first = deliver(rig.reg, link, retry_delay=dt.timedelta(seconds=30))
    assert (first.sent, first.pending, [c for _, c in first.failures]) == (0, 2, ["KJ-LINK-010"])
    assert rig.applied == []
    clock.advance(seconds=31)
    second = deliver(rig.reg, link)
    assert (second.sent, second.pending) == (2, 0)
    assert rig.applied == [1, 2]
    with rig.reg.store.unit_of_work() as uow:
        first_entry = outbox_of(uow).get(1)
    assert first_entry is not None and first_entry.attempts == 1


def test_delivery_failures_are_audited_by_the_register() -> None:
    clock = SettableClock()
    rig = _memory_rig(clock)
    rig.enqueue(["new"])
    rig.deliver_through([Fault("drop_reply"), Fault("corrupt_reply", 9_000)])
    rig.check()
    with rig.reg.store.unit_of_work() as uow:
        trail = [
            (e.outcome, e.code) for e in uow.audit.iter_all() if e.operation == "cs_delivery"
        ]
    assert trail[0] == ("error", "KJ-LINK-010")
    assert trail[1][0] == "refused" and trail[1][1] in {f"KJ-LINK-00{n}" for n in range(1, 9)}
