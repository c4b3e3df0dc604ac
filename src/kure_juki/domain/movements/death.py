"""死亡: the record is deleted (消除) and the household follows the head rule."""

from __future__ import annotations

import attrs

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.movements.base import Allocation, Context, Needs, Outcome
from kure_juki.domain.movements.common import check_dates, living_residents
from kure_juki.domain.movements.deletion import delete_residents
from kure_juki.domain.notifications import Death
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import Resident


class DeathHandler:  # 死亡
    def check(self, n: Death, view: RegisterView, ctx: Context) -> list[Problem]:
        found = check_dates(n, ctx, late_warning=False)
        residents, missing = living_residents([n.resident_id], view, "resident_id")
        found += missing
        for r in residents:
            if n.occurred_on is not None and n.occurred_on < r.birth_date:
                found.append(problem("KJ-LOGIC-026", "occurred_on"))
        return found

    def needs(self, n: Death, view: RegisterView) -> Needs:
        return Needs()

    def apply(self, n: Death, view: RegisterView, ctx: Context, alloc: Allocation) -> Outcome:
        assert n.occurred_on is not None
        residents, _ = living_residents([n.resident_id], view, "resident_id")
        changed, households, warnings = delete_residents(
            residents, view, on=n.occurred_on, reason=n.reason_ja
        )
        if n.occurred_on_as_recorded is not None:
            changed = [_with_recorded_death(r, n) for r in changed]
        return Outcome(
            residents=tuple(changed),
            households=tuple(households),
            warnings=tuple(warnings),
            resident_ids=(n.resident_id,),
            household_id=residents[0].household_id,
        )


def _with_recorded_death(r: Resident, n: Death) -> Resident:
    """The 除票 of the deceased keeps the 死亡日 as the 戸籍 records it (標準1.1.8)."""
    if r.resident_id != n.resident_id or r.deletion is None:
        return r
    deletion = attrs.evolve(r.deletion, deleted_on_as_recorded=n.occurred_on_as_recorded)
    return attrs.evolve(r, deletion=deletion)
