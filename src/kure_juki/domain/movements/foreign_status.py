"""在留資格変更 and 在留期間更新: notices of the immigration agency (法30条の50) applied to the
register after checking that the notice's "before" matches what the register holds."""

from __future__ import annotations

from typing import Any

import attrs

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.foreign_categories import check_category_items
from kure_juki.domain.movements.base import Allocation, Context
from kure_juki.domain.movements.one_person import OnePersonHandler
from kure_juki.domain.notifications import ResidenceStatusChange, StayExtension
from kure_juki.domain.resident import Resident


def before_mismatches(n: ResidenceStatusChange | StayExtension, r: Resident) -> list[Problem]:
    """The before/after check list: each item of the notice's "before" against the record."""
    if n.before is None or r.foreign is None:
        return []
    found = []
    for item in ("residence_status", "stay_expires_on", "residence_card_number"):
        expected = getattr(n.before, item)
        if expected is not None and expected != getattr(r.foreign, item):
            found.append(problem("KJ-LOGIC-047", item, f"before.{item}"))
    return found


class StatusChangeHandler(OnePersonHandler):  # 在留資格変更・在留期間更新
    kind = "foreign"

    def rules(self, n: Any, r: Resident, ctx: Context) -> list[Problem]:
        assert r.foreign is not None
        found = before_mismatches(n, r)
        if n.occurred_on is not None and n.stay_expires_on <= n.occurred_on:
            found.append(problem("KJ-LOGIC-048", "stay_expires_on"))
        status = getattr(n, "residence_status", None) or r.foreign.residence_status
        found += check_category_items(
            r.foreign.category_30_45,
            residence_status=status,
            stay_expires_on=n.stay_expires_on,
            residence_card_number=n.residence_card_number or r.foreign.residence_card_number,
            occurred_on=None,
        )
        return found

    def change(self, n: Any, r: Resident, ctx: Context, alloc: Allocation) -> Resident:
        assert r.foreign is not None
        # A new 満了の日 comes with the period granted; one not stated is no longer known.
        changes: dict[str, Any] = {"stay_expires_on": n.stay_expires_on,
                                   "stay_period": n.stay_period}
        if isinstance(n, ResidenceStatusChange):
            changes["residence_status"] = n.residence_status
        if n.residence_card_number is not None:
            changes["residence_card_number"] = n.residence_card_number
        return attrs.evolve(r, foreign=attrs.evolve(r.foreign, **changes))


__all__ = ["StatusChangeHandler", "StayExtension", "before_mismatches"]
