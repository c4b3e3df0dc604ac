"""The repositories of a SQLAlchemy unit of work.

Reads go to the database and are overlaid with the unit's pending writes, with the memory
adapter's semantics: ``members`` are living members in 宛名番号 order, ``living_by_*`` see only
living records, ``search`` agrees with :func:`kure_juki.domain.search.matches`. Reads a decision
may rest on (``get``, ``members``, ``living_by_*``) are remembered with what they saw; the unit
re-runs them under the writer lock before writing and refuses (ConflictError) if another
writer changed the answer meanwhile, so a check made before the lock is still true when its
result is written.
"""

from __future__ import annotations

import copy
import datetime as dt
import heapq
import json
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from kure_juki.adapters.sqlalchemy import codec, dialect
from kure_juki.adapters.sqlalchemy.queries import PAGE
from kure_juki.adapters.sqlalchemy.tables import my_numbers, residents
from kure_juki.domain.audit import AuditEntry
from kure_juki.domain.household import Household
from kure_juki.domain.identifiers import is_valid_residence_card_number
from kure_juki.domain.movement_record import MovementRecord, join_secrets
from kure_juki.domain.names import is_kana, seion_kana
from kure_juki.domain.operator import Operator
from kure_juki.domain.register_view import with_pending_deletions
from kure_juki.domain.resident import Resident, card_number_of
from kure_juki.domain.search import SearchCriteria, fold, matches, same_identity

if TYPE_CHECKING:
    from kure_juki.adapters.sqlalchemy.uow import SqlAlchemyUnitOfWork


def prefix_range(column: sa.ColumnElement[str], prefix: str) -> sa.ColumnElement[bool]:
    """``column`` starts with ``prefix``, as an index range (code point order)."""
    lower = column >= prefix
    stem = prefix
    while stem and ord(stem[-1]) == 0x10FFFF:
        stem = stem[:-1]
    if not stem:
        return lower
    upper = stem[:-1] + chr(ord(stem[-1]) + 1)
    if 0xD800 <= ord(upper[-1]) <= 0xDFFF:  # surrogates cannot be stored: skip past them
        upper = stem[:-1] + "\ue000"
    return sa.and_(lower, column < upper)


def _contains(column: sa.ColumnElement[str], text: str, sqlite: bool) -> sa.ColumnElement[bool]:
    """Exact, case-sensitive substring test (LIKE would fold ASCII case on SQLite)."""
    if sqlite:
        return sa.func.instr(column, text) > 0
    return sa.func.strpos(column, text) > 0


def _merge_by_key(stored: Iterator[Any], pending: dict[Any, Any], key: str) -> Iterator[Any]:
    """*stored* (in key order) with *pending* records replacing or joining them in order."""
    ordered = sorted(pending.values(), key=lambda r: getattr(r, key))
    yield from heapq.merge(
        (r for r in stored if getattr(r, key) not in pending),
        ordered,
        key=lambda r: getattr(r, key),
    )


