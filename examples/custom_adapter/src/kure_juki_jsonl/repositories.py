"""The repositories of the storage port over the committed :class:`State` and one unit of
work's pending :class:`Changes`: every read sees the unit's own writes first.

Search scans every record with the library's own matching rule
(:func:`kure_juki.domain.search.matches`): enough for a file of a few thousand persons, which is
what a JSON-lines register is for.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from kure_juki.domain.audit import AuditEntry
from kure_juki.domain.household import Household
from kure_juki.domain.movement_record import MovementRecord
from kure_juki.domain.operator import Operator
from kure_juki.domain.resident import Resident, card_number_of
from kure_juki.domain.search import SearchCriteria, matches, same_identity
from kure_juki_jsonl.state import Changes, State


class Residents:  # 住民マスタ
    def __init__(self, state: State, changes: Changes) -> None:
        self._s = state
        self._c = changes

    def _merged(self) -> dict[str, Resident]:
        return {**self._s.residents, **self._c.residents}

    def get(self, resident_id: str) -> Resident | None:
        return self._c.residents.get(resident_id) or self._s.residents.get(resident_id)

    def put(self, resident: Resident) -> None:
        self._c.residents[resident.resident_id] = resident

    def members(self, household_id: str) -> list[Resident]:
        return [
            r for r in self.iter_all() if r.is_living and r.household_id == household_id
        ]

    def _living_by(self, index: dict[str, str], attr: str, value: str) -> Resident | None:
        for r in self._c.residents.values():
            if r.is_living and getattr(r, attr) == value:
                return r
        rid = index.get(value)
        found = self.get(rid) if rid is not None else None
        return found if found and found.is_living and getattr(found, attr) == value else None

    def living_by_resident_code(self, resident_code: str) -> Resident | None:
        return self._living_by(self._s.living_by_code, "resident_code", resident_code)

    def living_by_my_number(self, my_number: str) -> Resident | None:
        return self._living_by(self._s.living_by_number, "my_number", my_number)

    def _deleted(self, test: Callable[[Resident], bool]) -> list[Resident]:
        """除票 (records no longer living) that *test* accepts, in 宛名番号 order: a scan, as
        for search (a 再転入 looks them up, 標準4.1.1.2)."""
        return [r for r in self.iter_all() if not r.is_living and test(r)]

    def deleted_by_resident_code(self, resident_code: str) -> list[Resident]:
        return self._deleted(lambda r: r.resident_code == resident_code)

    def deleted_by_my_number(self, my_number: str) -> list[Resident]:
        return self._deleted(lambda r: r.my_number == my_number)

    def deleted_by_residence_card_number(self, card_number: str) -> list[Resident]:
        return self._deleted(lambda r: card_number_of(r) == card_number)

    def deleted_by_identity(
        self, family_name: str, given_name: str, sex: str, birth_date: dt.date
    ) -> list[Resident]:
        return self._deleted(lambda r: same_identity(r, family_name, given_name, sex, birth_date))

    def search(self, criteria: SearchCriteria, limit: int) -> list[Resident]:
        return [r for r in self.iter_all() if matches(r, criteria)][:limit]

    def iter_all(self) -> Iterator[Resident]:
        merged = self._merged()
        for rid in sorted(merged):
            yield merged[rid]

    def count(self, *, living_only: bool = False) -> int:
        return sum(1 for r in self._merged().values() if r.is_living or not living_only)


class Households:  # 世帯
    def __init__(self, state: State, changes: Changes) -> None:
        self._s = state
        self._c = changes

    def get(self, household_id: str) -> Household | None:
        return self._c.households.get(household_id) or self._s.households.get(household_id)

    def put(self, household: Household) -> None:
        self._c.households[household.household_id] = household

    def iter_all(self) -> Iterator[Household]:
        merged = {**self._s.households, **self._c.households}
        for hid in sorted(merged):
            yield merged[hid]


class Movements:  # 異動履歴
    def __init__(self, state: State, changes: Changes) -> None:
        self._s = state
        self._c = changes

    def append(self, record: MovementRecord) -> None:
        self._c.movements.append(record)

    def for_resident(self, resident_id: str) -> list[MovementRecord]:
        done = [self._s.movements[i] for i in self._s.movements_by_resident.get(resident_id, ())]
        return done + [m for m in self._c.movements if resident_id in m.resident_ids]

    def get(self, movement_id: int) -> MovementRecord | None:
        for m in self._c.movements:
            if m.movement_id == movement_id:
                return m
        return self._s.movements.get(movement_id)

    def iter_all(self) -> Iterator[MovementRecord]:
        yield from list(self._s.movements.values())
        yield from list(self._c.movements)

    def last_id(self) -> int:
        if self._c.movements:
            return self._c.movements[-1].movement_id
        return next(reversed(self._s.movements), 0)


class AuditLog:  # 操作ログ
    def __init__(self, state: State, changes: Changes) -> None:
        self._s = state
        self._c = changes

    def append(self, entry: AuditEntry) -> None:
        self._c.audit.append(entry)

    def last(self) -> AuditEntry | None:
        if self._c.audit:
            return self._c.audit[-1]
        return self._s.audit[-1] if self._s.audit else None

    def iter_all(self) -> Iterator[AuditEntry]:
        yield from list(self._s.audit)
        yield from list(self._c.audit)

    def search(
        self, *, subject_id: str | None = None, operator_id: str | None = None
    ) -> list[AuditEntry]:
        return [
            e
            for e in self.iter_all()
            if (subject_id is None or subject_id in e.subject_ids)
            and (operator_id is None or e.operator_id == operator_id)
        ]

    def subject_index(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        # This adapter searches the entries themselves: its subject index is the chain.
        for e in self.iter_all():
            if e.subject_ids:
                yield e.seq, tuple(e.subject_ids)


class Operators:  # 操作者
    def __init__(self, state: State, changes: Changes) -> None:
        self._s = state
        self._c = changes

    def get(self, operator_id: str) -> Operator | None:
        return self._c.operators.get(operator_id) or self._s.operators.get(operator_id)

    def put(self, operator: Operator) -> None:
        self._c.operators[operator.operator_id] = operator

    def any(self) -> bool:
        return bool(self._s.operators or self._c.operators)

    def iter_all(self) -> Iterator[Operator]:
        merged = {**self._s.operators, **self._c.operators}
        for oid in sorted(merged):
            yield merged[oid]


class CodePool:  # 住民票コードの払出し
    def __init__(self, state: State, changes: Changes) -> None:
        self._s = state
        self._c = changes

    def _available(self) -> list[str]:
        return (self._s.code_pool + self._c.codes_added)[len(self._c.codes_taken) :]

    def take(self, count: int) -> list[str]:
        got = self._available()[:count]
        self._c.codes_taken.extend(got)
        return got

    def add(self, codes: list[str]) -> None:
        self._c.codes_added.extend(codes)

    def remaining(self) -> int:
        return len(self._available())


class Sequences:
    def __init__(self, state: State, changes: Changes) -> None:
        self._s = state
        self._c = changes

    def next(self, name: str) -> int:
        value = self._c.sequences.get(name, self._s.sequences[name]) + 1
        self._c.sequences[name] = value
        return value


class Documents:  # 抑止, 支援措置, 承認, 証明書発行履歴 … as JSON documents
    def __init__(self, state: State, changes: Changes) -> None:
        self._s = state
        self._c = changes

    def _merged(self, kind: str) -> dict[str, tuple[dict[str, Any], str | None]]:
        out = dict(self._s.documents.get(kind, {}))
        out.update({key: doc for (k, key), doc in self._c.documents.items() if k == kind})
        return out

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        found = self._c.documents.get((kind, key)) or self._s.documents.get(kind, {}).get(key)
        return copy.deepcopy(found[0]) if found else None

    def put(self, kind: str, key: str, data: dict[str, Any], subject: str | None = None) -> None:
        self._c.documents[(kind, key)] = (copy.deepcopy(data), subject)

    def by_subject(self, kind: str, subject: str) -> list[dict[str, Any]]:
        merged = self._merged(kind)
        return [copy.deepcopy(d) for key, (d, s) in sorted(merged.items()) if s == subject]

    def iter_kind(self, kind: str) -> Iterator[dict[str, Any]]:
        for _, (data, _subject) in sorted(self._merged(kind).items()):
            yield copy.deepcopy(data)
