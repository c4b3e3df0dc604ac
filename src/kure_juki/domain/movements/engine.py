"""The pure engine: defaults, checks and application of any notification.

The service layer calls, in order: :func:`with_defaults`, :func:`check` (every format and logic
problem at once), :func:`needs` (identifiers to allocate), :func:`apply`. The same
:func:`apply` replays the history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from kure_juki.domain.errors import Problem
from kure_juki.domain.format_checks import check_format
from kure_juki.domain.movements.alias import AliasDeletionHandler, AliasEntryHandler
from kure_juki.domain.movements.base import Allocation, Context, Needs, Outcome
from kure_juki.domain.movements.birth import BirthHandler
from kure_juki.domain.movements.cancellation import CancellationHandler
from kure_juki.domain.movements.change_head import ChangeHeadHandler
from kure_juki.domain.movements.code_change import (
    MyNumberChangeHandler,
    ResidentCodeChangeHandler,
)
from kure_juki.domain.movements.correction import CorrectionHandler
from kure_juki.domain.movements.death import DeathHandler
from kure_juki.domain.movements.foreign_status import StatusChangeHandler
from kure_juki.domain.movements.former_surname import (
    FormerSurnameDeletionHandler,
    FormerSurnameEntryHandler,
)
from kure_juki.domain.movements.individual import IndividualEntryHandler
from kure_juki.domain.movements.merge_households import MergeHouseholdsHandler
from kure_juki.domain.movements.move_in import MoveInHandler
from kure_juki.domain.movements.move_out import ConfirmMoveOutHandler, MoveOutHandler
from kure_juki.domain.movements.move_within import MoveWithinHandler
from kure_juki.domain.movements.nationality import NationalityHandler
from kure_juki.domain.movements.split_household import SplitHouseholdHandler
from kure_juki.domain.notifications import (
    AliasDeletion,
    AliasEntry,
    Birth,
    Cancellation,
    ChangeHead,
    Correction,
    Death,
    FormerSurnameDeletion,
    FormerSurnameEntry,
    IndividualEntryNotice,
    MergeHouseholds,
    MyNumberChange,
    Notification,
    ResidenceStatusChange,
    ResidentCodeChange,
    SplitHousehold,
    StayExtension,
)
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import Resident

HANDLERS: dict[str, Any] = {
    "move_in": MoveInHandler(),
    "move_in_from_abroad": MoveInHandler(),
    "move_within": MoveWithinHandler(),
    "move_out": MoveOutHandler(),
    "move_out_abroad": MoveOutHandler(),
    "confirm_move_out": ConfirmMoveOutHandler(),
    "birth": BirthHandler(),
    "death": DeathHandler(),
    "change_head": ChangeHeadHandler(),
    "split_household": SplitHouseholdHandler(),
    "merge_households": MergeHouseholdsHandler(),
    "correction": CorrectionHandler(),
    "foreign_registration_30_46": MoveInHandler(),
    "foreign_registration_30_47": MoveInHandler(),
    "residence_status_change": StatusChangeHandler(),
    "stay_extension": StatusChangeHandler(),
    "alias_entry": AliasEntryHandler(),
    "alias_deletion": AliasDeletionHandler(),
    "former_surname_entry": FormerSurnameEntryHandler(),
    "former_surname_deletion": FormerSurnameDeletionHandler(),
    "naturalization": NationalityHandler(),
    "nationality_acquisition": NationalityHandler(),
    "nationality_loss": NationalityHandler(),
    "individual_entry": IndividualEntryHandler(),
    "resident_code_change": ResidentCodeChangeHandler(),
    "my_number_change": MyNumberChangeHandler(),
    "cancellation": CancellationHandler(),
}


DATED_BY_NOTICE = (
    ChangeHead,
    SplitHousehold,
    MergeHouseholds,
    Correction,
    Cancellation,
    IndividualEntryNotice,
    ResidentCodeChange,
    MyNumberChange,
    AliasEntry,
    AliasDeletion,
    FormerSurnameEntry,
    FormerSurnameDeletion,
    ResidenceStatusChange,
    StayExtension,
)


def register_handler(kind: str, handler: Any) -> None:
    """Later movement types (foreign residents, 旧氏, 取消 …) plug in here."""
    HANDLERS[kind] = handler


def with_defaults(n: Notification, today: dt.date) -> Notification:
    """届出日 defaults to today; a birth's 異動日 is the birth date; a correction's is today."""
    changes: dict[str, Any] = {}
    if n.notified_on is None:
        changes["notified_on"] = today
    if n.occurred_on is None:
        if isinstance(n, Birth) and n.person.birth_date is not None:
            changes["occurred_on"] = n.person.birth_date
            changes["occurred_on_as_recorded"] = n.person.birth_date_as_recorded
        elif isinstance(n, Death) and n.occurred_on_as_recorded is not None:
            # 「年月日不詳」 with no sort date: the record is deleted as of the day the death was
            # notified, the last day it can have happened (and never before the birth).
            changes["occurred_on"] = changes.get("notified_on", n.notified_on)
        elif isinstance(n, DATED_BY_NOTICE):
            # A household change or correction takes effect on the day it is notified.
            changes["occurred_on"] = n.notified_on or today
    return attrs.evolve(n, **changes) if changes else n


def check(n: Notification, view: RegisterView, ctx: Context) -> list[Problem]:
    """Every problem of *n*: format first; logic only on a well-formed notification."""
    found = check_format(n)
    if any(p.severity == "error" for p in found):
        return found
    return found + list(HANDLERS[n.type].check(n, view, ctx))


def needs(n: Notification, view: RegisterView) -> Needs:
    result: Needs = HANDLERS[n.type].needs(n, view)
    return result


def number_requests(n: Notification, codes: tuple[str, ...], view: RegisterView) -> list[str]:
    """The 住民票コード for which a 個人番号 is to be generated, in allocation order."""
    handler = HANDLERS[n.type]
    if not hasattr(handler, "number_requests"):
        return []
    result: list[str] = handler.number_requests(n, codes, view)
    return result


def apply(n: Notification, view: RegisterView, ctx: Context, alloc: Allocation) -> Outcome:
    result: Outcome = HANDLERS[n.type].apply(n, view, ctx, alloc)
    if isinstance(n, Correction):  # a correction states both the date and its text
        return result
    residents = tuple(
        _written_follow_dates(r, view.resident(r.resident_id)) for r in result.residents
    )
    return attrs.evolve(result, residents=residents)


RECORDED_ITEMS = ("birth_date", "became_resident_on", "address_since", "became_foreign_resident_on")


def _date_of(r: Resident, item: str) -> dt.date | None:
    if item == "became_foreign_resident_on":
        return r.foreign.became_foreign_resident_on if r.foreign is not None else None
    day: dt.date = getattr(r, item)
    return day


def _written_follow_dates(new: Resident, old: Resident | None) -> Resident:
    """A date kept as the 戸籍 records it (標準1.1.8) describes the date it was entered with: a
    movement that changes the date (転居's 住所を定めた年月日 …) leaves the new date a calendar
    day, not the old text."""
    if old is None or new.as_recorded is None:
        return new
    stale = {
        item: None
        for item in RECORDED_ITEMS
        if new.written(item) is not None
        and new.written(item) == old.written(item)
        and _date_of(new, item) != _date_of(old, item)
    }
    if not stale:
        return new
    dates = attrs.evolve(new.as_recorded, **stale)
    return attrs.evolve(new, as_recorded=None if dates.empty else dates)
