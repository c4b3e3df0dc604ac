"""転入 and 国外転入: persons come to live in the municipality."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.household import Household
from kure_juki.domain.movements.base import Allocation, Context, Needs, Outcome
from kure_juki.domain.movements.common import (
    check_dates,
    check_new_codes,
    check_person_kind,
    new_resident,
    to_address,
    to_other_place,
)
from kure_juki.domain.movements.household_address import household_address
from kure_juki.domain.movements.reentry import match_reentries
from kure_juki.domain.notifications import MoveIn, MoveInFromAbroad
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import HEAD, Resident

AnyMoveIn = MoveIn | MoveInFromAbroad


class MoveInHandler:  # 転入・国外転入
    def check(self, n: AnyMoveIn, view: RegisterView, ctx: Context) -> list[Problem]:
        found = check_dates(n, ctx)
        if isinstance(n, MoveIn) and n.previous_address.municipality_code == ctx.municipality_code:
            found.append(problem("KJ-LOGIC-029", "previous_address"))
        for i, p in enumerate(n.persons):
            where = f"persons[{i}]"
            found += check_person_kind(p, where, n.occurred_on)
            if p.birth_date is not None:
                if p.birth_date > ctx.today:
                    found.append(problem("KJ-LOGIC-004", "birth_date", f"{where}.birth_date"))
                elif n.occurred_on is not None and p.birth_date > n.occurred_on:
                    found.append(problem("KJ-LOGIC-023", "birth_date", f"{where}.birth_date"))
        found += check_new_codes(n.persons, view)
        reentries = match_reentries(n.persons, view)
        found += [*reentries.problems, *reentries.warnings]
        heads = [p for p in n.persons if p.relationship == HEAD]
        if n.household.new:
            if len(heads) != 1:
                found.append(problem("KJ-LOGIC-008", "relationship", "persons"))
        else:
            hid = n.household.household_id or ""
            household = view.household(hid)
            if household is None or not household.is_active or not view.members(hid):
                found.append(problem("KJ-NOTFOUND-002", "household_id", "household.household_id"))
            elif household_address(view, hid) != to_address(n.address):
                # 住基法6条: joining a household is joining its address.
                found.append(problem("KJ-LOGIC-502", "address", "address"))
            if heads:
                found.append(problem("KJ-LOGIC-008", "relationship", "persons"))
        return found

    def needs(self, n: AnyMoveIn, view: RegisterView) -> Needs:
        plan = _plan(n, view, iter(()))
        return Needs(
            resident_ids=sum(1 for _, former in plan if former is None),
            household=n.household.new,
            resident_codes=sum(1 for code, _ in plan if code is None),
            my_numbers=sum(1 for p, (_, f) in zip(n.persons, plan, strict=True)
                           if p.my_number is None and (f is None or f.my_number is None)),
        )

    def number_requests(
        self, n: AnyMoveIn, codes: tuple[str, ...], view: RegisterView
    ) -> list[str]:
        """The 住民票コード of each person for whom a 個人番号 must be generated."""
        out = []
        for p, (code, former) in zip(n.persons, _plan(n, view, iter(codes)), strict=True):
            if p.my_number is None and (former is None or former.my_number is None):
                assert code is not None
                out.append(code)
        return out

    def apply(self, n: AnyMoveIn, view: RegisterView, ctx: Context, alloc: Allocation) -> Outcome:
        assert n.occurred_on is not None and n.notified_on is not None
        hid = alloc.household_id if n.household.new else n.household.household_id
        assert hid is not None
        new_ids = iter(alloc.resident_ids)
        numbers = iter(alloc.my_numbers)
        address = to_address(n.address)
        previous = to_other_place(n.previous_address) if n.previous_address else None
        residents = []
        plan = _plan(n, view, iter(alloc.resident_codes))
        for p, (code, former) in zip(n.persons, plan, strict=True):
            assert code is not None
            record = new_resident(
                p,
                resident_id=former.resident_id if former else next(new_ids),
                household_id=hid,
                resident_code=code,
                my_number=p.my_number or (former.my_number if former else None) or next(numbers),
                relationship=p.relationship or "",
                address=address,
                occurred_on=n.occurred_on,
                notified_on=n.notified_on,
                reason=n.reason_ja,
                previous=previous,
            )
            residents.append(continued(record, former) if former else record)
        households: tuple[Household, ...] = ()
        if n.household.new:
            head = next(r for r in residents if r.relationship == HEAD)
            households = (
                Household(household_id=hid, head_id=head.resident_id, formed_on=n.occurred_on),
            )
        return Outcome(
            residents=tuple(residents),
            households=households,
            resident_ids=tuple(r.resident_id for r in residents),
            household_id=hid,
        )


def _plan(
    n: AnyMoveIn, view: RegisterView, pool: Iterator[str]
) -> list[tuple[str | None, Resident | None]]:
    """Each person's 住民票コード (from the notice, the 除票 continued, else the next of *pool*;
    None once *pool* runs out) and the 除票 a 再転入者 continues."""
    formers = match_reentries(n.persons, view, alerts=False).formers
    out: list[tuple[str | None, Resident | None]] = []
    for p, former in zip(n.persons, formers, strict=True):
        code = p.resident_code or (former.resident_code if former else next(pool, None))
        out.append((code, former))
    return out


def continued(record: Resident, former: Resident) -> Resident:
    """The 再転入者's record: the new entry under the former 宛名番号, as the next version of
    the 除票, keeping what belongs to the person rather than to the stay (旧住民票コード, 旧氏)."""
    codes = former.former_resident_codes
    if former.resident_code != record.resident_code and former.resident_code not in codes:
        codes = (*codes, former.resident_code)
    return attrs.evolve(
        record,
        version=former.version + 1,
        former_resident_codes=codes,
        former_surname=former.former_surname,
        former_surname_history=former.former_surname_history,
    )
