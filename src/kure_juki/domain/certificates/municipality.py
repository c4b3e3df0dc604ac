"""The issuing municipality as a certificate names it: 市区町村名 and the mayor's title (職名).

Names come from a small table of local government codes (全国地方公共団体コード); a municipality
not in it is named by the integrator, or printed by its code. The mayor's title is the name with
長, preceded by the prefecture's name, which the code's first two digits give (標準5.6: the
prefecture is printed, for a 指定都市 and a 特別区 too: 広島県呉市長, 東京都千代田区長); the
mayor's own name is configured, never guessed.
"""

from __future__ import annotations

import attrs

# 全国地方公共団体コード -> 市区町村名 (the Hiroshima municipalities around 呉市 and a few others
# that the examples and tests name).
MUNICIPALITY_NAMES: dict[str, str] = {
    "341002": "広島市",
    "342025": "呉市",
    "342033": "竹原市",
    "342041": "三原市",
    "342050": "尾道市",
    "342076": "福山市",
    "342084": "府中市",
    "342092": "三次市",
    "342106": "庄原市",
    "342114": "大竹市",
    "342122": "東広島市",
    "342131": "廿日市市",
    "342149": "安芸高田市",
    "342157": "江田島市",
    "011002": "札幌市",
    "131016": "千代田区",
    "141003": "横浜市",
    "231002": "名古屋市",
    "271004": "大阪市",
    "401307": "福岡市",
}


# 都道府県コード (the first two digits of a 全国地方公共団体コード) -> 都道府県名.
_PREFECTURE_NAMES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県",
    "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県",
    "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県",
    "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県",
    "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)
PREFECTURES: dict[str, str] = {
    f"{number:02d}": name for number, name in enumerate(_PREFECTURE_NAMES, start=1)
}


def prefecture_of(code: str) -> str:
    """都道府県名 of a 全国地方公共団体コード; empty when the code names none."""
    return PREFECTURES.get(code[:2], "")


@attrs.frozen
class Municipality:  # 証明する市区町村
    code: str  # 全国地方公共団体コード
    name: str  # 市区町村名, e.g. 呉市
    mayor_title: str  # 市区町村長の職名 with the prefecture, e.g. 広島県呉市長
    mayor_name: str = ""  # 市区町村長の氏名 (configured)
    prefecture: str = ""  # 都道府県名, e.g. 広島県
    deputy_title: str = ""  # 職務代理者の職名, e.g. 副市長 (configured)
    deputy_name: str = ""  # 職務代理者の氏名 (configured)

    @property
    def office(self) -> str:
        """市区町村長 without the prefecture (呉市長): the wording of the seal."""
        return f"{self.name}長"


def municipality_for(
    code: str,
    *,
    name: str | None = None,
    mayor_name: str = "",
    mayor_title: str | None = None,
    deputy_title: str = "",
    deputy_name: str = "",
) -> Municipality:
    """The municipality of *code*: its name from the table unless *name* is given."""
    chosen = name or MUNICIPALITY_NAMES.get(code) or f"地方公共団体コード{code}"
    prefecture = prefecture_of(code)
    known = bool(name) or code in MUNICIPALITY_NAMES
    title = mayor_title or (f"{prefecture}{chosen}長" if known else "市区町村長")
    return Municipality(code=code, name=chosen, mayor_title=title, mayor_name=mayor_name,
                        prefecture=prefecture, deputy_title=deputy_title,
                        deputy_name=deputy_name)
