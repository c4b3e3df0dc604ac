"""出生: a child born into a household of the register."""

from __future__ import annotations

import attrs

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.movements.base import Allocation, Context, Needs, Outcome
from kure_juki.domain.movements.common import (
    check_dates,
    check_new_codes,
    check_person_kind,
    new_resident,
)
from kure_juki.domain.movements.reentry import codes_of_deleted
from kure_juki.domain.notifications import Birth, PersonEntry
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import HEAD, Resident


def _effective_person(n: Birth, members: list[Resident]) -> PersonEntry:
    """The child's entry with what the register supplies: birth date and, for a Japanese child
    whose notice omits them, 本籍・筆頭者 of the first Japanese member (the head first)."""
    p = n.person
    if p.birth_date is None:
        p = attrs.evolve(
            p, birth_date=n.occurred_on, birth_date_as_recorded=n.occurred_on_as_recorded
        )
    if not p.is_foreign and (p.registered_domicile is None or p.domicile_head is None):
        ordered = sorted(members, key=lambda m: (not m.is_head, m.resident_id))
        source = next((m.japanese for m in ordered if m.japanese is not None), None)
        if source is not None:
            p = attrs.evolve(
                p,
                registered_domicile=p.registered_domicile or source.registered_domicile,
                domicile_head=p.domicile_head or source.domicile_head,
            )
    return p


class BirthHandler:  # 出生
    def check(self, n: Birth, view: RegisterView, ctx: Context) -> list[Problem]:
        found = check_dates(n, ctx, late_warning=False)
        household = view.household(n.household_id)
        members = view.members(n.household_id)
        if household is None or not household.is_active:
            found.append(problem("KJ-NOTFOUND-002", "household_id"))
        elif not members:
            found.append(problem("KJ-LOGIC-017", "household_id"))
        if n.person.birth_date is not None and (
            n.person.birth_date != n.occurred_on
            or n.person.birth_date_as_recorded != n.occurred_on_as_recorded
        ):
            found.append(problem("KJ-LOGIC-035", "birth_date", "person.birth_date"))
        if n.person.relationship == HEAD:
            found.append(problem("KJ-LOGIC-008", "relationship", "person.relationship"))
        person = _effective_person(n, members)
        found += check_person_kind(person, "person")
        found += check_new_codes([person], view, where="person")
        found += codes_of_deleted(person, view, "person")
        return found

    def needs(self, n: Birth, view: RegisterView) -> Needs:
        return Needs(
            resident_ids=1,
            resident_codes=0 if n.person.resident_code else 1,
            my_numbers=0 if n.person.my_number else 1,
        )

    def number_requests(self, n: Birth, codes: tuple[str, ...], view: RegisterView) -> list[str]:
        if n.person.my_number is not None:
            return []
        return [n.person.resident_code or codes[0]]

    def apply(self, n: Birth, view: RegisterView, ctx: Context, alloc: Allocation) -> Outcome:
        assert n.occurred_on is not None and n.notified_on is not None
        members = view.members(n.household_id)
        person = _effective_person(n, members)
        home = next((m for m in members if m.is_head), members[0])
        child = new_resident(
            person,
            resident_id=alloc.resident_ids[0],
            household_id=n.household_id,
            resident_code=person.resident_code or alloc.resident_codes[0],
            my_number=person.my_number or alloc.my_numbers[0],
            relationship=person.relationship or "子",
            address=home.address,
            occurred_on=n.occurred_on,
            notified_on=n.notified_on,
            reason=n.reason_ja,
            previous=None,
            occurred_as_recorded=n.occurred_on_as_recorded,
        )
        return Outcome(
            residents=(child,), resident_ids=(child.resident_id,), household_id=n.household_id
        )
