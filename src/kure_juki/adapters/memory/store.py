"""The in-memory store: the fake repository of the storage port, for tests and embedding.

State lives in plain dicts with the indexes the rules need. A unit of work buffers its writes
and applies them under the store's lock at commit, after checking every record's version, so a
failed use case leaves the store exactly as it was.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

from kure_juki.adapters.memory.outbox import MemoryOutbox
from kure_juki.domain.audit import AuditEntry
from kure_juki.domain.errors import ConflictError, problem
from kure_juki.domain.household import Household
from kure_juki.domain.movement_record import MovementRecord
from kure_juki.domain.operator import Operator
from kure_juki.domain.resident import Resident, card_number_of
from kure_juki.domain.search import SearchCriteria, fold, matches, same_identity


class MemoryState:
    """The committed state of a memory store."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.residents: dict[str, Resident] = {}
        self.households: dict[str, Household] = {}
        self.movements: list[MovementRecord] = []
        self.movements_by_resident: dict[str, list[int]] = defaultdict(list)
        self.audit: list[AuditEntry] = []
        self.operators: dict[str, Operator] = {}
        self.code_pool: list[str] = []
        self.sequences: dict[str, int] = defaultdict(int)
        self.documents: dict[str, dict[str, tuple[dict[str, Any], str | None]]] = {}
        # indexes of living records
        self.by_code: dict[str, str] = {}
        self.by_number: dict[str, str] = {}
        self.members: dict[str, set[str]] = defaultdict(set)
        self.by_family_key: dict[str, set[str]] = defaultdict(set)
        self.by_birth: dict[Any, set[str]] = defaultdict(set)
        # indexes of 除票 (a code may sit on several: 帰化 leaves the old record's codes)
        self.deleted_by_code: dict[str, set[str]] = defaultdict(set)
        self.deleted_by_number: dict[str, set[str]] = defaultdict(set)
        self.deleted_by_card: dict[str, set[str]] = defaultdict(set)
        self.deleted_by_birth: dict[Any, set[str]] = defaultdict(set)  # 3情報 lookups

    def index(self, old: Resident | None, new: Resident) -> None:
        if old is not None:
            self._unindex(old)
        self.residents[new.resident_id] = new
        rid = new.resident_id
        self.by_family_key[new.name.seion_family].add(rid)
        self.by_family_key[fold(new.name.family_name)].add(rid)
        self.by_birth[new.birth_date].add(rid)
        if new.is_living:
            self.by_code[new.resident_code] = rid
            if new.my_number:
                self.by_number[new.my_number] = rid
            self.members[new.household_id].add(rid)
        else:
            self.deleted_by_code[new.resident_code].add(rid)
            if new.my_number:
                self.deleted_by_number[new.my_number].add(rid)
            card = card_number_of(new)
            if card:
                self.deleted_by_card[card].add(rid)
            self.deleted_by_birth[new.birth_date].add(rid)

    def _unindex(self, old: Resident) -> None:
        rid = old.resident_id
        self.by_family_key[old.name.seion_family].discard(rid)
        self.by_family_key[fold(old.name.family_name)].discard(rid)
        self.by_birth[old.birth_date].discard(rid)
        if self.by_code.get(old.resident_code) == rid:
            del self.by_code[old.resident_code]
        if old.my_number and self.by_number.get(old.my_number) == rid:
            del self.by_number[old.my_number]
        self.members[old.household_id].discard(rid)
        self.deleted_by_code[old.resident_code].discard(rid)
        if old.my_number:
            self.deleted_by_number[old.my_number].discard(rid)
        card = card_number_of(old)
        if card:
            self.deleted_by_card[card].discard(rid)
        self.deleted_by_birth[old.birth_date].discard(rid)


