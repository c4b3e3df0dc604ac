"""Views of records as plain dicts, projected by the policy: a hidden item is absent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kure_juki.domain.movement_record import MovementRecord
from kure_juki.domain.resident import Resident

AS_RECORDED = "_as_recorded"
RECORDED_ITEMS = ("birth_date", "became_resident_on", "address_since")


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def full_view(r: Resident) -> dict[str, Any]:
    """Every item of the record under the contract's keys (before projection)."""
    view: dict[str, Any] = {
        "resident_id": r.resident_id,
        "household_id": r.household_id,
        "status": r.status,
        "family_name": r.name.family_name,
        "given_name": r.name.given_name,
        "family_name_kana": r.name.family_name_kana,
        "given_name_kana": r.name.given_name_kana,
        "birth_date": r.birth_date.isoformat(),
        "sex": r.sex,
        "relationship": r.relationship,
        "resident_code": r.resident_code,
        "my_number": r.my_number,
        "address": r.address.to_dict(),
        "resident_kind": r.kind,
        "address_since": r.address_since.isoformat(),
        "previous_address": r.previous_address.to_dict() if r.previous_address else None,
        # 従前の住所 of the latest 転居 (住基法7条8号); the 転入前住所 above is kept as it was.
        "former_address": r.former_address.to_dict() if r.former_address else None,
        "gaiji_count": r.name.gaiji_count,
    }
    if r.foreign is None:
        # 住民となった年月日 is an item of a Japanese resident's record only; a foreign
        # resident's record has 外国人住民となった年月日 instead (住基法7条7号, 30条の45).
        view["became_resident_on"] = r.became_resident_on.isoformat()
        view["became_resident_reason"] = r.became_resident_reason
    # 戸籍の記載どおりの年月日 (標準1.1.8): the text beside the internal date it sorts by.
    for item in RECORDED_ITEMS:
        if item == "became_resident_on" and r.foreign is not None:
            continue  # not an item of a foreign resident's record
        written = r.written(item)
        if written is not None:
            view[item + AS_RECORDED] = written
    if r.japanese is not None:
        view["registered_domicile"] = r.japanese.registered_domicile
        view["domicile_head"] = r.japanese.domicile_head
    if r.foreign is not None:
        f = r.foreign
        view.update(
            nationality=f.nationality,
            category_30_45=f.category_30_45,
            residence_status=f.residence_status,
            stay_period=f.stay_period,
            stay_expires_on=_iso(f.stay_expires_on),
            residence_card_number=f.residence_card_number,
            alias=f.alias,
            became_foreign_resident_on=_iso(f.became_foreign_resident_on),
        )
    if r.foreign is not None and r.foreign.alias_history:
        view["alias_kana"] = r.foreign.alias_kana
        view["alias_history"] = [
            {
                "alias": a.alias,
                "alias_kana": a.alias_kana,
                "entered_on": a.entered_on.isoformat(),
                "deleted_on": _iso(a.deleted_on),
                "municipality_code": a.municipality_code,
            }
            for a in r.foreign.alias_history
        ]
    if r.former_surname is not None:
        view["former_surname"] = {
            "surname": r.former_surname.surname,
            "surname_kana": r.former_surname.surname_kana,
            "entered_on": r.former_surname.entered_on.isoformat(),
        }
    if r.former_surname_history:
        view["former_surname_history"] = [
            {
                "surname": f.surname,
                "surname_kana": f.surname_kana,
                "entered_on": f.entered_on.isoformat(),
                "deleted_on": _iso(f.deleted_on),
            }
            for f in r.former_surname_history
        ]
    if r.individual_entries:
        view["individual_entries"] = {
            e.item: {**e.as_dict(), "recorded_on": e.recorded_on.isoformat()}
            for e in r.individual_entries
        }
    if r.former_resident_codes:
        view["former_resident_codes"] = list(r.former_resident_codes)
    if r.planned_move_out is not None:
        p = r.planned_move_out
        view["planned_move_out"] = {
            "planned_on": p.planned_on.isoformat(),
            "notified_on": p.notified_on.isoformat(),
            "destination": p.destination.to_dict(),
            "ex_officio": p.ex_officio,
        }
    if r.deletion is not None:
        d = r.deletion
        view["deletion"] = {
            "deleted_on": d.deleted_on.isoformat(),
            "reason": d.reason,
            "destination": d.destination.to_dict() if d.destination else None,
        }
        if d.deleted_on_as_recorded is not None:
            view["deletion"]["deleted_on_as_recorded"] = d.deleted_on_as_recorded
        if d.planned_on is not None:
            view["deletion"]["planned_on"] = d.planned_on.isoformat()
        if d.confirmed is not None:
            view["deletion"]["move_in_notice"] = {
                "received_on": d.confirmed.received_on.isoformat(),
                "moved_in_on": d.confirmed.moved_in_on.isoformat(),
                "destination": d.confirmed.destination.to_dict(),
            }
    return view


def history_view(records: Iterable[MovementRecord]) -> list[dict[str, Any]]:
    """The movements of a person, oldest first, without notification payloads."""
    return [
        {
            "movement_id": m.movement_id,
            "type": m.type,
            "reason": m.reason_ja,
            "occurred_on": _iso(m.occurred_on),
            **_occurred_as_recorded(m),
            "notified_on": m.notified_on.isoformat(),
            "processed_on": m.processed_on.isoformat(),
            "late": m.late,
            "warnings": list(m.warnings),
        }
        for m in sorted(records, key=lambda m: m.movement_id)
    ]


def project(view: dict[str, Any], items: frozenset[str]) -> dict[str, Any]:
    """The items the policy lets through; a date's as-recorded text goes with its date."""
    return {
        k: v for k, v in view.items() if k in items or k.removesuffix(AS_RECORDED) in items
    }


def _occurred_as_recorded(m: MovementRecord) -> dict[str, Any]:
    """A 出生・死亡 異動日 as the 戸籍 records it, from the notification the history keeps."""
    occurred = m.notification.get("occurred_on")
    if isinstance(occurred, dict) and isinstance(occurred.get("as_recorded"), str):
        return {"occurred_on_as_recorded": occurred["as_recorded"]}
    return {}
