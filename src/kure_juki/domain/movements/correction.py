"""職権修正: the municipality corrects items of a record, living or deleted (除票).

Codes (住民票コード, 個人番号) are not corrected here: they change through their own
movements, which keep the old value and tell the CS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import attrs

from kure_juki.domain.address import Address
from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.format_checks import (
    CATEGORIES_30_45,
    MAX_NAME,
    SEXES,
    check_relationship,
    check_stay_period,
    is_clean_text,
)
from kure_juki.domain.identifiers import is_valid_postal_code, is_valid_residence_card_number
from kure_juki.domain.movements.base import Allocation, Context, Needs, Outcome
from kure_juki.domain.movements.common import check_dates, to_address
from kure_juki.domain.names import is_kana
from kure_juki.domain.notifications import AddressEntry, Correction
from kure_juki.domain.parsing import parse_date
from kure_juki.domain.recorded_date import parse_recorded_date
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.relationship import Relationship
from kure_juki.domain.resident import HEAD, DatesAsRecorded, Resident

_NAME_ITEMS = ("family_name", "given_name")
_KANA_ITEMS = ("family_name_kana", "given_name_kana")
_JAPANESE_ITEMS = ("registered_domicile", "domicile_head")
_FOREIGN_TEXT = ("nationality", "residence_status", "alias")
CORRECTABLE = frozenset(
    {
        *_NAME_ITEMS,
        *_KANA_ITEMS,
        *_JAPANESE_ITEMS,
        *_FOREIGN_TEXT,
        "birth_date",
        "became_resident_on",  # 標準1.1.8: these three may be written as the 戸籍 records them
        "address_since",
        "sex",
        "relationship",
        "category_30_45",
        "stay_expires_on",
        "stay_period",
        "residence_card_number",
        "address",
    }
)


def _check_value(item: str, value: Any, r: Resident, today: dt.date) -> list[Problem]:
    where = f"changes.{item}"
    if item not in CORRECTABLE:
        return [problem("KJ-FMT-020", item, where)]
    if item in RECORDED_ITEMS:
        return _check_recorded(item, value, r, today, where)
    if item == "stay_expires_on":
        try:
            parse_date(value)
        except TypeError:
            return [problem("KJ-FMT-003", item, where)]
        except ValueError:
            return [problem("KJ-FMT-004", item, where)]
        if r.foreign is None and item == "stay_expires_on":
            return [problem("KJ-LOGIC-033", item, where)]
        return []
    if item == "stay_period":
        if not isinstance(value, str):
            return [problem("KJ-FMT-003", item, where)]
        if r.foreign is None:
            return [problem("KJ-LOGIC-802", item, where)]
        return check_stay_period(value, where)
    if item == "address":
        if (
            not isinstance(value, dict)
            or set(value) != {"postal_code", "text"}
            or not all(isinstance(v, str) for v in value.values())
        ):
            return [problem("KJ-FMT-003", item, where)]
        found = []
        if not is_valid_postal_code(value["postal_code"]):
            found.append(problem("KJ-FMT-008", "postal_code", f"{where}.postal_code"))
        if not is_clean_text(value["text"]):
            found.append(problem("KJ-FMT-015", "address", f"{where}.text"))
        return found
    if not isinstance(value, str):
        return [problem("KJ-FMT-003", item, where)]
    if item in _NAME_ITEMS and not is_clean_text(value, MAX_NAME):
        return [problem("KJ-FMT-012", item, where)]
    if item in _KANA_ITEMS and not (value.strip() and is_kana(value)):
        return [problem("KJ-FMT-011", item, where)]
    if item == "sex" and value not in SEXES:
        return [problem("KJ-FMT-010", item, where)]
    if item == "relationship":
        value = Relationship.normalize(value)
        wrong = check_relationship(value, where)
        if wrong:
            return wrong
        # The head is changed by a 世帯主変更, which restates every 続柄.
        if (value == HEAD) != r.is_head:
            return [problem("KJ-LOGIC-008", item, where)]
        return []
    if item == "category_30_45" and value not in CATEGORIES_30_45:
        return [problem("KJ-FMT-016", item, where)]
    if item == "residence_card_number" and not is_valid_residence_card_number(value):
        return [problem("KJ-FMT-009", item, where)]
    if item in (*_JAPANESE_ITEMS, *_FOREIGN_TEXT) and not is_clean_text(value):
        return [problem("KJ-FMT-015", item, where)]
    if item in _JAPANESE_ITEMS and r.japanese is None:
        return [problem("KJ-LOGIC-024", item, where)]
    if item in (*_FOREIGN_TEXT, "category_30_45", "residence_card_number") and r.foreign is None:
        return [problem("KJ-LOGIC-033", item, where)]
    return []


RECORDED_ITEMS = ("birth_date", "became_resident_on", "address_since")


def _recorded_value(value: Any) -> tuple[dt.date, str | None]:
    """(internal date, text as the 戸籍 records it) of a calendar day or ``{"as_recorded": …}``;
    ``ValueError`` / ``TypeError`` as :func:`parse_date` and
    :func:`~kure_juki.domain.recorded_date.parse_recorded_date` raise them."""
    if isinstance(value, dict) and "as_recorded" in value:
        if set(value) - {"as_recorded", "sort_date"} or not isinstance(value["as_recorded"], str):
            raise TypeError("an object {as_recorded, sort_date} is expected")
        sort = value.get("sort_date")
        recorded = parse_recorded_date(
            value["as_recorded"], parse_date(sort) if sort is not None else None
        )
        return recorded.sort_date, recorded.text
    return parse_date(value), None


def _check_recorded(
    item: str, value: Any, r: Resident, today: dt.date, where: str
) -> list[Problem]:
    try:
        day, _ = _recorded_value(value)
    except TypeError:
        return [problem("KJ-FMT-003", item, where)]
    except ValueError:
        code = "KJ-FMT-701" if isinstance(value, dict) else "KJ-FMT-004"
        return [problem(code, item, where)]
    if day > today:
        return [problem("KJ-LOGIC-004" if item == "birth_date" else "KJ-LOGIC-007", item, where)]
    return []


def _set_recorded(item: str) -> _Apply:
    """A date item and its text as recorded; a calendar day clears the text."""

    def apply(r: Resident, v: Any) -> Resident:
        day, text = _recorded_value(v)
        dates = attrs.evolve(r.as_recorded or DatesAsRecorded(), **{item: text})
        changes: dict[str, Any] = {item: day, "as_recorded": None if dates.empty else dates}
        if item == "became_resident_on" and r.foreign is not None:
            # A foreign resident's 住民となった年月日 is 外国人住民となった年月日 (法30条の45).
            foreign = attrs.evolve(r.foreign, became_foreign_resident_on=day)
            dates = attrs.evolve(dates, became_foreign_resident_on=text)
            changes.update(foreign=foreign, as_recorded=None if dates.empty else dates)
        return attrs.evolve(r, **changes)

    return apply


_Apply = Callable[[Resident, Any], Resident]


def _name(item: str) -> _Apply:
    return lambda r, v: attrs.evolve(r, name=attrs.evolve(r.name, **{item: v.strip()}))


def _japanese(item: str) -> _Apply:
    def apply(r: Resident, v: Any) -> Resident:
        assert r.japanese is not None
        return attrs.evolve(r, japanese=attrs.evolve(r.japanese, **{item: v}))

    return apply


def _foreign(item: str, convert: Callable[[Any], Any] = lambda v: v) -> _Apply:
    def apply(r: Resident, v: Any) -> Resident:
        assert r.foreign is not None
        return attrs.evolve(r, foreign=attrs.evolve(r.foreign, **{item: convert(v)}))

    return apply


def _address(r: Resident, v: Any) -> Resident:
    new: Address = to_address(AddressEntry(postal_code=v["postal_code"], text=v["text"]))
    return attrs.evolve(r, address=new)


APPLY: dict[str, _Apply] = {
    **{item: _name(item) for item in (*_NAME_ITEMS, *_KANA_ITEMS)},
    **{item: _japanese(item) for item in _JAPANESE_ITEMS},
    **{item: _foreign(item) for item in _FOREIGN_TEXT},
    "category_30_45": _foreign("category_30_45", CATEGORIES_30_45.__getitem__),
    "residence_card_number": _foreign("residence_card_number"),
    "stay_expires_on": _foreign("stay_expires_on", parse_date),
    **{item: _set_recorded(item) for item in RECORDED_ITEMS},
    "stay_period": _foreign("stay_period"),
    "sex": lambda r, v: attrs.evolve(r, sex=v),
    "relationship": lambda r, v: attrs.evolve(r, relationship=Relationship.normalize(v)),
    "address": _address,
}


class CorrectionHandler:  # 職権修正
    def check(self, n: Correction, view: RegisterView, ctx: Context) -> list[Problem]:
        found = check_dates(n, ctx, late_warning=False)
        r = view.resident(n.resident_id)
        if r is None:
            return [*found, problem("KJ-NOTFOUND-001", "resident_id")]
        if not n.changes:
            return [*found, problem("KJ-LOGIC-031", "changes")]
        for item, value in n.changes.items():
            found += _check_value(item, value, r, ctx.today)
        return found

    def needs(self, n: Correction, view: RegisterView) -> Needs:
        return Needs()

    def apply(self, n: Correction, view: RegisterView, ctx: Context, alloc: Allocation) -> Outcome:
        r = view.resident(n.resident_id)
        assert r is not None
        new = r
        for item in sorted(n.changes):
            new = APPLY[item](new, n.changes[item])
        changed = [new.bump()]
        if "address" in n.changes and r.is_living:
            # A household lives at one address (住基法6条): correcting the address of a living
            # member corrects it for the household, so its members never part over a 誤記.
            changed += [
                _address(m, n.changes["address"]).bump()
                for m in view.members(r.household_id)
                if m.resident_id != r.resident_id and m.address != new.address
            ]
        return Outcome(
            residents=tuple(changed),
            resident_ids=tuple(m.resident_id for m in changed),
            household_id=r.household_id,
        )