class Residents:  # 住民マスタ (+ the vault)
    def __init__(self, uow: SqlAlchemyUnitOfWork) -> None:
        self._u = uow
        self.pending: dict[str, Resident] = {}

    # -- reading rows ------------------------------------------------------------------
    def _decode(self, rows: Sequence[sa.Row[Any]]) -> list[tuple[Resident, str | None]]:
        """Records with the vault ref each row points at."""
        vault = self._u.vault
        out = []
        if self._u.vault_shared:
            for row in rows:
                m = row._mapping
                ref = m["my_number_ref"]
                number = None
                if ref is not None:
                    if m["mn_box"] is None:
                        self._u.missing_number()
                    number = vault.open_number(m["resident_id"], m["mn_key_id"], m["mn_box"])
                out.append((codec.RESIDENTS.from_row(m, my_number=number), ref))
            return out
        refs = [row._mapping["my_number_ref"] for row in rows]
        numbers = vault.numbers(r for r in refs if r is not None)
        for row in rows:
            m = row._mapping
            ref = m["my_number_ref"]
            if ref is not None and ref not in numbers:
                self._u.missing_number()
            out.append((codec.RESIDENTS.from_row(m, my_number=numbers[ref] if ref else None), ref))
        return out

    def _run(self, statement: sa.Executable, **params: Any) -> list[Resident]:
        return [r for r, _ in self._decode(self._u.read(statement, params).all())]

    # -- the port ----------------------------------------------------------------------
    def stored(self, resident_id: str) -> list[Resident]:
        return self._run(self._u.q.resident_by_id, key=resident_id)

    def get(self, resident_id: str) -> Resident | None:
        if resident_id in self.pending:
            return self.pending[resident_id]
        key = ("resident", resident_id)
        if key not in self._u.known:
            found = self._decode(self._u.read(self._u.q.resident_by_id, {"key": resident_id}).all())
            self._u.remember(key, seen([r for r, _ in found]))
            self._u.known[key] = found[0] if found else (None, None)
        return self._u.known[key][0]  # type: ignore[return-value]

    def put(self, resident: Resident) -> None:
        self.pending[resident.resident_id] = resident

    def stored_members(self, household_id: str) -> list[Resident]:
        return self._run(self._u.q.residents_of_household, key=household_id)

    def members(self, household_id: str) -> list[Resident]:
        stored = self.stored_members(household_id)
        self._u.remember(("members", household_id), seen(stored))
        merged = {r.resident_id: r for r in stored}
        for rid, r in self.pending.items():
            if r.household_id == household_id or rid in merged:
                merged[rid] = r
        return sorted(
            (r for r in merged.values() if r.is_living and r.household_id == household_id),
            key=lambda r: r.resident_id,
        )

    def stored_by_resident_code(self, resident_code: str) -> list[Resident]:
        return self._run(self._u.q.residents_by_code, key=resident_code)

    def stored_by_my_number(self, my_number: str) -> list[Resident]:
        if self._u.vault_shared:
            found = self._run(
                self._u.q.residents_by_blind, blind=self._u.vault.cipher.blind(my_number)
            )
        else:
            refs = self._u.vault.refs_for(my_number)
            found = []
            for batch in dialect.chunks(refs):
                found += self._run(self._u.q.residents_by_refs, refs=batch)
            found.sort(key=lambda r: r.resident_id)
        return [r for r in found if r.my_number == my_number]

    def _living_by(self, attr: str, value: str, stored: list[Resident]) -> Resident | None:
        for r in self.pending.values():
            if getattr(r, attr) == value and r.is_living:
                return r
        for r in stored:
            if r.resident_id not in self.pending:
                return r
        return None

    def living_by_resident_code(self, resident_code: str) -> Resident | None:
        stored = self.stored_by_resident_code(resident_code)
        self._u.remember(("code", resident_code), seen(stored))
        return self._living_by("resident_code", resident_code, stored)

    def living_by_my_number(self, my_number: str) -> Resident | None:
        stored = self.stored_by_my_number(my_number)
        self._u.remember(("number", my_number), seen(stored))
        return self._living_by("my_number", my_number, stored)

    # -- 除票 by identity (再転入) ----------------------------------------------------------
    def stored_deleted_by_code(self, resident_code: str) -> list[Resident]:
        return self._run(self._u.q.deleted_by_code, key=resident_code)

    def stored_deleted_by_number(self, my_number: str) -> list[Resident]:
        if self._u.vault_shared:
            found = self._run(
                self._u.q.deleted_by_blind, blind=self._u.vault.cipher.blind(my_number)
            )
        else:
            found = []
            for batch in dialect.chunks(self._u.vault.refs_for(my_number)):
                found += self._run(self._u.q.deleted_by_refs, refs=batch)
            found.sort(key=lambda r: r.resident_id)
        return [r for r in found if r.my_number == my_number]

    def stored_deleted_by_card(self, card_number: str) -> list[Resident]:
        if not is_valid_residence_card_number(card_number):
            return []
        found = self._run(self._u.q.deleted_by_card, card=card_number)
        return [r for r in found if card_number_of(r) == card_number]

    def _deleted(
        self, key: tuple[str, str], stored: list[Resident], test: Callable[[Resident], bool]
    ) -> list[Resident]:
        self._u.remember(key, seen(stored))
        return with_pending_deletions(stored, self.pending, test)

    def deleted_by_resident_code(self, resident_code: str) -> list[Resident]:
        return self._deleted(
            ("deleted_code", resident_code),
            self.stored_deleted_by_code(resident_code),
            lambda r: r.resident_code == resident_code,
        )

    def deleted_by_my_number(self, my_number: str) -> list[Resident]:
        return self._deleted(
            ("deleted_number", my_number),
            self.stored_deleted_by_number(my_number),
            lambda r: r.my_number == my_number,
        )

    def deleted_by_residence_card_number(self, card_number: str) -> list[Resident]:
        return self._deleted(
            ("deleted_card", card_number),
            self.stored_deleted_by_card(card_number),
            lambda r: card_number_of(r) == card_number,
        )

    def deleted_by_identity(
        self, family_name: str, given_name: str, sex: str, birth_date: dt.date
    ) -> list[Resident]:
        # An alert only: nothing is decided on it, so the read is not remembered.
        stored = self._run(
            self._u.q.deleted_by_identity,
            birth_date=birth_date,
            sex=sex,
            family=fold(family_name),
            given=fold(given_name),
        )
        merged = {r.resident_id: r for r in stored}
        for rid, r in self.pending.items():
            if not r.is_living and same_identity(r, family_name, given_name, sex, birth_date):
                merged[rid] = r
            else:
                merged.pop(rid, None)
        return [merged[k] for k in sorted(merged)]

    def search(self, criteria: SearchCriteria, limit: int) -> list[Resident]:
        stored = self._search_stored(criteria, limit)
        found = {r.resident_id: r for r in stored if r.resident_id not in self.pending}
        for rid, r in self.pending.items():
            found[rid] = r
        hits = sorted(
            (r for r in found.values() if matches(r, criteria)), key=lambda r: r.resident_id
        )
        return hits[:limit]

    def _search_stored(self, c: SearchCriteria, limit: int) -> list[Resident]:
        sqlite = dialect.is_sqlite(self._u.conn)
        where: list[sa.ColumnElement[bool]] = []
        if not c.include_deleted:
            where.append(residents.c.living)
        if c.resident_code:
            where.append(residents.c.resident_code == c.resident_code)
        if c.my_number:
            if self._u.vault_shared:
                where.append(my_numbers.c.blind == self._u.vault.cipher.blind(c.my_number))
            else:
                refs = self._u.vault.refs_for(c.my_number)
                if not refs:
                    return []
                where.append(residents.c.my_number_ref.in_(refs))
        for query, kanji, kana in (
            (c.family_name, residents.c.family_fold, residents.c.family_seion),
            (c.given_name, residents.c.given_fold, residents.c.given_seion),
        ):
            if not query:
                continue
            folded = fold(query)
            if not folded:
                return []
            condition = prefix_range(kanji, folded)
            key = seion_kana(query) if is_kana(query) else ""
            if key:
                condition = sa.or_(condition, prefix_range(kana, key))
            where.append(condition)
        if c.birth_date is not None and c.birth_date_until is not None:
            where.append(residents.c.birth_date.between(c.birth_date, c.birth_date_until))
        elif c.birth_date is not None:
            where.append(residents.c.birth_date == c.birth_date)
        if c.sex:
            where.append(residents.c.sex == c.sex)
        if c.address:
            where.append(_contains(residents.c.address_fold, fold(c.address), sqlite))
        statement = self._u.q.residents_base.where(*where).order_by(residents.c.resident_id)
        if limit > 0:
            # Pending records may displace stored ones: fetch enough to fill the page anyway.
            statement = statement.limit(limit + len(self.pending))
        return self._run(statement)

    def iter_all(self) -> Iterator[Resident]:
        return _merge_by_key(self._stream(), dict(self.pending), "resident_id")

    def _stream(self) -> Iterator[Resident]:
        page = self._run(self._u.q.residents_first)
        while page:
            yield from page
            if len(page) < PAGE:
                return
            page = self._run(self._u.q.residents_after, after=page[-1].resident_id)

    def count(self, *, living_only: bool = False) -> int:
        q = self._u.q
        total = int(
            self._u.read(q.count_living if living_only else q.count_residents, {}).scalar_one()
        )
        if not self.pending:
            return total
        stored: dict[str, bool] = {}
        for batch in dialect.chunks(sorted(self.pending)):
            for row in self._u.read(q.resident_living, {"ids": batch}).all():
                stored[str(row.resident_id)] = bool(row.living)
        for rid, r in self.pending.items():
            if rid in stored and (stored[rid] or not living_only):
                total -= 1
            if r.is_living or not living_only:
                total += 1
        return total


