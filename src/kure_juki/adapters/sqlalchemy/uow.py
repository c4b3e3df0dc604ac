"""The SQLAlchemy unit of work: one database transaction per use case.

Register records (residents, households, movements, audit entries, operators) are buffered and
written at :meth:`commit`, after the version check of every record written (排他制御: a record
whose stored version is not the one it was read at makes the commit raise ConflictError) and
after re-running the reads the use case decided on. Counters and the 住民票コード pool change
in the same transaction as they are used, so they roll back with it.

The writer lock (SQLite's ``BEGIN IMMEDIATE``; the chain-head row ``SELECT … FOR UPDATE`` on
PostgreSQL) is taken by whoever extends the audit or movement chain and by every commit that
writes: from then until the commit, no other writer of the register runs. Reads before it take
no lock at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from kure_juki.adapters.sqlalchemy import codec, dialect
from kure_juki.adapters.sqlalchemy.outbox import SqlOutbox
from kure_juki.adapters.sqlalchemy.queries import queries
from kure_juki.adapters.sqlalchemy.repositories import (
    Audit,
    CodePool,
    Documents,
    Households,
    Movements,
    Operators,
    Residents,
    Sequences,
    seen,
)
from kure_juki.adapters.sqlalchemy.vault import VaultSession
from kure_juki.domain.errors import ConflictError, IntegrityError, problem
from kure_juki.domain.household import Household
from kure_juki.domain.movement_record import split_secrets
from kure_juki.domain.resident import Resident
from kure_juki.logs import get_logger

if TYPE_CHECKING:
    from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore

log = get_logger()
ReadKey = tuple[str, str]
Seen = tuple[tuple[str, int], ...]


class SqlAlchemyUnitOfWork:
    def __init__(self, store: SqlAlchemyStore) -> None:
        self._store = store
        self._conn: sa.Connection | None = None
        self.vault: VaultSession = store.vault.session(lambda: self.conn)
        self.vault_shared = not store.vault.separate
        self.q = queries(store.engine.dialect.name, self.vault_shared)
        self._reset()

    # -- state ---------------------------------------------------------------------------
    def _reset(self) -> None:
        self._writing = False
        self._generation: int | None = None
        self._reads: dict[ReadKey, Seen] = {}
        # Records by id as this unit first read them, with their vault ref (None: no such
        # record). A unit sees one state of each record, as under the memory adapter's lock;
        # the commit checks that state is still the stored one before trusting it.
        self.known: dict[ReadKey, tuple[Resident | Household | None, str | None]] = {}
        self.residents = Residents(self)
        self.households = Households(self)
        self.movements = Movements(self)
        self.audit = Audit(self)
        self.operators = Operators(self)
        self.code_pool = CodePool(self)
        self.sequences = Sequences(self)
        self.documents = Documents(self)
        self.outbox = SqlOutbox(self)  # CS outbox and 本人確認情報ファイル

    @property
    def conn(self) -> sa.Connection:
        if self._conn is None:
            self._conn = self._store.engine.connect()
        return self._conn

    def read(self, statement: sa.Executable, params: dict[str, Any]) -> sa.CursorResult[Any]:
        """Run a read; the first one before the writer lock notes the register's generation
        so that the commit knows whether anything changed since."""
        if not self._writing and self._generation is None:
            self._generation = int(self.conn.execute(self.q.generation).scalar_one())
        return self.conn.execute(statement, params)

    def begin_change(self) -> None:
        """About to change rows before commit (counters, code pool): on SQLite that needs the
        write lock; PostgreSQL locks just the rows."""
        if dialect.is_sqlite(self.conn):
            self.lock_writer()

    def lock_writer(self) -> None:
        if self._writing:
            return
        try:
            dialect.lock_writer(self.conn)
        except sa.exc.DBAPIError as exc:
            translated = dialect.translate(exc)
            if translated is not None:
                raise translated from exc
            raise
        self._writing = True

    def remember(self, key: ReadKey, seen: Seen) -> None:
        """Note what a read saw, unless the writer lock already makes it stable."""
        if not self._writing and key not in self._reads:
            self._reads[key] = seen

    def missing_number(self) -> None:
        raise IntegrityError(problem("KJ-INTEGRITY-007"))

    # -- context manager -----------------------------------------------------------------
    def __enter__(self) -> SqlAlchemyUnitOfWork:
        self._reset()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self.vault.close()
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- commit --------------------------------------------------------------------------
    def _has_writes(self) -> bool:
        return bool(
            self.residents.pending
            or self.households.pending
            or self.movements.pending
            or self.audit.pending
            or self.operators.pending
            or self.documents.pending
        )

    def commit(self) -> None:
        replaced: list[str] = []
        try:
            if self._has_writes():
                self.lock_writer()
                if self.residents.pending or self.households.pending:
                    generation = int(self.conn.execute(self.q.bump_generation).scalar_one())
                    self._check_reads(generation - 1)
                replaced = self._flush()
                self.vault.commit()
            if self._conn is not None:
                self._conn.commit()
        except sa.exc.DBAPIError as exc:
            self.rollback()
            translated = dialect.translate(exc)
            if translated is not None:
                raise translated from exc
            raise
        except BaseException:
            self.rollback()
            raise
        self._reset()
        if replaced and not self.vault_shared:
            self._drop_replaced(replaced)

    def rollback(self) -> None:
        try:
            self.vault.rollback()
        finally:
            if self._conn is not None:
                self._conn.rollback()
            self._reset()

    def _drop_replaced(self, refs: list[str]) -> None:
        """Remove the vault rows of replaced My Numbers, once the register no longer points
        at them (a failure here leaves orphans for ``vault.sweep``, never a lost number)."""
        try:
            self.vault.begin_write()
            self.vault.drop_refs(refs)
            self.vault.commit()
        except sa.exc.DBAPIError:
            self.vault.rollback()
            log.warning("vault cleanup deferred", rows=len(refs))

    # -- validation ----------------------------------------------------------------------
    def _check_reads(self, generation: int) -> None:
        """Under the writer lock: are the reads this unit decided on still true?"""
        if not self._reads or generation == self._generation:
            return  # no resident or household changed since the first read
        checks: dict[str, Callable[[str], list[Any]]] = {
            "resident": self.residents.stored,
            "household": self.households.stored,
            "members": self.residents.stored_members,
            "code": self.residents.stored_by_resident_code,
            "number": self.residents.stored_by_my_number,
            "deleted_code": self.residents.stored_deleted_by_code,
            "deleted_number": self.residents.stored_deleted_by_number,
            "deleted_card": self.residents.stored_deleted_by_card,
        }
        for (kind, key), was in self._reads.items():
            if seen(checks[kind](key)) != was:
                raise ConflictError(problem("KJ-CONFLICT-001"))

    def _check_versions(
        self, kind: str, statement: sa.Executable, records: dict[str, Any]
    ) -> dict[str, tuple[int, str | None]]:
        """Stored (version, my_number_ref) by id; ConflictError unless each record is the next
        version of the stored one (or version 1 of a new one)."""
        stored: dict[str, tuple[int, str | None]] = {}
        unknown = []
        for rid in records:
            # What this unit read is current: the reads were checked under the lock.
            record, ref = self.known.get((kind, rid), (None, None))
            if (kind, rid) not in self.known:
                unknown.append(rid)
            elif record is not None:
                stored[rid] = (record.version, ref)
        for batch in dialect.chunks(sorted(unknown)):
            for row in self.conn.execute(statement, {"ids": batch}):
                stored[row[0]] = (row[1], row[2] if len(row) > 2 else None)
        for rid, record in records.items():
            found = stored.get(rid)
            expected = found[0] + 1 if found is not None else 1
            if record.version != expected:
                raise ConflictError(problem("KJ-CONFLICT-001"))
        return stored

    # -- writing -------------------------------------------------------------------------
    def _flush(self) -> list[str]:
        conn = self.conn
        if self.vault.vault.separate:
            self.vault.begin_write()
        self._write_households(conn, self.households.pending)
        replaced = self._write_residents(conn, self.residents.pending)
        self._write_movements(conn)
        self._write_audit(conn)
        self._write_operators(conn)
        self._write_documents(conn)
        return replaced

    def _write_households(self, conn: sa.Connection, pending: dict[str, Household]) -> None:
        if not pending:
            return
        stored = self._check_versions("household", self.q.household_versions, pending)
        rows = {hid: codec.HOUSEHOLDS.to_row(h) for hid, h in pending.items()}
        new = [rows[hid] for hid in pending if hid not in stored]
        old = [{**rows[hid], "b_id": hid} for hid in pending if hid in stored]
        if new:
            conn.execute(self.q.insert_household, new)
        if old:
            conn.execute(self.q.update_household, old)

    def _check_unique(self, pending: dict[str, Resident]) -> None:
        """Under the writer lock: after this commit no two living residents share a 住民票コード
        or a 個人番号, whatever the numbering or the use case produced. The partial unique index
        on living codes backs the first; the second has no index (the number lives encrypted,
        possibly in another database), so every writer checks it here, serialised by the lock.
        Only values a record newly claims are looked up: a record that keeps its own costs
        nothing."""
        holders: dict[tuple[str, str], set[str]] = defaultdict(set)
        claimed: set[tuple[str, str]] = set()
        for rid, r in pending.items():
            if not r.is_living:
                continue
            before, _ = self.known.get(("resident", rid), (None, None))
            kept = isinstance(before, Resident) and before.is_living
            for attr in ("resident_code", "my_number"):
                value = getattr(r, attr)
                if not value:
                    continue
                holders[(attr, value)].add(rid)
                if not (kept and getattr(before, attr) == value):
                    claimed.add((attr, value))
        found = []
        for attr, value in sorted(claimed):
            stored = (
                self.residents.stored_by_resident_code(value)
                if attr == "resident_code"
                else self.residents.stored_by_my_number(value)
            )
            others = {s.resident_id for s in stored if s.resident_id not in pending}
            ids = holders[(attr, value)] | others
            if len(ids) > 1:
                code = "KJ-CONFLICT-801" if attr == "resident_code" else "KJ-CONFLICT-802"
                found.append(problem(code, attr))
        if found:
            raise ConflictError(found)

    def _write_residents(self, conn: sa.Connection, pending: dict[str, Resident]) -> list[str]:
        if not pending:
            return []
        stored = self._check_versions("resident", self.q.resident_versions, pending)
        self._check_unique(pending)
        old_refs = {rid: row[1] for rid, row in stored.items() if row[1] is not None}
        # The stored number of a record this unit read is known; the others' are compared by
        # blind index (no decryption needed).
        known_numbers = {
            rid: record.my_number
            for rid in old_refs
            for record, _ in [self.known.get(("resident", rid), (None, None))]
            if isinstance(record, Resident)
        }
        unread = [ref for rid, ref in old_refs.items() if rid not in known_numbers]
        blinds = self.vault.blinds(unread) if unread else {}
        cipher = self.vault.cipher
        refs: dict[str, str | None] = {}
        to_seal: list[tuple[str, str]] = []
        replaced: list[str] = []
        for rid, r in pending.items():
            old = old_refs.get(rid)
            if r.my_number is None:
                refs[rid] = None
            elif old is not None and (
                known_numbers[rid] == r.my_number
                if rid in known_numbers
                else blinds.get(old) == cipher.blind(r.my_number)
            ):
                refs[rid] = old
                continue
            else:
                to_seal.append((rid, r.my_number))
            if old is not None:
                replaced.append(old)
        vault_rows = self.vault.number_rows(to_seal)
        for (rid, _), vrow in zip(to_seal, vault_rows, strict=True):
            refs[rid] = str(vrow["ref"])
        self.vault.add_numbers(vault_rows)
        rows = {
            rid: {**codec.RESIDENTS.to_row(r), "my_number_ref": refs[rid]}
            for rid, r in pending.items()
        }
        new = [rows[rid] for rid in pending if rid not in stored]
        old_rows = [{**rows[rid], "b_id": rid} for rid in pending if rid in stored]
        # The unique index on living codes is checked row by row: records leaving the living
        # (a 帰化's old record, a 取消's undone one) are written before those taking a code.
        leaving = [row for row in old_rows if not pending[row["b_id"]].is_living]
        staying = [row for row in old_rows if pending[row["b_id"]].is_living]
        if leaving:
            conn.execute(self.q.update_resident, leaving)
        if new:
            conn.execute(self.q.insert_resident, new)
        if staying:
            conn.execute(self.q.update_resident, staying)
        if replaced and self.vault_shared:
            self.vault.drop_refs(replaced)
            return []
        return replaced

    def _write_movements(self, conn: sa.Connection) -> None:
        pending = self.movements.pending
        if not pending:
            return
        conn.execute(self.q.insert_movement, [codec.MOVEMENTS.to_row(m) for m in pending])
        links = [
            {"movement_id": m.movement_id, "position": i, "resident_id": rid}
            for m in pending
            for i, rid in enumerate(m.resident_ids)
        ]
        if links:
            conn.execute(self.q.insert_movement_residents, links)
        self.vault.add_movement_secrets([(m.movement_id, m.secrets) for m in pending if m.secrets])

    def _write_audit(self, conn: sa.Connection) -> None:
        pending = self.audit.pending
        if not pending:
            return
        conn.execute(self.q.insert_audit, [codec.AUDIT.to_row(e) for e in pending])
        subjects = [
            {"seq": e.seq, "position": i, "subject_id": sid}
            for e in pending
            for i, sid in enumerate(e.subject_ids)
        ]
        if subjects:
            conn.execute(self.q.insert_audit_subjects, subjects)

    def _write_operators(self, conn: sa.Connection) -> None:
        pending = self.operators.pending
        if not pending:
            return
        rows = [codec.OPERATORS.to_row(op) for op in pending.values()]
        conn.execute(self.q.upsert_operator, rows)

    def _write_documents(self, conn: sa.Connection) -> None:
        pending = self.documents.pending
        if not pending:
            return
        rows = []
        sealed: list[tuple[str, str, dict[str, str]]] = []
        for (kind, key), (data, subject) in pending.items():
            clean, found = split_secrets(data, "doc")
            rows.append(
                {
                    "kind": kind,
                    "key": key,
                    "subject": subject,
                    "data": codec.dumps(clean),
                    "sealed": bool(found),
                }
            )
            sealed.append((kind, key, found))
        conn.execute(self.q.upsert_document, rows)
        self.vault.put_document_secrets(sealed)
