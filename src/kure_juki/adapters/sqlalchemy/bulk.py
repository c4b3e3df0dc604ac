"""Bulk import and export of JSON Lines, for migrating a city from its old system
(``kure-juki import URL FILE``, ``kure-juki export URL FILE --approval TOKEN``).

One line is one household (世帯) with its persons::

    {"household_id": "5000000001", "formed_on": "2001-04-01", "head_id": "1000000001",
     "dissolved_on": null, "address": {"postal_code": "737-0045", "text": "…"},
     "persons": [{"resident_id": "1000000001", <the person of a move_in notification: names,
                  birth_date, sex, relationship, resident_code, my_number, 本籍・筆頭者 or the
                  foreign resident's items>, "became_resident_on": "…",
                  "became_resident_reason": "転入", "address_since": "…",
                  "address_notified_on": "…", "previous_address": {…}?, "address": {…}?,
                  "planned_move_out": {…}?, "deletion": {…}?, "register_items": {…}?}]}

``address`` of a person overrides the household's (a 除票 keeps its last address);
``register_items`` carries any other item of the record as the domain serialises it (旧氏,
通称履歴, 個別記載事項 …). Export writes the same shape, never with a My Number.

Every line is format-checked with the domain's person checks (:func:`check_person`) and
logic-checked (本籍 or 国籍 by kind, one head per household, dates in order and not in the
future, ids new, 住民票コード and My Number unique among living residents, in the file and in
the store). A bad line is reported with its number and codes (never a value) and skipped; the
others are imported. Lines are committed in batches, one transaction each, together with a
checkpoint naming the last line committed, so an import that crashed resumes after it; ids
already stored are refused anyway, so nothing is ever imported twice. Memory stays flat: the
file is streamed and only one batch is held.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from kure_juki.adapters.sqlalchemy import codec, dialect
from kure_juki.adapters.sqlalchemy.bulk_lines import Failed, Prepared, encoder_for
from kure_juki.adapters.sqlalchemy.bulk_pool import default_workers, prepared_in_order
from kure_juki.adapters.sqlalchemy.tables import (
    SEARCH_INDEXES,
    audit_log,
    audit_subjects,
    chain_head,
    code_pool,
    households,
    import_checkpoints,
    my_numbers,
    residents,
    sequences,
)
from kure_juki.adapters.sqlalchemy.vault import new_refs, number_context
from kure_juki.domain import audit as audit_chain
from kure_juki.domain.errors import Problem, problem
from kure_juki.ports.clock import JST

if TYPE_CHECKING:
    from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore

_SERVICE_IDS = {"resident": re.compile(r"\A1(\d{9})\Z"), "household": re.compile(r"\A5(\d{9})\Z")}
SYSTEM_OPERATOR = "SYSTEM"
CACHE_KIB = 32 * 1024  # SQLite page cache of the importing connection
WAL_PAGES = 64 * 1024  # pages between checkpoints while importing (256 MB of WAL)


@attrs.frozen
class LineError:
    line: int
    codes: tuple[str, ...]
    where: tuple[str, ...]  # item paths (never a value)

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "codes": list(self.codes), "where": list(self.where)}


@attrs.define
class ImportReport:
    lines: int = 0  # lines read this run (after the checkpoint)
    skipped: int = 0  # lines committed by an earlier run
    households: int = 0
    residents: int = 0
    bad_lines: int = 0
    seconds: float = 0.0
    resumed_after: int = 0

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


# -- the batch: checks against the store, then one transaction ---------------------------
class _Importer:
    def __init__(
        self,
        store: SqlAlchemyStore,
        source: str,
        now: Callable[[], dt.datetime],
        report: ImportReport,
        on_error: Callable[[LineError], None],
    ) -> None:
        self.store = store
        self.source = source
        self.now = now
        self.report = report
        self.on_error = on_error
        self.cipher = store.vault.cipher
        self.vault_shared = store.vault_engine is None
        engine_dialect = store.engine.dialect
        self.dialect_name = f"{engine_dialect.name}.{engine_dialect.driver}"
        encoder = encoder_for(self.dialect_name)
        self.resident_sql = _insert_sql(
            engine_dialect, residents, (*encoder.resident_columns, "my_number_ref")
        )
        self.household_sql = _insert_sql(engine_dialect, households, encoder.household_columns)
        self.queries = _lookups(engine_dialect)
        self.vault_sql = _insert_sql(
            self.store.vault_engine.dialect if self.store.vault_engine else engine_dialect,
            my_numbers,
            ("ref", "resident_id", "key_id", "box", "blind"),
        )

    def bad(self, line: int, problems: Iterable[Problem]) -> None:
        found = list(problems)
        self.report.bad_lines += 1
        self.on_error(
            LineError(line, tuple(p.code for p in found), tuple(p.where or "" for p in found))
        )

    def _existing(self, conn: sa.Connection, query: str, values: list[Any]) -> set[Any]:
        """The values among *values* that *query* (``… IN ({})``) finds."""
        found: set[Any] = set()
        for sql, params in _in_lists(conn.dialect, query, values):
            found.update(
                bytes(v) if isinstance(v, memoryview) else v
                for (v,) in conn.exec_driver_sql(sql, params)
            )
        return found

    def commit_batch(
        self,
        conn: sa.Connection,
        vconn: sa.Connection | None,
        batch: list[Prepared],
        last_line: int,
        bad_in_batch: int,
    ) -> None:
        """Check *batch* against the store and write it, with the checkpoint, in one
        transaction under the writer lock."""
        dialect.lock_writer(conn)
        vault = vconn if vconn is not None else conn
        if vconn is not None:
            dialect.begin_write(vconn)
        people = [p for rec in batch for p in rec.people]
        q = self.queries
        ids = self._existing(conn, q["resident_ids"], [p.resident_id for p in people])
        hids = self._existing(conn, q["household_ids"], [rec.household_id for rec in batch])
        codes = self._existing(
            conn, q["living_codes"], [p.resident_code for p in people if p.living]
        )
        blinds = {p.resident_id: self.cipher.blind(p.my_number) for p in people if p.my_number}
        taken_blinds = self._living_blinds(conn, vault, list(blinds.values()))
        seen_ids: set[str] = set()
        seen_hids: set[str] = set()
        seen_codes: set[str] = set()
        seen_blinds: set[bytes] = set()
        good: list[Prepared] = []
        for rec in batch:
            found: list[Problem] = []
            if rec.household_id in hids or rec.household_id in seen_hids:
                found.append(problem("KJ-STORE-023", "household_id", "household_id"))
            for i, p in enumerate(rec.people):
                where = f"persons[{i}]"
                if p.resident_id in ids or p.resident_id in seen_ids:
                    found.append(problem("KJ-STORE-022", "resident_id", f"{where}.resident_id"))
                if p.living:
                    if p.resident_code in codes or p.resident_code in seen_codes:
                        found.append(
                            problem("KJ-LOGIC-001", "resident_code", f"{where}.resident_code")
                        )
                    blind = blinds.get(p.resident_id)
                    if blind is not None and (blind in taken_blinds or blind in seen_blinds):
                        found.append(problem("KJ-LOGIC-002", "my_number", f"{where}.my_number"))
            if found:
                self.bad(rec.line, found)
                bad_in_batch += 1
                continue
            good.append(rec)
            seen_hids.add(rec.household_id)
            for p in rec.people:
                seen_ids.add(p.resident_id)
                if p.living:
                    seen_codes.add(p.resident_code)
                    if p.resident_id in blinds:
                        seen_blinds.add(blinds[p.resident_id])
        self._write(conn, vault, good, blinds)
        residents_written = sum(len(rec.people) for rec in good)
        self._checkpoint(conn, last_line, residents_written, bad_in_batch)
        if good:
            self._audit(conn, good)
        if vconn is not None:
            vconn.commit()
        conn.commit()
        self.report.households += len(good)
        self.report.residents += residents_written

    def _living_blinds(
        self, conn: sa.Connection, vault: sa.Connection, wanted: list[bytes]
    ) -> set[bytes]:
        if not wanted:
            return set()
        q = self.queries
        if self.vault_shared:
            return self._existing(conn, q["living_blinds"], wanted)
        refs: dict[Any, bytes] = {}
        for sql, params in _in_lists(vault.dialect, q["vault_refs"], wanted):
            refs.update((ref, bytes(b)) for ref, b in vault.exec_driver_sql(sql, params))
        living = self._existing(conn, q["living_refs"], list(refs))
        return {refs[ref] for ref in living}

    def _write(
        self,
        conn: sa.Connection,
        vault: sa.Connection,
        good: list[Prepared],
        blinds: dict[str, bytes],
    ) -> None:
        if not good:
            return
        people = [p for rec in good for p in rec.people]
        numbered = [(p.resident_id, p.my_number) for p in people if p.my_number is not None]
        ids = [rid for rid, _ in numbered]
        refs = dict(zip(ids, new_refs(ids), strict=True))
        kid, boxes = self.cipher.seal_many(
            [(number.encode(), number_context(rid)) for rid, number in numbered]
        )
        vault_rows = [
            (refs[rid], rid, kid, box, blinds[rid]) for rid, box in zip(ids, boxes, strict=True)
        ]
        resident_rows = [(*p.values, refs.get(p.resident_id)) for p in people]
        if vault_rows:
            self.store.vault.session(lambda: vault).ensure_key_check(kid)
            vault.exec_driver_sql(self.vault_sql, vault_rows)
        # The rows were encoded for this dialect by prepare(): straight to the driver.
        conn.exec_driver_sql(self.resident_sql, resident_rows)
        conn.exec_driver_sql(self.household_sql, [rec.household_values for rec in good])
        conn.execute(
            chain_head.update()
            .where(chain_head.c.name == "audit")
            .values(generation=chain_head.c.generation + 1)
        )
        imported_codes = [p.resident_code for rec in good for p in rec.people]
        for sql, params in _in_lists(conn.dialect, self.queries["pool_codes"], imported_codes):
            conn.exec_driver_sql(sql, params)
        counters = {
            "resident": [p.resident_id for rec in good for p in rec.people],
            "household": [rec.household_id for rec in good],
        }
        for name, pattern in _SERVICE_IDS.items():
            values = [int(m.group(1)) for i in counters[name] for m in [pattern.match(i)] if m]
            if values:
                statement = dialect.insert(conn, sequences).values(name=name, value=max(values))
                larger = (
                    sa.func.max(sequences.c.value, statement.excluded.value)
                    if dialect.is_sqlite(conn)
                    else sa.func.greatest(sequences.c.value, statement.excluded.value)
                )
                conn.execute(
                    statement.on_conflict_do_update(
                        index_elements=[sequences.c.name], set_={"value": larger}
                    )
                )

    def _checkpoint(self, conn: sa.Connection, last_line: int, records: int, bad: int) -> None:
        statement = dialect.insert(conn, import_checkpoints).values(
            source=self.source,
            last_line=last_line,
            records=records,
            bad_lines=bad,
            finished=False,
        )
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[import_checkpoints.c.source],
                set_={
                    "last_line": statement.excluded.last_line,
                    "records": import_checkpoints.c.records + statement.excluded.records,
                    "bad_lines": import_checkpoints.c.bad_lines + statement.excluded.bad_lines,
                },
            )
        )

    def _audit(self, conn: sa.Connection, good: list[Prepared]) -> None:
        detail = {
            "source": self.source[:16],
            "households": len(good),
            "residents": sum(len(rec.people) for rec in good),
            "first_line": good[0].line,
            "last_line": good[-1].line,
        }
        append_audit(conn, self.now(), operation="import", detail=detail)


def append_audit(
    conn: sa.Connection,
    now: dt.datetime,
    *,
    operation: str,
    detail: dict[str, Any],
    operator_id: str = SYSTEM_OPERATOR,
    outcome: str = "ok",
    code: str | None = None,
) -> audit_chain.AuditEntry:
    """Extend the audit chain inside *conn*'s transaction (its writer lock held)."""
    row = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).first()
    last = codec.AUDIT.from_row(row._mapping) if row is not None else None
    entry = audit_chain.seal(
        audit_chain.AuditEntry(
            seq=(last.seq + 1) if last else 1,
            at=now.astimezone(JST).isoformat(),
            operator_id=operator_id,
            terminal_id="CLI",
            purpose="resident_records",
            operation=operation,
            outcome=outcome,  # type: ignore[arg-type]
            code=code,
            detail=detail,
        ),
        last.hash if last else audit_chain.GENESIS,
    )
    conn.execute(audit_log.insert(), [codec.AUDIT.to_row(entry)])
    if entry.subject_ids:
        conn.execute(
            audit_subjects.insert(),
            [
                {"seq": entry.seq, "position": i, "subject_id": s}
                for i, s in enumerate(entry.subject_ids)
            ],
        )
    return entry


