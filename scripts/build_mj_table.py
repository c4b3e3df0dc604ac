#!/usr/bin/env python3
"""Build the shipped MJ character table (行政事務標準文字) from mojidata's ``moji.db``.

    cd "$(mktemp -d)" && npm pack @mandel59/mojidata && tar xzf mandel59-mojidata-*.tgz
    python scripts/build_mj_table.py package/dist/moji.db

writes ``src/kure_juki/data/mj/mj.tsv.gz``: one line per MJ文字図形名 of the MJ文字情報一覧表
(table ``mji``) with its MJ縮退マップ targets (view ``mjsm``). The register reads this file only;
nothing is fetched at run time. Columns, tab-separated, empty where the source has nothing:

1. MJ文字図形名 (``MJ032129``)
2. 実装したUCS: the character as one code point, when it has one of its own
3. 実装したMoji_JohoコレクションIVS: base + IVS, when registered in the IVD
4. further IVS sequences the IVD registers for the same MJ character (``mji_duplicated_ivs``),
   comma-separated
5. 住基ネット統一文字コード without its ``J+`` prefix (``AEAC``)
6. 戸籍統一文字番号
7. X0213: the JIS X 0213 面-区-点 the character is unified with (``1-21-40``)
8. MJ縮退マップ targets in order of preference, each one code point followed by the digit of
   the map it comes from (:data:`SHRINK_TABLES`, in the order the map's guide ranks them);
   a target given by several maps is kept once, with the first

The data is CC BY-SA 2.1 JP (IPA, now 文字情報技術促進協議会); see ``data/mj/ATTRIBUTION``.
"""

from __future__ import annotations

import argparse
import gzip
import io
import sqlite3
import sys
from pathlib import Path

# The MJ縮退マップ's tables, most authoritative first: one list, shared with the reader.
from kure_juki.domain.mj_table import SHRINK_TABLES

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "kure_juki" / "data" / "mj" / "mj.tsv.gz"


def _shrink_targets(db: sqlite3.Connection) -> dict[str, str]:
    ranked = db.execute(
        'SELECT "MJ文字図形名", "縮退UCS", "表" FROM mjsm '
        'ORDER BY "MJ文字図形名", "順位" IS NULL, "順位", "ホップ数" IS NULL, "ホップ数"'
    ).fetchall()
    per: dict[str, list[tuple[int, str]]] = {}
    for mj, target, table in ranked:
        if len(target) != 1:
            raise SystemExit(f"{mj}: 縮退UCS {target!r} is not one code point")
        per.setdefault(mj, []).append((SHRINK_TABLES.index(table), target))
    out: dict[str, str] = {}
    for mj, pairs in per.items():
        seen: set[str] = set()
        cells = []
        # sorted() is stable: within one table the 順位/ホップ数 order above is kept.
        for rank, target in sorted(pairs, key=lambda p: p[0]):
            if target not in seen:
                seen.add(target)
                cells.append(f"{target}{rank}")
        out[mj] = "".join(cells)
    return out


def build(source: Path) -> bytes:
    db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    extra: dict[str, list[str]] = {}
    for mj, ivs in db.execute(
        'SELECT "MJ文字図形名", "重複実装したMoji_JohoコレクションIVS" FROM mji_duplicated_ivs '
        "ORDER BY 1, 2"
    ):
        extra.setdefault(mj, []).append(ivs)
    shrink = _shrink_targets(db)
    rows = db.execute(
        'SELECT "MJ文字図形名", "実装したUCS", "実装したMoji_JohoコレクションIVS", '
        '"住基ネット統一文字コード", "戸籍統一文字番号", "X0213" FROM mji ORDER BY 1'
    ).fetchall()
    text = io.StringIO()
    for mj, ucs, ivs, juki, koseki, x0213 in rows:
        if juki and not juki.startswith("J+"):
            raise SystemExit(f"{mj}: unexpected 住基ネット統一文字コード {juki!r}")
        cells = (
            mj,
            ucs or "",
            ivs or "",
            ",".join(extra.get(mj, ())),
            (juki or "").removeprefix("J+"),
            koseki or "",
            x0213 or "",
            shrink.get(mj, ""),
        )
        if any("\t" in c or "\n" in c for c in cells):
            raise SystemExit(f"{mj}: a cell holds a tab or a newline")
        text.write("\t".join(cells) + "\n")
    # mtime=0: the same source gives the same bytes, so a rebuild shows no spurious diff.
    return gzip.compress(text.getvalue().encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("moji_db", type=Path, help="dist/moji.db of @mandel59/mojidata")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    data = build(args.moji_db)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data)} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
