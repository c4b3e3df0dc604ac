"""Foreign residents' work at the counter and with the immigration agency (出入国在留管理庁).

- Notices of the agency (法30条の50: 在留資格変更, 在留期間更新) imported from a JSON-lines file,
  each checked against the register item by item (the before/after check list) before it is
  applied; a notice whose "before" does not match is left for the clerk, never half-applied.
- The municipality's notices to the agency (市町村通知, 入管法61条の8の2) built from movements.
- The report of residents whose period of stay has expired (在留期間経過者一覧).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import attrs

from kure_juki.domain.errors import FormatError, RegistryError, problem
from kure_juki.domain.foreign_categories import MID_LONG, PROVISIONAL_STAY, TEMPORARY_REFUGE
from kure_juki.domain.input_text import input_problems
from kure_juki.domain.parsing import parse_date
from kure_juki.domain.resident import Resident
from kure_juki.service.session_base import SessionBase
from kure_juki.service.views import full_view, project

NOTICE_KINDS = ("residence_status_change", "stay_extension")
CHECKED_ITEMS = ("residence_status", "stay_expires_on", "residence_card_number")
# Movements the agency is told about (入管法61条の8の2, 住基法30条の50 の逆向きの通知).
NOTIFIED_TYPES = frozenset(
    {
        "move_in",
        "move_in_from_abroad",
        "foreign_registration_30_46",
        "foreign_registration_30_47",
        "move_within",
        "move_out",
        "move_out_abroad",
        "confirm_move_out",
        "death",
        "birth",
        "alias_entry",
        "alias_deletion",
        "naturalization",
        "nationality_acquisition",
        "nationality_loss",
        "correction",
        "cancellation",
    }
)


@attrs.frozen
class NoticeOutcome:  # 一件ごとの照合結果
    line: int
    notice_id: str | None
    status: str  # "applied" | "mismatch" | "not_found" | "refused" | "malformed"
    resident_id: str | None = None
    checks: tuple[tuple[str, bool], ...] = ()  # before/after check list: (item, matches)
    codes: tuple[str, ...] = ()
    movement_id: int | None = None


@attrs.frozen
class ImmigrationImport:  # 法務省通知の取込結果
    outcomes: tuple[NoticeOutcome, ...]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def summary(self) -> dict[str, int]:
        return {
            s: self.count(s) for s in ("applied", "mismatch", "not_found", "refused", "malformed")
        }


class ForeignOps(SessionBase):
    def import_immigration_notices(self, lines: Iterable[str]) -> ImmigrationImport:
        """Apply the agency's notices (one JSON object per line); report every line.

        A line: {"notice_id", "kind": "residence_status_change"|"stay_extension",
        "residence_card_number" (the card the register knows), "occurred_on",
        "before": {items as the agency had them}, "after": {"residence_status"?,
        "stay_expires_on", "residence_card_number"?}}.
        """
        self._guard("submit")
        outcomes = []
        for number, raw in enumerate(lines, start=1):
            if raw.strip():
                outcomes.append(self._one_notice(number, raw))
        report = ImmigrationImport(tuple(outcomes))
        self._audit("immigration_import", detail=report.summary())
        return report

    def _one_notice(self, line: int, raw: str) -> NoticeOutcome:
        try:
            data = json.loads(raw)
            # JSON escapes (\u0000, \ud800) decode into text no store can hold.
            unstorable = input_problems(data)
            if unstorable:
                raise FormatError(unstorable)
            if not isinstance(data, dict) or data.get("kind") not in NOTICE_KINDS:
                raise FormatError(problem("KJ-FMT-013", "kind"))
            card = data.get("residence_card_number")
            after = data.get("after")
            if not isinstance(card, str) or not isinstance(after, dict):
                raise FormatError(problem("KJ-FMT-002", "residence_card_number"))
        except (ValueError, RegistryError) as exc:
            codes = (
                tuple(p.code for p in exc.problems)
                if isinstance(exc, RegistryError)
                else ("KJ-FMT-003",)
            )
            return NoticeOutcome(line, None, "malformed", codes=codes)
        notice_id = data.get("notice_id") if isinstance(data.get("notice_id"), str) else None
        resident = self._by_card(card)
        if resident is None or resident.foreign is None:
            return NoticeOutcome(line, notice_id, "not_found", codes=("KJ-NOTFOUND-001",))
        before = data.get("before") or {}
        checks = tuple(
            (item, _matches(item, before[item], resident))
            for item in CHECKED_ITEMS
            if item in before
        )
        if not all(ok for _, ok in checks):
            return NoticeOutcome(
                line, notice_id, "mismatch", resident.resident_id, checks, ("KJ-LOGIC-047",)
            )
        notification: dict[str, Any] = {
            "type": data["kind"],
            "resident_id": resident.resident_id,
            **{k: v for k, v in after.items() if k in CHECKED_ITEMS},
        }
        if "occurred_on" in data:
            notification["occurred_on"] = data["occurred_on"]
        if data["kind"] == "stay_extension":
            notification.pop("residence_status", None)
        try:
            receipt = self.submit(notification)  # type: ignore[attr-defined]
        except RegistryError as exc:
            return NoticeOutcome(
                line,
                notice_id,
                "refused",
                resident.resident_id,
                checks,
                tuple(p.code for p in exc.problems),
            )
        return NoticeOutcome(
            line,
            notice_id,
            "applied",
            resident.resident_id,
            checks,
            movement_id=receipt.movement_id,
        )

    def _by_card(self, card: str) -> Resident | None:
        with self._reg.store.unit_of_work() as uow:
            for r in uow.residents.iter_all():
                if (
                    r.is_living
                    and r.foreign is not None
                    and (r.foreign.residence_card_number == card)
                ):
                    return r
        return None

    def expired_stay_report(self, as_of: str | dt.date | None = None) -> list[dict[str, Any]]:
        """在留期間経過者一覧: living foreign residents whose period of stay ended before *as_of*
        (default today). A list view: never a My Number."""
        self._guard("search")
        day = parse_date(as_of) if as_of is not None else self._reg.today()
        items = self._items(list_view=True)
        with self._reg.store.unit_of_work() as uow:
            expired = [
                r
                for r in uow.residents.iter_all()
                if r.is_living
                and r.foreign is not None
                and r.foreign.category_30_45 in (MID_LONG, TEMPORARY_REFUGE, PROVISIONAL_STAY)
                and r.foreign.stay_expires_on is not None
                and r.foreign.stay_expires_on < day
            ]
            self._reg.append_audit(
                uow,
                operation="expired_stay_report",
                operator_id=self.operator_id,
                terminal_id=self.terminal_id,
                purpose=self.purpose,
                subject_ids=tuple(r.resident_id for r in expired),
                detail={"as_of": day.isoformat(), "count": len(expired)},
            )
            uow.commit()
        return [project(full_view(r), items) for r in expired]

    def municipal_notices(self, since_movement_id: int = 0) -> list[dict[str, Any]]:
        """市町村通知: for each movement after *since_movement_id* that concerns a foreign
        resident, the items the agency is told (card number, name, birth date, sex,
        nationality, address, reason, date). Never a My Number."""
        self._guard("transfer")
        notices: list[dict[str, Any]] = []
        subjects: set[str] = set()
        with self._reg.store.unit_of_work() as uow:
            for m in uow.movements.iter_all():
                if m.movement_id <= since_movement_id or m.type not in NOTIFIED_TYPES:
                    continue
                for rid in m.resident_ids:
                    r = uow.residents.get(rid)
                    if r is None or r.foreign is None:
                        continue
                    subjects.add(rid)
                    notices.append(
                        {
                            "movement_id": m.movement_id,
                            "reason": m.reason_ja,
                            "occurred_on": m.occurred_on.isoformat() if m.occurred_on else None,
                            "residence_card_number": r.foreign.residence_card_number,
                            "family_name": r.name.family_name,
                            "given_name": r.name.given_name,
                            "birth_date": r.birth_date.isoformat(),
                            "sex": r.sex,
                            "nationality": r.foreign.nationality,
                            "address": r.address.to_dict(),
                            "status": r.status,
                        }
                    )
            self._reg.append_audit(
                uow,
                operation="municipal_notice",
                operator_id=self.operator_id,
                terminal_id=self.terminal_id,
                purpose=self.purpose,
                subject_ids=tuple(sorted(subjects)),
                detail={"since": since_movement_id, "count": len(notices)},
            )
            uow.commit()
        return notices


def _matches(item: str, expected: Any, r: Resident) -> bool:
    assert r.foreign is not None
    value = getattr(r.foreign, item)
    if isinstance(value, dt.date):
        return bool(value.isoformat() == expected)
    return bool(value == expected)
