"""The issuing municipality as a certificate names it: 市区町村名 and the mayor's title (職名).

Names come from a small table of local government codes (全国地方公共団体コード); a municipality
not in it is named by the integrator, or printed by its code. The mayor's title is the name with
長 (呉市 → 呉市長, 千代田区 → 千代田区長); the mayor's own name is configured, never guessed.
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


@attrs.frozen
class Municipality:  # 証明する市区町村
    code: str  # 全国地方公共団体コード
    name: str  # 市区町村名, e.g. 呉市
    mayor_title: str  # 市区町村長の職名, e.g. 呉市長
    mayor_name: str = ""  # 市区町村長の氏名 (configured)


def municipality_for(
    code: str, *, name: str | None = None, mayor_name: str = "", mayor_title: str | None = None
) -> Municipality:
    """The municipality of *code*: its name from the table unless *name* is given."""
    chosen = name or MUNICIPALITY_NAMES.get(code) or f"地方公共団体コード{code}"
    title = mayor_title or (f"{chosen}長" if name or code in MUNICIPALITY_NAMES else "市区町村長")
    return Municipality(code=code, name=chosen, mayor_title=title, mayor_name=mayor_name)