def seen(records: Sequence[Resident | Household]) -> tuple[tuple[str, int], ...]:
    """What a read saw: (id, version) of each record, for re-checking under the lock."""
    return tuple(
        (r.resident_id if isinstance(r, Resident) else r.household_id, r.version) for r in records
    )


class Households:  # 世帯
    def __init__(self, uow: SqlAlchemyUnitOfWork) -> None:
        self._u = uow
        self.pending: dict[str, Household] = {}

    def _run(self, statement: sa.Executable, **params: Any) -> list[Household]:
        return [codec.HOUSEHOLDS.from_row(row._mapping) for row in self._u.read(statement, params)]

    def stored(self, household_id: str) -> list[Household]:
        return self._run(self._u.q.household_by_id, key=household_id)

    def get(self, household_id: str) -> Household | None:
        if household_id in self.pending:
            return self.pending[household_id]
        key = ("household", household_id)
        if key not in self._u.known:
            found = self.stored(household_id)
            self._u.remember(key, seen(found))
            self._u.known[key] = (found[0] if found else None, None)
        return self._u.known[key][0]  # type: ignore[return-value]

    def put(self, household: Household) -> None:
        self.pending[household.household_id] = household

    def iter_all(self) -> Iterator[Household]:
        def stream() -> Iterator[Household]:
            page = self._run(self._u.q.households_first)
            while page:
                yield from page
                if len(page) < PAGE:
                    return
                page = self._run(self._u.q.households_after, after=page[-1].household_id)

        return _merge_by_key(stream(), dict(self.pending), "household_id")


