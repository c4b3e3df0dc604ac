"""The shape shared by movements that change one living person's items in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.movements.base import Allocation, Context, Needs, Outcome
from kure_juki.domain.movements.common import check_dates, living_residents
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import Resident


class OnePersonHandler:
    """Subclasses name the kind of resident they apply to and define ``rules`` and ``change``."""

    kind: str | None = None  # "japanese", "foreign", or None for either
    late_warning = False

    def rules(self, n: Any, r: Resident, ctx: Context) -> list[Problem]:
        return []

    def change(self, n: Any, r: Resident, ctx: Context, alloc: Allocation) -> Resident:
        raise TypeError(f"{type(self).__name__} must define change()")

    def check(self, n: Any, view: RegisterView, ctx: Context) -> list[Problem]:
        found = check_dates(n, ctx, late_warning=self.late_warning)
        residents, missing = living_residents([n.resident_id], view, "resident_id")
        found += missing
        for r in residents:
            if self.kind is not None and r.kind != self.kind:
                found.append(problem("KJ-LOGIC-033", "resident_id"))
            else:
                found += self.rules(n, r, ctx)
        return found

    def needs(self, n: Any, view: RegisterView) -> Needs:
        return Needs()

    def apply(self, n: Any, view: RegisterView, ctx: Context, alloc: Allocation) -> Outcome:
        r = view.resident(n.resident_id)
        assert r is not None
        return Outcome(
            residents=(self.change(n, r, ctx, alloc),),
            resident_ids=(r.resident_id,),
            household_id=r.household_id,
        )


Change = Callable[[Any, Resident, Context, Allocation], Resident]
