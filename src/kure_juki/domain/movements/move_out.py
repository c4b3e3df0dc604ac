"""転出 (planned, then confirmed), 国外転出, and the confirmation that deletes the record."""

from __future__ import annotations

import datetime as dt

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.movements.base import Allocation, Context, Needs, Outcome
from kure_juki.domain.movements.common import (
    NOTICE_PERIOD_DAYS,
    check_dates,
    check_not_before_last,
    living_residents,
    same_household,
    to_other_place,
)
from kure_juki.domain.movements.deletion import delete_residents
from kure_juki.domain.movements.overlay import Overlay
from kure_juki.domain.notifications import ConfirmMoveOut, MoveOut, MoveOutAbroad
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import MoveInNoticeFacts, PlannedMoveOut, Resident

AnyMoveOut = MoveOut | MoveOutAbroad


def _is_late(n: AnyMoveOut) -> bool:
    """住基法24条: a 転出 is notified before the move or within 14 days after it."""
    assert n.occurred_on is not None and n.notified_on is not None
    return (n.notified_on - n.occurred_on).days > NOTICE_PERIOD_DAYS


class MoveOutHandler:  # 転出・国外転出
    def check(self, n: AnyMoveOut, view: RegisterView, ctx: Context) -> list[Problem]:
        # The 異動日 of a 転出 is the planned date: it may lie ahead, and the notice may precede it.
        found = check_dates(
            n, ctx, future_allowed=True, notice_after_move=False, late_warning=False
        )
        if isinstance(n, MoveOut) and n.destination.municipality_code == ctx.municipality_code:
            found.append(problem("KJ-LOGIC-030", "destination"))
        residents, missing = living_residents(n.resident_ids, view)
        found += missing + same_household(residents)
        if any(r.planned_move_out is not None for r in residents):
            found.append(problem("KJ-LOGIC-021", "resident_ids"))
        found += check_not_before_last(residents, n.occurred_on)
        if n.occurred_on is not None and n.notified_on is not None and _is_late(n):
            found.append(problem("KJ-WARN-003", "notified_on"))
        return found

    def needs(self, n: AnyMoveOut, view: RegisterView) -> Needs:
        return Needs()

    def apply(self, n: AnyMoveOut, view: RegisterView, ctx: Context, alloc: Allocation) -> Outcome:
        assert n.occurred_on is not None and n.notified_on is not None
        residents, _ = living_residents(n.resident_ids, view)
        plan = PlannedMoveOut(
            planned_on=n.occurred_on,
            notified_on=n.notified_on,
            destination=to_other_place(n.destination),
            ex_officio=_is_late(n),
        )
        planned = [r.bump(planned_move_out=plan) for r in residents]
        hid = residents[0].household_id if residents else None
        if isinstance(n, MoveOutAbroad) and n.occurred_on <= ctx.today:
            # No 転入通知 ever comes from abroad: a move already made is deleted at once.
            overlay = Overlay(view)
            overlay.put(planned)
            changed, households, warnings = delete_residents(
                planned, overlay, on=n.occurred_on, reason=n.reason_ja
            )
            return Outcome(
                residents=tuple(changed),
                households=tuple(households),
                warnings=tuple(warnings),
                resident_ids=n.resident_ids,
                household_id=hid,
            )
        return Outcome(
            residents=tuple(planned),
            warnings=tuple(head_leaving_alert(residents, view, n.occurred_on)),
            resident_ids=n.resident_ids,
            household_id=hid,
        )


def head_leaving_alert(
    leaving: list[Resident], view: RegisterView, on: dt.date
) -> list[Problem]:
    """標準4.0.4: the 転出 that takes the 世帯主 away from two or more members who stay gives
    the alert when it is notified, so the 世帯主変更 can be made before the record is deleted.
    Members whose own 転出 falls on or before the head's leave with the head."""
    going = {r.resident_id for r in leaving}
    found: list[Problem] = []
    for hid in sorted({r.household_id for r in leaving}):
        household = view.household(hid)
        if household is None or household.head_id not in going:
            continue
        staying = [
            m
            for m in view.members(hid)
            if m.resident_id not in going
            and (m.planned_move_out is None or m.planned_move_out.planned_on > on)
        ]
        if len(staying) >= 2:
            found.append(problem("KJ-WARN-501", "resident_ids"))
    return found


class ConfirmMoveOutHandler:  # 転出確定 (転入通知の受理 or 転出予定日の経過)
    def check(self, n: ConfirmMoveOut, view: RegisterView, ctx: Context) -> list[Problem]:
        found: list[Problem] = []
        if n.notified_on is not None and n.notified_on > ctx.today:
            found.append(problem("KJ-LOGIC-005", "notified_on"))
        residents, missing = living_residents(n.resident_ids, view)
        found += missing
        for i, r in enumerate(residents):
            plan = r.planned_move_out
            if plan is None:
                found.append(problem("KJ-LOGIC-022", "resident_ids", f"resident_ids[{i}]"))
            elif n.source == "planned_date" and plan.planned_on > ctx.today:
                found.append(problem("KJ-LOGIC-036", "resident_ids", f"resident_ids[{i}]"))
        if n.occurred_on is not None and n.occurred_on > ctx.today:
            found.append(problem("KJ-LOGIC-007", "occurred_on"))
        found += check_not_before_last(residents, n.occurred_on)
        return found

    def needs(self, n: ConfirmMoveOut, view: RegisterView) -> Needs:
        return Needs()

    def apply(
        self, n: ConfirmMoveOut, view: RegisterView, ctx: Context, alloc: Allocation
    ) -> Outcome:
        residents, _ = living_residents(n.resident_ids, view)
        destination = to_other_place(n.destination) if n.destination else None
        confirmed = None
        if n.source == "move_in_notice" and n.occurred_on is not None and destination is not None:
            confirmed = MoveInNoticeFacts(
                received_on=n.notified_on or ctx.today,
                moved_in_on=n.occurred_on,
                destination=destination,
            )
        # Persons leaving together go through the head rule together.
        groups: dict[tuple[dt.date, str], list[Resident]] = {}
        for r in residents:
            assert r.planned_move_out is not None
            planned = r.planned_move_out.planned_on
            # 住基令13条, 標準1.1.5: deleted on the earlier of the planned date and the 転入日 the
            # 転入通知 reports.
            on = min(planned, n.occurred_on) if n.occurred_on is not None else planned
            reason = "国外転出" if r.planned_move_out.destination.country else "転出"
            groups.setdefault((on, reason), []).append(r)
        overlay = Overlay(view)
        warnings: list[Problem] = []
        for on, reason in sorted(groups):
            changed, households, found = delete_residents(
                groups[(on, reason)], overlay, on=on, reason=reason, destination=destination,
                confirmed=confirmed,
            )
            overlay.put(changed, households)
            warnings += found
        return Outcome(
            residents=overlay.residents,
            households=overlay.households,
            warnings=tuple(warnings),
            resident_ids=n.resident_ids,
            household_id=residents[0].household_id if residents else None,
        )
