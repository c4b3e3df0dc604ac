"""Line-by-line history (異動履歴) of a person: 異動日 (和暦), 事由, 届出日, 内容.

A line shows only what the certificate may show: the lines of an omitted item (a 住民票コード
change when the code is omitted, 通称 entries without 通称履歴 …) are left out, a correction
names only the items printed, and a 転出 whose planned date is still ahead is not shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from kure_juki.domain.certificate_document import HistoryEntry
from kure_juki.domain.certificates import items as it
from kure_juki.domain.certificates.fields import wareki
from kure_juki.domain.movement_record import MovementRecord

# Movement types that belong to an omission switch: printed only when it is on.
_SWITCHED: dict[str, str] = {
    "resident_code_change": it.RESIDENT_CODE,
    "my_number_change": it.MY_NUMBER,
    "alias_entry": it.ALIAS_HISTORY,
    "alias_deletion": it.ALIAS_HISTORY,
    "former_surname_entry": it.FORMER_SURNAME,
    "former_surname_deletion": it.FORMER_SURNAME,
    "residence_status_change": it.RESIDENCE_STATUS,
    "stay_extension": it.RESIDENCE_STATUS,
}
# Never on a copy of the record: the departments' own entries (個別記載事項).
_NEVER = frozenset({"individual_entry"})
_PLANNED = frozenset({"move_out", "move_out_abroad"})

# Labels of the items a correction may change, with the switch that must be on to name them.
_CORRECTED: dict[str, tuple[str, str | None]] = {
    "family_name": ("氏", None),
    "given_name": ("名", None),
    "family_name_kana": ("氏(ふりがな)", None),
    "given_name_kana": ("名(ふりがな)", None),
    "birth_date": ("生年月日", it.BIRTH_DATE),
    "became_resident_on": ("住民となった年月日", it.BECAME_RESIDENT_ON),
    "address_since": ("住所を定めた年月日", it.ADDRESS_SINCE),
    "sex": ("性別", it.SEX),
    "relationship": ("続柄", it.RELATIONSHIP),
    "address": ("住所", it.ADDRESS),
    "registered_domicile": ("本籍", it.DOMICILE),
    "domicile_head": ("筆頭者", it.DOMICILE),
    "resident_code": ("住民票コード", it.RESIDENT_CODE),
    "my_number": ("個人番号", it.MY_NUMBER),
    "nationality": ("国籍・地域", it.NATIONALITY),
    "category_30_45": ("法30条の45区分", it.CATEGORY),
    "residence_status": ("在留資格", it.RESIDENCE_STATUS),
    "stay_expires_on": ("在留期間の満了の日", it.RESIDENCE_STATUS),
    "stay_period": ("在留期間", it.RESIDENCE_STATUS),
    "residence_card_number": ("在留カード等の番号", it.CARD_NUMBER),
    "alias": ("通称", None),
}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _place(value: Any) -> str:
    if not isinstance(value, Mapping):
        return ""
    return " ".join(p for p in (_text(value.get("country")), _text(value.get("text"))) if p)


def _relationship(n: Mapping[str, Any], resident_id: str) -> str:
    if n.get("new_head_id") == resident_id:
        return "世帯主"
    relationships = n.get("relationships")
    if isinstance(relationships, Mapping):
        return _text(relationships.get(resident_id))
    return ""


def details(m: MovementRecord, resident_id: str, switches: frozenset[str]) -> str:
    """The 内容 column: what changed, in the words of the certificate."""
    n = m.notification
    kind = m.type
    if kind in ("move_in", "move_in_from_abroad", "foreign_registration_30_46",
                "foreign_registration_30_47"):
        address = _place(n.get("address"))
        previous = _place(n.get("previous_address"))
        return f"住所 {address}" + (f"(前住所 {previous})" if previous else "")
    if kind == "move_within":
        return f"住所 {_place(n.get('address'))}"
    if kind in _PLANNED:
        return f"転出先 {_place(n.get('destination'))}"
    if kind == "confirm_move_out":
        place = _place(n.get("destination"))
        return f"転出確定 転出先 {place}" if place else "転出確定"
    if kind == "birth":
        return "出生により記載"
    if kind == "death":
        return "死亡により消除"
    if kind in ("change_head", "split_household", "merge_households"):
        relation = _relationship(n, resident_id)
        return f"続柄 {relation}" if relation and it.RELATIONSHIP in switches else "世帯の変更"
    if kind == "correction":
        changes = n.get("changes")
        keys = changes.keys() if isinstance(changes, Mapping) else ()
        labels = [
            _CORRECTED[k][0]
            for k in keys
            if k in _CORRECTED and (_CORRECTED[k][1] is None or _CORRECTED[k][1] in switches)
        ]
        return f"{'・'.join(labels)}を修正" if labels else "記載事項の修正"
    if kind == "cancellation":
        return "誤った異動の取消"
    return ""


def history_entries(
    movements: Iterable[MovementRecord],
    resident_id: str,
    switches: frozenset[str],
    today: dt.date,
) -> list[HistoryEntry]:
    """The lines of *resident_id*'s history, oldest first."""
    out: list[HistoryEntry] = []
    for m in sorted(movements, key=lambda m: m.movement_id):
        if resident_id not in m.resident_ids or m.type in _NEVER:
            continue
        switch = _SWITCHED.get(m.type)
        if switch is not None and switch not in switches:
            continue
        if m.type in _PLANNED and m.occurred_on is not None and m.occurred_on > today:
            continue
        out.append(
            HistoryEntry(
                occurred_on=_occurred_on(m),
                reason=m.reason_ja,
                notified_on=wareki(m.notified_on),
                details=details(m, resident_id, switches),
            )
        )
    return out


def _occurred_on(m: MovementRecord) -> str:
    """The 異動日, as the 戸籍 records it for a 出生 or 死亡 entered so (標準1.1.8)."""
    occurred = m.notification.get("occurred_on")
    if isinstance(occurred, Mapping) and isinstance(occurred.get("as_recorded"), str):
        text: str = occurred["as_recorded"]
        return text
    return wareki(m.occurred_on)
