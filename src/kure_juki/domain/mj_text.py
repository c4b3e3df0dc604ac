"""Names and addresses as 行政事務標準文字 (MJ) text: what each character is, and what each
receiver gets (標準 2.2.3 文字コード照会, 5.8 文字溢れ, 7.1.1.1 住基ネット統一文字, 7.2.3 宛名連携).

The register stores Unicode exactly as given, a Moji_Joho IVS included (葛󠄃 is U+845B U+E0103);
nothing here rewrites a stored name. A *character* is a base code point with the variation
selectors and combining marks after it, so 葛󠄃 is one character and か + U+3099 is が.

Intake may name a character by its MJ文字図形名 inside the text, written ``{MJ032129}`` (or
``&MJ032129;``): the braces cannot occur in a name or an address, so the notation never
collides with real text, and it is replaced by the character's Unicode form before anything
else reads the notification (:func:`expand_mj_references`).

Receivers:

- the CS (住基ネット): each character as its 住基ネット統一文字コード (:func:`juki_codes`); a
  character without one is refused, never replaced;
- a receiver taking only JIS X 0213 or JIS X 0208: each character outside that set degraded by
  the MJ縮退マップ, its best-ranked target inside the set (:func:`degrade`), every replacement
  recorded. JIS X 0208 membership is read from Python's ``iso2022_jp`` / ``shift_jis`` codecs
  (:func:`~kure_juki.domain.names.is_jis_x_0208`), JIS X 0213 from ``euc_jis_2004``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Final, Literal

import attrs

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.mj_table import MjEntry, mj_table
from kure_juki.domain.names import is_jis_x_0208

__all__ = [
    "CHARSETS",
    "GETA",
    "Charset",
    "Degradation",
    "MjText",
    "characters",
    "degrade",
    "expand_mj_references",
    "is_jis_x_0213",
    "juki_codes",
    "strip_selectors",
]

Charset = Literal["mj", "jis_x_0213", "jis_x_0208"]
CHARSETS: Final[tuple[Charset, ...]] = ("mj", "jis_x_0213", "jis_x_0208")
GETA: Final = "\u3013"  # 〓: what JIS text shows for a character it cannot hold
MJ_REFERENCE: Final = re.compile(r"\{(MJ[0-9]{6})\}|&(MJ[0-9]{6});")
_SELECTORS: Final = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def _is_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def _is_extender(char: str) -> bool:
    return _is_selector(char) or unicodedata.combining(char) != 0


def characters(text: str) -> Iterator[str]:
    """The characters of *text*: each base code point with the selectors and marks after it.

    A selector or mark with no base before it is a character of its own (and never MJ)."""
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not _is_extender(text[index]):
            yield text[start:index]
            start = index


def strip_selectors(text: str) -> str:
    """*text* without variation selectors: the comparison form of 葛󠄃 is 葛."""
    return _SELECTORS.sub("", text)


# Text these codecs encode whole is in the set without a character-by-character look (most
# names and addresses), so the table is not even loaded for it.
_FAST_CODEC: Final = {"jis_x_0213": "euc_jis_2004", "jis_x_0208": "iso2022_jp"}


def _encodes(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _composed(char: str) -> str:
    # か + U+3099 is the JIS character が; a kanji + IVS is not made any shorter by NFC.
    return unicodedata.normalize("NFC", char) if len(char) > 1 else char


def is_jis_x_0213(char: str) -> bool:
    """One character in JIS X 0213 (both planes, with ASCII and JIS X 0201), no selector."""
    composed = _composed(char)
    if len(composed) != 1:
        return False
    try:
        composed.encode("euc_jis_2004")
    except UnicodeEncodeError:
        return False
    return True


def _in_charset(char: str, charset: Charset) -> bool:
    if charset == "jis_x_0208":
        composed = _composed(char)
        return len(composed) == 1 and is_jis_x_0208(composed)
    if charset == "jis_x_0213":
        return is_jis_x_0213(char)
    return mj_table().lookup(char) is not None or is_jis_x_0213(char)


def expand_mj_references(text: str) -> tuple[str, list[str]]:
    """*text* with each ``{MJnnnnnn}`` / ``&MJnnnnnn;`` replaced by that character's Unicode
    form, and the references that name no MJ character with one (left in place)."""
    if "MJ" not in text:
        return text, []
    unknown: list[str] = []

    def replace(match: re.Match[str]) -> str:
        mj_id = match.group(1) or match.group(2)
        entry = mj_table().by_id(mj_id)
        if entry is None or entry.text is None:
            unknown.append(mj_id)
            return match.group(0)
        return entry.text

    return MJ_REFERENCE.sub(replace, text), unknown


@attrs.frozen
class Degradation:  # 縮退
    """One character a receiver could not take, and what it got instead."""

    index: int  # position among the characters of the text
    original: str  # as stored (with its IVS)
    mj_id: str | None  # MJ文字図形名, when the character is MJ
    replacement: str  # the 縮退 target, or 〓 when the map offers none in the set
    map: str | None  # the MJ縮退マップ table it comes from; None for 〓 or a dropped selector

    def to_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            "original": self.original,
            "mj_id": self.mj_id,
            "replacement": self.replacement,
            "map": self.map,
        }


def _fallback(char: str, entry: MjEntry | None, charset: Charset) -> tuple[str, str | None]:
    if entry is not None:
        for target, table in entry.shrink:
            if _in_charset(target, charset):
                return target, table
    base = char[0]
    if len(char) > 1 and _in_charset(base, charset):
        return base, None  # a variant the map does not list: its base is the same character
    return GETA, None


def degrade(text: str, charset: Charset) -> tuple[str, tuple[Degradation, ...]]:
    """*text* for a receiver taking only *charset*, and each character degraded on the way.

    ``"mj"`` changes nothing. Otherwise each character outside the set becomes the
    best-ranked MJ縮退マップ target inside it (maps in :data:`~kure_juki.domain.mj_table.
    SHRINK_TABLES` order), else its base without the selector when that is in the set, else 〓.
    """
    if charset == "mj" or _encodes(text, _FAST_CODEC[charset]):
        return text, ()
    table = mj_table()
    out: list[str] = []
    changes: list[Degradation] = []
    for index, char in enumerate(characters(text)):
        if _in_charset(char, charset):
            out.append(_composed(char))
            continue
        entry = table.lookup(char)
        target, source = _fallback(char, entry, charset)
        out.append(target)
        changes.append(Degradation(index, char, entry.mj_id if entry else None, target, source))
    return "".join(out), tuple(changes)


def juki_codes(text: str, item: str) -> tuple[tuple[str, ...], list[Problem]]:
    """The 住基ネット統一文字コード of each character of *text*, and a KJ-LINK-901 problem for
    each character that has none (``where`` is ``item[index]``).

    An MJ character takes the code of the MJ文字情報一覧表. A character outside the list that
    JIS X 0208 (or ASCII / JIS X 0201) holds — kana, digits, punctuation, the full-width space —
    is written ``J+`` and its UCS code point, the form the list itself gives the JIS X 0208
    kanji (吉 J+5409)."""
    table = mj_table()
    codes: list[str] = []
    found: list[Problem] = []
    for index, char in enumerate(characters(text)):
        entry = table.lookup(char)
        composed = _composed(char)
        if entry is not None and entry.juki_code is not None:
            codes.append(entry.juki_code)
        elif entry is None and len(composed) == 1 and is_jis_x_0208(composed):
            codes.append(f"J+{ord(composed):04X}")
        else:
            found.append(problem("KJ-LINK-901", item, f"{item}[{index}]"))
    return tuple(codes), found


@attrs.frozen
class MjText:  # 行政事務標準文字の文字列
    """A name or an address as stored, with what the MJ list says of each character."""

    text: str

    @property
    def characters(self) -> tuple[str, ...]:
        return tuple(characters(self.text))

    @property
    def mj_ids(self) -> tuple[str | None, ...]:
        """The MJ文字図形名 of each character (None for kana, ASCII and characters not MJ)."""
        table = mj_table()
        return tuple(
            entry.mj_id if (entry := table.lookup(c)) is not None else None for c in self.characters
        )

    @property
    def outside_jis_x_0208(self) -> tuple[int, ...]:
        """Positions of the characters JIS X 0208 cannot hold (外字 for a JIS X 0208 system)."""
        return tuple(i for i, c in enumerate(self.characters) if not _in_charset(c, "jis_x_0208"))

    @property
    def outside_jis_x_0213(self) -> tuple[int, ...]:
        """Positions of the characters JIS X 0213 cannot hold (外字 for a JIS X 0213 system)."""
        return tuple(i for i, c in enumerate(self.characters) if not is_jis_x_0213(c))

    @property
    def not_mj(self) -> tuple[int, ...]:
        """Positions of the characters outside the register's character set: neither in the MJ
        list nor a JIS X 0213 character without a selector (a lone selector, an IVS the MJ list
        does not register, an ideograph it lacks, a symbol no JIS set has)."""
        if _encodes(self.text, "euc_jis_2004"):  # all JIS X 0213: no need for the table
            return ()
        return tuple(i for i, c in enumerate(self.characters) if not _in_charset(c, "mj"))

    @property
    def comparison_form(self) -> str:
        """The text without variation selectors (what search compares)."""
        return strip_selectors(self.text)

    def juki_codes(self, item: str = "text") -> tuple[tuple[str, ...], list[Problem]]:
        return juki_codes(self.text, item)

    def degrade(self, charset: Charset) -> tuple[str, tuple[Degradation, ...]]:
        return degrade(self.text, charset)
