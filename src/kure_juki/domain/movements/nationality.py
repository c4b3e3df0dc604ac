"""帰化・国籍取得 (foreign → Japanese) and 国籍喪失 (Japanese → foreign).

The law keeps one 住民票 per kind of resident: the old record is deleted (消除) and a new one
of the other kind is made (記載) in the same household, with the same 住民票コード and 個人番号.
"""

from __future__ import annotations

from typing import Any

import attrs

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.format_checks import CATEGORIES_30_45
from kure_juki.domain.household import Household
from kure_juki.domain.movements.base import Allocation, Context, Needs, Outcome
from kure_juki.domain.movements.common import check_dates, living_residents
from kure_juki.domain.notifications import NationalityLoss, Naturalization
from kure_juki.domain.person_name import PersonName
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import (
    DatesAsRecorded,
    Deletion,
    ForeignResidentItems,
    JapaneseResidentItems,
    Resident,
)


class NationalityHandler:  # 帰化・国籍取得・国籍喪失
    def check(self, n: Any, view: RegisterView, ctx: Context) -> list[Problem]:
        found = check_dates(n, ctx, late_warning=False)
        residents, missing = living_residents([n.resident_id], view, "resident_id")
        found += missing
        wanted = "foreign" if isinstance(n, Naturalization) else "japanese"
        for r in residents:
            if r.kind != wanted:
                found.append(problem("KJ-LOGIC-033", "resident_id"))
            if r.planned_move_out is not None:
                found.append(problem("KJ-LOGIC-021", "resident_id"))
        return found

    def needs(self, n: Any, view: RegisterView) -> Needs:
        return Needs(resident_ids=1)

    def apply(self, n: Any, view: RegisterView, ctx: Context, alloc: Allocation) -> Outcome:
        assert n.occurred_on is not None
        old = view.resident(n.resident_id)
        assert old is not None
        new_id = alloc.resident_ids[0]
        if isinstance(n, Naturalization):
            name = PersonName(n.family_name, n.given_name, n.family_name_kana, n.given_name_kana)
            kind_items: dict[str, Any] = {
                "kind": "japanese",
                "foreign": None,
                "japanese": JapaneseResidentItems(n.registered_domicile, n.domicile_head),
            }
        else:
            assert isinstance(n, NationalityLoss)
            name = PersonName(
                n.family_name or old.name.family_name,
                n.given_name or old.name.given_name,
                n.family_name_kana or old.name.family_name_kana,
                n.given_name_kana or old.name.given_name_kana,
            )
            kind_items = {
                "kind": "foreign",
                "japanese": None,
                "foreign": ForeignResidentItems(
                    nationality=n.nationality,
                    category_30_45=CATEGORIES_30_45[n.category_30_45],
                    became_foreign_resident_on=n.occurred_on,
                ),
            }
        created = attrs.evolve(
            old,
            resident_id=new_id,
            name=name,
            became_resident_on=n.occurred_on,
            became_resident_reason=n.reason_ja,
            version=1,
            former_surname=None,
            former_surname_history=(),
            # The new record's 住民となった年月日 is this movement's day, not a text of the old.
            as_recorded=_birth_text_only(old),
            **kind_items,
        )
        deleted = old.bump(deletion=Deletion(deleted_on=n.occurred_on, reason=n.reason_ja))
        households: tuple[Household, ...] = ()
        household = view.household(old.household_id)
        if household is not None and household.head_id == old.resident_id:
            households = (household.bump(head_id=new_id),)
        return Outcome(
            residents=(deleted, created),
            households=households,
            resident_ids=(old.resident_id, new_id),
            household_id=old.household_id,
        )


def _birth_text_only(old: Resident) -> DatesAsRecorded | None:
    """The old record's dates as the 戸籍 records them that the new record keeps: 生年月日 and
    住所を定めた年月日 (the person neither was born again nor moved)."""
    if old.as_recorded is None:
        return None
    kept = attrs.evolve(old.as_recorded, became_resident_on=None, became_foreign_resident_on=None)
    return None if kept.empty else kept
