"""Rules several movements share: dates, the persons concerned, the head of household."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from kure_juki.domain.address import Address, OtherPlace
from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.foreign_categories import check_category_items
from kure_juki.domain.format_checks import CATEGORIES_30_45
from kure_juki.domain.household import Household
from kure_juki.domain.movements.base import Context
from kure_juki.domain.notifications import (
    AddressEntry,
    Notification,
    OtherPlaceEntry,
    PersonEntry,
)
from kure_juki.domain.person_name import PersonName
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import (
    HEAD,
    DatesAsRecorded,
    ForeignResidentItems,
    JapaneseResidentItems,
    Resident,
)

# 住基法22条〜25条: 転入・転居・転出・世帯変更 are notified within 14 days.
NOTICE_PERIOD_DAYS = 14


def check_dates(
    n: Notification,
    ctx: Context,
    *,
    future_allowed: bool = False,
    notice_after_move: bool = True,
    late_warning: bool = True,
) -> list[Problem]:
    """The date rules of the standard (異動日・届出日・処理日)."""
    found: list[Problem] = []
    occurred, notified = n.occurred_on, n.notified_on
    if occurred is None:
        found.append(problem("KJ-FMT-002", "occurred_on"))
        return found
    if notified is not None and notified > ctx.today:
        found.append(problem("KJ-LOGIC-005", "notified_on"))
    if not future_allowed and occurred > ctx.today:
        found.append(problem("KJ-LOGIC-007", "occurred_on"))
    if notified is not None and notice_after_move and notified < occurred:
        found.append(problem("KJ-LOGIC-006", "notified_on"))
    if late_warning and notified is not None and (notified - occurred).days > NOTICE_PERIOD_DAYS:
        found.append(problem("KJ-WARN-001", "notified_on"))
    return found


def living_residents(
    ids: Sequence[str], view: RegisterView, item: str = "resident_ids"
) -> tuple[list[Resident], list[Problem]]:
    """The living records for *ids*; unknown ids and 除票 reported."""
    found: list[Problem] = []
    out: list[Resident] = []
    for i, rid in enumerate(ids):
        r = view.resident(rid)
        where = f"{item}[{i}]" if len(ids) > 1 or item.endswith("s") else item
        if r is None:
            found.append(problem("KJ-NOTFOUND-001", item, where))
        elif not r.is_living:
            found.append(problem("KJ-LOGIC-011", item, where))
        else:
            out.append(r)
    return out, found


def same_household(residents: Sequence[Resident], item: str = "resident_ids") -> list[Problem]:
    if len({r.household_id for r in residents}) > 1:
        return [problem("KJ-LOGIC-012", item)]
    return []


def check_not_before_last(residents: Iterable[Resident], occurred: dt.date | None) -> list[Problem]:
    """A movement may not predate the person's current address or residence."""
    if occurred is None:
        return []
    for r in residents:
        if occurred < r.address_since or occurred < r.became_resident_on:
            return [problem("KJ-LOGIC-028", "occurred_on")]
    return []


def to_address(entry: AddressEntry) -> Address:
    return Address(postal_code=_canonical_postal(entry.postal_code), text=entry.text.strip())


def to_other_place(entry: OtherPlaceEntry) -> OtherPlace:
    return OtherPlace(
        text=entry.text.strip(), municipality_code=entry.municipality_code, country=entry.country
    )


def _canonical_postal(code: str) -> str:
    digits = code.replace("-", "")
    return f"{digits[:3]}-{digits[3:]}"


def check_person_kind(
    p: PersonEntry, where: str, occurred_on: dt.date | None = None
) -> list[Problem]:
    """Japanese residents carry 本籍・筆頭者; foreign residents 国籍, the 30条45 区分 and the
    items their category requires."""
    found: list[Problem] = []
    if p.is_foreign:
        if p.category_30_45 is not None:
            found += check_category_items(
                CATEGORIES_30_45[p.category_30_45],
                residence_status=p.residence_status,
                stay_expires_on=p.stay_expires_on,
                residence_card_number=p.residence_card_number,
                occurred_on=occurred_on,
                where=where,
            )
        if p.nationality is None:
            found.append(problem("KJ-LOGIC-010", "nationality", f"{where}.nationality"))
        if p.category_30_45 is None:
            found.append(problem("KJ-LOGIC-010", "category_30_45", f"{where}.category_30_45"))
        if p.registered_domicile is not None or p.domicile_head is not None:
            found.append(
                problem("KJ-LOGIC-024", "registered_domicile", f"{where}.registered_domicile")
            )
    else:
        if p.registered_domicile is None:
            found.append(
                problem("KJ-LOGIC-009", "registered_domicile", f"{where}.registered_domicile")
            )
        if p.stay_period is not None:
            # 在留期間 is an item of a foreign resident's record only (住基法30条の45).
            found.append(problem("KJ-LOGIC-802", "stay_period", f"{where}.stay_period"))
        if p.domicile_head is None:
            found.append(problem("KJ-LOGIC-009", "domicile_head", f"{where}.domicile_head"))
    return found


