"""清音化かな, 外字数, the ふりがな format check and name normalisation."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kure_juki.domain.names import (
    SEION_ALPHABET,
    count_gaiji,
    is_gaiji,
    is_kana,
    normalize_name,
    seion_kana,
    to_katakana,
)

# The test's own oracle: each group lists the seion letter first, then the letters that must
# share its key (voiced, semi-voiced, small). Written out by hand, independent of the module's
# Unicode-name tables, laid out as the gojūon table.
# fmt: off
KANA_GROUPS = (
    "アァ", "イィ", "ウゥヴ", "エェ", "オォ",
    "カガヵ", "キギ", "クグㇰ", "ケゲヶ", "コゴ",
    "サザ", "シジㇱ", "スズㇲ", "セゼ", "ソゾ",
    "タダ", "チヂ", "ツヅッ", "テデ", "トドㇳ",
    "ナ", "ニ", "ヌㇴ", "ネ", "ノ",
    "ハバパㇵ", "ヒビピㇶ", "フブプㇷ", "ヘベペㇸ", "ホボポㇹ",
    "マ", "ミ", "ムㇺ", "メ", "モ",
    "ヤャ", "ユュ", "ヨョ",
    "ラㇻ", "リㇼ", "ルㇽ", "レㇾ", "ロㇿ",
    "ワヮヷ", "ヰヸ", "ヱヹ", "ヲヺ", "ン",
)
# fmt: on
SEION_OF = {letter: group[0] for group in KANA_GROUPS for letter in group}
FULL_WIDTH_KATAKANA = sorted(SEION_OF)
HIRAGANA_LETTERS = [chr(c) for c in range(0x3041, 0x3097)]


def half_width_table() -> dict[str, str]:
    """Full-width katakana -> half-width spelling, derived from NFKC of the half-width block."""
    base = {unicodedata.normalize("NFKC", chr(c)): chr(c) for c in range(0xFF66, 0xFF9E)}
    table = dict(base)
    for full in FULL_WIDTH_KATAKANA:
        decomposed = unicodedata.normalize("NFD", full)
        if len(decomposed) == 2 and decomposed[0] in base:
            mark = {"\u3099": "ﾞ", "\u309a": "ﾟ"}[decomposed[1]]
            table[full] = base[decomposed[0]] + mark
    return table


HALF_WIDTH = half_width_table()

katakana_text = st.text(st.sampled_from(FULL_WIDTH_KATAKANA), min_size=1)
hiragana_text = st.text(st.sampled_from(HIRAGANA_LETTERS), min_size=1)
kana_decoration = st.sampled_from([" ", "\u3000", "ー", "ｰ", "・"])
kana_like_text = st.text(
    st.one_of(
        st.sampled_from(FULL_WIDTH_KATAKANA),
        st.sampled_from(HIRAGANA_LETTERS),
        st.sampled_from(sorted("".join(HALF_WIDTH.values()))),
        st.sampled_from(["\u3099", "\u309a", "゛", "゜", "ゝ", "ゞ", "ヽ", "ヾ"]),
        kana_decoration,
    )
)


# --- seion_kana --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kana", "key"),
    [
        ("ガッコウ", "カツコウ"),
        ("ぱーてぃー", "ハテイ"),
        ("ｷｬﾝﾌﾟ", "キヤンフ"),
        ("ヴァイオリン", "ウアイオリン"),
        ("くれ　たろう", "クレタロウ"),
        ("ジョン・スミス", "シヨンスミス"),
        ("いすゞ", "イスス"),
        ("ゕゖゎ", "カケワ"),
        ("ㇰㇷ゚", "クフ"),
        ("カ\u3099ハ\u309a", "カハ"),
        ("か゛は゜", "カハ"),
        ("シ－ザ-", "シサ"),
        ("ﾊﾟｰﾃｨｰ", "ハテイ"),
        ("", ""),
    ],
)
def test_seion_kana_examples(kana: str, key: str) -> None:
    assert seion_kana(kana) == key


@given(text=katakana_text, data=st.data())
def test_voicing_and_small_kana_do_not_change_the_key(text: str, data: st.DataObject) -> None:
    variant = "".join(
        data.draw(st.sampled_from(next(g for g in KANA_GROUPS if SEION_OF[c] == g[0])))
        for c in text
    )
    expected = "".join(SEION_OF[c] for c in text)
    assert seion_kana(text) == seion_kana(variant) == expected


@given(text=hiragana_text)
def test_hiragana_and_katakana_share_the_key(text: str) -> None:
    # The classic fixed offset between the hiragana and katakana blocks, as an oracle.
    katakana = "".join(chr(ord(c) + 0x60) for c in text)
    assert seion_kana(text) == seion_kana(katakana)
    assert to_katakana(text) == katakana


@given(text=st.text(st.sampled_from([c for c in FULL_WIDTH_KATAKANA if c in HALF_WIDTH])))
def test_half_width_katakana_shares_the_key(text: str) -> None:
    half = "".join(HALF_WIDTH[c] for c in text)
    assert seion_kana(half) == seion_kana(text)
    assert to_katakana(half) == text


@given(text=katakana_text, decorations=st.lists(kana_decoration))
def test_spaces_long_vowels_and_separators_are_ignored(text: str, decorations: list[str]) -> None:
    decorated = text
    for index, mark in enumerate(decorations):
        cut = (index * 3) % (len(decorated) + 1)
        decorated = decorated[:cut] + mark + decorated[cut:]
    assert seion_kana(decorated) == seion_kana(text)


@given(text=kana_like_text)
def test_kana_input_gives_only_seion_letters(text: str) -> None:
    assert set(seion_kana(text)) <= SEION_ALPHABET


def test_seion_alphabet_is_the_48_unvoiced_large_katakana() -> None:
    assert frozenset(g[0] for g in KANA_GROUPS) == SEION_ALPHABET
    assert len(SEION_ALPHABET) == 48


@given(text=st.text())
@example("Aゝ")
@example("ゝア")
@example("e \u0301")
@example("ﾞ")
def test_seion_kana_is_idempotent_and_nfkc_stable(text: str) -> None:
    key = seion_kana(text)
    assert seion_kana(key) == key
    assert unicodedata.normalize("NFKC", key) == key
    assert seion_kana(unicodedata.normalize("NFKC", text)) == key


def test_seion_kana_refuses_non_str() -> None:
    with pytest.raises(TypeError):
        seion_kana(b"\xe3\x82\xab")  # type: ignore[arg-type]


# --- to_katakana and is_kana -------------------------------------------------------------


def test_to_katakana_keeps_everything_else() -> None:
    assert to_katakana("がっこう ｶﾞｯｺｳ ﾊﾟ ゔ") == "ガッコウ ガッコウ パ ヴ"
    assert to_katakana("呉\uf929 ABC １２") == "呉\uf929 ABC １２"


@given(text=kana_like_text)
def test_to_katakana_output_has_no_hiragana_or_half_width(text: str) -> None:
    converted = to_katakana(text)
    assert not any("\u3041" <= c <= "\u3096" for c in converted)
    assert not any("\uff66" <= c <= "\uff9d" for c in converted)
    assert seion_kana(converted) == seion_kana(text)


@pytest.mark.parametrize(
    "text",
    ["くれ　たろう", "クレ タロウ", "ｸﾚ ﾀﾛｳ", "ジョン・スミス", "ヴァレンティーナ", "いすゞ", "ㇰ"],
)
def test_is_kana_accepts_furigana(text: str) -> None:
    assert is_kana(text)


@pytest.mark.parametrize(
    "text", ["", "　", "ー", "呉太郎", "くれA", "クレ-タロウ", "くれ1", "\U0001b001", "ゟ"]
)
def test_is_kana_refuses_other_text(text: str) -> None:
    assert not is_kana(text)


@given(text=st.one_of(hiragana_text, katakana_text))
def test_is_kana_accepts_any_kana_letters(text: str) -> None:
    assert is_kana(text)


@given(value=st.one_of(st.text(), st.none(), st.integers(), st.binary()))
def test_is_kana_never_raises(value: object) -> None:
    assert is_kana(value) in (True, False)


# --- count_gaiji -------------------------------------------------------------------------


def jis_x_0208_chars() -> list[str]:
    """Every JIS X 0208 character, by decoding each two-byte EUC-JP code (rows 1-94)."""
    chars = []
    for lead in range(0xA1, 0xFF):
        for trail in range(0xA1, 0xFF):
            try:
                chars.append(bytes((lead, trail)).decode("euc_jp"))
            except UnicodeDecodeError:
                continue
    return chars


JIS_X_0208 = jis_x_0208_chars()
KNOWN_GAIJI = ["髙", "﨑", "𠮷", "①", "㍉", "纊", "\U00020000", "\U0002a6d6", "𪚲", "\u3400"]


def test_jis_x_0208_oracle_size() -> None:
    # 6,879 graphic characters in JIS X 0208:1990 (6,355 kanji + 524 others).
    assert len(JIS_X_0208) == 6879


@pytest.mark.parametrize("char", ["高", "崎", "吉", "呉", "凜", "熙", "が", "ー", "〜", "～", "－"])
def test_jis_x_0208_characters_are_not_gaiji(char: str) -> None:
    assert count_gaiji(char) == 0


@pytest.mark.parametrize("char", KNOWN_GAIJI)
def test_known_gaiji(char: str) -> None:
    assert count_gaiji(char) == 1
    assert is_gaiji(char)


def test_count_gaiji_examples() -> None:
    assert count_gaiji("髙﨑𠮷太郎") == 3
    assert count_gaiji("呉 太郎 ABC 123 ｸﾚ") == 0  # ASCII and JIS X 0201 are not gaiji
    assert count_gaiji("か\u3099") == 0  # composes to が
    assert count_gaiji("葛\U000e0100") == 1  # a variation sequence asks for a non-JIS glyph
    assert count_gaiji("\u3099") == 1
    assert count_gaiji("") == 0


@given(
    base=st.text(st.sampled_from(JIS_X_0208 + [chr(c) for c in range(0x20, 0x7F)])),
    extra=st.lists(st.sampled_from(KNOWN_GAIJI)),
    data=st.data(),
)
def test_count_gaiji_counts_exactly_the_inserted_gaiji(
    base: str, extra: list[str], data: st.DataObject
) -> None:
    text = base
    for char in extra:
        cut = data.draw(st.integers(0, len(text)))
        text = text[:cut] + char + text[cut:]
    assert count_gaiji(base) == 0
    assert count_gaiji(text) == len(extra)


@given(text=st.text())
def test_count_gaiji_is_bounded(text: str) -> None:
    assert 0 <= count_gaiji(text) <= len(text)


# --- normalize_name ----------------------------------------------------------------------


def test_normalize_name_examples() -> None:
    assert normalize_name("  呉　　太郎 ") == "呉\u3000太郎"
    assert normalize_name("JOHN   SMITH") == "JOHN SMITH"
    assert normalize_name("か\u3099") == "が"
    # U+F929 would become U+6717 under NFC; the registered character is kept.
    assert normalize_name("\uf929") == "\uf929"
    assert normalize_name("\U0002f800") == "\U0002f800"


@given(text=st.text())
def test_normalize_name_is_idempotent(text: str) -> None:
    once = normalize_name(text)
    assert normalize_name(once) == once
    assert once == once.strip()