class _Residents:
    def __init__(self, state: MemoryState, pending: dict[str, Resident]) -> None:
        self._s = state
        self._p = pending

    def get(self, resident_id: str) -> Resident | None:
        return self._p.get(resident_id) or self._s.residents.get(resident_id)

    def put(self, resident: Resident) -> None:
        self._p[resident.resident_id] = resident

    def members(self, household_id: str) -> list[Resident]:
        ids = set(self._s.members.get(household_id, ()))
        ids |= {rid for rid, r in self._p.items() if r.household_id == household_id}
        found = (self.get(rid) for rid in ids)
        return sorted(
            (r for r in found if r and r.is_living and r.household_id == household_id),
            key=lambda r: r.resident_id,
        )

    def _living_by(self, index: dict[str, str], attr: str, value: str) -> Resident | None:
        for r in self._p.values():
            if getattr(r, attr) == value and r.is_living:
                return r
        rid = index.get(value)
        found = self.get(rid) if rid is not None else None
        return found if found and found.is_living and getattr(found, attr) == value else None

    def living_by_resident_code(self, resident_code: str) -> Resident | None:
        return self._living_by(self._s.by_code, "resident_code", resident_code)

    def living_by_my_number(self, my_number: str) -> Resident | None:
        return self._living_by(self._s.by_number, "my_number", my_number)

    def _deleted_by(self, ids: set[str], test: Callable[[Resident], bool]) -> list[Resident]:
        found = (self.get(rid) for rid in ids | set(self._p))
        return sorted(
            (r for r in found if r is not None and not r.is_living and test(r)),
            key=lambda r: r.resident_id,
        )

    def deleted_by_resident_code(self, resident_code: str) -> list[Resident]:
        ids = set(self._s.deleted_by_code.get(resident_code, ()))
        return self._deleted_by(ids, lambda r: r.resident_code == resident_code)

    def deleted_by_my_number(self, my_number: str) -> list[Resident]:
        ids = set(self._s.deleted_by_number.get(my_number, ()))
        return self._deleted_by(ids, lambda r: r.my_number == my_number)

    def deleted_by_residence_card_number(self, card_number: str) -> list[Resident]:
        ids = set(self._s.deleted_by_card.get(card_number, ()))
        return self._deleted_by(ids, lambda r: card_number_of(r) == card_number)

    def deleted_by_identity(
        self, family_name: str, given_name: str, sex: str, birth_date: dt.date
    ) -> list[Resident]:
        ids = set(self._s.deleted_by_birth.get(birth_date, ()))
        return self._deleted_by(
            ids, lambda r: same_identity(r, family_name, given_name, sex, birth_date)
        )

    def search(self, criteria: SearchCriteria, limit: int) -> list[Resident]:
        candidates = self._candidates(criteria)
        found = [r for r in (self.get(rid) for rid in candidates) if r and matches(r, criteria)]
        found.sort(key=lambda r: r.resident_id)
        return found[:limit]

    def _candidates(self, c: SearchCriteria) -> set[str]:
        if c.resident_code:
            hit = self._s.by_code.get(c.resident_code)
            ids = {hit} if hit else set()
            if c.include_deleted:
                ids |= {
                    r.resident_id
                    for r in self._s.residents.values()
                    if r.resident_code == c.resident_code
                }
        elif c.my_number:
            hit = self._s.by_number.get(c.my_number)
            ids = {hit} if hit else set()
            if c.include_deleted:  # 除票 are not indexed: a rare query, a full scan
                ids |= {r.resident_id for r in self._s.residents.values()
                        if r.my_number == c.my_number}
        elif c.birth_date is not None and c.birth_date_until is not None:
            first, last = c.birth_date, c.birth_date_until
            ids = {rid for day, rids in self._s.by_birth.items() if first <= day <= last
                   for rid in rids}
        elif c.birth_date is not None:
            ids = set(self._s.by_birth.get(c.birth_date, ()))
        else:
            ids = set(self._s.residents)
        return ids | set(self._p)

    def iter_all(self) -> Iterator[Resident]:
        merged = {**self._s.residents, **self._p}
        for rid in sorted(merged):
            yield merged[rid]

    def count(self, *, living_only: bool = False) -> int:
        merged = {**self._s.residents, **self._p}
        return sum(1 for r in merged.values() if r.is_living or not living_only)


class _Households:
    def __init__(self, state: MemoryState, pending: dict[str, Household]) -> None:
        self._s = state
        self._p = pending

    def get(self, household_id: str) -> Household | None:
        return self._p.get(household_id) or self._s.households.get(household_id)

    def put(self, household: Household) -> None:
        self._p[household.household_id] = household

    def iter_all(self) -> Iterator[Household]:
        merged = {**self._s.households, **self._p}
        for hid in sorted(merged):
            yield merged[hid]


