"""取消: a mistaken movement is undone by an appended movement; history is never rewritten.

The cancelled movement's entry keeps a before- and an after-image of every record it touched.
Cancelling it restores the before-images or, for records it created, deletes them with the
reason of the 取消. It is refused when any of those records no longer holds what the movement
left (a later movement changed it: cancel that one first), or when the register after it would
not hold together (a household at two addresses, 住基法6条), so the register returns exactly to
the state before.

標準4.6.0.1 and 1.2.2 name the three kinds: cancelling a movement that took persons out (転出,
死亡 …) is 異動取消（増）, one that brought persons in (転入, 出生 …) is 異動取消（減）, and
any other is 異動取消（修正）.

The service resolves the target (the before-images and the versions the movement left) into
the notification itself, so the cancellation's own history entry replays without lookups.
"""

from __future__ import annotations

from typing import Any

import attrs

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.movements.base import Allocation, Context, Needs, Outcome
from kure_juki.domain.movements.household_address import lives_at_one_address
from kure_juki.domain.movements.overlay import Overlay
from kure_juki.domain.notifications import Cancellation
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import Deletion
from kure_juki.domain.serialization import (
    household_from_dict,
    household_to_dict,
    resident_from_dict,
    resident_to_dict,
)

# Movement types that bring persons in (記載の事由) and take persons out (消除の事由, 標準1.2.2).
ADDITIONS = frozenset(
    {
        "move_in",
        "move_in_from_abroad",
        "birth",
        "foreign_registration_30_46",
        "foreign_registration_30_47",
    }
)
REMOVALS = frozenset({"death", "move_out", "move_out_abroad", "confirm_move_out"})
NOT_CANCELLABLE = frozenset({"cancellation"})

CANCELLED_ADDITION = "異動取消（減）"  # the persons brought in leave again
CANCELLED_REMOVAL = "異動取消（増）"  # the persons taken out come back
CANCELLED_CHANGE = "異動取消（修正）"


def cancellation_reason(cancelled_type: str) -> str:
    """The 異動事由 of cancelling a movement of *cancelled_type* (標準4.6.0.1)."""
    if cancelled_type in ADDITIONS:
        return CANCELLED_ADDITION
    if cancelled_type in REMOVALS:
        return CANCELLED_REMOVAL
    return CANCELLED_CHANGE


def _content(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "version"}


def _target(n: Cancellation) -> dict[str, Any]:
    target = getattr(n, "target", None)
    assert isinstance(target, dict), "the service resolves the target before checks"
    return target


class CancellationHandler:  # 取消
    def check(self, n: Cancellation, view: RegisterView, ctx: Context) -> list[Problem]:
        target = _target(n)
        if target["type"] in NOT_CANCELLABLE:
            return [problem("KJ-LOGIC-054", "movement_id")]
        after = target["after"]
        for rid, image in after["residents"].items():
            current = view.resident(rid)
            if current is None or _content(resident_to_dict(current)) != image:
                return [problem("KJ-LOGIC-053", "movement_id")]
        for hid, image in after["households"].items():
            current_h = view.household(hid)
            if current_h is None or _content(household_to_dict(current_h)) != image:
                return [problem("KJ-LOGIC-053", "movement_id")]
        # Later movements may rest on what this one did without touching its records (a birth
        # into the household it created): the register after the 取消 must still hold together.
        overlay = Overlay(view)
        outcome = self.apply(n, view, ctx, Allocation())
        overlay.put(outcome.residents, outcome.households)
        affected = {r.household_id for r in outcome.residents} | {
            h.household_id for h in outcome.households
        }
        for hid in sorted(affected):
            if not _household_holds(overlay, hid):
                return [problem("KJ-LOGIC-053", "movement_id")]
        for hid in sorted(affected):
            if not lives_at_one_address(overlay, hid):
                return [problem("KJ-LOGIC-506", "movement_id")]
        return []

    def needs(self, n: Cancellation, view: RegisterView) -> Needs:
        return Needs()

    def apply(
        self, n: Cancellation, view: RegisterView, ctx: Context, alloc: Allocation
    ) -> Outcome:
        target = _target(n)
        residents = []
        for rid, before in sorted(target["residents"].items()):
            if before is None:
                current = view.resident(rid)
                assert current is not None
                residents.append(
                    current.bump(
                        deletion=Deletion(
                            deleted_on=ctx.today, reason=cancellation_reason(target["type"])
                        ),
                        planned_move_out=None,
                    )
                )
            else:
                residents.append(resident_from_dict(before))
        households = []
        for hid, before in sorted(target["households"].items()):
            if before is None:
                current_h = view.household(hid)
                assert current_h is not None
                households.append(current_h.bump(dissolved_on=ctx.today, head_id=None))
            else:
                households.append(household_from_dict(before))
        return Outcome(
            residents=tuple(residents),
            households=tuple(households),
            resident_ids=tuple(sorted(target["residents"])),
            household_id=households[0].household_id
            if households
            else (residents[0].household_id if residents else None),
            reason_ja=cancellation_reason(target["type"]),
        )


def _household_holds(view: RegisterView, household_id: str) -> bool:
    """Living members only in an active household, headed by one of them (or awaiting a
    世帯主変更, which the head rule allows only with two or more members)."""
    members = view.members(household_id)
    if not members:
        return True
    household = view.household(household_id)
    if household is None or not household.is_active:
        return False
    heads = [m.resident_id for m in members if m.is_head]
    if household.head_id is None:  # awaiting a 世帯主変更: only with two or more members
        return not heads and len(members) >= 2
    return heads == [household.head_id]


def resolve(n: Cancellation, target: dict[str, Any]) -> Cancellation:
    """The notification with its target (done by the service from the cancelled entry)."""
    return attrs.evolve(n, target=target)
