"""The storage port: repositories behind a unit of work (one transaction per use case).

Every adapter (memory, SQLAlchemy on SQLite or PostgreSQL, a vendor's) implements these and
passes the contract suite in ``kure_juki.testing.contracts.storage``. Writes are buffered in
the unit of work and reach the store at ``commit()`` all together or not at all; a record whose
``version`` changed since it was read makes ``commit()`` raise ConflictError.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Protocol

from kure_juki.domain.audit import AuditEntry
from kure_juki.domain.household import Household
from kure_juki.domain.movement_record import MovementRecord
from kure_juki.domain.operator import Operator
from kure_juki.domain.resident import Resident
from kure_juki.domain.search import SearchCriteria


class ResidentRepository(Protocol):  # 住民マスタ (+ the separate 個人番号 store)
    def get(self, resident_id: str) -> Resident | None: ...

    def put(self, resident: Resident) -> None:
        """Add a record, or a new version (``version`` one above the stored one)."""
        ...

    def members(self, household_id: str) -> list[Resident]:
        """Living members of a household in 宛名番号 order."""
        ...

    def living_by_resident_code(self, resident_code: str) -> Resident | None: ...

    def living_by_my_number(self, my_number: str) -> Resident | None: ...

    # 除票 by what identifies a person (標準4.1.1.2 再転入者): each in 宛名番号 order.
    def deleted_by_resident_code(self, resident_code: str) -> list[Resident]: ...

    def deleted_by_my_number(self, my_number: str) -> list[Resident]: ...

    def deleted_by_residence_card_number(self, card_number: str) -> list[Resident]: ...

    def deleted_by_identity(
        self, family_name: str, given_name: str, sex: str, birth_date: dt.date
    ) -> list[Resident]:
        """除票 with the same 3情報: 氏名 (compared folded, as search does), 性別, 生年月日."""
        ...

    def search(self, criteria: SearchCriteria, limit: int) -> list[Resident]: ...

    def iter_all(self) -> Iterator[Resident]:
        """Every record, 除票 included, in 宛名番号 order (streams on large stores)."""
        ...

    def count(self, *, living_only: bool = False) -> int: ...


class HouseholdRepository(Protocol):  # 世帯
    def get(self, household_id: str) -> Household | None: ...

    def put(self, household: Household) -> None: ...

    def iter_all(self) -> Iterator[Household]: ...


class MovementLog(Protocol):  # 異動履歴
    def append(self, record: MovementRecord) -> None: ...

    def for_resident(self, resident_id: str) -> list[MovementRecord]: ...

    def get(self, movement_id: int) -> MovementRecord | None: ...

    def iter_all(self) -> Iterator[MovementRecord]:
        """Every movement in processing order."""
        ...

    def last_id(self) -> int: ...


class AuditLog(Protocol):  # 操作ログ (append-only, hash-chained)
    def append(self, entry: AuditEntry) -> None: ...

    def last(self) -> AuditEntry | None: ...

    def iter_all(self) -> Iterator[AuditEntry]: ...

    def search(
        self, *, subject_id: str | None = None, operator_id: str | None = None
    ) -> list[AuditEntry]: ...

    def subject_index(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        """(seq, subject ids in order) of every entry with subjects, by seq, as the index
        ``search(subject_id=…)`` answers from holds them (an adapter that searches the entries
        themselves yields theirs). Verification compares it with the chained entries."""
        ...


class OperatorRepository(Protocol):  # 操作者
    def get(self, operator_id: str) -> Operator | None: ...

    def put(self, operator: Operator) -> None: ...

    def any(self) -> bool: ...

    def iter_all(self) -> Iterator[Operator]: ...


class CodePool(Protocol):  # 住民票コードの払出し (allotted by the prefecture)
    def take(self, count: int) -> list[str]:
        """Up to *count* unused codes, removed from the pool (rolled back with the unit)."""
        ...

    def add(self, codes: list[str]) -> None: ...

    def remaining(self) -> int: ...


class Sequences(Protocol):
    def next(self, name: str) -> int:
        """The next value of counter *name* (宛名番号, 世帯番号 …), from 1."""
        ...


class DocumentRepository(Protocol):
    """Auxiliary records kept as JSON documents by kind (抑止, 支援措置, 承認, 証明書発行履歴,
    庁内連携記録 …), each with an optional subject (a 宛名番号) to find them by person."""

    def get(self, kind: str, key: str) -> dict[str, Any] | None: ...

    def put(self, kind: str, key: str, data: dict[str, Any], subject: str | None = None) -> None:
        """Insert or replace; committed with the unit of work."""
        ...

    def by_subject(self, kind: str, subject: str) -> list[dict[str, Any]]: ...

    def iter_kind(self, kind: str) -> Iterator[dict[str, Any]]:
        """Every document of *kind* in key order."""
        ...


class UnitOfWork(Protocol):
    @property
    def residents(self) -> ResidentRepository: ...

    @property
    def households(self) -> HouseholdRepository: ...

    @property
    def movements(self) -> MovementLog: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def operators(self) -> OperatorRepository: ...

    @property
    def code_pool(self) -> CodePool: ...

    @property
    def sequences(self) -> Sequences: ...

    @property
    def documents(self) -> DocumentRepository: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class Store(Protocol):
    """A configured storage: hands out units of work."""

    url: str

    def unit_of_work(self) -> UnitOfWork: ...

    def close(self) -> None: ...
