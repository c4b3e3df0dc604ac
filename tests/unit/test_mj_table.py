"""The shipped MJ table (行政事務標準文字), checked whole: every MJ character with a Unicode form
round-trips MJ文字図形名 → text → MJ文字図形名, and every MJ縮退マップ target is JIS X 0213 (JIS X
0208 where a JIS X 0208 receiver asks and the map offers one)."""

from __future__ import annotations

import re

import pytest

from kure_juki.domain.format_checks import is_clean_text
from kure_juki.domain.mj_table import MJ_ID, SHRINK_TABLES, mj_table
from kure_juki.domain.mj_text import (
    MjText,
    characters,
    degrade,
    expand_mj_references,
    is_jis_x_0213,
)
from kure_juki.domain.names import is_jis_x_0208

# MJ characters with no Unicode form (no 実装したUCS, no Moji_Joho IVS), as the list's 備考 says:
# 15 戸籍統一文字 duplicates (the same glyph as their twin, MJ014004 = MJ014005, which carries
# the code point) and 4 glyphs withdrawn from their 戸籍統一文字番号 (now MJ0680xx).
WITHOUT_UNICODE = 19
WITHDRAWN = {"MJ037229", "MJ040579", "MJ042077", "MJ059043"}


def test_the_table_holds_the_whole_mj_list() -> None:
    table = mj_table()
    assert len(table) == 58_862
    assert all(MJ_ID.fullmatch(e.mj_id) for e in table)


def test_every_entry_with_a_unicode_form_round_trips() -> None:
    table = mj_table()
    checked = 0
    for entry in table:
        if entry.text is None:
            continue
        for spelling in entry.spellings:
            assert len(list(characters(spelling))) == 1, entry.mj_id
            assert is_clean_text(spelling, 60), entry.mj_id  # the name format check takes it
            found = table.lookup(spelling)
            assert found is not None and found.mj_id == entry.mj_id, (entry.mj_id, spelling)
        assert expand_mj_references(f"{{{entry.mj_id}}}") == (entry.text, [])
        assert MjText(entry.text).mj_ids == (entry.mj_id,)
        checked += 1
    assert checked == len(table) - WITHOUT_UNICODE


def test_entries_without_a_unicode_form_are_refused_by_id() -> None:
    missing = [e for e in mj_table() if e.text is None]
    assert len(missing) == WITHOUT_UNICODE
    assert {e.mj_id for e in missing if e.koseki_number is None} == WITHDRAWN
    for entry in missing:
        text, unknown = expand_mj_references(f"&{entry.mj_id};")
        assert unknown == [entry.mj_id] and text == f"&{entry.mj_id};"


def test_every_shrink_target_is_jis_x_0213_and_0208_when_the_map_offers_one() -> None:
    offered_0208 = 0
    for entry in mj_table():
        for target, source in entry.shrink:
            assert is_jis_x_0213(target), (entry.mj_id, target)
            assert source in SHRINK_TABLES
        if entry.text is None:
            continue
        text_0213, _ = degrade(entry.text, "jis_x_0213")
        if entry.shrink:
            assert is_jis_x_0213(text_0213), entry.mj_id
        if any(is_jis_x_0208(t) for t, _ in entry.shrink):
            offered_0208 += 1
            text_0208, _ = degrade(entry.text, "jis_x_0208")
            assert is_jis_x_0208(text_0208), entry.mj_id
    assert offered_0208 > 25_000


def test_juki_codes_have_the_form_of_the_list() -> None:
    codes = [e.juki_code for e in mj_table() if e.juki_code]
    assert len(codes) == 19_563
    assert all(re.fullmatch(r"J\+[0-9A-F]{4}", c) for c in codes)


@pytest.mark.parametrize(
    ("text", "mj_id", "juki"),
    [
        ("\u845b\U000e0103", "MJ022336", "J+B9D5"),  # 葛󠄃
        ("\u9ad9", "MJ028902", "J+9AD9"),  # 髙
        ("\ufa11", "MJ030196", "J+FA11"),  # 﨑
        ("\U00020bb7", "MJ032129", "J+AEAC"),  # 𠮷
        ("\U0002123d", "MJ032932", "J+AABE"),  # 𡈽
    ],
)
def test_known_characters(text: str, mj_id: str, juki: str) -> None:
    entry = mj_table().lookup(text)
    assert entry is not None and entry.mj_id == mj_id and entry.juki_code == juki
