"""消除: a record becomes a 除票, and its household follows the head rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from kure_juki.domain.address import OtherPlace
from kure_juki.domain.errors import Problem
from kure_juki.domain.household import Household
from kure_juki.domain.movements.common import head_after_leaving
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import Deletion, MoveInNoticeFacts, Resident


def delete_residents(
    residents: Sequence[Resident],
    view: RegisterView,
    *,
    on: dt.date,
    reason: str,
    destination: OtherPlace | None = None,
    confirmed: MoveInNoticeFacts | None = None,
) -> tuple[list[Resident], list[Household], list[Problem]]:
    """Delete *residents* (消除) as of *on*; 除票 keep every item and stay readable.

    A planned 転出 keeps its planned destination and date on the 除票; the 転入通知's facts
    (*confirmed*) are kept beside them, never in their place (標準1.1.5, 4.1.3.1.1).
    """
    deleted = [
        r.bump(
            deletion=Deletion(
                deleted_on=on,
                reason=reason,
                destination=(r.planned_move_out.destination if r.planned_move_out
                             else destination),
                planned_on=r.planned_move_out.planned_on if r.planned_move_out else None,
                confirmed=confirmed,
            )
        )
        for r in residents
    ]
    leaving = {r.resident_id for r in residents}
    households: list[Household] = []
    others: list[Resident] = []
    warnings: list[Problem] = []
    for hid in sorted({r.household_id for r in residents}):
        household = view.household(hid)
        if household is None:
            continue
        updated, promoted, found = head_after_leaving(household, leaving, view, on)
        if updated is not household:
            households.append(updated)
        others += promoted
        warnings += found
    return deleted + others, households, warnings
