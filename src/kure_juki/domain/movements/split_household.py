"""世帯分離: some members leave to form a household of their own at the same address."""

from __future__ import annotations

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.household import Household
from kure_juki.domain.movements.base import Allocation, Context, Needs, Outcome
from kure_juki.domain.movements.common import (
    check_dates,
    check_relationships_cover,
    head_after_leaving,
    living_residents,
    same_household,
)
from kure_juki.domain.movements.overlay import Overlay
from kure_juki.domain.notifications import SplitHousehold
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import HEAD


class SplitHouseholdHandler:  # 世帯分離
    def check(self, n: SplitHousehold, view: RegisterView, ctx: Context) -> list[Problem]:
        found = check_dates(n, ctx)
        residents, missing = living_residents(n.resident_ids, view)
        found += missing + same_household(residents)
        if n.new_head_id not in n.resident_ids:
            found.append(problem("KJ-LOGIC-015", "new_head_id"))
        if residents and not missing:
            everyone = view.members(residents[0].household_id)
            if len(everyone) == len(residents):
                found.append(problem("KJ-LOGIC-020", "resident_ids"))
        found += check_relationships_cover(residents, n.new_head_id, n.relationships)
        return found

    def needs(self, n: SplitHousehold, view: RegisterView) -> Needs:
        return Needs(household=True)

    def apply(
        self, n: SplitHousehold, view: RegisterView, ctx: Context, alloc: Allocation
    ) -> Outcome:
        assert n.occurred_on is not None and alloc.household_id is not None
        residents, _ = living_residents(n.resident_ids, view)
        old = view.household(residents[0].household_id)
        assert old is not None
        new_id = alloc.household_id
        moved = [
            r.bump(
                household_id=new_id,
                relationship=HEAD
                if r.resident_id == n.new_head_id
                else n.relationships[r.resident_id],
            )
            for r in residents
        ]
        remaining, promoted, warnings = head_after_leaving(
            old, set(n.resident_ids), view, n.occurred_on
        )
        overlay = Overlay(view)
        overlay.put(promoted, [remaining] if remaining is not old else [])
        overlay.put(
            moved, [Household(household_id=new_id, head_id=n.new_head_id, formed_on=n.occurred_on)]
        )
        return Outcome(
            residents=overlay.residents,
            households=overlay.households,
            warnings=tuple(warnings),
            resident_ids=n.resident_ids,
            household_id=new_id,
        )
