"""Names (氏名・ふりがな) with their 外字数, readings, and text that is no reading.

Which characters are 外字 (outside JIS X 0208) is written here from the character tables, not
computed with the library, so a test comparing the two finds a fault in either."""

from __future__ import annotations

import attrs
from hypothesis import strategies as st

from kure_juki.domain.names import to_katakana

# Characters outside JIS X 0208 as registers meet them in names (外字): 髙 (はしご高), 﨑
# (たつさき), 𠮷 (つちよし, beyond the BMP), 栁, 德, 桒, 濵, 𡈽, and 葛 with its Moji_Joho
# ideographic variation selector asking for a particular glyph (葛󠄃 MJ022336): every one an
# MJ character, so a generated name is in the register's set (docs/characters.md).
GAIJI = ("髙", "﨑", "𠮷", "栁", "德", "桒", "濵", "𡈽", "葛\U000e0103")
# Kanji of JIS X 0208 (levels 1 and 2) common in names.
JIS_KANJI = (
    "佐藤鈴木高橋田中渡辺伊山本中村小林加吉松井上清水森池阿部石川前後長坂岡野村宮崎齋邊邉"
    "太郎一二三花子美咲陽菜健翔大輔結衣秀修優真由紀和也明恵智久光正雄幸弘隆浩"
)
HIRAGANA = "".join(chr(c) for c in range(0x3041, 0x3097))  # ぁ … ゖ, small kana included
KATAKANA = "".join(chr(c) for c in range(0x30A1, 0x30F7))  # ァ … ヶ

# (kanji, reading, 外字数) — the count written from the character tables, not computed.
FAMILY_NAMES = (
    ("佐藤", "さとう", 0), ("鈴木", "すずき", 0), ("高橋", "たかはし", 0),
    ("髙橋", "たかはし", 1), ("山崎", "やまさき", 0), ("山﨑", "やまさき", 1),
    ("吉田", "よしだ", 0), ("𠮷田", "よしだ", 1), ("渡邊", "わたなべ", 0),
    ("齋藤", "さいとう", 0), ("栁田", "やなぎだ", 1), ("德永", "とくなが", 1),
    ("桒原", "くわはら", 1), ("濵田", "はまだ", 1), ("𡈽屋", "つちや", 1),
    ("葛\U000e0103城", "かつらぎ", 1), ("髙﨑", "たかさき", 2), ("呉", "くれ", 0),
    ("小鳥遊", "たかなし", 0), ("大和田", "おおわだ", 0),
)
GIVEN_NAMES = (
    ("一郎", "いちろう", 0), ("花子", "はなこ", 0), ("翔", "しょう", 0), ("陽菜", "ひな", 0),
    ("健太", "けんた", 0), ("美咲", "みさき", 0), ("隆", "たかし", 0), ("髙志", "たかし", 1),
    ("﨑子", "さきこ", 1), ("𠮷郎", "きちろう", 1), ("ゆう", "ゆう", 0),
    ("ジョージ", "じょーじ", 0),
)
FOREIGN_FAMILY = (("SMITH", "スミス"), ("NGUYEN", "グエン"), ("KIM", "キム"), ("SILVA", "シルバ"))
FOREIGN_GIVEN = (("JOHN", "ジョン"), ("VAN AN", "ヴァン　アン"), ("MINJUN", "ミンジュン"))


@attrs.frozen
class NameSample:  # 氏名・ふりがな, with the 外字数 the name must count
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    gaiji: int  # characters of family_name + given_name outside JIS X 0208

    def items(self) -> dict[str, str]:
        """The four name items of a notification's person entry."""
        return {
            "family_name": self.family_name,
            "given_name": self.given_name,
            "family_name_kana": self.family_name_kana,
            "given_name_kana": self.given_name_kana,
        }


def kana_readings(*, min_size: int = 1, max_size: int = 8) -> st.SearchStrategy[str]:
    """ふりがな: hiragana or katakana letters, with a long-vowel mark now and then."""
    letters = st.text(alphabet=HIRAGANA, min_size=min_size, max_size=max_size)
    with_mark = st.tuples(letters, st.sampled_from(["", "ー"])).map(
        lambda t: t[0][:1] + t[1] + t[0][1:]
    )
    return st.one_of(with_mark, with_mark.map(to_katakana))


def invalid_kana() -> st.SearchStrategy[str]:
    """Text that is not a ふりがな: kanji, Latin letters, digits, marks without a letter."""
    return st.one_of(
        st.sampled_from(["", " ", "ー", "・", "　", "ーー"]),
        st.text(alphabet=JIS_KANJI, min_size=1, max_size=4),
        st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True),
        st.tuples(kana_readings(), st.sampled_from(["山", "A", "1", "!", "\t"])).map(
            lambda t: t[0] + t[1]
        ),
    )


def _reading(kana: str) -> st.SearchStrategy[str]:
    return st.sampled_from([kana, to_katakana(kana)])


@st.composite
def japanese_names(draw: st.DrawFn) -> NameSample:
    """Japanese names from the pools (外字 included) or composed of random kanji and kana."""
    if draw(st.booleans()):
        family, family_kana, family_gaiji = draw(st.sampled_from(FAMILY_NAMES))
        given, given_kana, given_gaiji = draw(st.sampled_from(GIVEN_NAMES))
        return NameSample(
            family, given, draw(_reading(family_kana)), draw(_reading(given_kana)),
            family_gaiji + given_gaiji,
        )
    chars = st.one_of(st.sampled_from(JIS_KANJI), st.sampled_from(GAIJI))
    family_chars = draw(st.lists(chars, min_size=1, max_size=3))
    given_chars = draw(st.lists(chars, min_size=1, max_size=3))
    return NameSample(
        "".join(family_chars),
        "".join(given_chars),
        draw(kana_readings()),
        draw(kana_readings()),
        sum(1 for c in (*family_chars, *given_chars) if c in GAIJI),
    )


@st.composite
def foreign_names(draw: st.DrawFn) -> NameSample:
    """A foreign resident's name in capitals, read in katakana; sometimes held whole in the
    family name (given name and its reading empty), as the register allows."""
    family, family_kana = draw(st.sampled_from(FOREIGN_FAMILY))
    if draw(st.integers(0, 3)) == 0:
        given, given_kana = draw(st.sampled_from(FOREIGN_GIVEN))
        return NameSample(f"{family} {given}", "", f"{family_kana}　{given_kana}", "", 0)
    given, given_kana = draw(st.sampled_from(FOREIGN_GIVEN))
    return NameSample(family, given, family_kana, given_kana, 0)


def names() -> st.SearchStrategy[NameSample]:
    return st.one_of(japanese_names(), foreign_names())
