"""Format checks (形式チェック) of every item of a typed notification.

Pure functions returning every problem found; the logic checks run only on a notification
that passed these, because a rule about a My Number is meaningless on a malformed one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.identifiers import (
    is_valid_local_gov_code,
    is_valid_my_number,
    is_valid_postal_code,
    is_valid_residence_card_number,
    is_valid_resident_code,
)
from kure_juki.domain.names import is_kana
from kure_juki.domain.notifications import (
    AddressEntry,
    AliasEntry,
    Birth,
    Cancellation,
    ChangeHead,
    ConfirmMoveOut,
    Correction,
    FormerSurnameEntry,
    IndividualEntryNotice,
    MergeHouseholds,
    MoveIn,
    MoveInFromAbroad,
    MoveOut,
    MoveOutAbroad,
    MoveWithin,
    NationalityLoss,
    Naturalization,
    Notification,
    OtherPlaceEntry,
    PersonEntry,
    ResidenceStatusChange,
    SplitHousehold,
    StayExtension,
)
from kure_juki.domain.relationship import Relationship, Verdict

# 法30条45の区分 (住民基本台帳法第30条の45の表の上欄): canonical Japanese, with English aliases.
CATEGORIES_30_45: dict[str, str] = {
    "中長期在留者": "中長期在留者",
    "特別永住者": "特別永住者",
    "一時庇護許可者": "一時庇護許可者",
    "仮滞在許可者": "仮滞在許可者",
    "出生による経過滞在者": "出生による経過滞在者",
    "国籍喪失による経過滞在者": "国籍喪失による経過滞在者",
    "mid_to_long_term_resident": "中長期在留者",
    "special_permanent_resident": "特別永住者",
    "temporary_refuge": "一時庇護許可者",
    "provisional_stay": "仮滞在許可者",
    "transitional_stay_birth": "出生による経過滞在者",
    "transitional_stay_loss_of_nationality": "国籍喪失による経過滞在者",
}

SEXES = ("male", "female")
_ID = re.compile(r"\A[0-9A-Za-z][0-9A-Za-z-]{0,31}\Z")
MAX_NAME = 60
MAX_TEXT = 200
# The longest 続柄 of 標準1.1.11: four 夫（未届） joined by three 「の」.
MAX_RELATIONSHIP = 23


_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _printable_runs() -> re.Pattern[str]:
    """A character class of the blocks a register's text is nearly always made of (ASCII,
    kana and CJK punctuation, the unified ideographs, full- and half-width forms), keeping only
    characters printable in this Python's Unicode database: text made of them alone is accepted
    without asking the database character by character (a migration checks millions)."""
    blocks = ((0x20, 0x7E), (0x3000, 0x30FF), (0x4E00, 0x9FFF), (0xFF01, 0xFFEF))
    runs: list[tuple[int, int]] = []
    for first, last in blocks:
        start: int | None = None
        for code in range(first, last + 2):
            ok = code <= last and unicodedata.category(chr(code)) not in _UNPRINTABLE
            if ok and start is None:
                start = code
            elif not ok and start is not None:
                runs.append((start, code - 1))
                start = None
    body = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in runs)
    return re.compile(f"[{body}]+")


_COMMON_PRINTABLE = _printable_runs()


def _is_ideograph(char: str) -> bool:
    return unicodedata.name(char, "").startswith(("CJK UNIFIED ", "CJK COMPATIBILITY IDEOGRAPH"))


def _selectors_attached(value: str) -> bool:
    """Every variation selector follows a character it can select a glyph of: an ideographic
    one (U+E0100–E01EF, Moji_Joho and other IVS) an ideograph, a standard one (U+FE00–FE0F)
    any base character. A lone selector, two in a row, or one after a space is garbage."""
    for index, char in enumerate(value):
        code = ord(char)
        ideographic = 0xE0100 <= code <= 0xE01EF
        if not (ideographic or 0xFE00 <= code <= 0xFE0F):
            continue
        base = value[index - 1] if index else ""
        if not base or base.isspace() or unicodedata.combining(base) or _is_selector(base):
            return False
        if ideographic and not _is_ideograph(base):
            return False
    return True


def _is_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def is_clean_text(value: str, max_len: int = MAX_TEXT) -> bool:
    """Printable text: no control or format characters, not blank, not too long.

    Non-BMP ideographs (𠮷 U+20BB7) are printable like any other; a variation selector is
    accepted only after a character it can apply to (葛 + U+E0103)."""
    if not value.strip() or len(value) > max_len:
        return False
    if _COMMON_PRINTABLE.fullmatch(value):
        return True
    if not all(unicodedata.category(ch) not in _UNPRINTABLE for ch in value):
        return False
    return _selectors_attached(value)


def is_valid_id(value: str) -> bool:
    """The shape of a 宛名番号 or 世帯番号."""
    return bool(_ID.match(value))


def check_ids(ids: Iterable[str], item: str) -> list[Problem]:
    found: list[Problem] = []
    seen: set[str] = set()
    for i, rid in enumerate(ids):
        if not is_valid_id(rid):
            found.append(problem("KJ-FMT-017", item, f"{item}[{i}]"))
        elif rid in seen:
            found.append(problem("KJ-FMT-022", item, f"{item}[{i}]"))
        seen.add(rid)
    return found


def check_address(entry: AddressEntry, where: str) -> list[Problem]:
    found: list[Problem] = []
    if not is_valid_postal_code(entry.postal_code):
        found.append(problem("KJ-FMT-008", "postal_code", f"{where}.postal_code"))
    if not is_clean_text(entry.text):
        found.append(problem("KJ-FMT-015", "address", f"{where}.text"))
    return found


def check_other_place(
    entry: OtherPlaceEntry, where: str, *, domestic: bool | None
) -> list[Problem]:
    """``domestic`` True needs a municipality code, False a country, None accepts either."""
    found: list[Problem] = []
    if not is_clean_text(entry.text):
        found.append(problem("KJ-FMT-015", where, f"{where}.text"))
    if entry.municipality_code is not None and not is_valid_local_gov_code(entry.municipality_code):
        found.append(problem("KJ-FMT-007", "municipality_code", f"{where}.municipality_code"))
    if domestic is True and entry.municipality_code is None:
        found.append(problem("KJ-FMT-002", "municipality_code", f"{where}.municipality_code"))
    if domestic is False and not (entry.country and is_clean_text(entry.country, 60)):
        found.append(problem("KJ-FMT-021", "country", f"{where}.country"))
    if entry.country is not None and not is_clean_text(entry.country, 60):
        found.append(problem("KJ-FMT-015", "country", f"{where}.country"))
    return found


def check_person(p: PersonEntry, where: str, *, needs_birth_date: bool = True) -> list[Problem]:
    found: list[Problem] = []

    def at(item: str) -> str:
        return f"{where}.{item}"

    foreign = p.is_foreign
    if not is_clean_text(p.family_name, MAX_NAME):
        found.append(problem("KJ-FMT-012", "family_name", at("family_name")))
    # A foreign resident's alphabet name may be held whole in family_name.
    if not (foreign and p.given_name == "") and not is_clean_text(p.given_name, MAX_NAME):
        found.append(problem("KJ-FMT-012", "given_name", at("given_name")))
    if not is_kana(p.family_name_kana) or not p.family_name_kana.strip():
        found.append(problem("KJ-FMT-011", "family_name_kana", at("family_name_kana")))
    if not (foreign and p.given_name_kana == "") and (
        not is_kana(p.given_name_kana) or not p.given_name_kana.strip()
    ):
        found.append(problem("KJ-FMT-011", "given_name_kana", at("given_name_kana")))
    if needs_birth_date and p.birth_date is None:
        found.append(problem("KJ-FMT-002", "birth_date", at("birth_date")))
    if p.sex is None:
        found.append(problem("KJ-FMT-002", "sex", at("sex")))
    elif p.sex not in SEXES:
        found.append(problem("KJ-FMT-010", "sex", at("sex")))
    if p.relationship is None:
        found.append(problem("KJ-FMT-002", "relationship", at("relationship")))
    else:
        found += check_relationship(p.relationship, at("relationship"))
    if p.resident_code is not None and not is_valid_resident_code(p.resident_code):
        found.append(problem("KJ-FMT-006", "resident_code", at("resident_code")))
    if p.my_number is not None and not is_valid_my_number(p.my_number):
        found.append(problem("KJ-FMT-005", "my_number", at("my_number")))
    for item in ("registered_domicile", "domicile_head", "nationality", "residence_status"):
        value = getattr(p, item)
        if value is not None and not is_clean_text(value, MAX_TEXT):
            found.append(problem("KJ-FMT-015", item, at(item)))
    if p.alias is not None and not is_clean_text(p.alias, MAX_NAME):
        found.append(problem("KJ-FMT-012", "alias", at("alias")))
    if p.category_30_45 is not None and p.category_30_45 not in CATEGORIES_30_45:
        found.append(problem("KJ-FMT-016", "category_30_45", at("category_30_45")))
    if p.residence_card_number is not None and not is_valid_residence_card_number(
        p.residence_card_number
    ):
        found.append(problem("KJ-FMT-009", "residence_card_number", at("residence_card_number")))
    found += check_stay_period(p.stay_period, at("stay_period"))
    if p.former_resident_id is not None and not is_valid_id(p.former_resident_id):
        found.append(problem("KJ-FMT-017", "former_resident_id", at("former_resident_id")))
    return found


# 在留期間 (住基法30条の45 表): the length granted, in years, months and days, e.g. 3年, 6月,
# 5年3月, 90日 (入管法施行規則 別表第二). Digits are ASCII, no leading zero.
_STAY_PERIOD = re.compile(r"(?=.)(?:[1-9][0-9]?年)?(?:(?:[1-9]|1[01])月)?(?:[1-9][0-9]{0,2}日)?")


def is_valid_stay_period(value: str) -> bool:
    return bool(_STAY_PERIOD.fullmatch(value))


def check_stay_period(value: str | None, where: str) -> list[Problem]:
    if value is not None and not is_valid_stay_period(value):
        return [problem("KJ-FMT-711", "stay_period", where)]
    return []


def check_relationships(relationships: dict[str, str]) -> list[Problem]:
    found: list[Problem] = []
    for rid, rel in relationships.items():
        if not is_valid_id(rid):
            found.append(problem("KJ-FMT-017", "relationships", f"relationships.{rid}"))
        found += check_relationship(rel, f"relationships.{rid}")
    return found


def check_relationship(value: str, where: str) -> list[Problem]:
    """A 続柄 of the standard's vocabulary (標準1.1.11); a valid one is never longer than
    MAX_RELATIONSHIP, so the length is the grammar's to judge."""
    if not is_clean_text(value, MAX_TEXT):
        return [problem("KJ-FMT-014", "relationship", where)]
    verdict = Relationship.judge(value)
    if verdict is Verdict.TOO_MANY_GENERATIONS:
        return [problem("KJ-FMT-602", "relationship", where)]
    if verdict is Verdict.UNKNOWN:
        return [problem("KJ-FMT-601", "relationship", where)]
    return []