def check_new_codes(
    persons: Sequence[PersonEntry], view: RegisterView, where: str = "persons"
) -> list[Problem]:
    """Codes are unique among living records and within the notification."""
    found: list[Problem] = []
    seen_codes: set[str] = set()
    seen_numbers: set[str] = set()
    for i, p in enumerate(persons):
        at = f"{where}[{i}]" if where == "persons" else where
        if p.resident_code is not None:
            if p.resident_code in seen_codes:
                found.append(problem("KJ-LOGIC-013", "resident_code", f"{at}.resident_code"))
            elif view.living_by_resident_code(p.resident_code) is not None:
                found.append(problem("KJ-LOGIC-001", "resident_code", f"{at}.resident_code"))
            seen_codes.add(p.resident_code)
        if p.my_number is not None:
            if p.my_number in seen_numbers:
                found.append(problem("KJ-LOGIC-013", "my_number", f"{at}.my_number"))
            elif view.living_by_my_number(p.my_number) is not None:
                found.append(problem("KJ-LOGIC-002", "my_number", f"{at}.my_number"))
            seen_numbers.add(p.my_number)
    return found


def new_resident(
    p: PersonEntry,
    *,
    resident_id: str,
    household_id: str,
    resident_code: str,
    my_number: str | None,
    relationship: str,
    address: Address,
    occurred_on: dt.date,
    notified_on: dt.date,
    reason: str,
    previous: OtherPlace | None,
    occurred_as_recorded: str | None = None,
) -> Resident:
    """A new resident record (住民票の記載) from a notification's person entry.

    ``occurred_as_recorded``: the 異動日 as the 戸籍 records it (a birth's), which is then also
    the text of 住民となった年月日, 住所を定めた年月日 and 外国人住民となった年月日."""
    assert p.birth_date is not None and p.sex in ("male", "female")
    foreign = None
    japanese = None
    if p.is_foreign:
        assert p.nationality is not None and p.category_30_45 is not None
        foreign = ForeignResidentItems(
            nationality=p.nationality,
            category_30_45=CATEGORIES_30_45[p.category_30_45],
            residence_status=p.residence_status,
            stay_expires_on=p.stay_expires_on,
            stay_period=p.stay_period,
            residence_card_number=p.residence_card_number,
            alias=p.alias,
            became_foreign_resident_on=occurred_on,
        )
    else:
        assert p.registered_domicile is not None and p.domicile_head is not None
        japanese = JapaneseResidentItems(
            registered_domicile=p.registered_domicile, domicile_head=p.domicile_head
        )
    return Resident(
        resident_id=resident_id,
        household_id=household_id,
        resident_code=resident_code,
        my_number=my_number,
        name=PersonName(
            family_name=p.family_name.strip(),
            given_name=p.given_name.strip(),
            family_name_kana=p.family_name_kana.strip(),
            given_name_kana=p.given_name_kana.strip(),
        ),
        birth_date=p.birth_date,
        sex=p.sex,  # type: ignore[arg-type]
        relationship=relationship,
        kind="foreign" if foreign else "japanese",
        address=address,
        address_since=occurred_on,
        address_notified_on=notified_on,
        became_resident_on=occurred_on,
        became_resident_reason=reason,
        previous_address=previous,
        japanese=japanese,
        foreign=foreign,
        as_recorded=_dates_as_recorded(p.birth_date_as_recorded, occurred_as_recorded, foreign),
    )


def _dates_as_recorded(
    birth: str | None, occurred: str | None, foreign: ForeignResidentItems | None
) -> DatesAsRecorded | None:
    if birth is None and occurred is None:
        return None
    return DatesAsRecorded(
        birth_date=birth,
        became_resident_on=occurred,
        address_since=occurred,
        became_foreign_resident_on=occurred if foreign is not None else None,
    )


def head_after_leaving(
    household: Household,
    leaving: set[str],
    view: RegisterView,
    on: dt.date,
    *,
    relationships: dict[str, str] | None = None,
) -> tuple[Household, list[Resident], list[Problem]]:
    """The household once *leaving* have gone (死亡, 転出, 世帯分離 …).

    The standard's head rule: when the head leaves and one member remains, that member becomes
    head ex officio; when two or more remain the household waits for a 世帯主変更 (alert);
    when nobody remains the household is dissolved.
    """
    remaining = [m for m in view.members(household.household_id) if m.resident_id not in leaving]
    if not remaining:
        return household.bump(dissolved_on=on, head_id=None), [], []
    if household.head_id is not None and household.head_id not in leaving:
        return household, [], []
    if len(remaining) == 1:
        only = remaining[0]
        return (
            household.bump(head_id=only.resident_id),
            [only.bump(relationship=HEAD)],
            [problem("KJ-WARN-004", "head_id")],
        )
    return household.bump(head_id=None), [], [problem("KJ-WARN-002", "head_id")]


def check_relationships_cover(
    members: Iterable[Resident],
    new_head_id: str,
    relationships: dict[str, str],
) -> list[Problem]:
    """Every member but the new head needs a 続柄 relative to the new head; no stray ids."""
    found: list[Problem] = []
    member_ids = {m.resident_id for m in members}
    for rid in sorted(member_ids - {new_head_id} - set(relationships)):
        found.append(problem("KJ-LOGIC-016", "relationships", f"relationships.{rid}"))
    for rid in sorted(set(relationships) - member_ids):
        found.append(problem("KJ-LOGIC-012", "relationships", f"relationships.{rid}"))
    for rid, rel in relationships.items():
        if rid == new_head_id and rel != HEAD:
            found.append(problem("KJ-LOGIC-034", "relationships", f"relationships.{rid}"))
        elif rid != new_head_id and rel == HEAD:
            found.append(problem("KJ-LOGIC-008", "relationships", f"relationships.{rid}"))
    return found
