"""The register a notification is meant for: its records as the strategies see them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from kure_juki.domain.household import Household
from kure_juki.domain.movement_record import MovementRecord
from kure_juki.domain.resident import Resident, card_number_of
from kure_juki.domain.search import same_identity
from kure_juki.testing.strategies.identifiers import DEFAULT_TODAY, KURE

if TYPE_CHECKING:
    from kure_juki.service.registry import Registry

@attrs.frozen
class RegisterState:
    """What the notification strategies need to know of a register: its records, the last
    movement (for 取消), the administrative date and the municipality."""

    today: dt.date = DEFAULT_TODAY
    municipality_code: str = KURE
    residents: tuple[Resident, ...] = ()
    households: tuple[Household, ...] = ()
    last_movement: MovementRecord | None = None

    @classmethod
    def of(cls, registry: Registry) -> RegisterState:
        """The current state of *registry* (every record, 除票 included)."""
        with registry.store.unit_of_work() as uow:
            last_id = uow.movements.last_id()
            return cls(
                today=registry.today(),
                municipality_code=registry.municipality_code,
                residents=tuple(uow.residents.iter_all()),
                households=tuple(uow.households.iter_all()),
                last_movement=uow.movements.get(last_id) if last_id else None,
            )

    @property
    def living(self) -> list[Resident]:
        return [r for r in self.residents if r.is_living]

    def members(self, household_id: str) -> list[Resident]:
        """Living members in 宛名番号 order."""
        return sorted(
            (r for r in self.living if r.household_id == household_id),
            key=lambda r: r.resident_id,
        )

    def households_with(self, min_members: int = 1) -> list[Household]:
        """Active households with at least *min_members* living members."""
        return [
            h
            for h in self.households
            if h.is_active and len(self.members(h.household_id)) >= min_members
        ]

    def address_of(self, household_id: str) -> dict[str, str]:
        """The address the household's living members share (住基法6条), as a notification's
        ``{"postal_code", "text"}``."""
        members = self.members(household_id)
        head = next((m for m in members if m.is_head), members[0])
        return head.address.to_dict()

    @property
    def used_codes(self) -> frozenset[str]:
        """住民票コード and 個人番号 of living records (a new person may not reuse them)."""
        found = {r.resident_code for r in self.living}
        found |= {r.my_number for r in self.living if r.my_number}
        return frozenset(found)

    def view(self) -> StateView:
        return StateView(self)


class StateView:
    """A :class:`~kure_juki.domain.register_view.RegisterView` over a :class:`RegisterState`,
    for checking notifications with the pure engine (``engine.check``) without a store."""

    def __init__(self, state: RegisterState) -> None:
        self._residents = {r.resident_id: r for r in state.residents}
        self._households = {h.household_id: h for h in state.households}
        self._state = state

    def resident(self, resident_id: str) -> Resident | None:
        return self._residents.get(resident_id)

    def household(self, household_id: str) -> Household | None:
        return self._households.get(household_id)

    def members(self, household_id: str) -> list[Resident]:
        return self._state.members(household_id)

    def living_by_resident_code(self, resident_code: str) -> Resident | None:
        return next((r for r in self._state.living if r.resident_code == resident_code), None)

    def living_by_my_number(self, my_number: str) -> Resident | None:
        return next((r for r in self._state.living if r.my_number == my_number), None)

    def _deleted(self, test: Callable[[Resident], bool]) -> list[Resident]:
        found = (r for r in self._residents.values() if not r.is_living and test(r))
        return sorted(found, key=lambda r: r.resident_id)

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