def check_format(n: Notification) -> list[Problem]:
    """Every format problem of notification *n* (empty when it is well formed)."""
    found: list[Problem] = []
    if isinstance(n, MoveIn | MoveInFromAbroad):
        found += check_address(n.address, "address")
        if isinstance(n, MoveIn):
            found += check_other_place(n.previous_address, "previous_address", domestic=True)
        elif n.previous_address is not None:
            found += check_other_place(n.previous_address, "previous_address", domestic=None)
        if n.household.new == (n.household.household_id is not None):
            found.append(problem("KJ-FMT-002", "household", "household"))
        elif n.household.household_id is not None and not is_valid_id(n.household.household_id):
            found.append(problem("KJ-FMT-017", "household_id", "household.household_id"))
        if not n.persons:
            found.append(problem("KJ-FMT-019", "persons", "persons"))
        for i, person in enumerate(n.persons):
            found += check_person(person, f"persons[{i}]")
    elif isinstance(n, MoveWithin):
        found += _check_resident_ids(n.resident_ids)
        found += check_address(n.address, "address")
        if n.household is not None:
            if n.household.new == (n.household.household_id is not None):
                found.append(problem("KJ-FMT-002", "household", "household"))
            elif n.household.household_id is not None and not is_valid_id(
                n.household.household_id
            ):
                found.append(problem("KJ-FMT-017", "household_id", "household.household_id"))
        if n.new_head_id is not None and not is_valid_id(n.new_head_id):
            found.append(problem("KJ-FMT-017", "new_head_id", "new_head_id"))
        found += check_relationships(n.relationships)
    elif isinstance(n, MoveOut):
        found += _check_resident_ids(n.resident_ids)
        found += check_other_place(n.destination, "destination", domestic=True)
    elif isinstance(n, MoveOutAbroad):
        found += _check_resident_ids(n.resident_ids)
        found += check_other_place(n.destination, "destination", domestic=False)
    elif isinstance(n, ConfirmMoveOut):
        found += _check_resident_ids(n.resident_ids)
        if n.source not in ("move_in_notice", "planned_date"):
            found.append(problem("KJ-FMT-003", "source", "source"))
        if n.destination is not None:
            found += check_other_place(n.destination, "destination", domestic=None)
    elif isinstance(n, Birth):
        if not is_valid_id(n.household_id):
            found.append(problem("KJ-FMT-017", "household_id", "household_id"))
        found += check_person(n.person, "person", needs_birth_date=False)
        if n.person.former_resident_id is not None:  # a newborn continues nobody's record
            found.append(problem("KJ-FMT-001", "former_resident_id", "person.former_resident_id"))
    elif isinstance(n, ChangeHead):
        for item in ("household_id", "new_head_id"):
            if not is_valid_id(getattr(n, item)):
                found.append(problem("KJ-FMT-017", item, item))
        found += check_relationships(n.relationships)
    elif isinstance(n, SplitHousehold):
        found += _check_resident_ids(n.resident_ids)
        if not is_valid_id(n.new_head_id):
            found.append(problem("KJ-FMT-017", "new_head_id", "new_head_id"))
        found += check_relationships(n.relationships)
    elif isinstance(n, MergeHouseholds):
        for item in ("household_id", "into_household_id"):
            if not is_valid_id(getattr(n, item)):
                found.append(problem("KJ-FMT-017", item, item))
        found += check_relationships(n.relationships)
    elif isinstance(n, Correction):
        if not is_clean_text(n.reason):
            found.append(problem("KJ-FMT-015", "reason", "reason"))
    else:
        found += _check_later_types(n)
    rid = getattr(n, "resident_id", None)
    if isinstance(rid, str) and not is_valid_id(rid):
        found.append(problem("KJ-FMT-017", "resident_id", "resident_id"))
    return found


