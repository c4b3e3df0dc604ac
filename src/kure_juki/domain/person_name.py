"""A person's name (氏名) in kanji with its reading (ふりがな)."""

from __future__ import annotations

import attrs

from kure_juki.domain.names import count_gaiji, seion_kana


@attrs.frozen
class PersonName:  # 氏名
    family_name: str  # 氏
    given_name: str  # 名
    family_name_kana: str  # 氏(ふりがな)
    given_name_kana: str  # 名(ふりがな)

    @property
    def full(self) -> str:
        return f"{self.family_name}\u3000{self.given_name}"

    @property
    def seion_family(self) -> str:  # 清音化かな, the key of fuzzy search
        return seion_kana(self.family_name_kana)

    @property
    def seion_given(self) -> str:
        return seion_kana(self.given_name_kana)

    @property
    def gaiji_count(self) -> int:  # 外字数
        return count_gaiji(self.family_name + self.given_name)
