"""What the service adds around a movement: before-images for 取消, the cancelled entry's
resolution, and the purpose rule of 個別記載事項."""

from __future__ import annotations

from typing import Any

from kure_juki.domain.errors import LogicError, NotFound, Problem, problem
from kure_juki.domain.movement_record import join_secrets
from kure_juki.domain.movements.base import Outcome
from kure_juki.domain.movements.cancellation import resolve
from kure_juki.domain.movements.individual import INDIVIDUAL_ITEMS
from kure_juki.domain.notifications import Cancellation, IndividualEntryNotice, Notification
from kure_juki.domain.serialization import household_to_dict, resident_to_dict
from kure_juki.ports.storage import UnitOfWork

# The purpose that keeps the register itself may record any entry.
REGISTER_PURPOSE = "resident_records"


def images(uow: UnitOfWork, outcome: Outcome) -> dict[str, Any]:
    """Before- and after-images of every record the movement is about to change (before None:
    the record is new); what a 取消 checks and restores."""
    residents: dict[str, Any] = {}
    for r in outcome.residents:
        stored = uow.residents.get(r.resident_id)
        residents[r.resident_id] = resident_to_dict(stored) if stored else None
    households: dict[str, Any] = {}
    for h in outcome.households:
        stored_h = uow.households.get(h.household_id)
        households[h.household_id] = household_to_dict(stored_h) if stored_h else None
    return {
        "residents": residents,
        "households": households,
        "after": {
            "residents": {r.resident_id: _content(resident_to_dict(r)) for r in outcome.residents},
            "households": {
                h.household_id: _content(household_to_dict(h)) for h in outcome.households
            },
        },
    }


def _content(data: dict[str, Any]) -> dict[str, Any]:
    """A record's items without its version (which every later write moves on)."""
    return {k: v for k, v in data.items() if k != "version"}


def resolve_cancellation(uow: UnitOfWork, n: Cancellation) -> Cancellation:
    """The cancellation with its target read from the cancelled entry (never from the caller)."""
    if n.target is not None:
        raise LogicError(problem("KJ-LOGIC-054", "target"))
    record = uow.movements.get(n.movement_id)
    if record is None:
        raise NotFound(problem("KJ-NOTFOUND-005", "movement_id"))
    allocation = join_secrets(record.allocation, "allocation", record.secrets)
    before = allocation.get("before")
    if not isinstance(before, dict):
        raise LogicError(problem("KJ-LOGIC-054", "movement_id"))
    return resolve(
        n,
        {
            "movement_id": record.movement_id,
            "type": record.type,
            "residents": before["residents"],
            "households": before["households"],
            "after": before["after"],
        },
    )


def purpose_problems(n: Notification, purpose: str | None) -> list[Problem]:
    """個別記載事項 are recorded by the department whose affair they are (or the register)."""
    if not isinstance(n, IndividualEntryNotice) or n.item not in INDIVIDUAL_ITEMS:
        return []
    if purpose in (REGISTER_PURPOSE, INDIVIDUAL_ITEMS[n.item][1]):
        return []
    return [problem("KJ-LOGIC-056", "item")]
