"""What the rules may ask of the register: a read-only view, implemented by every storage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Protocol

from kure_juki.domain.household import Household
from kure_juki.domain.resident import Resident


class RegisterView(Protocol):
    """Read access to the current register (住民基本台帳) for the logic checks."""

    def resident(self, resident_id: str) -> Resident | None: ...

    def household(self, household_id: str) -> Household | None: ...

    def members(self, household_id: str) -> list[Resident]:
        """Living members of the household, in 宛名番号 order."""
        ...

    def living_by_resident_code(self, resident_code: str) -> Resident | None: ...

    def living_by_my_number(self, my_number: str) -> Resident | None: ...

    # 除票 (deleted records) by what identifies a person, for 再転入 (標準4.1.1.2).
    def deleted_by_resident_code(self, resident_code: str) -> list[Resident]: ...

    def deleted_by_my_number(self, my_number: str) -> list[Resident]: ...

    def deleted_by_residence_card_number(self, card_number: str) -> list[Resident]: ...

    def deleted_by_identity(
        self, family_name: str, given_name: str, sex: str, birth_date: dt.date
    ) -> list[Resident]: ...


def with_pending_deletions(
    stored: list[Resident],
    pending: Mapping[str, Resident],
    test: Callable[[Resident], bool],
) -> list[Resident]:
    """The 除票 a lookup found in the store, corrected by the records written but not yet
    committed (*pending*): a pending 除票 that matches *test* joins, a pending record that no
    longer does leaves; in 宛名番号 order."""
    merged = {r.resident_id: r for r in stored}
    for rid, r in pending.items():
        if not r.is_living and test(r):
            merged[rid] = r
        else:
            merged.pop(rid, None)
    return [merged[k] for k in sorted(merged)]
