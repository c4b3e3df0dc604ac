"""整合性確認 at scale: the register's 本人確認情報ファイル against the prefecture's copy, streamed
through the CS link, records per second and peak memory (target: 1,000,000 records in 60 s,
memory flat in the number of records).

    .venv/bin/python benchmarks/bench_reconcile.py [--records 1000000] [--page 1000]
                                                   [--in-process] [--check]

Both copies are built first (synthetic records, not timed): the register's in its memory store,
the prefecture's in the simulated prefecture server — in a process of its own, reached over
loopback TCP as a real prefecture would be over the network (``--in-process`` keeps it here) —
with differences of every kind planted (1 in 10,000 of each, spread over the code space). The
run then calls ``reconcile(registry, link)``: the register's file streams in 住民票コード order from
its store and is cut into ranges, each digested (every record's canonical payload hashed); the
prefecture's digests of the same ranges arrive as sealed, signed envelopes, and the ranges whose
digests differ are fetched page by page and compared item by item by the merge join. A few
ranges are in memory at a time. Memory is sampled from /proc every 20 ms during the run:
"growth" is the peak resident size above the size before the run, i.e. what reconciling costs
beyond holding the register. The run is repeated at a tenth of the size so the two growths can
be compared. ``--check`` exits 1 when the full run is over 60 s or its growth is more than
twice that of the tenth.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import multiprocessing.connection
import os
import sys
import threading
import time
from collections.abc import Iterator

import attrs

import kure_juki as kj
from kure_juki.adapters.cs.link import CsClient, Route
from kure_juki.adapters.cs.simulated_peers import (
    CARD_MANAGEMENT_ID,
    EXCHANGE_ID,
    NATIONAL_ID,
    PREFECTURE_ID,
    SimulatedNetwork,
)
from kure_juki.adapters.cs.transport import TcpTransport
from kure_juki.adapters.memory.outbox import load_identities
from kure_juki.adapters.memory.store import MemoryStore
from kure_juki.domain.identifiers import complete_my_number, complete_resident_code
from kure_juki.domain.identity_file import IdentityRecord
from kure_juki.service.registry_cs import ReconciliationReport, reconcile
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.cs import identity_record

KURE = "342025"
TARGET_SECONDS = 60.0
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * _PAGE_BYTES


class PeakSampler:
    """The largest resident set size seen while it runs (a thread reading /proc)."""

    def __init__(self, every: float = 0.02) -> None:
        self.every = every
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())


def records(count: int) -> Iterator[IdentityRecord]:
    """``count`` distinct synthetic persons: a few templates with fresh codes and numbers."""
    templates = [identity_record(n) for n in range(1, 17)]
    for n in range(count):
        k = n + 1
        yield attrs.evolve(
            templates[n % len(templates)],
            resident_code=complete_resident_code(f"{(k * 7_919 + 3) % 10**10:010d}"),
            my_number=complete_my_number(f"{(k * 104_729 + 11) % 10**11:011d}"),
            request_number=f"REQ-{k:08d}",
        )


def plant(ours: list[IdentityRecord], count: int) -> list[IdentityRecord]:
    """The prefecture's copy: ours with differences of every kind planted, 1 in 10,000 of each,
    spread evenly over the code space (each in a range of its own, the worst case for comparing
    range digests first), and as many records it holds that the register does not."""
    planted = max(count // 10_000, 1)
    theirs = list(ours)
    step = max(len(theirs) // (5 * planted), 1)
    missing_there: set[int] = set()
    for i in range(planted):
        base = i * 5 * step
        missing_there.add(base)
        at = base + step  # differing items, same 更新順番号
        theirs[at] = attrs.evolve(theirs[at], address="広島県呉市宝町1番1号")
        at = base + 2 * step  # the prefecture behind: a sequence gap
        theirs[at] = attrs.evolve(theirs[at], update_sequence=0, address="広島県呉市")
        at = base + 3 * step  # the prefecture ahead
        theirs[at] = attrs.evolve(theirs[at], update_sequence=2, address="広島県呉市")
    theirs = [r for n, r in enumerate(theirs) if n not in missing_there]
    extra = records(count + planted)
    for _ in range(count):
        next(extra)
    theirs.extend(extra)  # missing here
    return theirs


def prefecture_process(
    network: SimulatedNetwork, count: int, conn: multiprocessing.connection.Connection
) -> None:
    """The prefecture server on its own core: builds its copy and serves it over TCP."""
    network.prefecture.load(plant(list(records(count)), count), last_applied=1)
    list(network.prefecture.records(KURE))[:1]  # its index sorted before it serves
    with network.serve_tcp() as addresses:
        conn.send(addresses)
        conn.recv()  # until the register is done


def tcp_client(network: SimulatedNetwork, addresses: dict[str, tuple[str, int]]) -> CsClient:
    def route(peer_id: str) -> Route:
        return Route(peer_id, TcpTransport(*addresses[peer_id], timeout=120))

    return CsClient(
        network.endpoint(KURE),
        KURE,
        prefecture=route(PREFECTURE_ID),
        national=route(NATIONAL_ID),
        card_management=route(CARD_MANAGEMENT_ID),
        exchange=route(EXCHANGE_ID),
    )


def run(
    count: int, page: int, in_process: bool
) -> tuple[float, float, int, int, ReconciliationReport]:
    """(seconds, CPU seconds of this process, memory growth, peak RSS, report)."""
    clock = SettableClock()  # one fixed moment in both processes: every envelope is fresh
    network = SimulatedNetwork([KURE], clock=clock)
    store = MemoryStore()
    load_identities(store.state, records(count))
    with store.unit_of_work() as uow:  # the store sorts its index once, as a database would
        next(uow.outbox.identities.iter_sorted(), None)
    registry = kj.Registry(store, municipality_code=KURE, clock=clock)
    child = None
    if in_process:
        prefecture_copy = plant(list(records(count)), count)
        network.prefecture.load(prefecture_copy, last_applied=1)
        del prefecture_copy
        list(network.prefecture.records(KURE))[:1]
        link = network.link(KURE)
    else:
        ours_end, theirs_end = multiprocessing.get_context("fork").Pipe()
        child = multiprocessing.get_context("fork").Process(
            target=prefecture_process, args=(network, count, theirs_end), daemon=True
        )
        child.start()
        link = tcp_client(network, ours_end.recv())
    gc.collect()
    before = rss_bytes()
    start, cpu = time.perf_counter(), time.process_time()
    with PeakSampler() as sampler:
        report = reconcile(registry, link, page_size=page)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    link.close()
    if child is not None:
        ours_end.send("stop")
        child.join()
    return elapsed, cpu, sampler.peak - before, sampler.peak, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the prefecture in this process instead of its own over loopback TCP",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when below target")
    args = parser.parse_args()

    results = []
    for count in (args.records // 10, args.records):
        elapsed, cpu, growth, peak, report = run(count, args.page, args.in_process)
        compared = max(report.ours, report.theirs)
        rate = compared / elapsed
        results.append((count, elapsed, growth))
        print(
            f"{count:>9,} records: {elapsed:6.1f} s ({cpu:5.1f} s CPU here)  "
            f"{rate:>9,.0f} records/s  memory growth {growth / 2**20:6.1f} MiB  "
            f"(peak RSS {peak / 2**20:,.0f} MiB)"
        )
        print("           differences: " + ", ".join(f"{k} {v}" for k, v in report.counts.items()))
    (_, _, small_growth), (_, full_time, full_growth) = results
    print(
        f"target: {args.records:,} in {TARGET_SECONDS:.0f} s, flat memory "
        f"(growth at full size {full_growth / 2**20:.1f} MiB vs "
        f"{small_growth / 2**20:.1f} MiB at a tenth)"
    )
    ok = full_time <= TARGET_SECONDS and full_growth <= max(2 * small_growth, 64 * 2**20)
    print("OK" if ok else "BELOW TARGET")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
