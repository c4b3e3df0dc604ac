"""Codes of the checks every public entry point runs on its arguments before anything else
(text that cannot be stored, types, 64-bit ranges) and of operator ids (操作者ID)."""

from __future__ import annotations

CODES: dict[str, tuple[str, str]] = {
    "KJ-FMT-801": ("文字列にNUL文字が含まれています", "The text contains a NUL character"),
    "KJ-FMT-802": (
        "文字列に対になっていないサロゲートが含まれています",
        "The text contains a lone surrogate (not valid Unicode text)",
    ),
    "KJ-FMT-803": ("文字列に制御文字が含まれています", "The text contains a control character"),
    "KJ-FMT-804": ("引数の型が正しくありません", "An argument has the wrong type"),
    "KJ-FMT-805": (
        "整数が扱える範囲(64ビット)を超えています",
        "An integer is outside the range a 64-bit column holds",
    ),
    "KJ-FMT-806": (
        "操作者IDの形式が正しくありません",
        "Invalid operator id (empty, too long or not printable)",
    ),
    "KJ-ACCESS-801": (
        "この操作者IDは予約されています(システムが使用)",
        "This operator id is reserved for the register itself",
    ),
}
