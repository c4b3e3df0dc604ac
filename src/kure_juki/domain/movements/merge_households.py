"""世帯合併: a household joins another; its members take 続柄 relative to the other's head."""

from __future__ import annotations

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.movements.base import Allocation, Context, Needs, Outcome
from kure_juki.domain.movements.common import check_dates, check_relationships_cover
from kure_juki.domain.movements.household_address import household_address
from kure_juki.domain.notifications import MergeHouseholds
from kure_juki.domain.register_view import RegisterView


class MergeHouseholdsHandler:  # 世帯合併
    def check(self, n: MergeHouseholds, view: RegisterView, ctx: Context) -> list[Problem]:
        found = check_dates(n, ctx)
        if n.household_id == n.into_household_id:
            return [*found, problem("KJ-LOGIC-019", "into_household_id")]
        source = view.household(n.household_id)
        target = view.household(n.into_household_id)
        if source is None or not source.is_active:
            found.append(problem("KJ-NOTFOUND-002", "household_id"))
        if target is None or not target.is_active:
            found.append(problem("KJ-NOTFOUND-002", "into_household_id"))
        elif target.head_id is None:
            found.append(problem("KJ-LOGIC-008", "into_household_id"))
        if (
            source is not None
            and target is not None
            and view.members(n.household_id)
            and view.members(n.into_household_id)
            and household_address(view, n.household_id)
            != household_address(view, n.into_household_id)
        ):
            # 標準4.1.4.1: a 世帯変更 never changes an address; households merge where they live.
            found.append(problem("KJ-LOGIC-504", "into_household_id"))
        if source is not None and target is not None and target.head_id is not None:
            members = view.members(n.household_id)
            found += check_relationships_cover(members, target.head_id, n.relationships)
        return found

    def needs(self, n: MergeHouseholds, view: RegisterView) -> Needs:
        return Needs()

    def apply(
        self, n: MergeHouseholds, view: RegisterView, ctx: Context, alloc: Allocation
    ) -> Outcome:
        assert n.occurred_on is not None
        source = view.household(n.household_id)
        assert source is not None
        members = view.members(n.household_id)
        moved = tuple(
            m.bump(household_id=n.into_household_id, relationship=n.relationships[m.resident_id])
            for m in members
        )
        return Outcome(
            residents=moved,
            households=(source.bump(dissolved_on=n.occurred_on, head_id=None),),
            resident_ids=tuple(m.resident_id for m in members),
            household_id=n.into_household_id,
        )
