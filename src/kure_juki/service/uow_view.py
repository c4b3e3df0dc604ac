"""The domain's RegisterView over a unit of work (reads see the unit's pending writes)."""

from __future__ import annotations

import datetime as dt

from kure_juki.domain.household import Household
from kure_juki.domain.resident import Resident
from kure_juki.ports.storage import UnitOfWork


class UowView:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def resident(self, resident_id: str) -> Resident | None:
        return self._uow.residents.get(resident_id)

    def household(self, household_id: str) -> Household | None:
        return self._uow.households.get(household_id)

    def members(self, household_id: str) -> list[Resident]:
        return self._uow.residents.members(household_id)

    def living_by_resident_code(self, resident_code: str) -> Resident | None:
        return self._uow.residents.living_by_resident_code(resident_code)

    def living_by_my_number(self, my_number: str) -> Resident | None:
        return self._uow.residents.living_by_my_number(my_number)

    def deleted_by_resident_code(self, resident_code: str) -> list[Resident]:
        return self._uow.residents.deleted_by_resident_code(resident_code)

    def deleted_by_my_number(self, my_number: str) -> list[Resident]:
        return self._uow.residents.deleted_by_my_number(my_number)

    def deleted_by_residence_card_number(self, card_number: str) -> list[Resident]:
        return self._uow.residents.deleted_by_residence_card_number(card_number)

    def deleted_by_identity(
        self, family_name: str, given_name: str, sex: str, birth_date: dt.date
    ) -> list[Resident]:
        return self._uow.residents.deleted_by_identity(family_name, given_name, sex, birth_date)
