"""文字溢れ (標準5.8): the names and addresses a certificate field or a receiver cannot hold.

A certificate prints a name or an address in the value column of its field, one line of
:data:`FIELD_COLUMNS` display columns (a full-width character takes two) — the shared layout of
both printers (``adapters/printing/layout.py``: 80 columns less the person number, the label and
the cell's margins). A longer value is wrapped onto further lines rather than cut, so nothing is
lost, but the standard wants such records listed (文字超過リスト) with the characters no JIS
system can show (未登録外字) and those a JIS X 0208 / 0213 receiver gets degraded.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any, Final

from kure_juki.domain.mj_text import Charset, MjText, degrade
from kure_juki.domain.resident import Resident

__all__ = ["FIELD_COLUMNS", "character_findings", "display_width", "report_items"]

FIELD_COLUMNS: Final = 52  # one line of a field's value: 26 full-width characters


def display_width(text: str) -> int:
    """Display columns of *text*, as the certificate layout counts them."""
    width = 0
    for char in text:
        code = ord(char)
        if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
            continue
        if unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F", "A") else 1
    return width


def report_items(r: Resident) -> Iterator[tuple[str, str]]:
    """(item, text) of each name and address of *r* a certificate prints in a field."""
    yield "name", r.name.full
    yield "address", r.address.text
    if r.previous_address is not None:
        yield "previous_address", r.previous_address.text
    if r.japanese is not None:
        yield "registered_domicile", r.japanese.registered_domicile
        yield "domicile_head", r.japanese.domicile_head
    if r.foreign is not None and r.foreign.alias:
        yield "alias", r.foreign.alias
    former = r.former_surname
    if former is not None and former.deleted_on is None:
        yield "former_surname", former.surname


def character_findings(r: Resident, charset: Charset) -> list[dict[str, Any]]:
    """Each finding of *r*: ``overflow`` (wider than one field line: how wide, on how many
    lines it prints), ``not_mj`` (positions of characters outside MJ and JIS X 0213) and
    ``degraded`` (what a *charset* receiver gets instead, character by character)."""
    found: list[dict[str, Any]] = []
    for item, text in report_items(r):
        if not text:
            continue
        width = display_width(text)
        if width > FIELD_COLUMNS:
            found.append(
                {
                    "resident_id": r.resident_id,
                    "item": item,
                    "kind": "overflow",
                    "width": width,
                    "capacity": FIELD_COLUMNS,
                    "lines": -(-width // FIELD_COLUMNS),
                }
            )
        outside = MjText(text).not_mj
        if outside:
            found.append(
                {
                    "resident_id": r.resident_id,
                    "item": item,
                    "kind": "not_mj",
                    "positions": list(outside),
                }
            )
        _, degraded = degrade(text, charset)
        if degraded:
            found.append(
                {
                    "resident_id": r.resident_id,
                    "item": item,
                    "kind": "degraded",
                    "charset": charset,
                    "characters": [d.to_dict() for d in degraded],
                }
            )
    return found
