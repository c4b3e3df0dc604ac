"""Counter identity check (窓口での本人確認): the card's items against the resident's record.

Pure comparison: the service layer reads the card, fetches the resident's register view, calls
:func:`compare_card_to_register` and audits the verdict. Each item is normalised before it is
compared (NFKC, so full-width and half-width forms agree; white space and the ideographic space
removed; dashes unified; Latin letters case-folded) and then must be equal.

Variant kanji (異体字, e.g. 髙 and 高, 﨑 and 崎) are different characters and never equal: the
law keeps the form that was registered. Because the clerk's next step differs — look at the
characters on the card and in the record — a name or address that differs only in kanji at
the same places is reported as ``kanji_differs`` with its own code rather than as a plain
mismatch. No value (name, address, My Number) is kept in the result.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from kure_juki.domain.card import CardIdentity
from kure_juki.domain.errors import FormatError, Problem, problem

Outcome = Literal["match", "mismatch", "kanji_differs", "not_compared"]
Verdict = Literal["match", "mismatch", "incomplete"]

_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63"})
_MISMATCH_CODE = {
    "name": "KJ-CARD-020",
    "address": "KJ-CARD-022",
    "birth_date": "KJ-CARD-024",
    "sex": "KJ-CARD-025",
    "my_number": "KJ-CARD-026",
}
_KANJI_CODE = {"name": "KJ-CARD-021", "address": "KJ-CARD-023"}


@attrs.frozen
class ItemCheck:
    item: str
    outcome: Outcome
    code: str | None = None  # None when the item matches

    @property
    def matches(self) -> bool:
        return self.outcome == "match"


@attrs.frozen
class IdentityCheckResult:  # 本人確認の結果
    items: tuple[ItemCheck, ...]

    @property
    def verdict(self) -> Verdict:
        """``match`` only when every item matched; ``incomplete`` when nothing failed but an
        item could not be compared (the operator may not see the My Number)."""
        if any(i.outcome in ("mismatch", "kanji_differs") for i in self.items):
            return "mismatch"
        if any(i.outcome == "not_compared" for i in self.items):
            return "incomplete"
        return "match"

    @property
    def matches(self) -> dict[str, bool]:
        return {i.item: i.matches for i in self.items}

    @property
    def mismatched(self) -> tuple[str, ...]:
        return tuple(i.item for i in self.items if i.outcome in ("mismatch", "kanji_differs"))

    @property
    def problems(self) -> tuple[Problem, ...]:
        """One problem per item that did not match, with its message in Japanese and English."""
        return tuple(problem(i.code, i.item) for i in self.items if i.code is not None)

    def item(self, name: str) -> ItemCheck:
        return next(i for i in self.items if i.item == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "items": {i.item: {"outcome": i.outcome, "code": i.code} for i in self.items},
            "problems": [p.to_dict() for p in self.problems],
        }


def normalise(text: str) -> str:
    """The form in which two renderings of the same text compare equal."""
    folded = unicodedata.normalize("NFKC", text).translate(_DASHES).casefold()
    return "".join(folded.split())


def _is_variation_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def _is_ideograph(char: str) -> bool:
    return unicodedata.name(char, "").startswith(
        ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH")
    )


def compare_text(card: str, register: str) -> Outcome:
    a, b = normalise(card), normalise(register)
    if a == b:
        return "match"
    a = "".join(c for c in a if not _is_variation_selector(c))
    b = "".join(c for c in b if not _is_variation_selector(c))
    if a == b:
        return "kanji_differs"  # same characters, different registered glyph (IVS)
    if len(a) == len(b) and all(
        x == y or (_is_ideograph(x) and _is_ideograph(y)) for x, y in zip(a, b, strict=True)
    ):
        return "kanji_differs"
    return "mismatch"


def _text_check(item: str, card: str, register: str) -> ItemCheck:
    outcome = compare_text(card, register)
    if outcome == "match":
        return ItemCheck(item, outcome)
    code = _KANJI_CODE[item] if outcome == "kanji_differs" else _MISMATCH_CODE[item]
    return ItemCheck(item, outcome, code)


def _equal_check(item: str, equal: bool) -> ItemCheck:
    return ItemCheck(item, "match") if equal else ItemCheck(item, "mismatch", _MISMATCH_CODE[item])


def _required_str(view: Mapping[str, Any], key: str) -> str:
    if key not in view or view[key] is None:
        raise FormatError(problem("KJ-FMT-002", key))
    value = view[key]
    if not isinstance(value, str):
        raise FormatError(problem("KJ-FMT-003", key))
    return value


def _register_birth_date(view: Mapping[str, Any]) -> datetime.date:
    raw = _required_str(view, "birth_date")
    try:
        if len(raw) != 10:
            raise ValueError
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise FormatError(problem("KJ-FMT-004", "birth_date")) from None


def _register_address(view: Mapping[str, Any]) -> str:
    address = view.get("address")
    if address is None:
        raise FormatError(problem("KJ-FMT-002", "address"))
    if not isinstance(address, Mapping):
        raise FormatError(problem("KJ-FMT-003", "address"))
    return _required_str(address, "text")


def compare_card_to_register(
    card: CardIdentity, register: Mapping[str, Any]
) -> IdentityCheckResult:
    """Compare the card's items with a resident's register view (as ``Session.resident`` gives).

    ``register`` has ``family_name``, ``given_name``, ``birth_date`` ("YYYY-MM-DD"), ``sex``,
    ``address`` {"postal_code", "text"} and, when the operator may see it, ``my_number``.
    A view missing one of the other items raises FormatError (KJ-FMT-002/003/004).
    """
    family = _required_str(register, "family_name")
    given = _required_str(register, "given_name")
    sex = _required_str(register, "sex")
    birth_date = _register_birth_date(register)
    address = _register_address(register)
    my_number = register.get("my_number")
    if my_number is None:
        number_check = ItemCheck("my_number", "not_compared", "KJ-CARD-027")
    elif not isinstance(my_number, str):
        raise FormatError(problem("KJ-FMT-003", "my_number"))
    else:
        number_check = _equal_check("my_number", my_number == card.my_number)
    return IdentityCheckResult(
        items=(
            # The card prints the name in one string, family name first.
            _text_check("name", card.name, family + given),
            _text_check("address", card.address, address),
            _equal_check("birth_date", birth_date == card.birth_date),
            _equal_check("sex", sex == card.sex),
            number_check,
        )
    )
