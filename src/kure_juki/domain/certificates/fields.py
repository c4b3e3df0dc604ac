"""The fields of one person's entry (個人の記載事項), switched by the omission settings.

Dates are written in 和暦, except a foreign resident's 生年月日 and 在留期間の満了の日, which are
written in the Western calendar (標準1.1.2, 1.1.9). Readings, when printed, follow the name, the
旧氏 and the 通称 in katakana in brackets (標準5.3). A 転出 is shown only from its planned date
(標準仕様: 転出予定の記載は予定日前には表示しない).
"""

from __future__ import annotations

import datetime as dt

from kure_juki.domain.address import OtherPlace
from kure_juki.domain.certificate_document import Field
from kure_juki.domain.certificates import items as it
from kure_juki.domain.resident import Resident
from kure_juki.domain.wareki import to_wareki

SEX_JA = {"male": "男", "female": "女"}
IDEOGRAPHIC_SPACE = "\u3000"
_HIRAGANA_TO_KATAKANA = {
    **{cp: cp + 0x60 for cp in range(ord("ぁ"), ord("ゖ") + 1)},
    ord("ゝ"): ord("ヽ"),
    ord("ゞ"): ord("ヾ"),
}


def wareki(day: dt.date | None) -> str:
    return to_wareki(day) if day is not None else ""


def recorded(r: Resident, item: str, day: dt.date | None) -> str:
    """A date item as the 戸籍 records it when it was entered so (標準1.1.8), else in 和暦."""
    return r.written(item) or wareki(day)


def seireki(day: dt.date | None) -> str:
    """A date in the Western calendar, as 1980年4月1日 (外国人住民の生年月日, 満了の日)."""
    return f"{day.year}年{day.month}月{day.day}日" if day is not None else ""


def birth_date_text(r: Resident) -> str:
    """生年月日: 西暦 for a foreign resident (住基法30条の45, 標準1.1.9), 和暦 otherwise."""
    written = r.written("birth_date")  # as the 戸籍 records it (標準1.1.8)
    if written:
        return written
    return seireki(r.birth_date) if r.foreign is not None else wareki(r.birth_date)


def katakana(text: str) -> str:
    """A reading in katakana (標準5.3 prints フリガナ, never hiragana)."""
    return text.translate(_HIRAGANA_TO_KATAKANA)


def full_name(r: Resident) -> str:
    return r.name.full


def reading(r: Resident) -> str:
    return f"{r.name.family_name_kana}{IDEOGRAPHIC_SPACE}{r.name.given_name_kana}"


def with_reading(value: str, kana: str | None, readings: bool) -> str:
    """「住民　太郎　（ジュウミン　タロウ）」: the reading in brackets after the item (標準5.3)."""
    if not readings or not kana:
        return value
    return f"{value}{IDEOGRAPHIC_SPACE}（{katakana(kana)}）"


def name_field(r: Resident, readings: bool = True) -> Field:  # 氏名 with its フリガナ
    return Field("氏名", with_reading(full_name(r), reading(r), readings))


def move_out_shown(r: Resident, today: dt.date) -> bool:
    """A planned 転出 appears on a copy from its planned date only."""
    plan = r.planned_move_out
    return plan is not None and r.deletion is None and plan.planned_on <= today


def head_field(head: Resident | None) -> list[Field]:
    if head is None:
        return []
    return [Field("世帯主", full_name(head))]


def identity_fields(
    r: Resident, switches: frozenset[str], *, readings: bool = True,
    former_surname: bool = False,
) -> list[Field]:
    """氏名, 旧氏, 通称 and the short items that share a line: 生年月日・性別・続柄.

    With *former_surname* the 旧氏 is printed whenever one is recorded (住基令30条の13: it is an
    item of the record on the 住民票の写し and the 転出証明書); otherwise only when switched on.
    """
    out = [name_field(r, readings)]
    former = r.former_surname
    if (
        (former_surname or it.FORMER_SURNAME in switches)
        and former is not None and former.deleted_on is None
    ):
        out.append(Field("旧氏", with_reading(former.surname, former.surname_kana, readings)))
    if r.foreign is not None and r.foreign.alias:
        # 通称 is part of a foreign resident's record and shown whenever there is one.
        out.append(Field("通称", with_reading(r.foreign.alias, r.foreign.alias_kana, readings)))
    if it.BIRTH_DATE in switches:
        out.append(Field("生年月日", birth_date_text(r)))
    if it.SEX in switches:
        out.append(Field("性別", SEX_JA.get(r.sex, r.sex)))
    if it.RELATIONSHIP in switches:
        out.append(Field("続柄", r.relationship))
    return out


def record_fields(r: Resident, switches: frozenset[str]) -> list[Field]:
    """住民となった年月日 (not an item of a foreign resident's record: 住基法30条の45 puts
    外国人住民となった年月日 in its place), 住所を定めた年月日, and the 届出年月日 and 前住所 of
    that same, latest, change of address (住基法7条8号)."""
    out: list[Field] = []
    if it.BECAME_RESIDENT_ON in switches and r.foreign is None:
        out.append(
            Field("住民となった年月日",
                  f"{recorded(r, 'became_resident_on', r.became_resident_on)}"
                  f"{IDEOGRAPHIC_SPACE}{r.became_resident_reason}")
        )
    if it.ADDRESS_SINCE in switches:
        out.append(Field("住所を定めた年月日", recorded(r, "address_since", r.address_since)))
        out.append(Field("届出年月日", wareki(r.address_notified_on)))
    before = r.former_address or r.previous_address
    if it.PREVIOUS_ADDRESS in switches and before is not None:
        out.append(Field("前住所", before.text))
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
            if f.stay_period:
                out.append(Field("在留期間", f.stay_period))
            if f.stay_expires_on is not None:
                out.append(Field("在留期間の満了の日", seireki(f.stay_expires_on)))
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
    moved_out = d.reason in ("転出", "国外転出")
    if moved_out and d.planned_on is not None:
        # 除票固有の記載事項 (標準1.1.5): the planned date and destination, as notified.
        out.append(Field("転出予定年月日", wareki(d.planned_on)))
    if d.destination is not None:
        out.append(Field("転出先(予定)" if moved_out and d.planned_on is not None else "転出先",
                         _place(d.destination)))
    if d.confirmed is not None:
        # Beside them, what the 転入通知 reported (標準4.1.3.1.1).
        out.append(Field("転入通知年月日", wareki(d.confirmed.received_on)))
        out.append(Field("転出年月日(確定)", wareki(d.confirmed.moved_in_on)))
        out.append(Field("転出先(確定)", _place(d.confirmed.destination)))
    return out


def _place(p: OtherPlace) -> str:
    return " ".join(part for part in (p.country, p.text) if part)


def alias_history_rows(r: Resident) -> list[tuple[str, str, str]]:
    """通称履歴: (通称, 記載年月日, 削除年月日), oldest first."""
    if r.foreign is None:
        return []
    return [
        (h.alias, wareki(h.entered_on), wareki(h.deleted_on))
        for h in sorted(r.foreign.alias_history, key=lambda h: h.entered_on)
    ]