def _name_problems(value: str | None, kana: str | None, item: str) -> list[Problem]:
    found = []
    if value is not None and not is_clean_text(value, MAX_NAME):
        found.append(problem("KJ-FMT-012", item, item))
    if kana is not None and not (kana.strip() and is_kana(kana)):
        found.append(problem("KJ-FMT-011", f"{item}_kana", f"{item}_kana"))
    return found


def _check_later_types(n: Notification) -> list[Problem]:
    """Foreign residents' notices, 通称, 旧氏, nationality, individual entries, codes, 取消."""
    found: list[Problem] = []
    if isinstance(n, ResidenceStatusChange | StayExtension):
        status = getattr(n, "residence_status", None)
        if status is not None and not is_clean_text(status):
            found.append(problem("KJ-FMT-015", "residence_status", "residence_status"))
        found += check_stay_period(n.stay_period, "stay_period")
        cards = [("residence_card_number", n.residence_card_number)]
        if n.before is not None:
            cards.append(("before.residence_card_number", n.before.residence_card_number))
        for where, card in cards:
            if card is not None and not is_valid_residence_card_number(card):
                found.append(problem("KJ-FMT-009", "residence_card_number", where))
    elif isinstance(n, AliasEntry):
        found += _name_problems(n.alias, n.alias_kana, "alias")
    elif isinstance(n, FormerSurnameEntry):
        found += _name_problems(n.former_surname, n.former_surname_kana, "former_surname")
    elif isinstance(n, Naturalization):
        found += _name_problems(n.family_name, n.family_name_kana, "family_name")
        found += _name_problems(n.given_name, n.given_name_kana, "given_name")
        for item in ("registered_domicile", "domicile_head"):
            if not is_clean_text(getattr(n, item)):
                found.append(problem("KJ-FMT-015", item, item))
    elif isinstance(n, NationalityLoss):
        if not is_clean_text(n.nationality):
            found.append(problem("KJ-FMT-015", "nationality", "nationality"))
        if n.category_30_45 not in CATEGORIES_30_45:
            found.append(problem("KJ-FMT-016", "category_30_45", "category_30_45"))
        found += _name_problems(n.family_name, n.family_name_kana, "family_name")
        found += _name_problems(n.given_name, n.given_name_kana, "given_name")
    elif isinstance(n, IndividualEntryNotice):
        for key, value in (n.fields or {}).items():
            if not is_clean_text(key, 40) or not is_clean_text(value):
                found.append(problem("KJ-FMT-015", "fields", f"fields.{key}"))
    elif isinstance(n, Cancellation):
        if n.movement_id < 1:
            found.append(problem("KJ-FMT-003", "movement_id", "movement_id"))
        if not is_clean_text(n.reason):
            found.append(problem("KJ-FMT-015", "reason", "reason"))
    return found


def _check_resident_ids(ids: tuple[str, ...]) -> list[Problem]:
    if not ids:
        return [problem("KJ-FMT-019", "resident_ids", "resident_ids")]
    return check_ids(ids, "resident_ids")
