"""Check digits and shapes of the register's numbers (番号・コードの検査).

Three modulus-11 check digits, each exactly as its ordinance states:

- 個人番号 (My Number, 12 digits): 平成26年総務省令第85号 第5条.
- 住民票コード (resident code, 11 digits): the same rule over the first ten digits.
- 全国地方公共団体コード (local government code, 6 digits): JIS X 0402 検査数字.

And the 宛名番号・世帯番号 check digit of 標準1.1.13 (モジュラス11, weights 2〜7).

``is_valid_*`` take the canonical form only (ASCII digits and letters, no separators) and never
raise, whatever they are given. ``parse_*`` accept what people type (full-width digits, spaces,
hyphens) and return the canonical form or ``None``. ``*_check_digit`` and ``complete_*`` raise
``ValueError`` on a malformed payload; their messages never repeat the value, which may be a
My Number.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Sequence

__all__ = [
    "atena_check_digit",
    "complete_atena_number",
    "complete_local_gov_code",
    "complete_my_number",
    "complete_resident_code",
    "is_valid_local_gov_code",
    "is_valid_my_number",
    "is_valid_postal_code",
    "is_valid_residence_card_number",
    "is_valid_resident_code",
    "local_gov_code_check_digit",
    "my_number_check_digit",
    "normalize_digits",
    "parse_local_gov_code",
    "parse_my_number",
    "parse_postal_code",
    "parse_residence_card_number",
    "parse_resident_code",
    "resident_code_check_digit",
]

# [0-9] rather than \d or str.isdigit: both also accept full-width and other scripts' digits.
_DIGITS = re.compile(r"[0-9]+")
_RESIDENCE_CARD = re.compile(r"[A-Z]{2}[0-9]{8}[A-Z]{2}")
_POSTAL_CODE = re.compile(r"([0-9]{3})-?([0-9]{4})")

# Separators people put inside numbers: ASCII and Unicode hyphens and dashes, minus signs, and
# the long-vowel mark that Japanese input methods produce for "-" in kana mode.
_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\u30fc\uff70")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _is_ascii_digits(value: str, length: int) -> bool:
    return len(value) == length and _DIGITS.fullmatch(value) is not None


def _digits(value: object, length: int, what: str) -> Sequence[int]:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str")
    if not _is_ascii_digits(value, length):
        raise ValueError(f"{what} must be exactly {length} ASCII digits")
    return list(map(int, value))


def _weights_from_right(length: int) -> tuple[int, ...]:
    """Qn for the digits read left to right, n counted from the right."""
    return tuple(n + 1 if n <= 6 else n - 5 for n in range(length, 0, -1))


_WEIGHTS = {length: _weights_from_right(length) for length in (10, 11)}


def _modulus11_from_right(digits: Sequence[int]) -> int:
    """The 個人番号/住民票コード rule: Pn counted from the right, Qn = n+1 (n<=6), n-5 (n>=7)."""
    weights = _WEIGHTS.get(len(digits)) or _weights_from_right(len(digits))
    total = sum(map(operator.mul, digits, weights))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def my_number_check_digit(first11: str) -> int:
    """Check digit of a 個人番号 (My Number) from its first eleven digits."""
    return _modulus11_from_right(_digits(first11, 11, "first11"))


def resident_code_check_digit(first10: str) -> int:
    """Check digit of a 住民票コード (resident code) from its first ten digits."""
    return _modulus11_from_right(_digits(first10, 10, "first10"))


def local_gov_code_check_digit(first5: str) -> int:
    """検査数字 of a 全国地方公共団体コード: last digit of 11 - (Σ weights 6..2 mod 11)."""
    digits = _digits(first5, 5, "first5")
    remainder = sum(p * w for p, w in zip(digits, (6, 5, 4, 3, 2), strict=True)) % 11
    # Remainder 0 gives 11 and 1 gives 10: JIS X 0402 keeps the last digit of each.
    return (11 - remainder) % 10


def atena_check_digit(serial: str) -> int | None:
    """検査付番 of a 宛名番号 or 世帯番号 (標準1.1.13): モジュラス11, weights 2〜7.

    Weights 2, 3, …, 7, 2, 3, … from the rightmost digit of *serial*; the check digit is
    11 minus the remainder of the weighted sum by 11, and 0 when the remainder is 0. The
    standard gives no digit for a remainder of 1 (11 - 1 = 10): such a serial has no check
    digit (``None``) and is not given out.
    """
    if not isinstance(serial, str) or not serial or _DIGITS.fullmatch(serial) is None:
        raise ValueError("serial must be ASCII digits")
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(serial)))
    remainder = total % 11
    if remainder == 0:
        return 0
    check = 11 - remainder
    return check if check < 10 else None


def complete_atena_number(serial: str) -> str | None:
    """*serial* followed by its 標準1.1.13 check digit, or None when it has none."""
    check = atena_check_digit(serial)
    return None if check is None else serial + str(check)


def complete_my_number(first11: str) -> str:
    """The twelve-digit 個人番号 whose first eleven digits are ``first11``."""
    return first11 + str(my_number_check_digit(first11))


def complete_resident_code(first10: str) -> str:
    """The eleven-digit 住民票コード whose first ten digits are ``first10``."""
    return first10 + str(resident_code_check_digit(first10))


def complete_local_gov_code(first5: str) -> str:
    """The six-digit 全国地方公共団体コード for the five-digit JIS X 0402 code ``first5``."""
    return first5 + str(local_gov_code_check_digit(first5))


def is_valid_my_number(value: object) -> bool:
    """True for twelve ASCII digits whose last is the 個人番号 check digit."""
    if not isinstance(value, str) or not _is_ascii_digits(value, 12):
        return False
    digits = list(map(int, value))
    return _modulus11_from_right(digits[:11]) == digits[11]


def is_valid_resident_code(value: object) -> bool:
    """True for eleven ASCII digits whose last is the 住民票コード check digit."""
    if not isinstance(value, str) or not _is_ascii_digits(value, 11):
        return False
    digits = list(map(int, value))
    return _modulus11_from_right(digits[:10]) == digits[10]


def is_valid_local_gov_code(value: object) -> bool:
    """True for six ASCII digits whose last is the 地方公共団体コード 検査数字."""
    if not isinstance(value, str) or not _is_ascii_digits(value, 6):
        return False
    return local_gov_code_check_digit(value[:5]) == int(value[5])


def is_valid_residence_card_number(value: object) -> bool:
    """True for a 在留カード番号 shape: two capital ASCII letters, eight digits, two letters."""
    return isinstance(value, str) and _RESIDENCE_CARD.fullmatch(value) is not None


def is_valid_postal_code(value: object) -> bool:
    """True for a 郵便番号 written "737-0045" or "7370045" (ASCII digits)."""
    return isinstance(value, str) and _POSTAL_CODE.fullmatch(value) is not None


def normalize_digits(value: str) -> str:
    """Full-width digits made ASCII; whitespace, hyphens and dashes removed.

    Only full-width digits are converted: other scripts' digits and enclosed numbers (①) are
    left alone so that the canonical check rejects them instead of silently reading them.
    """
    if not isinstance(value, str):
        raise TypeError("value must be a str")
    converted = value.translate(_FULLWIDTH_DIGITS)
    return "".join(c for c in converted if not c.isspace() and c not in _SEPARATORS)


def parse_my_number(value: object) -> str | None:
    """The canonical 個人番号 typed in ``value`` (e.g. "１２３４ ５６７８ ９０１８"), or None."""
    if not isinstance(value, str):
        return None
    canonical = normalize_digits(value)
    return canonical if is_valid_my_number(canonical) else None


def parse_resident_code(value: object) -> str | None:
    """The canonical 住民票コード typed in ``value``, or None."""
    if not isinstance(value, str):
        return None
    canonical = normalize_digits(value)
    return canonical if is_valid_resident_code(canonical) else None


def parse_local_gov_code(value: object) -> str | None:
    """The canonical six-digit 全国地方公共団体コード typed in ``value``, or None.

    A five-digit code is not completed here: it may as well be a six-digit one missing a digit.
    Use :func:`complete_local_gov_code` where five digits are what the source holds.
    """
    if not isinstance(value, str):
        return None
    canonical = normalize_digits(value)
    return canonical if is_valid_local_gov_code(canonical) else None


def parse_residence_card_number(value: object) -> str | None:
    """The canonical 在留カード番号 typed in ``value`` (full-width, lower case, spaced), or None."""
    if not isinstance(value, str):
        return None
    # Only the full-width ASCII block is folded: reading ① as 1 or O as 0 would turn typing
    # errors into a different card.
    folded = normalize_digits(
        "".join(unicodedata.normalize("NFKC", c) if "\uff01" <= c <= "\uff5e" else c for c in value)
    )
    canonical = folded.upper() if folded.isascii() else folded
    return canonical if is_valid_residence_card_number(canonical) else None


def parse_postal_code(value: object) -> str | None:
    """The 郵便番号 typed in ``value`` as "737-0045", or None.

    Accepts full-width digits, a leading 〒 and any hyphen-like separator.
    """
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    if stripped.startswith("〒"):
        stripped = stripped[1:]
    canonical = normalize_digits(stripped)
    match = _POSTAL_CODE.fullmatch(canonical)
    if match is None or len(canonical) != 7:
        return None
    return f"{match.group(1)}-{match.group(2)}"
