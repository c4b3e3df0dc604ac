"""Name text: 清音化かな search keys, 外字数 and the ふりがな format check (氏名・ふりがな).

The kana tables are derived from Unicode character names at import time (``HIRAGANA LETTER
SMALL A`` ↔ ``KATAKANA LETTER A``) rather than typed in by hand, so every small and archaic
kana the running Python knows is covered.

Kanji are never normalised with NFC here except around combining marks: NFC maps the CJK
compatibility ideographs (e.g. U+F929 朗) to their unified twins, which changes the character a
resident's name is registered with.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

__all__ = [
    "SEION_ALPHABET",
    "count_gaiji",
    "is_gaiji",
    "is_jis_x_0208",
    "is_kana",
    "normalize_name",
    "seion_kana",
    "to_katakana",
]

_VOICED_MARKS = frozenset("\u3099\u309a\u309b\u309c")  # combining and spacing ゛ ゜
_LONG_VOWEL_MARKS = frozenset("ー-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
# Word separators inside kana names, mostly of foreign residents ("ジョン・スミス").
_WORD_SEPARATORS = frozenset("・゠=")
_ITERATION_MARKS = frozenset("ゝヽ")  # after NFD, ゞ/ヾ are these plus U+3099
_KANA_RANGES = (range(0x3041, 0x3100), range(0x31F0, 0x3200), range(0x1B000, 0x1B170))
# Small KO (U+1B132, U+1B155) arrived in Unicode 15; Python 3.11's unicodedata predates it.
_SMALL_KANA_AFTER_UNICODE_14 = {"\U0001b132": "こ", "\U0001b155": "コ"}


def _kana_chars() -> Iterator[str]:
    for block in _KANA_RANGES:
        for code_point in block:
            char = chr(code_point)
            if unicodedata.name(char, ""):
                yield char


def _lookup(name: str) -> str | None:
    try:
        return unicodedata.lookup(name)
    except KeyError:
        return None


def _hiragana_to_katakana() -> dict[str, str]:
    table: dict[str, str] = {}
    for char in _kana_chars():
        name = unicodedata.name(char)
        if name.startswith("HIRAGANA "):
            katakana = _lookup("KATAKANA " + name.removeprefix("HIRAGANA "))
            if katakana is not None and len(katakana) == 1:
                table[char] = katakana
    return table


def _small_to_large() -> dict[str, str]:
    table = dict(_SMALL_KANA_AFTER_UNICODE_14)
    for char in _kana_chars():
        name = unicodedata.name(char)
        if " SMALL " in name:
            large = _lookup(name.replace(" SMALL ", " ", 1))
            if large is not None and len(large) == 1:
                table[char] = large
    return table


_HIRA_TO_KATA = _hiragana_to_katakana()
_SMALL_TO_LARGE = _small_to_large()


def _is_seion_letter(char: str) -> bool:
    return (
        unicodedata.name(char, "").startswith("KATAKANA LETTER ")
        and unicodedata.normalize("NFD", char) == char
        and char not in _SMALL_TO_LARGE
    )


SEION_ALPHABET: frozenset[str] = frozenset(
    c for c in map(chr, range(0x30A1, 0x30FB)) if _is_seion_letter(c)
)
"""Every character :func:`seion_kana` outputs for kana input: unvoiced, large katakana ア..ン,
with ヰ ヱ ヲ."""


def _seion_char(char: str) -> str:
    katakana = _HIRA_TO_KATA.get(char, char)
    large = _SMALL_TO_LARGE.get(katakana, katakana)
    # A small hiragana without a katakana twin (ゕ has ヵ, small こ has none) becomes large first.
    return _HIRA_TO_KATA.get(large, large)


def seion_kana(kana: str) -> str:
    """清音化かな: the search key of a ふりがな.

    Full-width katakana with voiced and semi-voiced marks removed (ガ→カ, パ→ハ, ヴ→ウ), small
    kana made large (ッ→ツ, ャ→ヤ, ヵ→カ, ㇰ→ク), spaces, long-vowel marks (ー, ｰ and hyphens
    used for them) and word separators (・) removed. Hiragana and half-width katakana are
    accepted. An iteration mark (ゝ ゞ ヽ ヾ) repeats the kana before it (いすゞ→イスス).
    Other characters pass through NFKC-normalised, so the key of mixed text stays usable.
    The result is NFKC-stable and ``seion_kana`` is idempotent.
    """
    if not isinstance(kana, str):
        raise TypeError("kana must be a str")
    # NFKC joins half-width ｶﾞ into ガ; NFD then splits every voiced kana into base + mark.
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", kana))
    out: list[str] = []
    for char in decomposed:
        if (
            char in _VOICED_MARKS
            or char in _LONG_VOWEL_MARKS
            or char in _WORD_SEPARATORS
            or char.isspace()
        ):
            continue
        if char in _ITERATION_MARKS:
            if out and out[-1] in SEION_ALPHABET:
                out.append(out[-1])
            continue
        out.append(_seion_char(char))
    return unicodedata.normalize("NFKC", "".join(out))


def _compose_kana_marks(chars: list[str]) -> str:
    """Join kana + U+3099/U+309A pairs, leaving every other character as it is."""
    out: list[str] = []
    for char in chars:
        if char in "\u3099\u309a" and out:
            composed = unicodedata.normalize("NFC", out[-1] + char)
            if len(composed) == 1:
                out[-1] = composed
                continue
        out.append(char)
    return "".join(out)


def to_katakana(text: str) -> str:
    """Hiragana and half-width katakana as full-width katakana; voicing and small kana kept.

    Everything else is left exactly as given (kanji are not normalised).
    """
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    chars: list[str] = []
    for char in text:
        if "\uff61" <= char <= "\uff9f":  # half-width katakana block, incl. ﾞ ﾟ
            chars.append(unicodedata.normalize("NFKC", char))
        else:
            chars.append(_HIRA_TO_KATA.get(char, char))
    return _compose_kana_marks(chars)


def _is_kana_letter(char: str) -> bool:
    # Only the BMP kana blocks: archaic kana and hentaigana (U+1B000..) are not ふりがな.
    in_blocks = "\u3041" <= char <= "\u30ff" or "\u31f0" <= char <= "\u31ff"
    in_blocks = in_blocks or "\uff66" <= char <= "\uff9d"
    name = unicodedata.name(char, "")
    return in_blocks and name.startswith(
        ("HIRAGANA LETTER ", "KATAKANA LETTER ", "HALFWIDTH KATAKANA LETTER ")
    )


_KANA_MARKS = frozenset(
    "\u3099\u309a\u309b\u309c\uff9e\uff9f"  # voiced marks, combining, spacing and half-width
    "ーｰ"  # long-vowel marks
    "ゝゞヽヾ"  # iteration marks
    "・･゠"  # word separators
    " \u3000"  # spaces
)


# Both sets are read off the Unicode database once (a few hundred characters), so a check is
# two set operations instead of a name lookup per character.
_KANA_LETTERS = frozenset(
    chr(c)
    for block in ((0x3041, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9D))
    for c in range(block[0], block[1] + 1)
    if _is_kana_letter(chr(c))
)
_KANA_ALLOWED = _KANA_LETTERS | _KANA_MARKS


def is_kana(text: object) -> bool:
    """ふりがな format check: hiragana or katakana (full or half width) with spaces, ー, ・.

    At least one kana letter is required; hyphens standing for ー are refused here even though
    :func:`seion_kana` tolerates them in search input.
    """
    if not isinstance(text, str):
        return False
    chars = set(text)
    return chars <= _KANA_ALLOWED and not chars.isdisjoint(_KANA_LETTERS)


def _in_jis_x_0208_or_0201(char: str) -> bool:
    # Python's iso2022_jp covers ASCII, JIS X 0201 Roman and JIS X 0208; shift_jis covers
    # JIS X 0201 (with half-width katakana) and JIS X 0208, nothing more.
    for codec in ("iso2022_jp", "shift_jis"):
        try:
            char.encode(codec)
        except UnicodeEncodeError:
            continue
        return True
    # Windows maps a few JIS X 0208 positions to other code points (～ for 〜, － for −, ∥ for ‖,
    # ￠ ￡ ￢): the character sits on a JIS X 0208 position if its cp932 bytes are valid
    # Shift_JIS. cp932's NEC and IBM extensions (①, 髙, 﨑) are not, so they stay gaiji.
    try:
        char.encode("cp932").decode("shift_jis")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return True


def is_jis_x_0208(char: str) -> bool:
    """One code point on a JIS X 0208 position (or ASCII / JIS X 0201, its single-byte half)."""
    return len(char) == 1 and _in_jis_x_0208_or_0201(char)


def _is_extender(char: str) -> bool:
    code_point = ord(char)
    return (
        unicodedata.combining(char) != 0
        or 0xFE00 <= code_point <= 0xFE0F  # variation selectors
        or 0xE0100 <= code_point <= 0xE01EF  # ideographic variation selectors
    )


def _clusters(text: str) -> Iterator[str]:
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not _is_extender(text[index]):
            yield text[start:index]
            start = index


def is_gaiji(char: str) -> bool:
    """True when ``char`` (one character, optionally with combining marks) is 外字.

    外字 here means outside JIS X 0208. ASCII and JIS X 0201 (including half-width katakana) are
    not counted: they are the single-byte half of the same JIS family and every register system
    can hold them. A character followed by a variation selector is gaiji: the sequence asks for
    a particular glyph that JIS X 0208 cannot express.
    """
    composed = unicodedata.normalize("NFC", char) if len(char) > 1 else char
    return len(composed) != 1 or not _in_jis_x_0208_or_0201(composed)


def count_gaiji(text: str) -> int:
    """外字数: how many characters of ``text`` lie outside JIS X 0208 (see :func:`is_gaiji`).

    A base character and the combining marks after it count as one character, so か + U+3099
    counts as the JIS X 0208 character が.
    """
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    return sum(1 for cluster in _clusters(text) if is_gaiji(cluster))


_COMPATIBILITY_IDEOGRAPHS = re.compile(r"([\uf900-\ufaff\U0002f800-\U0002fa1f])")
_WHITESPACE_RUN = re.compile(r"\s+")


def normalize_name(text: str) -> str:
    """A name as stored: NFC except CJK compatibility ideographs, trimmed, spaces collapsed.

    Each run of whitespace becomes its first character, so "呉　太郎" keeps its full-width space
    and "JOHN  SMITH" gets one ASCII space.
    """
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    # Compatibility ideographs are starters that compose with nothing, so normalising the
    # stretches between them gives the same result as NFC would, minus their replacement.
    parts = _COMPATIBILITY_IDEOGRAPHS.split(text)
    normalized = "".join(
        part if _COMPATIBILITY_IDEOGRAPHS.fullmatch(part) else unicodedata.normalize("NFC", part)
        for part in parts
    )
    return _WHITESPACE_RUN.sub(lambda m: m.group(0)[0], normalized.strip())
