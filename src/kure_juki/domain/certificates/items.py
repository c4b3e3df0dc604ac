"""What a certificate may carry beyond its fixed items: the omission switches (記載事項の省略).

Standard 5.1 (住民記録システム標準仕様書): 世帯主・続柄, 本籍・筆頭者, 住民票コード, 個人番号 and,
for foreign residents, 国籍, 30条45区分, 在留資格・期間・満了日, 在留カード等番号, 通称履歴 are
omitted unless the requester asks for them. The caller names them as the resident views do
(``"my_number"``, ``"registered_domicile"`` …); two names that turn on one switch (本籍 and 筆頭者
are printed together) map to the same switch.
"""

from __future__ import annotations

from collections.abc import Iterable

from kure_juki.domain.certificate_document import CertificateKind
from kure_juki.domain.errors import FormatError, Problem, problem
from kure_juki.domain.policy import ALL_ITEMS

# Switch names (the canonical name of each omission switch and optional item).
MY_NUMBER = "my_number"  # 個人番号
RESIDENT_CODE = "resident_code"  # 住民票コード
DOMICILE = "registered_domicile"  # 本籍・筆頭者
RELATIONSHIP = "relationship"  # 世帯主・続柄
NATIONALITY = "nationality"  # 国籍・地域
CATEGORY = "category_30_45"  # 法30条45区分
RESIDENCE_STATUS = "residence_status"  # 在留資格・在留期間・満了日
CARD_NUMBER = "residence_card_number"  # 在留カード等の番号
ALIAS_HISTORY = "alias_history"  # 通称履歴
FORMER_SURNAME = "former_surname"  # 旧氏
HISTORY = "history"  # 異動履歴
# Basic items: always on a 住民票の写し; on a 記載事項証明書 only when asked for.
BIRTH_DATE = "birth_date"  # 生年月日
SEX = "sex"  # 性別
ADDRESS = "address"  # 住所
BECAME_RESIDENT_ON = "became_resident_on"  # 住民となった年月日
ADDRESS_SINCE = "address_since"  # 住所を定めた年月日
PREVIOUS_ADDRESS = "previous_address"  # 前住所

# Name accepted in ``include`` -> the switch it turns on.
INCLUDE_NAMES: dict[str, str] = {
    "my_number": MY_NUMBER,
    "resident_code": RESIDENT_CODE,
    "registered_domicile": DOMICILE,
    "domicile_head": DOMICILE,
    "relationship": RELATIONSHIP,
    "head": RELATIONSHIP,
    "nationality": NATIONALITY,
    "category_30_45": CATEGORY,
    "residence_status": RESIDENCE_STATUS,
    "stay_expires_on": RESIDENCE_STATUS,
    "residence_card_number": CARD_NUMBER,
    "alias_history": ALIAS_HISTORY,
    "former_surname": FORMER_SURNAME,
    "history": HISTORY,
    "birth_date": BIRTH_DATE,
    "sex": SEX,
    "address": ADDRESS,
    "became_resident_on": BECAME_RESIDENT_ON,
    "address_since": ADDRESS_SINCE,
    "previous_address": PREVIOUS_ADDRESS,
}

BASIC = frozenset({BIRTH_DATE, SEX, ADDRESS, BECAME_RESIDENT_ON, ADDRESS_SINCE, PREVIOUS_ADDRESS})
OMISSION_SWITCHES = frozenset(
    {MY_NUMBER, RESIDENT_CODE, DOMICILE, RELATIONSHIP, NATIONALITY, CATEGORY, RESIDENCE_STATUS,
     CARD_NUMBER, ALIAS_HISTORY}
)
_RECORD = OMISSION_SWITCHES | {FORMER_SURNAME, HISTORY}

# Per kind: the switches always printed (the law fixes them) and those that may be asked for.
FIXED: dict[CertificateKind, frozenset[str]] = {
    CertificateKind.JUMINHYO: BASIC,
    CertificateKind.JOJO: BASIC,
    CertificateKind.KISAI_JIKO: frozenset(),
    # 住基令23条: the 転出証明書 carries the record's identity items, 住民票コード included, so
    # that the new municipality can register the move-in.
    CertificateKind.TENSHUTSU: frozenset(
        {BIRTH_DATE, SEX, ADDRESS, RESIDENT_CODE, DOMICILE, RELATIONSHIP, NATIONALITY, CATEGORY,
         RESIDENCE_STATUS, CARD_NUMBER}
    ),
    CertificateKind.CODE_NOTICE: frozenset({BIRTH_DATE, SEX, ADDRESS, RESIDENT_CODE}),
    CertificateKind.ETSURAN: frozenset({BIRTH_DATE, SEX, ADDRESS}),
    CertificateKind.INKAN: frozenset({BIRTH_DATE, SEX, ADDRESS}),
}
FIXED[CertificateKind.TENSHUTSU_JUNZURU] = FIXED[CertificateKind.TENSHUTSU]

