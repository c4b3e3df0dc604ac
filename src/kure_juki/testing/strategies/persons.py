"""Person entries of notifications (Japanese, and foreign residents of each 法30条45区分 with
the items it requires) and households as a 転入 brings them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from hypothesis import strategies as st

from kure_juki.domain.format_checks import CATEGORIES_30_45
from kure_juki.domain.resident import HEAD
from kure_juki.testing.strategies.identifiers import (
    DEFAULT_TODAY,
    my_numbers,
    residence_card_numbers,
    resident_codes,
)
from kure_juki.testing.strategies.names import GIVEN_NAMES, foreign_names, japanese_names

MID_LONG, SPECIAL_PERMANENT = "中長期在留者", "特別永住者"
TEMPORARY_REFUGE, PROVISIONAL_STAY = "一時庇護許可者", "仮滞在許可者"
TRANSITIONAL_BIRTH, TRANSITIONAL_LOSS = "出生による経過滞在者", "国籍喪失による経過滞在者"
# 住基法30条の45 の表: what each category's record holds besides 国籍 (written from the law).
CATEGORY_ITEMS: dict[str, tuple[str, ...]] = {
    MID_LONG: ("residence_status", "stay_expires_on", "residence_card_number"),
    SPECIAL_PERMANENT: ("residence_card_number",),  # 特別永住者証明書の番号
    TEMPORARY_REFUGE: ("stay_expires_on",),  # 上陸期間
    PROVISIONAL_STAY: ("stay_expires_on",),  # 仮滞在期間
    TRANSITIONAL_BIRTH: (),
    TRANSITIONAL_LOSS: (),
}
CATEGORY_KEYS: dict[str, tuple[str, ...]] = {  # the canonical name and its English alias
    canonical: tuple(k for k, v in CATEGORIES_30_45.items() if v == canonical)
    for canonical in CATEGORY_ITEMS
}
RESIDENCE_STATUSES = (
    "技術・人文知識・国際業務", "留学", "技能実習", "特定技能", "家族滞在", "永住者",
    "日本人の配偶者等", "定住者", "経営・管理",
)
NATIONALITIES = (
    "アメリカ合衆国", "大韓民国", "中国", "ベトナム", "フィリピン", "ブラジル", "ネパール",
)
RELATIONSHIPS = (
    "妻", "夫", "子", "父", "母", "同居人", "子の子", "兄", "妹", "妻の父", "子の妻", "縁故者",
    "妻（未届）", "子の子の子の子",
)
REGISTERED_DOMICILES = (
    "広島県呉市中央四丁目1番", "東京都千代田区千代田1番", "広島県広島市中区基町10番",
)


def dates_between(low: dt.date, high: dt.date) -> st.SearchStrategy[dt.date]:
    return st.dates(min_value=low, max_value=max(low, high))


def stay_periods() -> st.SearchStrategy[str]:
    """在留期間 as the immigration agency grants them (入管法施行規則 別表第二)."""
    return st.sampled_from(["15日", "30日", "90日", "3月", "6月", "1年", "1年3月", "3年", "5年"])


@st.composite
def japanese_persons(
    draw: st.DrawFn,
    *,
    relationship: str = HEAD,
    born_by: dt.date = DEFAULT_TODAY,
    codes: bool = False,
) -> dict[str, Any]:
    """A Japanese person entry: name, birth date on or before *born_by*, 本籍・筆頭者.

    With *codes*, a random valid 住民票コード and 個人番号 (unique only by chance: notifications
    and households draw theirs unique)."""
    name = draw(japanese_names())
    person: dict[str, Any] = {
        **name.items(),
        "birth_date": draw(dates_between(dt.date(1920, 1, 1), born_by)).isoformat(),
        "sex": draw(st.sampled_from(["male", "female"])),
        "relationship": relationship,
        "registered_domicile": draw(st.sampled_from(REGISTERED_DOMICILES)),
        "domicile_head": f"{name.family_name}　{draw(st.sampled_from(GIVEN_NAMES))[0]}",
    }
    if codes:
        person.update(resident_code=draw(resident_codes()), my_number=draw(my_numbers()))
    return person


def category_key(canonical: str) -> st.SearchStrategy[str]:
    return st.sampled_from(CATEGORY_KEYS[canonical])


@st.composite
def foreign_persons(
    draw: st.DrawFn,
    category: str | None = None,
    *,
    relationship: str = HEAD,
    born_by: dt.date = DEFAULT_TODAY,
    arrived_on: dt.date = DEFAULT_TODAY,
    codes: bool = False,
) -> dict[str, Any]:
    """A foreign resident's entry: 国籍, the 30条45 区分 (*category*, canonical Japanese name,
    or any) written in Japanese or its English alias, and every item that category requires,
    its period ending after *arrived_on*; now and then a 通称."""
    canonical = category or draw(st.sampled_from(sorted(CATEGORY_ITEMS)))
    if canonical not in CATEGORY_ITEMS:
        raise ValueError(f"unknown 30条45 category: {canonical}")
    name = draw(foreign_names())
    person: dict[str, Any] = {
        **name.items(),
        "birth_date": draw(dates_between(dt.date(1930, 1, 1), born_by)).isoformat(),
        "sex": draw(st.sampled_from(["male", "female"])),
        "relationship": relationship,
        "nationality": draw(st.sampled_from(NATIONALITIES)),
        "category_30_45": draw(category_key(canonical)),
    }
    required = CATEGORY_ITEMS[canonical]
    if "residence_status" in required:
        person["residence_status"] = draw(st.sampled_from(RESIDENCE_STATUSES))
    if "stay_expires_on" in required:
        days = draw(st.integers(1, 5 * 366))
        person["stay_expires_on"] = (arrived_on + dt.timedelta(days=days)).isoformat()
        if draw(st.booleans()):  # 在留期間, the length granted, beside its end
            person["stay_period"] = draw(stay_periods())
    if "residence_card_number" in required:
        person["residence_card_number"] = draw(residence_card_numbers())
    if draw(st.integers(0, 3)) == 0:
        person["alias"] = draw(st.sampled_from(["山田太郎", "金田花子", "李　一郎"]))
    if codes:
        person.update(resident_code=draw(resident_codes()), my_number=draw(my_numbers()))
    return person


def persons(
    *, relationship: str = HEAD, born_by: dt.date = DEFAULT_TODAY, codes: bool = False
) -> st.SearchStrategy[dict[str, Any]]:
    """A person entry, Japanese or foreign (of any category)."""
    return st.one_of(
        japanese_persons(relationship=relationship, born_by=born_by, codes=codes),
        foreign_persons(
            relationship=relationship, born_by=born_by, arrived_on=born_by, codes=codes
        ),
    )


@st.composite
def _unique_codes(
    draw: st.DrawFn, count: int, avoid: frozenset[str]
) -> list[tuple[str, str]]:
    code_lists = st.lists(resident_codes(), min_size=count, max_size=count, unique=True)
    number_lists = st.lists(my_numbers(), min_size=count, max_size=count, unique=True)
    codes = draw(code_lists.filter(lambda cs: avoid.isdisjoint(cs)))
    numbers = draw(number_lists.filter(lambda ns: avoid.isdisjoint(ns)))
    return list(zip(codes, numbers, strict=True))


@st.composite
def assign_codes(
    draw: st.DrawFn, people: list[dict[str, Any]], avoid: frozenset[str]
) -> list[dict[str, Any]]:
    """Give some of *people* a 住民票コード and 個人番号 (from a 転出証明書), unique among
    themselves and absent from *avoid* (the codes of living residents)."""
    pairs = draw(_unique_codes(len(people), avoid))
    out = []
    for person, (code, number) in zip(people, pairs, strict=True):
        person = dict(person)
        if draw(st.booleans()):
            person["resident_code"] = code
        if draw(st.booleans()):
            person["my_number"] = number
        out.append(person)
    return out


@st.composite
def households(
    draw: st.DrawFn,
    *,
    min_size: int = 1,
    max_size: int = 4,
    born_by: dt.date = DEFAULT_TODAY,
    arrived_on: dt.date = DEFAULT_TODAY,
    foreign: bool | None = None,
    with_head: bool = True,
    avoid_codes: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """The persons of a household as a 転入 brings them: exactly one 世帯主 (first) and
    members with their 続柄, Japanese, foreign or mixed (*foreign* None); codes unique and
    outside *avoid_codes*. ``with_head=False``: members joining an existing household."""
    size = draw(st.integers(min_size, max_size))
    people = []
    for i in range(size):
        relationship = HEAD if i == 0 and with_head else draw(st.sampled_from(RELATIONSHIPS))
        is_foreign = draw(st.integers(0, 3)) == 0 if foreign is None else foreign
        if is_foreign:
            people.append(
                draw(foreign_persons(relationship=relationship, born_by=born_by,
                                     arrived_on=arrived_on))
            )
        else:
            people.append(draw(japanese_persons(relationship=relationship, born_by=born_by)))
    result: list[dict[str, Any]] = draw(assign_codes(people, frozenset(avoid_codes)))
    return result
