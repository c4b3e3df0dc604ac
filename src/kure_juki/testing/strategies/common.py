"""What the notification builders share: dates, the day of notice, choices among residents,
and the shape of a type's entry (is it possible on this register, and its strategy)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from hypothesis import strategies as st

from kure_juki.domain.household import Household
from kure_juki.domain.movements.common import to_address
from kure_juki.domain.notifications import AddressEntry
from kure_juki.domain.resident import Resident
from kure_juki.testing.strategies.persons import RELATIONSHIPS, dates_between
from kure_juki.testing.strategies.register import RegisterState


class TypeStrategy(NamedTuple):
    """One notification type: whether a valid instance exists on a register, and how to draw
    one there."""

    possible: Callable[[RegisterState], bool]
    build: Callable[[RegisterState], st.SearchStrategy[dict[str, Any]]]


def always(state: RegisterState) -> bool:
    return True


def since(residents: Iterable[Resident]) -> dt.date:
    """The earliest day a movement of *residents* may carry (not before their last address)."""
    return max(max(r.address_since, r.became_resident_on) for r in residents)


def recent(state: RegisterState, not_before: dt.date | None = None) -> st.SearchStrategy[dt.date]:
    """A day of the last 40 days, not before *not_before*: past the 14 days of the notice
    period a notice is late, accepted with a warning (KJ-WARN-001)."""
    low = state.today - dt.timedelta(days=40)
    return dates_between(max(low, not_before or low), state.today)


def with_notice_day(draw: st.DrawFn, state: RegisterState, n: dict[str, Any]) -> dict[str, Any]:
    """届出日 today, or left out (it defaults to today)."""
    if draw(st.booleans()):
        n["notified_on"] = state.today.isoformat()
    return n


def subset(draw: st.DrawFn, items: list[Resident], *, proper: bool = False) -> list[Resident]:
    most = len(items) - 1 if proper else len(items)
    chosen = draw(st.lists(st.sampled_from(items), min_size=1, max_size=most, unique=True))
    return sorted(chosen, key=lambda r: r.resident_id)


def relationships_for(draw: st.DrawFn, ids: Iterable[str]) -> dict[str, str]:
    return {rid: draw(st.sampled_from(RELATIONSHIPS)) for rid in ids}


def lives_at(r: Resident, entry: dict[str, str]) -> bool:
    return r.address == to_address(AddressEntry(**entry))


def movable_households(state: RegisterState) -> list[Household]:
    """Households with living members that have no planned move-out."""
    return [
        h
        for h in state.households_with(1)
        if any(m.planned_move_out is None for m in state.members(h.household_id))
    ]


def dated_by_notice(draw: st.DrawFn, state: RegisterState, n: dict[str, Any]) -> dict[str, Any]:
    """Household changes, corrections and entries take effect on the day of notice unless
    an earlier 異動日 is given."""
    if draw(st.booleans()):
        n["occurred_on"] = draw(recent(state)).isoformat()
        n["notified_on"] = state.today.isoformat()
        return n
    return with_notice_day(draw, state, n)