def fingerprint(path: Path) -> str:
    """Identifies an import file: its size and the digest of its first megabyte."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(str(path.stat().st_size).encode())
    with open(path, "rb") as fh:
        digest.update(fh.read(1 << 20))
    return digest.hexdigest()


class Progress:
    """A progress bar on a text stream (stderr), redrawn at most ten times a second."""

    def __init__(self, total: int, stream: IO[str] | None = None, width: int = 30) -> None:
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.started = time.monotonic()
        self._last = 0.0

    def update(self, done: int, records: int, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < 0.1:
            return
        self._last = now
        share = min(done / self.total, 1.0)
        filled = int(share * self.width)
        rate = records / max(now - self.started, 1e-9)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {share * 100:5.1f}% "
            f"{records} records {rate:,.0f}/s"
        )
        if final:
            self.stream.write("\n")
        self.stream.flush()


def _chunks(
    fh: IO[bytes], skip: int, size: int, report: ImportReport
) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for line, raw in enumerate(fh, start=1):
        if line <= skip:
            report.skipped += 1
            continue
        report.lines += 1
        if raw.strip():
            chunk.append((line, raw))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_jsonl(
    store: SqlAlchemyStore,
    path: str | os.PathLike[str],
    *,
    batch_lines: int = 2000,
    today: dt.date | None = None,
    now: Callable[[], dt.datetime] | None = None,
    on_error: Callable[[LineError], None] | None = None,
    progress: bool | IO[str] = False,
    stop_after: int | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Import the JSON Lines file at *path* into *store* (see the module docstring).

    ``stop_after`` stops after that many batches (a test's simulated crash). ``workers`` is the
    number of processes that parse and check lines (0: this one; default: one per core for a
    file of 8 MB or more).
    """
    clock = now or (lambda: dt.datetime.now(JST))
    day = today or clock().astimezone(JST).date()
    file = Path(path)
    source = fingerprint(file)
    report = ImportReport()
    errors = on_error or (lambda e: None)
    importer = _Importer(store, source, clock, report, errors)
    dialect_name = importer.dialect_name
    pool_size = default_workers(file.stat().st_size) if workers is None else workers
    started = time.monotonic()
    with store.engine.connect() as conn:
        resume = conn.execute(
            sa.select(import_checkpoints.c.last_line).where(import_checkpoints.c.source == source)
        ).scalar()
        empty = conn.execute(sa.select(residents.c.resident_id).limit(1)).first() is None
        conn.rollback()
    report.resumed_after = int(resume or 0)
    if empty and resume is None:
        # A first migration into an empty register: build the search indexes once at the end
        # (sorting a million keys) instead of inserting into them a million times.
        set_search_indexes(store.engine, present=False)
    bar = (
        Progress(file.stat().st_size, None if progress is True else progress) if progress else None
    )
    vconn = store.vault_engine.connect() if store.vault_engine is not None else None
    batches = 0
    try:
        with store.engine.connect() as conn, open(file, "rb") as fh:
            tune = dialect.is_sqlite(conn)
            if tune:
                # Index pages of a large register stay in memory between batches, and the WAL
                # is checkpointed every few hundred megabytes rather than every four: a page
                # that many batches change is then copied into the database once.
                conn.exec_driver_sql(f"PRAGMA cache_size=-{CACHE_KIB}")
                conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")
            try:
                batch: list[Prepared] = []
                bad = 0
                last = report.resumed_after
                chunk_size = max(1, min(500, batch_lines))
                chunks = _chunks(fh, last, chunk_size, report)
                # Enough chunks in flight that the workers keep parsing while a batch is written.
                ahead = 2 * (batch_lines // chunk_size + pool_size)
                for results in prepared_in_order(chunks, day, dialect_name, pool_size, ahead):
                    for result in results:
                        if isinstance(result, Failed):
                            importer.bad(result.line, result.problems)
                            bad += 1
                        else:
                            batch.append(result)
                        last = result.line
                    if len(batch) + bad >= batch_lines:
                        importer.commit_batch(conn, vconn, batch, last, bad)
                        batch, bad = [], 0
                        batches += 1
                        if bar:
                            bar.update(fh.tell(), report.residents)
                        if stop_after is not None and batches >= stop_after:
                            return report
                importer.commit_batch(
                    conn, vconn, batch, max(last, report.lines + report.skipped), bad
                )
                set_search_indexes(store.engine, present=True)
                dialect.begin_write(conn)
                conn.execute(
                    import_checkpoints.update()
                    .where(import_checkpoints.c.source == source)
                    .values(finished=True)
                )
                conn.commit()
                if bar:
                    bar.update(fh.tell(), report.residents, final=True)
            finally:
                if tune:
                    conn.rollback()
                    conn.exec_driver_sql("PRAGMA wal_autocheckpoint=1000")
                    conn.exec_driver_sql("PRAGMA cache_size=-2000")
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        if vconn is not None:
            vconn.close()
        report.seconds = time.monotonic() - started
    return report


def _lookups(engine_dialect: sa.Dialect) -> dict[str, str]:
    """The store's uniqueness lookups, each ``SELECT … IN ({})`` for the markers of a chunk."""
    quote = engine_dialect.identifier_preparer.quote
    r, h, v = (quote(t.name) for t in (residents, households, my_numbers))
    living = f"{r}.{quote('living')}"
    return {
        "resident_ids": f"SELECT resident_id FROM {r} WHERE resident_id IN ({{}})",
        "household_ids": f"SELECT household_id FROM {h} WHERE household_id IN ({{}})",
        "living_codes": f"SELECT resident_code FROM {r} WHERE {living} AND resident_code IN ({{}})",
        "living_blinds": (
            f"SELECT {v}.blind FROM {v} JOIN {r} ON {r}.my_number_ref = {v}.ref "
            f"WHERE {living} AND {v}.blind IN ({{}})"
        ),
        "vault_refs": f"SELECT ref, blind FROM {v} WHERE blind IN ({{}})",
        "pool_codes": f"DELETE FROM {quote(code_pool.name)} WHERE code IN ({{}})",
        "living_refs": f"SELECT my_number_ref FROM {r} WHERE {living} AND my_number_ref IN ({{}})",
    }


def _mark(engine_dialect: sa.Dialect) -> str:
    """The driver's positional parameter marker."""
    return "?" if engine_dialect.paramstyle == "qmark" else "%s"


def _in_lists(
    engine_dialect: sa.Dialect, query: str, values: list[Any]
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(statement, parameters) of *query* (``… IN ({})``) for a chunk of *values* at a time, to
    run straight on the driver: SQLAlchemy's expansion of a 500-item IN list costs more than
    the lookup itself."""
    mark = _mark(engine_dialect)
    for batch in dialect.chunks(values):
        yield query.format(", ".join([mark] * len(batch))), tuple(batch)


def _insert_sql(engine_dialect: sa.Dialect, table: sa.Table, columns: tuple[str, ...]) -> str:
    """INSERT of *columns* in that order, for the driver's positional parameters."""
    quote = engine_dialect.identifier_preparer
    mark = _mark(engine_dialect)
    names = ", ".join(quote.quote(c) for c in columns)
    return (
        f"INSERT INTO {quote.format_table(table)} ({names}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )


def set_search_indexes(engine: sa.Engine, *, present: bool) -> None:
    """Create (or drop) the search indexes of residents, as the schema at head defines them."""
    wanted = [ix for ix in residents.indexes if ix.name in SEARCH_INDEXES]
    with engine.connect() as conn:
        dialect.begin_write(conn)
        for index in wanted:
            if present:
                index.create(conn, checkfirst=True)
            else:
                index.drop(conn, checkfirst=True)
        conn.commit()
