"""世帯主変更: a new head, and every 続柄 restated relative to the new head."""

from __future__ import annotations

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.movements.base import Allocation, Context, Needs, Outcome
from kure_juki.domain.movements.common import check_dates, check_relationships_cover
from kure_juki.domain.notifications import ChangeHead
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import HEAD


class ChangeHeadHandler:  # 世帯主変更
    def check(self, n: ChangeHead, view: RegisterView, ctx: Context) -> list[Problem]:
        found = check_dates(n, ctx)
        household = view.household(n.household_id)
        if household is None or not household.is_active:
            return [*found, problem("KJ-NOTFOUND-002", "household_id")]
        members = view.members(n.household_id)
        if n.new_head_id not in {m.resident_id for m in members}:
            found.append(problem("KJ-LOGIC-015", "new_head_id"))
        found += check_relationships_cover(members, n.new_head_id, n.relationships)
        return found

    def needs(self, n: ChangeHead, view: RegisterView) -> Needs:
        return Needs()

    def apply(self, n: ChangeHead, view: RegisterView, ctx: Context, alloc: Allocation) -> Outcome:
        household = view.household(n.household_id)
        assert household is not None
        members = view.members(n.household_id)
        changed = []
        for m in members:
            rel = HEAD if m.resident_id == n.new_head_id else n.relationships[m.resident_id]
            if rel != m.relationship:
                changed.append(m.bump(relationship=rel))
        return Outcome(
            residents=tuple(changed),
            households=(household.bump(head_id=n.new_head_id),),
            resident_ids=tuple(m.resident_id for m in members),
            household_id=n.household_id,
        )