class Movements:  # 異動履歴
    def __init__(self, uow: SqlAlchemyUnitOfWork) -> None:
        self._u = uow
        self.pending: list[MovementRecord] = []

    def _run(self, statement: sa.Executable, **params: Any) -> list[MovementRecord]:
        rows = self._u.read(statement, params).all()
        ids = [row._mapping["movement_id"] for row in rows]
        found = self._u.vault.movement_secrets(ids) if ids else {}
        return [
            codec.MOVEMENTS.from_row(
                row._mapping, secrets=found.get(row._mapping["movement_id"], {})
            )
            for row in rows
        ]

    def append(self, record: MovementRecord) -> None:
        self.pending.append(record)

    def for_resident(self, resident_id: str) -> list[MovementRecord]:
        done = self._run(self._u.q.movements_of_resident, key=resident_id)
        return done + [m for m in self.pending if resident_id in m.resident_ids]

    def get(self, movement_id: int) -> MovementRecord | None:
        for m in self.pending:
            if m.movement_id == movement_id:
                return m
        found = self._run(self._u.q.movement_by_id, key=movement_id)
        return found[0] if found else None

    def iter_all(self) -> Iterator[MovementRecord]:
        last = 0
        while True:
            page = self._run(self._u.q.movements_after, after=last)
            yield from page
            if len(page) < PAGE:
                break
            last = page[-1].movement_id
        yield from list(self.pending)

    def last_id(self) -> int:
        # The next id is taken from here: hold the writer lock so that no other unit of work
        # takes the same one.
        self._u.lock_writer()
        if self.pending:
            return self.pending[-1].movement_id
        return int(self._u.read(self._u.q.last_movement_id, {}).scalar() or 0)


