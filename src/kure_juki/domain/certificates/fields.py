"""The fields of one person's entry (個人の記載事項), switched by the omission settings.

Every date is written in 和暦; names carry their ふりがな. A 転出 is shown only from its
planned date (標準仕様: 転出予定の記載は予定日前には表示しない).
"""

from __future__ import annotations

import datetime as dt

from kure_juki.domain.certificate_document import Field
from kure_juki.domain.certificates import items as it
from kure_juki.domain.resident import Resident
from kure_juki.domain.wareki import to_wareki

SEX_JA = {"male": "男", "female": "女"}
IDEOGRAPHIC_SPACE = "\u3000"


def wareki(day: dt.date | None) -> str:
    return to_wareki(day) if day is not None else ""


def recorded(r: Resident, item: str, day: dt.date | None) -> str:
    """A date item as the 戸籍 records it when it was entered so (標準1.1.8), else in 和暦."""
    return r.written(item) or wareki(day)


def full_name(r: Resident) -> str:
    return r.name.full


def reading(r: Resident) -> str:
    return f"{r.name.family_name_kana}{IDEOGRAPHIC_SPACE}{r.name.given_name_kana}"


def name_field(r: Resident) -> Field:  # 氏名 with its ふりがな
    return Field("氏名", full_name(r), reading(r))


def move_out_shown(r: Resident, today: dt.date) -> bool:
    """A planned 転出 appears on a copy from its planned date only."""
    plan = r.planned_move_out
    return plan is not None and r.deletion is None and plan.planned_on <= today


def head_field(head: Resident | None) -> list[Field]:
    if head is None:
        return []
    return [Field("世帯主", full_name(head), reading(head))]


def identity_fields(r: Resident, switches: frozenset[str]) -> list[Field]:
    """氏名, 旧氏, 通称 and the short items that share a line: 生年月日・性別・続柄."""
    out = [name_field(r)]
    former = r.former_surname
    if it.FORMER_SURNAME in switches and former is not None and former.deleted_on is None:
        out.append(Field("旧氏", former.surname, former.surname_kana))
    if r.foreign is not None and r.foreign.alias:
        # 通称 is part of a foreign resident's record and shown whenever there is one.
        out.append(Field("通称", r.foreign.alias, r.foreign.alias_kana))
    if it.BIRTH_DATE in switches:
        out.append(Field("生年月日", recorded(r, "birth_date", r.birth_date)))
    if it.SEX in switches:
        out.append(Field("性別", SEX_JA.get(r.sex, r.sex)))
    if it.RELATIONSHIP in switches:
        out.append(Field("続柄", r.relationship))
    return out


def record_fields(r: Resident, switches: frozenset[str]) -> list[Field]:
    """住民となった年月日, 住所を定めた年月日, 前住所."""
    out: list[Field] = []
    if it.BECAME_RESIDENT_ON in switches:
        out.append(
            Field("住民となった年月日",
                  f"{recorded(r, 'became_resident_on', r.became_resident_on)}"
                  f"{IDEOGRAPHIC_SPACE}{r.became_resident_reason}")
        )
    if it.ADDRESS_SINCE in switches:
        out.append(Field("住所を定めた年月日", recorded(r, "address_since", r.address_since)))
        out.append(Field("届出年月日", wareki(r.address_notified_on)))
    if it.PREVIOUS_ADDRESS in switches and r.previous_address is not None:
        out.append(Field("前住所", r.previous_address.text))
    return out


def code_fields(r: Resident, switches: frozenset[str]) -> list[Field]:
    """本籍・筆頭者, foreign residents' items, 住民票コード, 個人番号: each behind its switch."""
    out: list[Field] = []
    if it.DOMICILE in switches and r.japanese is not None:
        out.append(Field("本籍", r.japanese.registered_domicile))
        out.append(Field("筆頭者", r.japanese.domicile_head))
    f = r.foreign
    if f is not None:
        if f.became_foreign_resident_on is not None:
            became = recorded(r, "became_foreign_resident_on", f.became_foreign_resident_on)
            out.append(Field("外国人住民となった年月日", became))
        if it.NATIONALITY in switches:
            out.append(Field("国籍・地域", f.nationality))
        if it.CATEGORY in switches:
            out.append(Field("法30条の45区分", f.category_30_45))
        if it.RESIDENCE_STATUS in switches:
            if f.residence_status:
                out.append(Field("在留資格", f.residence_status))
            if f.stay_expires_on is not None:
                out.append(Field("在留期間の満了日", wareki(f.stay_expires_on)))
        if it.CARD_NUMBER in switches and f.residence_card_number:
            out.append(Field("在留カード等の番号", f.residence_card_number))
    if it.RESIDENT_CODE in switches:
        out.append(Field("住民票コード", r.resident_code))
    if it.MY_NUMBER in switches and r.my_number:
        out.append(Field("個人番号", r.my_number))
    return out


def move_out_fields(r: Resident, today: dt.date) -> list[Field]:
    """転出予定 (from its planned date) on a living record."""
    plan = r.planned_move_out
    if plan is None or not move_out_shown(r, today):
        return []
    return [
        Field("転出予定年月日", wareki(plan.planned_on)),
        Field("転出の届出年月日", wareki(plan.notified_on)),
        Field("転出先", plan.destination.text),
    ]


def deletion_fields(r: Resident) -> list[Field]:
    """消除 of a 除票: date, reason, where to."""
    d = r.deletion
    if d is None:
        return []
    # A death keeps its date as the 戸籍 records it (標準1.1.8).
    on = d.deleted_on_as_recorded or wareki(d.deleted_on)
    out = [Field("消除年月日", f"{on}{IDEOGRAPHIC_SPACE}{d.reason}")]
    if d.destination is not None:
        place = " ".join(p for p in (d.destination.country, d.destination.text) if p)
        out.append(Field("転出先", place))
    return out


def alias_history_rows(r: Resident) -> list[tuple[str, str, str]]:
    """通称履歴: (通称, 記載年月日, 削除年月日), oldest first."""
    if r.foreign is None:
        return []
    return [
        (h.alias, wareki(h.entered_on), wareki(h.deleted_on))
        for h in sorted(r.foreign.alias_history, key=lambda h: h.entered_on)
    ]
