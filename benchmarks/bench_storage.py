"""Storage benchmark: bulk import against a raw executemany baseline, move-ins per second through
the public API on memory, a SQLite file and PostgreSQL, and search latency at N residents.

    .venv/bin/python benchmarks/bench_storage.py [--residents N] [--move-ins M] [--no-postgres]
                                                 [--durability full|normal]

Default N is 1,000,000. Synthetic data only (kure_juki.testing.synthetic). Every figure comes
from this one run; the import and the baseline each run in a child process so that their peak
memory (VmHWM) is their own.

* baseline: the very rows the import writes to ``residents``, built beforehand (not timed) and
  inserted with SQLAlchemy Core executemany into a fresh database of the same schema, batches
  of 10,000, one transaction; the time of the executemany calls only. A second baseline inserts
  the same rows into a plain table of the same columns without indexes (FIELD-NOTES' kind).
* import: ``kure-juki import`` of the JSON Lines file into a fresh SQLite file (format and logic
  checks, encryption and blind index of every My Number, households, checkpoints, audit), its
  lines parsed and checked by worker processes (one per core); peak memory is that of the
  importing process and of the whole tree (importer + workers, sampled every 20 ms).
* move-ins: two-person households submitted one by one through ``Session.submit`` (full checks,
  history, audit); PostgreSQL runs in a throwaway cluster.
* durability: every store of the run (baseline, import, move-ins, search) runs with the one
  ``--durability`` given, ``full`` by default, the register's default (SQLite
  ``synchronous=FULL``, PostgreSQL ``synchronous_commit=on``); the run prints it, read back
  from the databases, and the summary carries it.
* search: p50/p99 of ``uow.residents.search`` (the store) and of ``Session.search`` (the public
  API, which also appends an audit entry) at N residents: fuzzy kana (readings typed in
  katakana with voiced marks dropped, family + given) and name + birth date.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import kure_juki as kj
from kure_juki.adapters.sqlalchemy import bulk, bulk_lines
from kure_juki.adapters.sqlalchemy.engine import durability as durability_of_engine
from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore
from kure_juki.adapters.sqlalchemy.tables import residents
from kure_juki.domain.names import seion_kana, to_katakana
from kure_juki.domain.search import SearchCriteria
from kure_juki.testing import synthetic
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

TODAY = dt.date(2026, 11, 26)
PASSWORD = "a-long-passphrase"
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def peak_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def in_child(target: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run *target* in a fresh process and return its result (peak memory stays its own)."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child_main, args=(child, target, args))
    proc.start()
    child.close()
    result: dict[str, Any] = parent.recv()
    proc.join()
    return result


def _child_main(pipe: Any, target: Callable[..., dict[str, Any]], args: tuple[Any, ...]) -> None:
    result = target(*args)
    result["peak_rss_mb"] = peak_rss_mb()
    pipe.send(result)


# -- data -----------------------------------------------------------------------------------
def write_file(path: Path, n: int, sample: int = 2000) -> list[dict[str, Any]]:
    """The JSON Lines file of *n* residents; returns a random sample of persons for queries."""
    rng = random.Random(7)
    chosen: list[dict[str, Any]] = []
    seen = 0
    with open(path, "w", encoding="utf-8") as out:
        for line in synthetic.households(n):
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            for p in line["persons"]:
                seen += 1
                if len(chosen) < sample:
                    chosen.append(p)
                elif (k := rng.randrange(seen)) < sample:
                    chosen[k] = p
    return chosen


# -- import and baselines (child processes) -------------------------------------------------
def tree_rss_mb(pid: int) -> float:
    """Resident size of *pid* and all its descendants (the import's worker processes)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE_BYTES
            with open(f"/proc/{current}/task/{current}/children") as fh:
                pending.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 2**20


class TreePeak:
    """The largest resident size of this process and its children together, sampled every
    20 ms by a thread (a worker's own high-water mark says nothing of the sum)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, tree_rss_mb(me))

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_import(path: str, db: str, durability: str) -> dict[str, Any]:
    store = SqlAlchemyStore(f"sqlite:///{db}", durability=durability)
    try:
        with TreePeak() as tree:
            report = bulk.import_jsonl(store, path, today=TODAY, progress=True)
    finally:
        store.close()
    return {
        "seconds": report.seconds,
        "residents": report.residents,
        "bad": report.bad_lines,
        "tree_peak_rss_mb": tree.peak,
    }


def run_baseline(path: str, db: str, plain: bool, durability: str) -> dict[str, Any]:
    """executemany of the import's resident rows, built first and not timed."""
    engine = sa.create_engine(f"sqlite:///{db}")
    if plain:
        table = sa.Table(
            "plain_residents",
            sa.MetaData(),
            *[sa.Column(c.name, c.type) for c in residents.columns],
        )
        table.metadata.create_all(engine)
        target = table
    else:
        # the schema at head, indexes included
        SqlAlchemyStore(f"sqlite:///{db}", durability=durability).close()
        target = residents
    columns = bulk_lines.encoder_for(None).resident_columns

    def as_row(values: tuple[Any, ...]) -> dict[str, Any]:
        return {**dict(zip(columns, values, strict=True)), "my_number_ref": None}

    timed = 0.0
    rows_total = 0
    pending: list[dict[str, Any]] = []
    with engine.connect() as conn, open(path, "rb") as fh:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        conn.exec_driver_sql(f"PRAGMA synchronous={durability.upper()}")

        def flush() -> None:
            nonlocal timed, rows_total
            started = time.perf_counter()
            conn.execute(target.insert(), pending)
            timed += time.perf_counter() - started
            rows_total += len(pending)
            pending.clear()

        chunk: list[tuple[int, bytes]] = []
        for line, raw in enumerate(fh, start=1):
            chunk.append((line, raw))
            if len(chunk) == 500:
                for rec in bulk_lines.prepare(chunk, TODAY):
                    if isinstance(rec, bulk_lines.Prepared):
                        pending.extend(as_row(p.values) for p in rec.people)
                chunk = []
                if len(pending) >= 10_000:
                    flush()
        for rec in bulk_lines.prepare(chunk, TODAY):
            if isinstance(rec, bulk_lines.Prepared):
                pending.extend(as_row(p.values) for p in rec.people)
        if pending:
            flush()
        started = time.perf_counter()
        conn.commit()
        timed += time.perf_counter() - started
    engine.dispose()
    return {"seconds": timed, "rows": rows_total}


# -- move-ins ---------------------------------------------------------------------------------
def move_ins_per_second(url: str, count: int, **options: Any) -> float:
    clock = SettableClock("2026-11-26T10:00:00+09:00")
    reg = kj.open_registry(url, municipality_code="342025", clock=clock, **options)
    engine = getattr(reg.store, "engine", None)
    if engine is not None:  # what the database really runs with, not what was asked
        print(f"  {url.split(':', 1)[0]}: durability {durability_of_engine(engine)}", flush=True)
    reg.bootstrap_admin("admin", PASSWORD)
    session = reg.login("admin", PASSWORD, terminal_id="BENCH", purpose="resident_records")
    notices = [
        move_in([person(), person(relationship="妻", sex="female", birth_date="1982-05-02")])
        for _ in range(count + 50)
    ]
    for n in notices[:50]:
        session.submit(n)
    started = time.perf_counter()
    for n in notices[50:]:
        session.submit(n)
    rate = count / (time.perf_counter() - started)
    reg.close()
    return rate


# -- search -------------------------------------------------------------------------------------
def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    }