class Audit:  # 操作ログ
    def __init__(self, uow: SqlAlchemyUnitOfWork) -> None:
        self._u = uow
        self.pending: list[AuditEntry] = []

    def _run(self, statement: sa.Executable, **params: Any) -> list[AuditEntry]:
        return [codec.AUDIT.from_row(row._mapping) for row in self._u.read(statement, params)]

    def append(self, entry: AuditEntry) -> None:
        self.pending.append(entry)

    def last(self) -> AuditEntry | None:
        # Whoever asks for the head is about to extend the chain: take the writer lock first
        # (SELECT … FOR UPDATE of the chain head on PostgreSQL) so the chain never forks.
        self._u.lock_writer()
        if self.pending:
            return self.pending[-1]
        found = self._run(self._u.q.audit_last)
        return found[0] if found else None

    def iter_all(self) -> Iterator[AuditEntry]:
        last = 0
        while True:
            page = self._run(self._u.q.audit_after, after=last)
            yield from page
            if len(page) < PAGE:
                break
            last = page[-1].seq
        yield from list(self.pending)

    def subject_index(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        """(seq, subject ids in order) as the ``audit_subjects`` index holds them: what
        ``search(subject_id=…)`` answers from, verified against the chained entries."""
        seq, position = 0, -1
        current: tuple[int, list[str]] | None = None
        while True:
            page = self._u.read(
                self._u.q.audit_subjects_after, {"seq": seq, "position": position}
            ).all()
            for row in page:
                values: tuple[Any, ...] = tuple(row)
                row_seq, row_position, subject = int(values[0]), int(values[1]), str(values[2])
                if current is not None and current[0] != row_seq:
                    yield current[0], tuple(current[1])
                    current = None
                if current is None:
                    current = (row_seq, [])
                current[1].append(subject)
                seq, position = row_seq, row_position
            if len(page) < PAGE:
                break
        if current is not None:
            yield current[0], tuple(current[1])
        for e in list(self.pending):
            if e.subject_ids:
                yield e.seq, tuple(e.subject_ids)

    def search(
        self, *, subject_id: str | None = None, operator_id: str | None = None
    ) -> list[AuditEntry]:
        statement = self._u.q.audit_search[(subject_id is not None, operator_id is not None)]
        params = {"subject": subject_id, "operator": operator_id}
        stored = self._run(statement, **{k: v for k, v in params.items() if v is not None})
        return stored + [
            e
            for e in self.pending
            if (subject_id is None or subject_id in e.subject_ids)
            and (operator_id is None or e.operator_id == operator_id)
        ]


class Operators:  # 操作者
    def __init__(self, uow: SqlAlchemyUnitOfWork) -> None:
        self._u = uow
        self.pending: dict[str, Operator] = {}

    def _run(self, statement: sa.Executable, **params: Any) -> list[Operator]:
        return [codec.OPERATORS.from_row(row._mapping) for row in self._u.read(statement, params)]

    def get(self, operator_id: str) -> Operator | None:
        if operator_id in self.pending:
            return self.pending[operator_id]
        found = self._run(self._u.q.operator_by_id, key=operator_id)
        return found[0] if found else None

    def put(self, operator: Operator) -> None:
        self.pending[operator.operator_id] = operator

    def any(self) -> bool:
        if self.pending:
            return True
        return self._u.read(self._u.q.any_operator, {}).first() is not None

    def iter_all(self) -> Iterator[Operator]:
        stored = iter(self._run(self._u.q.all_operators))
        return _merge_by_key(stored, dict(self.pending), "operator_id")


class Documents:  # 抑止・支援措置・承認・発行履歴 … (JSON documents)
    def __init__(self, uow: SqlAlchemyUnitOfWork) -> None:
        self._u = uow
        self.pending: dict[tuple[str, str], tuple[dict[str, Any], str | None]] = {}

    def _run(self, statement: sa.Executable, **params: Any) -> list[tuple[str, dict[str, Any]]]:
        rows = self._u.read(statement, params).all()
        sealed = [row.key for row in rows if row.sealed]
        found = self._u.vault.document_secrets(params["kind"], sealed) if sealed else {}
        out = []
        for row in rows:
            data = json.loads(row.data)
            if row.key in found:
                data = join_secrets(data, "doc", found[row.key])
            out.append((row.key, data))
        return out

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        if (kind, key) in self.pending:
            return copy.deepcopy(self.pending[(kind, key)][0])
        found = self._run(self._u.q.document_by_key, kind=kind, key=key)
        return found[0][1] if found else None

    def put(self, kind: str, key: str, data: dict[str, Any], subject: str | None = None) -> None:
        self.pending[(kind, key)] = (copy.deepcopy(data), subject)

    def by_subject(self, kind: str, subject: str) -> list[dict[str, Any]]:
        merged = {
            key: data
            for key, data in self._run(self._u.q.documents_of_subject, kind=kind, subject=subject)
            if (kind, key) not in self.pending
        }
        for (k, key), (data, subj) in self.pending.items():
            if k == kind and subj == subject:
                merged[key] = copy.deepcopy(data)
        return [merged[key] for key in sorted(merged)]

    def iter_kind(self, kind: str) -> Iterator[dict[str, Any]]:
        pending = {key: data for (k, key), (data, _) in self.pending.items() if k == kind}

        def stream() -> Iterator[tuple[str, dict[str, Any]]]:
            page = self._run(self._u.q.documents_first, kind=kind)
            while page:
                yield from page
                if len(page) < PAGE:
                    return
                page = self._run(self._u.q.documents_after, kind=kind, after=page[-1][0])

        stored = ((key, data) for key, data in stream() if key not in pending)
        ordered = sorted(pending.items())
        for _, data in heapq.merge(stored, ordered, key=lambda item: item[0]):
            yield copy.deepcopy(data)


class CodePool:  # 住民票コードの払出し
    def __init__(self, uow: SqlAlchemyUnitOfWork) -> None:
        self._u = uow

    def take(self, count: int) -> list[str]:
        if count <= 0:
            return []
        self._u.begin_change()
        rows = self._u.conn.execute(self._u.q.take_codes, {"n": count}).all()
        return [code for _, code in sorted(rows)]

    def add(self, codes: list[str]) -> None:
        if codes:
            self._u.begin_change()
            self._u.conn.execute(self._u.q.insert_code, [{"code": c} for c in codes])

    def remaining(self) -> int:
        return int(self._u.read(self._u.q.count_codes, {}).scalar_one())


class Sequences:
    def __init__(self, uow: SqlAlchemyUnitOfWork) -> None:
        self._u = uow

    def next(self, name: str) -> int:
        # One statement: the row lock it takes on PostgreSQL is held until the unit ends.
        self._u.begin_change()
        return int(self._u.conn.execute(self._u.q.next_value, {"name": name}).scalar_one())
