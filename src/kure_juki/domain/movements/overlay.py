"""A register view with pending changes laid over it (changes not yet stored)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from kure_juki.domain.household import Household
from kure_juki.domain.register_view import RegisterView, with_pending_deletions
from kure_juki.domain.resident import Resident, card_number_of
from kure_juki.domain.search import same_identity


class Overlay:
    """Reads see the pending versions first, so a multi-step movement can chain its steps."""

    def __init__(self, base: RegisterView) -> None:
        self._base = base
        self._residents: dict[str, Resident] = {}
        self._households: dict[str, Household] = {}

    def put(self, residents: Iterable[Resident] = (), households: Iterable[Household] = ()) -> None:
        for r in residents:
            self._residents[r.resident_id] = r
        for h in households:
            self._households[h.household_id] = h

    @property
    def residents(self) -> tuple[Resident, ...]:
        return tuple(self._residents.values())

    @property
    def households(self) -> tuple[Household, ...]:
        return tuple(self._households.values())

    def resident(self, resident_id: str) -> Resident | None:
        return self._residents.get(resident_id) or self._base.resident(resident_id)

    def household(self, household_id: str) -> Household | None:
        return self._households.get(household_id) or self._base.household(household_id)

    def members(self, household_id: str) -> list[Resident]:
        found = {r.resident_id: r for r in self._base.members(household_id)}
        for rid, r in self._residents.items():
            if r.household_id == household_id and r.is_living:
                found[rid] = r
            else:
                found.pop(rid, None)
        return [found[k] for k in sorted(found)]

    def living_by_resident_code(self, resident_code: str) -> Resident | None:
        for r in self._residents.values():
            if r.resident_code == resident_code:
                return r if r.is_living else None
        return self._base.living_by_resident_code(resident_code)

    def living_by_my_number(self, my_number: str) -> Resident | None:
        for r in self._residents.values():
            if r.my_number == my_number:
                return r if r.is_living else None
        return self._base.living_by_my_number(my_number)

    def _deleted(self, found: list[Resident], test: Callable[[Resident], bool]) -> list[Resident]:
        return with_pending_deletions(found, self._residents, test)

    def deleted_by_resident_code(self, resident_code: str) -> list[Resident]:
        return self._deleted(
            self._base.deleted_by_resident_code(resident_code),
            lambda r: r.resident_code == resident_code,
        )

    def deleted_by_my_number(self, my_number: str) -> list[Resident]:
        return self._deleted(
            self._base.deleted_by_my_number(my_number), lambda r: r.my_number == my_number
        )

    def deleted_by_residence_card_number(self, card_number: str) -> list[Resident]:
        return self._deleted(
            self._base.deleted_by_residence_card_number(card_number),
            lambda r: card_number_of(r) == card_number,
        )

    def deleted_by_identity(
        self, family_name: str, given_name: str, sex: str, birth_date: dt.date
    ) -> list[Resident]:
        return self._deleted(
            self._base.deleted_by_identity(family_name, given_name, sex, birth_date),
            lambda r: same_identity(r, family_name, given_name, sex, birth_date),
        )