def fuzzy(p: dict[str, Any]) -> dict[str, Any]:
    """A clerk typing the reading: katakana, voiced marks dropped, family + given."""
    return {
        "family_name": seion_kana(p["family_name_kana"]),
        "given_name": to_katakana(p["given_name_kana"]),
    }


def name_birth(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "family_name": p["family_name"],
        "given_name": p["given_name"],
        "birth_date": p["birth_date"],
    }


def search_latency(db: str, sample: list[dict[str, Any]], durability: str) -> dict[str, Any]:
    url = f"sqlite:///{db}?durability={durability}"
    store = SqlAlchemyStore(url)
    out: dict[str, Any] = {}
    for label, build in (("fuzzy_kana", fuzzy), ("name_birth_date", name_birth)):
        samples = []
        hits = 0
        for p in sample:
            query = build(p)
            criteria = SearchCriteria(
                family_name=query["family_name"],
                given_name=query["given_name"],
                birth_date=dt.date.fromisoformat(query["birth_date"])
                if "birth_date" in query
                else None,
            )
            started = time.perf_counter()
            with store.unit_of_work() as uow:
                found = uow.residents.search(criteria, 100)
            samples.append(time.perf_counter() - started)
            hits += any(r.resident_id == p["resident_id"] for r in found)
        out[f"store_{label}"] = {**_percentiles(samples), "found": hits / len(sample)}
    store.close()
    clock = SettableClock("2026-11-26T10:00:00+09:00")
    reg = kj.open_registry(url, municipality_code="342025", clock=clock)
    with contextlib.suppress(kj.AccessDenied):
        reg.bootstrap_admin("admin", PASSWORD)
    session = reg.login("admin", PASSWORD, terminal_id="BENCH", purpose="resident_records")
    for label, build in (("fuzzy_kana", fuzzy), ("name_birth_date", name_birth)):
        samples = []
        for p in sample:
            query = build(p)
            if "birth_date" not in query:
                # The public API asks for two basic items: the reading and the birth date.
                query = {**query, "birth_date": p["birth_date"]}
            started = time.perf_counter()
            session.search(**query)
            samples.append(time.perf_counter() - started)
        out[f"api_{label}"] = _percentiles(samples)
    reg.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--move-ins", type=int, default=2000)
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--durability", choices=("full", "normal"), default="full")
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="kj-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"residents": args.residents, "durability": args.durability}
    print(
        f"durability: {args.durability} (SQLite synchronous="
        f"{'FULL' if args.durability == 'full' else 'NORMAL'}, PostgreSQL synchronous_commit="
        f"{'on' if args.durability == 'full' else 'off'})",
        flush=True,
    )

    print(f"generating {args.residents:,} synthetic residents ...", flush=True)
    data = work / "register.jsonl"
    sample = write_file(data, args.residents, sample=args.searches)
    print(f"  {data.stat().st_size / 1e6:,.0f} MB of JSON Lines")

    print("baseline: Core executemany of the same rows (same schema, indexes) ...", flush=True)
    base = in_child(run_baseline, str(data), str(work / "baseline.db"), False, args.durability)
    print(f"  {base['seconds']:.1f} s for {base['rows']:,} rows, peak {base['peak_rss_mb']:.0f} MB")
    plain = in_child(run_baseline, str(data), str(work / "plain.db"), True, args.durability)
    print(f"baseline, plain table without indexes: {plain['seconds']:.1f} s")

    print("import (kure-juki import) ...", flush=True)
    imported = in_child(run_import, str(data), str(work / "imported.db"), args.durability)
    ratio = imported["seconds"] / base["seconds"]
    rate = imported["residents"] / imported["seconds"]
    print(
        f"  {imported['seconds']:.1f} s for {imported['residents']:,} residents "
        f"({rate:,.0f}/s), peak {imported['peak_rss_mb']:.0f} MB in the importing process, "
        f"{imported['tree_peak_rss_mb']:.0f} MB with its worker processes (target < 300 MB)"
    )
    print(
        f"  ratio import / baseline: {ratio:.2f}x (target <= 3x); "
        f"import / plain baseline: {imported['seconds'] / plain['seconds']:.2f}x"
    )
    results.update(
        baseline_s=base["seconds"],
        plain_baseline_s=plain["seconds"],
        import_s=imported["seconds"],
        import_ratio=ratio,
        import_peak_rss_mb=imported["peak_rss_mb"],
        import_tree_peak_rss_mb=imported["tree_peak_rss_mb"],
        baseline_peak_rss_mb=base["peak_rss_mb"],
    )

    print(f"search at {args.residents:,} residents ({len(sample)} queries each) ...", flush=True)
    searches = in_child(search_latency, str(work / "imported.db"), sample, args.durability)
    for key, value in searches.items():
        if isinstance(value, dict):
            extra = f" (found {value['found']:.0%})" if "found" in value else ""
            print(f"  {key:24s} p50 {value['p50_ms']:.2f} ms  p99 {value['p99_ms']:.2f} ms{extra}")
    results["search"] = {k: v for k, v in searches.items() if k != "peak_rss_mb"}

    print(f"move-ins through the public API ({args.move_ins} two-person households each) ...")
    rates = {"memory": move_ins_per_second("memory://", args.move_ins)}
    rates["sqlite"] = move_ins_per_second(
        f"sqlite:///{work / 'moveins.db'}", args.move_ins, durability=args.durability
    )
    if not args.no_postgres:
        from kure_juki.adapters.keys.memory import MemoryKeyStore
        from kure_juki.testing.postgres import PostgresCluster, find_bindir

        if find_bindir() is None:
            print("  PostgreSQL binaries missing: skipped (apt-get install -y postgresql)")
        else:
            with PostgresCluster(durable=True) as cluster:
                rates["postgresql"] = move_ins_per_second(
                    cluster.create_database("bench"),
                    args.move_ins,
                    key_store=MemoryKeyStore(),
                    durability=args.durability,
                )
    for name, rate in rates.items():
        target = {"memory": " (target >= 1,000/s)", "sqlite": " (target >= 200/s)"}.get(name, "")
        print(f"  {name:10s} {rate:8,.0f} move-ins/s{target}")
    results["move_ins_per_s"] = rates
    print("summary: " + json.dumps(results, ensure_ascii=False, default=float))


if __name__ == "__main__":
    sys.exit(main())