class _Movements:
    def __init__(self, state: MemoryState, pending: list[MovementRecord]) -> None:
        self._s = state
        self._p = pending

    def append(self, record: MovementRecord) -> None:
        self._p.append(record)

    def for_resident(self, resident_id: str) -> list[MovementRecord]:
        done = [self._s.movements[i] for i in self._s.movements_by_resident.get(resident_id, ())]
        return done + [m for m in self._p if resident_id in m.resident_ids]

    def get(self, movement_id: int) -> MovementRecord | None:
        for m in self._p:
            if m.movement_id == movement_id:
                return m
        i = movement_id - 1
        return self._s.movements[i] if 0 <= i < len(self._s.movements) else None

    def iter_all(self) -> Iterator[MovementRecord]:
        yield from list(self._s.movements)
        yield from list(self._p)

    def last_id(self) -> int:
        if self._p:
            return self._p[-1].movement_id
        return self._s.movements[-1].movement_id if self._s.movements else 0


class _Audit:
    def __init__(self, state: MemoryState, pending: list[AuditEntry]) -> None:
        self._s = state
        self._p = pending

    def append(self, entry: AuditEntry) -> None:
        self._p.append(entry)

    def last(self) -> AuditEntry | None:
        if self._p:
            return self._p[-1]
        return self._s.audit[-1] if self._s.audit else None

    def iter_all(self) -> Iterator[AuditEntry]:
        yield from list(self._s.audit)
        yield from list(self._p)

    def subject_index(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        # The memory store searches the entries themselves: its index is the chain.
        for e in self.iter_all():
            if e.subject_ids:
                yield e.seq, tuple(e.subject_ids)

    def search(
        self, *, subject_id: str | None = None, operator_id: str | None = None
    ) -> list[AuditEntry]:
        return [
            e
            for e in self.iter_all()
            if (subject_id is None or subject_id in e.subject_ids)
            and (operator_id is None or e.operator_id == operator_id)
        ]


class _Operators:
    def __init__(self, state: MemoryState, pending: dict[str, Operator]) -> None:
        self._s = state
        self._p = pending

    def get(self, operator_id: str) -> Operator | None:
        return self._p.get(operator_id) or self._s.operators.get(operator_id)

    def put(self, operator: Operator) -> None:
        self._p[operator.operator_id] = operator

    def any(self) -> bool:
        return bool(self._s.operators or self._p)

    def iter_all(self) -> Iterator[Operator]:
        merged = {**self._s.operators, **self._p}
        for oid in sorted(merged):
            yield merged[oid]


class _CodePool:
    def __init__(self, state: MemoryState, taken: list[str], added: list[str]) -> None:
        self._s = state
        self._taken = taken
        self._added = added

    def _available(self) -> list[str]:
        pool = self._s.code_pool + self._added
        return pool[len(self._taken) :]

    def take(self, count: int) -> list[str]:
        got = self._available()[:count]
        self._taken.extend(got)
        return got

    def add(self, codes: list[str]) -> None:
        self._added.extend(codes)

    def remaining(self) -> int:
        return len(self._available())


class _Sequences:
    def __init__(self, state: MemoryState, pending: dict[str, int]) -> None:
        self._s = state
        self._p = pending

    def next(self, name: str) -> int:
        value = self._p.get(name, self._s.sequences[name]) + 1
        self._p[name] = value
        return value


class _Documents:
    def __init__(
        self,
        state: MemoryState,
        pending: dict[tuple[str, str], tuple[dict[str, Any], str | None]],
    ) -> None:
        self._s = state
        self._p = pending

    def _merged(self, kind: str) -> dict[str, tuple[dict[str, Any], str | None]]:
        out = dict(self._s.documents.get(kind, {}))
        out.update({k: v for (d, k), v in self._p.items() if d == kind})
        return out

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        found = self._p.get((kind, key)) or self._s.documents.get(kind, {}).get(key)
        return copy.deepcopy(found[0]) if found else None

    def put(self, kind: str, key: str, data: dict[str, Any], subject: str | None = None) -> None:
        self._p[(kind, key)] = (copy.deepcopy(data), subject)

    def by_subject(self, kind: str, subject: str) -> list[dict[str, Any]]:
        merged = self._merged(kind)
        return [copy.deepcopy(v[0]) for k, v in sorted(merged.items()) if v[1] == subject]

    def iter_kind(self, kind: str) -> Iterator[dict[str, Any]]:
        for _, v in sorted(self._merged(kind).items()):
            yield copy.deepcopy(v[0])


class MemoryUnitOfWork:
    def __init__(self, state: MemoryState) -> None:
        self._state = state
        self._reset()

    def _reset(self) -> None:
        s = self._state
        self._residents: dict[str, Resident] = {}
        self._households: dict[str, Household] = {}
        self._movements: list[MovementRecord] = []
        self._audit: list[AuditEntry] = []
        self._operators: dict[str, Operator] = {}
        self._taken: list[str] = []
        self._added: list[str] = []
        self._seq: dict[str, int] = {}
        self._docs: dict[tuple[str, str], tuple[dict[str, Any], str | None]] = {}
        self.residents = _Residents(s, self._residents)
        self.households = _Households(s, self._households)
        self.movements = _Movements(s, self._movements)
        self.audit = _Audit(s, self._audit)
        self.operators = _Operators(s, self._operators)
        self.code_pool = _CodePool(s, self._taken, self._added)
        self.sequences = _Sequences(s, self._seq)
        self.documents = _Documents(s, self._docs)
        self.outbox = MemoryOutbox(s)  # CS outbox and 本人確認情報ファイル

    def __enter__(self) -> MemoryUnitOfWork:
        # One writer at a time, as a database transaction would serialise conflicting writers.
        self._state.lock.acquire()
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
            self._state.lock.release()

    def _check_versions(self) -> None:
        s = self._state
        stale = [
            r
            for r in self._residents.values()
            if r.version
            != (s.residents[r.resident_id].version + 1 if r.resident_id in s.residents else 1)
        ] + [
            h
            for h in self._households.values()
            if h.version
            != (s.households[h.household_id].version + 1 if h.household_id in s.households else 1)
        ]
        if stale:
            raise ConflictError(problem("KJ-CONFLICT-001"))

    def _check_unique(self) -> None:
        """No two living residents share a 住民票コード or a 個人番号 after this commit,
        whatever the numbering or the use case produced (the SQL store's unique index)."""
        s = self._state
        found = []
        for attr, index, code in (
            ("resident_code", s.by_code, "KJ-CONFLICT-801"),
            ("my_number", s.by_number, "KJ-CONFLICT-802"),
        ):
            holders: dict[str, set[str]] = defaultdict(set)
            for r in self._residents.values():
                value = getattr(r, attr)
                if r.is_living and value:
                    holders[value].add(r.resident_id)
            for value, ids in holders.items():
                stored = index.get(value)
                if stored is not None and stored not in self._residents:
                    ids.add(stored)
                if len(ids) > 1:
                    found.append(problem(code, attr))
        if found:
            raise ConflictError(found)

    def commit(self) -> None:
        s = self._state
        self._check_versions()
        self._check_unique()
        for r in self._residents.values():
            s.index(s.residents.get(r.resident_id), r)
        s.households.update(self._households)
        for m in self._movements:
            s.movements.append(m)
            for rid in m.resident_ids:
                s.movements_by_resident[rid].append(len(s.movements) - 1)
        s.audit.extend(self._audit)
        s.operators.update(self._operators)
        s.code_pool = (s.code_pool + self._added)[len(self._taken) :]
        s.sequences.update(self._seq)
        for (kind, key), value in self._docs.items():
            s.documents.setdefault(kind, {})[key] = value
        self.outbox.commit()
        self._reset()

    def rollback(self) -> None:
        self._reset()


class MemoryStore:
    """``memory://``: everything in this process, gone when it ends."""

    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self.state = MemoryState()

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.state)

    def close(self) -> None:
        """Nothing to release: the state goes with the object."""

    def snapshot(self) -> dict[str, Any]:
        """The register's content as plain data, for byte-for-byte comparisons in tests."""
        with self.state.lock:
            s = self.state
            return {
                "residents": {k: repr((v, v.my_number)) for k, v in sorted(s.residents.items())},
                "households": {k: repr(v) for k, v in sorted(s.households.items())},
                "movements": [repr((m, m.secrets)) for m in s.movements],
                "code_pool": list(s.code_pool),
                "sequences": dict(sorted(s.sequences.items())),
            }
