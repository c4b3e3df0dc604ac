"""Valid and invalid identifiers: 個人番号, 住民票コード, 全国地方公共団体コード, 在留カード等番号,
郵便番号.

Valid numbers are completed with the library's ``complete_*`` functions; the invalid ones are
what a canonical check must refuse (some are what people type: the ``parse_*`` functions accept
the full-width and separated forms)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from hypothesis import strategies as st

from kure_juki.domain.identifiers import (
    complete_local_gov_code,
    complete_my_number,
    complete_resident_code,
)

KURE = "342025"  # 呉市: the municipality the strategies assume unless told otherwise
DEFAULT_TODAY = dt.date(2026, 11, 26)
DIGITS = "0123456789"
FULL_WIDTH = str.maketrans(DIGITS, "０１２３４５６７８９")



def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=DIGITS, min_size=n, max_size=n)


def my_numbers() -> st.SearchStrategy[str]:
    """Valid 個人番号: eleven random digits and their check digit."""
    return _digits(11).map(complete_my_number)


def resident_codes() -> st.SearchStrategy[str]:
    """Valid 住民票コード: ten random digits and their check digit."""
    return _digits(10).map(complete_resident_code)


def local_gov_codes(*, exclude: Iterable[str] = ()) -> st.SearchStrategy[str]:
    """Valid 全国地方公共団体コード: a prefecture (01–47), three digits, the 検査数字."""
    excluded = frozenset(exclude)
    return (
        st.tuples(st.integers(1, 47), _digits(3))
        .map(lambda t: complete_local_gov_code(f"{t[0]:02d}{t[1]}"))
        .filter(lambda code: code not in excluded)
    )


def residence_card_numbers() -> st.SearchStrategy[str]:
    """Valid 在留カード等番号: two capital letters, eight digits, two capital letters."""
    return st.from_regex(r"[A-Z]{2}[0-9]{8}[A-Z]{2}", fullmatch=True)


def postal_codes() -> st.SearchStrategy[str]:
    """Valid 郵便番号 as the register accepts them: "737-0045" or "7370045"."""
    return st.tuples(_digits(3), _digits(4), st.booleans()).map(
        lambda t: f"{t[0]}-{t[1]}" if t[2] else t[0] + t[1]
    )


def _replace_at(value: str, index: int, char: str) -> str:
    i = index % len(value)
    return value[:i] + char + value[i + 1 :]


def _invalid_numbers(valid: st.SearchStrategy[str], length: int) -> st.SearchStrategy[str]:
    """What a check of *length* ASCII digits with a check digit must refuse."""
    wrong_check = st.tuples(valid, st.integers(1, 9)).map(
        lambda t: t[0][:-1] + str((int(t[0][-1]) + t[1]) % 10)
    )
    wrong_length = st.text(alphabet=DIGITS, max_size=2 * length).filter(lambda s: len(s) != length)
    full_width = valid.map(lambda v: v.translate(FULL_WIDTH))
    one_full_width = st.tuples(valid, st.integers(0, length - 1)).map(
        lambda t: _replace_at(t[0], t[1], t[0][t[1]].translate(FULL_WIDTH))
    )
    separated = st.tuples(valid, st.sampled_from([" ", "-", "\u3000", "ー"])).map(
        lambda t: t[1].join((t[0][:4], t[0][4:8], t[0][8:]))
    )
    lettered = st.tuples(valid, st.integers(0, length - 1), st.sampled_from("OolIZ ")).map(
        lambda t: _replace_at(t[0], t[1], t[2])
    )
    padded = st.tuples(valid, st.sampled_from([" ", "\n", "0"]), st.booleans()).map(
        lambda t: t[1] + t[0] if t[2] else t[0] + t[1]
    )
    other_digits = st.tuples(valid, st.integers(0, length - 1), st.sampled_from("٣१①")).map(
        lambda t: _replace_at(t[0], t[1], t[2])  # Arabic-Indic, Devanagari, enclosed digits
    )
    return st.one_of(
        wrong_check, wrong_length, full_width, one_full_width, separated, lettered, padded,
        other_digits,
    )


def invalid_my_numbers() -> st.SearchStrategy[str]:
    """Strings that are not a canonical 個人番号 (some are what people type: ``parse_my_number``
    accepts the full-width and separated forms)."""
    return _invalid_numbers(my_numbers(), 12)


def invalid_resident_codes() -> st.SearchStrategy[str]:
    """Strings that are not a canonical 住民票コード."""
    return _invalid_numbers(resident_codes(), 11)


def invalid_local_gov_codes() -> st.SearchStrategy[str]:
    """Strings that are not a canonical 全国地方公共団体コード (five-digit JIS codes included)."""
    return st.one_of(
        _invalid_numbers(local_gov_codes(), 6),
        local_gov_codes().map(lambda code: code[:5]),
    )


def invalid_residence_card_numbers() -> st.SearchStrategy[str]:
    """Strings that are not a canonical 在留カード番号."""
    valid = residence_card_numbers()
    return st.one_of(
        valid.map(str.lower),
        st.tuples(valid, st.integers(0, 11)).map(lambda t: _replace_at(t[0], t[1], "a")),
        st.tuples(valid, st.sampled_from([0, 1, 10, 11])).map(
            lambda t: _replace_at(t[0], t[1], "7")  # a digit where a letter belongs
        ),
        st.tuples(valid, st.integers(2, 9)).map(lambda t: _replace_at(t[0], t[1], "X")),
        valid.map(lambda v: v.translate(FULL_WIDTH)).filter(lambda v: not v.isascii()),
        valid.map(lambda v: v[:2] + v[3:]),  # seven digits
        valid.map(lambda v: v[:2] + "0" + v[2:]),  # nine digits
        st.tuples(valid, st.sampled_from([" ", "-", "A", "0", "\n"]), st.booleans()).map(
            lambda t: t[1] + t[0] if t[2] else t[0] + t[1]
        ),
        st.from_regex(r"[A-Z]{1,3}[0-9]{0,10}[A-Z]{0,3}", fullmatch=True).filter(
            lambda v: len(v) != 12
        ),
    )


def invalid_postal_codes() -> st.SearchStrategy[str]:
    """Strings that are not a 郵便番号 as the register accepts them."""
    three, four = _digits(3), _digits(4)
    return st.one_of(
        st.tuples(three, four).map(lambda t: f"〒{t[0]}-{t[1]}"),
        st.tuples(three, four).map(lambda t: f"{t[0]}-{t[1]}".translate(FULL_WIDTH)),
        st.tuples(three, four, st.sampled_from(["ー", "－", "‐", " ", "--", "."])).map(
            lambda t: t[0] + t[2] + t[1]
        ),
        st.text(alphabet=DIGITS, max_size=10).filter(lambda s: len(s) != 7),
        st.tuples(_digits(2), _digits(5)).map(lambda t: f"{t[0]}-{t[1]}"),
        st.tuples(three, four).map(lambda t: f"{t[0]}-{t[1]} "),
    )
