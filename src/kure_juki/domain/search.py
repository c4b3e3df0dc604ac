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


@attrs.frozen
class SearchCriteria:  # 検索条件
    family_name: str | None = None  # kanji, or kana for a fuzzy (清音化) match
    given_name: str | None = None
    birth_date: dt.date | None = None
    address: str | None = None  # part of the address text
    sex: str | None = None
    resident_code: str | None = None
    my_number: str | None = attrs.field(default=None, repr=False)
    include_deleted: bool = False

    @property
    def basic_items(self) -> int:
        """How many of 氏名, 住所, 生年月日 are given (sex does not count)."""
        has_name = bool(self.family_name or self.given_name)
        return sum((has_name, bool(self.address), self.birth_date is not None))

    @property
    def by_code(self) -> bool:
        return bool(self.resident_code or self.my_number)


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
    if c.birth_date is not None and r.birth_date != c.birth_date:
        return False
    if c.sex and r.sex != c.sex:
        return False
    return not (c.address and fold(c.address) not in fold(r.address.text))
