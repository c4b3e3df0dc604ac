"""転居: a move to another address within the municipality.

A household lives at one address (住基法6条・23条1項5号), so the persons who move take their
household with them only when every living member moves; otherwise the notification names the
異動先世帯 (標準4.0.2): a new household they form at the new address (全部, with its 世帯主
and 続柄) or an existing household living there that they join (一部, with their 続柄 in it).
The household they leave keeps its address and follows the head rule (標準4.0.4).
"""

from __future__ import annotations

from kure_juki.domain.address import OtherPlace
from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.household import Household
from kure_juki.domain.movements.base import Allocation, Context, Needs, Outcome
from kure_juki.domain.movements.common import (
    check_dates,
    check_not_before_last,
    head_after_leaving,
    living_residents,
    same_household,
    to_address,
)
from kure_juki.domain.movements.household_address import household_address
from kure_juki.domain.movements.overlay import Overlay
from kure_juki.domain.notifications import MoveWithin
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import HEAD, Resident


def new_head(n: MoveWithin) -> str | None:
    """The 世帯主 of the household the movers form: named, or the one mover whose 続柄 is
    世帯主, or the one mover without a 続柄 when every other mover has one."""
    if n.new_head_id is not None:
        return n.new_head_id
    heads = [rid for rid, rel in n.relationships.items() if rel == HEAD]
    if len(heads) == 1:
        return heads[0]
    unrelated = [rid for rid in dict.fromkeys(n.resident_ids) if rid not in n.relationships]
    if not heads and len(unrelated) == 1:
        return unrelated[0]
    return None


def _whole_household(residents: list[Resident], view: RegisterView) -> bool:
    if not residents:
        return False
    everyone = {m.resident_id for m in view.members(residents[0].household_id)}
    return everyone == {r.resident_id for r in residents}


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
        if missing or len({r.household_id for r in residents}) != 1:
            return found
        whole = _whole_household(residents, view)
        current = residents[0].household_id
        if n.household is None:
            if not whole:
                found.append(problem("KJ-LOGIC-501", "household"))
            if n.relationships or n.new_head_id is not None:
                found.append(problem("KJ-LOGIC-505", "relationships"))
        elif n.household.new:
            found += self._check_new_household(n)
        elif n.household.household_id == current:
            if not whole:
                found.append(problem("KJ-LOGIC-503", "household_id", "household.household_id"))
            if n.relationships or n.new_head_id is not None:
                found.append(problem("KJ-LOGIC-505", "relationships"))
        else:
            found += self._check_join(n, view)
        return found

    def _check_new_household(self, n: MoveWithin) -> list[Problem]:
        found: list[Problem] = []
        head = new_head(n)
        if head is None or head not in n.resident_ids:
            found.append(problem("KJ-LOGIC-008", "new_head_id", "new_head_id"))
            return found
        return found + _relationship_problems(n, head)

    def _check_join(self, n: MoveWithin, view: RegisterView) -> list[Problem]:
        assert n.household is not None and n.household.household_id is not None
        found: list[Problem] = []
        hid = n.household.household_id
        target = view.household(hid)
        if target is None or not target.is_active or not view.members(hid):
            return [problem("KJ-NOTFOUND-002", "household_id", "household.household_id")]
        if household_address(view, hid) != to_address(n.address):
            found.append(problem("KJ-LOGIC-502", "address", "address"))
        if n.new_head_id is not None:
            found.append(problem("KJ-LOGIC-008", "new_head_id", "new_head_id"))
        return found + _relationship_problems(n, None)

    def needs(self, n: MoveWithin, view: RegisterView) -> Needs:
        return Needs(household=n.household is not None and n.household.new)

    def apply(self, n: MoveWithin, view: RegisterView, ctx: Context, alloc: Allocation) -> Outcome:
        assert n.occurred_on is not None and n.notified_on is not None
        new = to_address(n.address)
        residents, _ = living_residents(n.resident_ids, view)
        current = residents[0].household_id
        moved = {
            "address": new,
            "address_since": n.occurred_on,
            "address_notified_on": n.notified_on,
        }

        def moving(r: Resident) -> dict[str, object]:
            # 住基法7条8号: the 従前の住所 printed is the one before this, the latest, change
            # of address; the 転入前住所 (previous_address, what the CS holds) stays as it was.
            return {**moved, "former_address": OtherPlace(r.address.text, ctx.municipality_code)}

        if n.household is None or n.household.household_id == current:
            return Outcome(
                residents=tuple(r.bump(**moving(r)) for r in residents),
                resident_ids=n.resident_ids,
                household_id=current,
            )
        if n.household.new:
            assert alloc.household_id is not None
            destination = alloc.household_id
            head = new_head(n)
            assert head is not None
            relationship = {rid: n.relationships.get(rid, HEAD) for rid in n.resident_ids}
            relationship[head] = HEAD
            formed = [Household(household_id=destination, head_id=head, formed_on=n.occurred_on)]
        else:
            assert n.household.household_id is not None
            destination = n.household.household_id
            relationship = {rid: n.relationships[rid] for rid in n.resident_ids}
            formed = []
        old = view.household(current)
        assert old is not None
        remaining, promoted, warnings = head_after_leaving(
            old, set(n.resident_ids), view, n.occurred_on
        )
        overlay = Overlay(view)
        overlay.put(promoted, [remaining] if remaining is not old else [])
        overlay.put(
            [
                r.bump(
                    household_id=destination, relationship=relationship[r.resident_id], **moving(r)
                )
                for r in residents
            ],
            formed,
        )
        return Outcome(
            residents=overlay.residents,
            households=overlay.households,
            warnings=tuple(warnings),
            resident_ids=n.resident_ids,
            household_id=destination,
        )


def _relationship_problems(n: MoveWithin, head: str | None) -> list[Problem]:
    """The movers' 続柄 in the household they form (*head* its 世帯主) or join (*head* None):
    every mover but the head has one, none but the head is 世帯主, none names a non-mover."""
    found: list[Problem] = []
    for rid in n.resident_ids:
        rel = n.relationships.get(rid)
        where = f"relationships.{rid}"
        if rid == head:
            if rel is not None and rel != HEAD:
                found.append(problem("KJ-LOGIC-034", "relationships", where))
        elif rel is None:
            found.append(problem("KJ-LOGIC-016", "relationships", where))
        elif rel == HEAD:
            found.append(problem("KJ-LOGIC-008", "relationships", where))
    for rid in sorted(set(n.relationships) - set(n.resident_ids)):
        found.append(problem("KJ-LOGIC-012", "relationships", f"relationships.{rid}"))
    return found
