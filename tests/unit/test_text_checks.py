"""The fast paths of the text checks a migration runs millions of times give exactly the answer
of their definitions, character by character, on any text."""

from __future__ import annotations

import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st

from kure_juki.domain.format_checks import is_clean_text
from kure_juki.domain.identifiers import (
    is_valid_my_number,
    is_valid_resident_code,
    my_number_check_digit,
    resident_code_check_digit,
)
from kure_juki.domain.names import _KANA_MARKS, _is_kana_letter, is_kana

# Text as a register meets it: kanji, kana, full-width forms and ASCII, with now and then a
# control, format, private-use or unassigned character among them.
register_text = st.text(
    st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.characters(min_codepoint=0x3000, max_codepoint=0x30FF),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.characters(min_codepoint=0xFF00, max_codepoint=0xFFEF),
        st.characters(),
    ),
    max_size=30,
)


def clean_by_definition(value: str, max_len: int) -> bool:
    if not value.strip() or len(value) > max_len:
        return False
    return all(unicodedata.category(c) not in {"Cc", "Cf", "Cs", "Co", "Cn"} for c in value)


def kana_by_definition(text: str) -> bool:
    letters = [c for c in text if _is_kana_letter(c)]
    return bool(letters) and all(_is_kana_letter(c) or c in _KANA_MARKS for c in text)


@given(register_text, st.integers(1, 40))
@example("広島県呉市中央四丁目1番6号", 200)
@example("呉\u200b太郎", 60)  # a zero-width space is a format character
@example("\ue000", 60)  # private use
@example("\u9fff", 60)
@example("\uffef", 60)  # unassigned at the end of the half-width block
def test_clean_text_is_its_definition(value: str, max_len: int) -> None:
    assert is_clean_text(value, max_len) == clean_by_definition(value, max_len)


@given(register_text)
@example("やまもり")
@example("ヤマモリ　タロウ")
@example("ｶﾞｯｺｳ")
@example("ー")  # marks alone are not a reading
@example("\U0001b001")  # hentaigana: not ふりがな
def test_kana_check_is_its_definition(text: str) -> None:
    assert is_kana(text) == kana_by_definition(text)


def check_digit_by_definition(first: str) -> int:
    total = sum(
        int(p) * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(reversed(first), start=1)
    )
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


@given(st.text("0123456789", min_size=11, max_size=11))
def test_check_digits_are_the_modulus_11_rule(digits: str) -> None:
    assert my_number_check_digit(digits) == check_digit_by_definition(digits)
    assert resident_code_check_digit(digits[:10]) == check_digit_by_definition(digits[:10])
    assert is_valid_my_number(digits + str(check_digit_by_definition(digits)))
    assert is_valid_resident_code(digits[:10] + str(check_digit_by_definition(digits[:10])))
