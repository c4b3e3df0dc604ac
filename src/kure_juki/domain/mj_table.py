"""The MJ文字情報一覧表 and MJ縮退マップ (行政事務標準文字): one entry per MJ文字図形名.

The table is package data (``kure_juki/data/mj/mj.tsv.gz``, CC BY-SA 2.1 JP, built by
``scripts/build_mj_table.py``) read once per process on first use: it is constant reference
data like the Unicode database :mod:`unicodedata` serves, not a store, so the domain may read it.

A character is looked up as it is written: its own code point (実装したUCS), or base + Moji_Joho
IVS (実装したMoji_JohoコレクションIVS, and the few further IVS the IVD registers for the same
character). Nineteen MJ characters have neither: 戸籍統一文字 duplicates of another MJ character
with the same glyph (MJ014004 = MJ014005 …); they cannot be written in Unicode and are only
reachable by their MJ文字図形名.
"""

from __future__ import annotations

import functools
import gzip
import re
from collections.abc import Iterator
from importlib import resources
from typing import Final

import attrs

__all__ = ["MJ_ID", "SHRINK_TABLES", "MjEntry", "MjTable", "mj_table"]

MJ_ID: Final = re.compile(r"MJ[0-9]{6}")
"""The shape of an MJ文字図形名."""

# The maps of the MJ縮退マップ, in the order scripts/build_mj_table.py ranks them (the digit
# after each target in the shipped table is an index into this tuple).
SHRINK_TABLES: Final = (
    "JIS包摂規準UCS統合規則",
    "法務省告示582号別表第四_一",
    "法務省告示582号別表第四_二",
    "戸籍統一文字情報_親字正字",
    "民一2842号通達別表_誤字俗字正字一覧表_俗字",
    "民一2842号通達別表_誤字俗字正字一覧表_別字",
    "民一2842号通達別表_誤字俗字正字一覧表_無印",
    "民二5202号通知別表_正字俗字等対照表",
    "読み字形による類推",
    "辞書類等による関連字",
)


@attrs.frozen
class MjEntry:  # MJ文字
    mj_id: str  # MJ文字図形名
    ucs: str | None  # 実装したUCS: one code point of its own
    ivs: str | None  # 実装したMoji_JohoコレクションIVS: base + selector
    other_ivs: tuple[str, ...]  # 重複実装したMoji_JohoコレクションIVS
    juki_code: str | None  # 住基ネット統一文字コード, "J+AEAC"
    koseki_number: str | None  # 戸籍統一文字番号
    x0213: str | None  # the JIS X 0213 面-区-点 it is unified with (包摂)
    shrink: tuple[tuple[str, str], ...]  # MJ縮退マップ: (target, map), best first

    @property
    def text(self) -> str | None:
        """The Unicode form the register stores: the code point of its own where there is one,
        else base + Moji_Joho IVS (the selector only where the glyph needs it)."""
        return self.ucs or self.ivs

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every Unicode form that names this character."""
        return tuple(s for s in (self.ucs, self.ivs, *self.other_ivs) if s)


def _entry(line: str) -> MjEntry:
    mj, ucs, ivs, other, juki, koseki, x0213, shrink = line.split("\t")
    return MjEntry(
        mj_id=mj,
        ucs=ucs or None,
        ivs=ivs or None,
        other_ivs=tuple(other.split(",")) if other else (),
        juki_code=f"J+{juki}" if juki else None,
        koseki_number=koseki or None,
        x0213=x0213 or None,
        shrink=tuple(
            (shrink[i], SHRINK_TABLES[int(shrink[i + 1])]) for i in range(0, len(shrink), 2)
        ),
    )


class MjTable:
    """Lookups by MJ文字図形名 and by written form. Entries are parsed when first asked for:
    a register touches a few thousand of the 58,862."""

    def __init__(self, lines: list[str]) -> None:
        self._lines: dict[str, str] = {}
        self._by_text: dict[str, str] = {}
        for line in lines:
            fields = line.split("\t", 4)
            mj = fields[0]
            self._lines[mj] = line
            for spelling in (fields[1], fields[2], *fields[3].split(",")):
                if spelling:
                    self._by_text[spelling] = mj
        self._parsed: dict[str, MjEntry] = {}

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[MjEntry]:
        for mj in self._lines:
            found = self.by_id(mj)
            assert found is not None
            yield found

    def by_id(self, mj_id: str) -> MjEntry | None:
        """The entry of an MJ文字図形名 ("MJ032129"), or None."""
        found = self._parsed.get(mj_id)
        if found is None:
            line = self._lines.get(mj_id)
            if line is None:
                return None
            found = self._parsed[mj_id] = _entry(line)
        return found

    def lookup(self, written: str) -> MjEntry | None:
        """The entry of one written character (a code point, or base + IVS), or None."""
        mj = self._by_text.get(written)
        return None if mj is None else self.by_id(mj)


@functools.cache
def mj_table() -> MjTable:
    """The shipped table, read on first use and kept for the life of the process."""
    data = resources.files("kure_juki.data.mj").joinpath("mj.tsv.gz").read_bytes()
    return MjTable(gzip.decompress(data).decode("utf-8").splitlines())
