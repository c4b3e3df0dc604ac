"""From the register to the 本人確認情報 (住基法30条の6): what the CS is told after a movement.

:func:`identity_record` builds a person's :class:`~kure_juki.domain.identity_file.IdentityRecord`
from the resident record (住民票) and the facts of the update; only the forty whitelisted items
exist on it, so nothing else can leave (the wire form is ``to_cs_payload``).
:func:`plan_update` decides, for one resident touched by a movement, whether the CS must be told
and with which 異動事由, comparing with the record the CS holds (the municipality's copy of the
identity file). A removal (消除) and a 転出予定 change only the state and bookkeeping of the
record the CS holds, as the CS-side checks require; every other update is rebuilt from the
register.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, Literal

import attrs

from kure_juki.domain.identity_file import ADDRESS_ITEMS, BOOKKEEPING_ITEMS, IdentityRecord
from kure_juki.domain.names import count_gaiji, seion_kana
from kure_juki.domain.resident import Resident

__all__ = [
    "ADDITION_REASONS",
    "UpdateFacts",
    "UpdatePlan",
    "identity_record",
    "plan_update",
]

UpdateKind = Literal["addition", "removal", "planned", "change"]

# 異動事由 (CS) of the movements that make a record appear; anything else that brings a record
# back (a 取消 of a removal, the new record of 国籍喪失) is 職権記載.
ADDITION_REASONS: Final[dict[str, str]] = {
    "move_in": "転入",
    "move_in_from_abroad": "国外転入",
    "foreign_registration_30_46": "国外転入",
    "foreign_registration_30_47": "職権記載",
    "birth": "出生",
    "naturalization": "帰化",
    "nationality_acquisition": "国籍取得",
}
# 消除事由 of the register that the CS knows under the same name; others (帰化, 取消 …) are
# 職権消除 at the CS.
_REMOVAL_REASONS: Final = frozenset({"転出", "国外転出", "死亡", "国籍喪失", "職権消除"})
_FORMER_SURNAME_REASONS: Final = {
    "former_surname_entry": "旧氏記載",
    "former_surname_deletion": "旧氏削除",
}
# Written by every update whatever its reason: compared items leave these out.
_BOOKKEEPING: Final = BOOKKEEPING_ITEMS
_NAMES: Final = tuple(a.name for a in attrs.fields(IdentityRecord))
_COMPARED: Final = tuple(n for n in _NAMES if n not in _BOOKKEEPING)
_MAX_DETAIL: Final = 200


@attrs.frozen(kw_only=True)
class UpdateFacts:  # 更新の記録事項 (異動年月日・届出の年月日・依頼管理番号・操作者 …)
    municipality_code: str  # 市町村コード
    changed_on: dt.date  # 異動年月日
    notified_on: dt.date  # 届出の年月日
    operator_id: str  # 操作者ID
    terminal_id: str  # 操作端末ID
    request_number: str  # 依頼管理番号
    update_sequence: int  # 更新順番号
    timestamp: dt.datetime  # タイムスタンプ
    reason_detail: str | None = None  # 異動事由詳細


@attrs.frozen
class UpdatePlan:  # 送信する本人確認情報の更新
    kind: UpdateKind
    reason: str  # 異動事由 (CS)
    record: IdentityRecord
    replaces: str | None = None  # the 住民票コード the record held before (住民票コード変更)


def _joined(*parts: str) -> str:
    return "\u3000".join(p for p in parts if p)


def _bookkeeping(reason: str, facts: UpdateFacts) -> dict[str, Any]:
    detail = facts.reason_detail
    return {
        "change_reason": reason,
        "changed_on": facts.changed_on,
        "notified_on": facts.notified_on,
        "change_reason_detail": detail[:_MAX_DETAIL] if detail else None,
        "request_number": facts.request_number,
        "operator_id": facts.operator_id,
        "terminal_id": facts.terminal_id,
        "update_sequence": facts.update_sequence,
        "abnormal_update_sequence": None,
        "exclusive_lock": False,
        "timestamp": facts.timestamp,
    }


def identity_record(
    resident: Resident,
    reason: str,
    facts: UpdateFacts,
    *,
    resident_code_used_from: dt.date,
    old_resident_code: str | None = None,
) -> IdentityRecord:
    """The person's 本人確認情報 as the register holds it, written by an update for ``reason``.

    Items the register does not keep are left empty (大字・字コード) or derived (清音化かな,
    外字数, 外字フラグ). A record without a 個人番号 gets an empty one, which the CS-side format
    check refuses (KJ-FMT-005): the CS may not hold a person without one.
    """
    name = resident.name
    name_kanji = _joined(name.family_name, name.given_name)
    name_kana = _joined(name.family_name_kana, name.given_name_kana)
    previous = resident.previous_address
    former = resident.former_surname
    if former is not None and former.deleted_on is not None:
        former = None
    counts: dict[str, Any] = {
        "name_gaiji_count": count_gaiji(name_kanji),
        "address_gaiji_count": count_gaiji(resident.address.text),
        "previous_address_gaiji_count": count_gaiji(previous.text) if previous else 0,
        "former_surname_gaiji_count": count_gaiji(former.surname) if former else 0,
    }
    living = resident.deletion is None
    return IdentityRecord(
        resident_code=resident.resident_code,
        name_kanji=name_kanji,
        name_kana=name_kana,
        name_seion_kana=seion_kana(name_kana),
        birth_date=resident.birth_date,
        sex=resident.sex,
        municipality_code=facts.municipality_code,
        oaza_code=None,
        postal_code=resident.address.postal_code,
        address=resident.address.text,
        my_number=resident.my_number or "",
        became_resident_on=resident.became_resident_on,
        address_set_on=resident.address_since,
        previous_municipality_code=previous.municipality_code if previous else None,
        previous_address=previous.text if previous else None,
        relationship=resident.relationship,
        old_resident_code=old_resident_code,
        resident_code_used_from=resident_code_used_from,
        update_prohibited=False,
        planned=living and resident.planned_move_out is not None,
        gaiji_flag=any(counts.values()),
        record_state="current" if living else "deleted",
        former_surname=former.surname if former else None,
        former_surname_kana=former.surname_kana if former else None,
        former_surname_gaiji_serial=0,
        **counts,
        **_bookkeeping(reason, facts),
    )


def _changed(before: IdentityRecord, after: IdentityRecord) -> list[str]:
    return [n for n in _COMPARED if getattr(before, n) != getattr(after, n)]


def _change_reason(
    movement_type: str, changed: list[str], before: IdentityRecord, after: IdentityRecord
) -> str:
    if before.planned and not after.planned:
        return "転出取消"
    if "my_number" in changed:
        return "個人番号変更"
    if movement_type in _FORMER_SURNAME_REASONS:
        return _FORMER_SURNAME_REASONS[movement_type]
    if movement_type == "move_within" and set(changed) <= ADDRESS_ITEMS:
        return "転居"
    if changed == ["relationship"]:
        return "続柄変更"
    return "職権修正"


def plan_update(
    previous: IdentityRecord | None,
    resident: Resident,
    *,
    movement_type: str,
    facts: UpdateFacts,
    before_code: str | None = None,
    special_move_in: bool = False,
) -> UpdatePlan | None:
    """The update the CS needs after a movement left ``resident`` as it is, or None.

    ``previous`` is the record the CS holds for the person (under ``before_code`` when the
    movement changed the 住民票コード), None when it holds none. ``facts.changed_on`` is the
    movement's 異動日; a removal uses the 消除日 and a 転出予定 its planned date instead.
    """
    living = resident.deletion is None
    if not living:
        if previous is None or previous.record_state == "deleted":
            return None  # the CS never held it alive: nothing to remove
        assert resident.deletion is not None
        reason = resident.deletion.reason
        cs_reason = reason if reason in _REMOVAL_REASONS else "職権消除"
        dated = attrs.evolve(
            facts,
            changed_on=resident.deletion.deleted_on,
            reason_detail=facts.reason_detail if cs_reason == reason else reason,
        )
        record = attrs.evolve(
            previous,
            record_state="deleted",
            planned=False,
            **_bookkeeping(cs_reason, dated),
        )
        return UpdatePlan("removal", cs_reason, record)

    if previous is None or previous.record_state == "deleted":
        reason = ADDITION_REASONS.get(movement_type, "職権記載")
        if reason == "転入" and special_move_in:
            reason = "特例転入"
        used_from = facts.changed_on
        if previous is not None and previous.resident_code == resident.resident_code:
            used_from = previous.resident_code_used_from
        record = identity_record(resident, reason, facts, resident_code_used_from=used_from)
        return UpdatePlan("addition", reason, record)

    plan = resident.planned_move_out
    if plan is not None and not previous.planned:
        reason = "国外転出" if plan.destination.country else "転出"
        dated = attrs.evolve(facts, changed_on=plan.planned_on, notified_on=plan.notified_on)
        record = attrs.evolve(previous, planned=True, **_bookkeeping(reason, dated))
        return UpdatePlan("planned", reason, record)

    if before_code is not None and before_code != resident.resident_code:
        reason = "住民票コード変更"
        record = identity_record(
            resident,
            reason,
            facts,
            resident_code_used_from=facts.changed_on,
            old_resident_code=before_code,
        )
        return UpdatePlan("change", reason, record, replaces=before_code)

    record = identity_record(
        resident, "職権修正", facts, resident_code_used_from=previous.resident_code_used_from
    )
    record = attrs.evolve(record, old_resident_code=previous.old_resident_code)
    changed = _changed(previous, record)
    if not changed:
        return None
    reason = _change_reason(movement_type, changed, previous, record)
    return UpdatePlan("change", reason, attrs.evolve(record, change_reason=reason))