OPTIONAL: dict[CertificateKind, frozenset[str]] = {
    CertificateKind.JUMINHYO: _RECORD,
    CertificateKind.JOJO: _RECORD,
    CertificateKind.KISAI_JIKO: _RECORD | BASIC,
    CertificateKind.TENSHUTSU: frozenset({MY_NUMBER, FORMER_SURNAME}),
    CertificateKind.TENSHUTSU_JUNZURU: frozenset({MY_NUMBER, FORMER_SURNAME}),
    CertificateKind.CODE_NOTICE: frozenset(),
    CertificateKind.ETSURAN: frozenset(),
    CertificateKind.INKAN: frozenset({FORMER_SURNAME}),
}

# 記載事項証明書 asked for nothing in particular: the four basic items (基本4情報).
KISAI_JIKO_DEFAULT = frozenset({BIRTH_DATE, SEX, ADDRESS})

# Items of the access policy each switch prints: the operator must be allowed to see them.
_POLICY_ITEMS: dict[str, tuple[str, ...]] = {
    MY_NUMBER: ("my_number",),
    RESIDENT_CODE: ("resident_code",),
    DOMICILE: ("registered_domicile", "domicile_head"),
    RELATIONSHIP: ("relationship",),
    NATIONALITY: ("nationality",),
    CATEGORY: ("category_30_45",),
    RESIDENCE_STATUS: ("residence_status", "stay_expires_on", "stay_period"),
    CARD_NUMBER: ("residence_card_number",),
    ALIAS_HISTORY: ("alias", "alias_history"),
    FORMER_SURNAME: ("former_surname",),
    HISTORY: ("history",),
    BIRTH_DATE: ("birth_date",),
    SEX: ("sex",),
    ADDRESS: ("address",),
    BECAME_RESIDENT_ON: ("became_resident_on",),
    ADDRESS_SINCE: ("address_since",),
    PREVIOUS_ADDRESS: ("previous_address",),
}
# Printed on every certificate: whose it is.
NAME_ITEMS = ("family_name", "given_name", "family_name_kana", "given_name_kana")
# A policy that does not know an item yet (旧氏, 通称履歴 in older policies) guards it by the
# item it belongs to.
_FALLBACK = {"former_surname": "family_name", "alias_history": "alias"}


def parse_include(
    kind: CertificateKind, include: Iterable[str], *, with_history: bool = False
) -> frozenset[str]:
    """The switches on for this certificate: the fixed ones plus those asked for.

    An unknown name, or one this kind cannot print, is a FormatError naming every bad entry.
    """
    if isinstance(include, str) or not isinstance(include, Iterable):
        raise FormatError(problem("KJ-CERT-031", "include"))
    asked: set[str] = set()
    found: list[Problem] = []
    for i, name in enumerate(include):
        switch = INCLUDE_NAMES.get(name) if isinstance(name, str) else None
        if switch is None:
            found.append(problem("KJ-CERT-031", "include", f"include[{i}]"))
        elif switch not in FIXED[kind] | OPTIONAL[kind]:
            found.append(problem("KJ-CERT-032", "include", f"include[{i}]"))
        else:
            asked.add(switch)
    if with_history:
        if HISTORY not in OPTIONAL[kind]:
            found.append(problem("KJ-CERT-032", "with_history"))
        asked.add(HISTORY)
    if found:
        raise FormatError(found)
    if kind is CertificateKind.KISAI_JIKO and not asked - {HISTORY}:
        asked |= KISAI_JIKO_DEFAULT
    return frozenset(asked | FIXED[kind])


def policy_items(switches: Iterable[str]) -> frozenset[str]:
    """The policy items an operator must be able to see to print *switches* (and the name)."""
    out: set[str] = set(NAME_ITEMS)
    for switch in switches:
        for item in _POLICY_ITEMS[switch]:
            out.add(item if item in ALL_ITEMS else _FALLBACK.get(item, item))
    return frozenset(out & ALL_ITEMS)
