"""Identity search (本人特定): the criteria, the discipline the seed requires, and matching.

The seed (Ⅲ リスク対策): an identity search needs at least two of the four basic items other
than sex (氏名・住所・生年月日), or a code (住民票コード / 個人番号).
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import attrs

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.mj_text import strip_selectors
from kure_juki.domain.names import is_kana, seion_kana
from kure_juki.domain.resident import Resident


def fold(text: str) -> str:
    """NFKC with all spaces and variation selectors removed: the comparison form of names and
    addresses. Without its selector 葛󠄃 (U+845B U+E0103) compares as 葛, so a search typed on
    any keyboard finds a name registered with a Moji_Joho variant, and the variant itself finds
    it too. Distinct characters stay distinct: 﨑 (U+FA11, a unified ideograph despite its
    block) is not 崎, and 𠮷 is not 吉 — those names are found by their reading."""
    return "".join(strip_selectors(unicodedata.normalize("NFKC", text)).split())


def given(value: str | None) -> bool:
    """Whether a text criterion says anything: a blank one (spaces, 全角スペース, tabs, line
    breaks, any Unicode whitespace) is no criterion and does not count toward the rule."""
    return value is not None and bool(fold(value))
def same_identity(
    r: Resident, family_name: str, given_name: str, sex: str, birth_date: dt.date
) -> bool:
    """3情報 (氏名・性別・生年月日) agree, names compared folded as a search compares them."""
    return (
        r.birth_date == birth_date
        and r.sex == sex
        and fold(r.name.family_name) == fold(family_name)
        and fold(r.name.given_name) == fold(given_name)
    )


@attrs.frozen
class SearchCriteria:  # 検索条件
    family_name: str | None = None  # kanji, or kana for a fuzzy (清音化) match
    given_name: str | None = None
    birth_date: dt.date | None = None
    # With birth_date, the last day of a period of birth dates (a 不詳日 searched as written,
    # 「昭和55年頃」: every internal birth date of 1980); None: birth_date alone.
    birth_date_until: dt.date | None = None
    address: str | None = None  # part of the address text
    sex: str | None = None
    resident_code: str | None = None
    my_number: str | None = attrs.field(default=None, repr=False)
    include_deleted: bool = False

    @property
    def basic_items(self) -> int:
        """How many of 氏名, 住所, 生年月日 are given (sex does not count)."""
        has_name = given(self.family_name) or given(self.given_name)
        return sum((has_name, given(self.address), self.birth_date is not None))

    @property
    def by_code(self) -> bool:
        return given(self.resident_code) or given(self.my_number)


def check_discipline(c: SearchCriteria) -> list[Problem]:
    if c.by_code or c.basic_items >= 2:
        return []
    return [problem("KJ-ACCESS-002", "criteria")]


def _name_matches(query: str, kanji: str, kana: str) -> bool:
    q = fold(query)
    if not q:
        return False
    if fold(kanji).startswith(q):
        return True
    return (
        is_kana(query)
        and bool(seion_kana(query))
        and seion_kana(kana).startswith(seion_kana(query))
    )


def matches(r: Resident, c: SearchCriteria) -> bool:
    """The reference semantics every storage's search must agree with."""
    if not c.include_deleted and not r.is_living:
        return False
    if c.resident_code and r.resident_code != c.resident_code:
        return False
    if c.my_number and r.my_number != c.my_number:
        return False
    if c.family_name and not _name_matches(
        c.family_name, r.name.family_name, r.name.family_name_kana
    ):
        return False
    if c.given_name and not _name_matches(c.given_name, r.name.given_name, r.name.given_name_kana):
        return False
    if c.birth_date is not None and not (
        c.birth_date <= r.birth_date <= (c.birth_date_until or c.birth_date)
    ):
        return False
    if c.sex and r.sex != c.sex:
        return False
    return not (c.address and fold(c.address) not in fold(r.address.text))
