"""転居: a move to another address within the municipality."""

from __future__ import annotations

from kure_juki.domain.address import OtherPlace
from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.movements.base import Allocation, Context, Needs, Outcome
from kure_juki.domain.movements.common import (
    check_dates,
    check_not_before_last,
    living_residents,
    same_household,
    to_address,
)
from kure_juki.domain.notifications import MoveWithin
from kure_juki.domain.register_view import RegisterView


class MoveWithinHandler:  # 転居
    def check(self, n: MoveWithin, view: RegisterView, ctx: Context) -> list[Problem]:
        found = check_dates(n, ctx)
        residents, missing = living_residents(n.resident_ids, view)
        found += missing + same_household(residents)
        if any(r.status == "planned_move_out" for r in residents):
            found.append(problem("KJ-LOGIC-021", "resident_ids"))
        new = to_address(n.address)
        if residents and all(r.address == new for r in residents):
            found.append(problem("KJ-LOGIC-032", "address"))
        found += check_not_before_last(residents, n.occurred_on)
        return found

    def needs(self, n: MoveWithin, view: RegisterView) -> Needs:
        return Needs()

    def apply(self, n: MoveWithin, view: RegisterView, ctx: Context, alloc: Allocation) -> Outcome:
        assert n.occurred_on is not None and n.notified_on is not None
        new = to_address(n.address)
        residents, _ = living_residents(n.resident_ids, view)
        # 住基法7条8号: the 従前の住所 printed is the one before this, the latest, change of
        # address; the 転入前住所 (previous_address, what the CS holds) stays as it was.
        changed = tuple(
            r.bump(address=new, address_since=n.occurred_on, address_notified_on=n.notified_on,
                   former_address=OtherPlace(r.address.text, ctx.municipality_code))
            for r in residents
        )
        return Outcome(
            residents=changed,
            resident_ids=n.resident_ids,
            household_id=residents[0].household_id if residents else None,
        )
