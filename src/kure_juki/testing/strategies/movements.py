"""Valid 異動 for a register: 転入 (and 国外転入, 法30条46/47届出), 転居, 転出, 転出確定, 出生,
死亡, 世帯主変更, 世帯分離, 世帯合併."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from kure_juki.domain.household import Household
from kure_juki.testing.strategies.common import (
    TypeStrategy,
    always,
    dated_by_notice,
    lives_at,
    movable_households,
    recent,
    relationships_for,
    since,
    subset,
    with_notice_day,
)
from kure_juki.testing.strategies.persons import (
    TRANSITIONAL_BIRTH,
    assign_codes,
    dates_between,
    foreign_persons,
    households,
    japanese_persons,
)
from kure_juki.testing.strategies.places import addresses, domestic_places, foreign_places
from kure_juki.testing.strategies.register import RegisterState


@st.composite
def _move_in(draw: st.DrawFn, state: RegisterState, kind: str) -> dict[str, Any]:
    occurred = draw(recent(state))
    joinable = state.households_with(1)
    join = bool(joinable) and draw(st.integers(0, 3)) == 0
    foreign = True if kind.startswith("foreign_registration") else None
    people = draw(
        households(
            born_by=occurred, arrived_on=occurred, foreign=foreign, with_head=not join,
            avoid_codes=state.used_codes,
        )
    )
    joined = draw(st.sampled_from(joinable)) if join else None
    n: dict[str, Any] = {
        "type": kind,
        "occurred_on": occurred.isoformat(),
        # Joining a household is joining its address (住基法6条).
        "address": state.address_of(joined.household_id) if joined else draw(addresses()),
        "household": {"household_id": joined.household_id} if joined else {"new": True},
        "persons": people,
    }
    if kind == "move_in":
        n["previous_address"] = draw(domestic_places(exclude=state.municipality_code))
    elif draw(st.booleans()):
        n["previous_address"] = draw(foreign_places())
    return with_notice_day(draw, state, n)


@st.composite
def _move_within(draw: st.DrawFn, state: RegisterState) -> dict[str, Any]:
    """A 転居 of a whole household, or of part of one into the household it forms or joins at
    the new address (標準4.0.2): a household never ends up at two addresses."""
    household = draw(st.sampled_from(movable_households(state)))
    everyone = state.members(household.household_id)
    free = [m for m in everyone if m.planned_move_out is None]
    chosen = subset(draw, free)
    ids = [r.resident_id for r in chosen]
    whole = len(chosen) == len(everyone)
    joinable = [
        h
        for h in state.households_with(1)
        if h.household_id != household.household_id
        and not all(lives_at(r, state.address_of(h.household_id)) for r in chosen)
    ]
    how = draw(st.sampled_from(
        (["whole"] if whole else []) + ["new"] + (["join"] if joinable else [])
    ))
    n: dict[str, Any] = {
        "type": "move_within",
        "occurred_on": draw(recent(state, since(chosen))).isoformat(),
        "resident_ids": ids,
    }
    if how == "join":
        target = draw(st.sampled_from(joinable))
        n["address"] = state.address_of(target.household_id)
        n["household"] = {"household_id": target.household_id}
        n["relationships"] = relationships_for(draw, ids)
    else:
        n["address"] = draw(addresses().filter(lambda a: not all(lives_at(r, a) for r in chosen)))
    if how == "new":
        head = draw(st.sampled_from(ids))
        n["household"] = {"new": True}
        n["relationships"] = {head: "世帯主", **relationships_for(
            draw, [i for i in ids if i != head]
        )}
    return with_notice_day(draw, state, n)


@st.composite
def _move_out(draw: st.DrawFn, state: RegisterState, kind: str) -> dict[str, Any]:
    household = draw(st.sampled_from(movable_households(state)))
    free = [m for m in state.members(household.household_id) if m.planned_move_out is None]
    chosen = subset(draw, free)
    earliest = max(since(chosen), state.today - dt.timedelta(days=30))
    planned = draw(dates_between(earliest, state.today + dt.timedelta(days=30)))  # 転出予定日
    abroad = kind == "move_out_abroad"
    destination = (
        draw(foreign_places()) if abroad else draw(domestic_places(exclude=state.municipality_code))
    )
    return {
        "type": kind,
        "occurred_on": planned.isoformat(),
        "notified_on": state.today.isoformat(),
        "resident_ids": [r.resident_id for r in chosen],
        "destination": destination,
    }


@st.composite
def _confirm_move_out(draw: st.DrawFn, state: RegisterState) -> dict[str, Any]:
    planned = [r for r in state.living if r.planned_move_out is not None]
    chosen = subset(draw, planned)
    due = all(r.planned_move_out and r.planned_move_out.planned_on <= state.today for r in chosen)
    n: dict[str, Any] = {
        "type": "confirm_move_out",
        "resident_ids": [r.resident_id for r in chosen],
        "source": draw(st.sampled_from(["move_in_notice", "planned_date"] if due else
                                       ["move_in_notice"])),
    }
    if draw(st.booleans()):
        n["occurred_on"] = draw(dates_between(since(chosen), state.today)).isoformat()
    if draw(st.booleans()):
        n["destination"] = draw(domestic_places(exclude=state.municipality_code))
    return n


@st.composite
def _birth(draw: st.DrawFn, state: RegisterState) -> dict[str, Any]:
    household = draw(st.sampled_from(state.households_with(1)))
    members = state.members(household.household_id)
    born = draw(recent(state))
    relationship = draw(st.sampled_from(["子", "子の子", "子の子の子"]))
    if draw(st.integers(0, 4)) == 0:
        child = draw(foreign_persons(TRANSITIONAL_BIRTH, relationship=relationship, born_by=born))
    else:
        child = draw(japanese_persons(relationship=relationship, born_by=born))
        if any(m.japanese for m in members) and draw(st.booleans()):
            # 本籍・筆頭者 left out: the register takes them from the household
            child.pop("registered_domicile")
            child.pop("domicile_head")
    child.pop("alias", None)
    if draw(st.booleans()):
        child["birth_date"] = born.isoformat()
    else:
        child.pop("birth_date")
    child = draw(assign_codes([child], state.used_codes))[0]
    return with_notice_day(draw, state, {
        "type": "birth",
        "occurred_on": born.isoformat(),
        "household_id": household.household_id,
        "person": child,
    })


@st.composite
def _death(draw: st.DrawFn, state: RegisterState) -> dict[str, Any]:
    r = draw(st.sampled_from(state.living))
    return with_notice_day(draw, state, {
        "type": "death",
        "occurred_on": draw(recent(state, r.birth_date)).isoformat(),
        "resident_id": r.resident_id,
    })


@st.composite
def _change_head(draw: st.DrawFn, state: RegisterState) -> dict[str, Any]:
    household = draw(st.sampled_from(state.households_with(1)))
    members = state.members(household.household_id)
    head = draw(st.sampled_from(members))
    others = [m.resident_id for m in members if m.resident_id != head.resident_id]
    return dated_by_notice(draw, state, {
        "type": "change_head",
        "household_id": household.household_id,
        "new_head_id": head.resident_id,
        "relationships": relationships_for(draw, others),
    })


@st.composite
def _split_household(draw: st.DrawFn, state: RegisterState) -> dict[str, Any]:
    household = draw(st.sampled_from(state.households_with(2)))
    chosen = subset(draw, state.members(household.household_id), proper=True)
    head = draw(st.sampled_from(chosen))
    others = [r.resident_id for r in chosen if r.resident_id != head.resident_id]
    return dated_by_notice(draw, state, {
        "type": "split_household",
        "resident_ids": [r.resident_id for r in chosen],
        "new_head_id": head.resident_id,
        "relationships": relationships_for(draw, others),
    })


def merge_targets(state: RegisterState) -> list[Household]:
    return [h for h in state.households_with(1) if h.head_id is not None]


@st.composite
def _merge_households(draw: st.DrawFn, state: RegisterState) -> dict[str, Any]:
    target = draw(st.sampled_from([t for t in merge_targets(state) if _merge_sources(state, t)]))
    sources = _merge_sources(state, target)
    source = draw(st.sampled_from(sources))
    members = [m.resident_id for m in state.members(source.household_id)]
    return dated_by_notice(draw, state, {
        "type": "merge_households",
        "household_id": source.household_id,
        "into_household_id": target.household_id,
        "relationships": relationships_for(draw, members),
    })


def _merge_sources(state: RegisterState, target: Household) -> list[Household]:
    """Households that may merge into *target*: those living at its address (標準4.1.4.1)."""
    address = state.address_of(target.household_id)
    return [
        h
        for h in state.households_with(1)
        if h.household_id != target.household_id and state.address_of(h.household_id) == address
    ]


def _merge_possible(state: RegisterState) -> bool:
    return any(_merge_sources(state, t) for t in merge_targets(state))


MOVEMENTS: dict[str, TypeStrategy] = {
    "move_in": TypeStrategy(always, lambda s: _move_in(s, "move_in")),
    "move_in_from_abroad": TypeStrategy(always, lambda s: _move_in(s, "move_in_from_abroad")),
    "foreign_registration_30_46": TypeStrategy(
        always, lambda s: _move_in(s, "foreign_registration_30_46")
    ),
    "foreign_registration_30_47": TypeStrategy(
        always, lambda s: _move_in(s, "foreign_registration_30_47")
    ),
    "move_within": TypeStrategy(lambda s: bool(movable_households(s)), _move_within),
    "move_out": TypeStrategy(
        lambda s: bool(movable_households(s)), lambda s: _move_out(s, "move_out")
    ),
    "move_out_abroad": TypeStrategy(
        lambda s: bool(movable_households(s)), lambda s: _move_out(s, "move_out_abroad")
    ),
    "confirm_move_out": TypeStrategy(
        lambda s: any(r.planned_move_out for r in s.living), _confirm_move_out
    ),
    "birth": TypeStrategy(lambda s: bool(s.households_with(1)), _birth),
    "death": TypeStrategy(lambda s: bool(s.living), _death),
    "change_head": TypeStrategy(lambda s: bool(s.households_with(1)), _change_head),
    "split_household": TypeStrategy(lambda s: bool(s.households_with(2)), _split_household),
    "merge_households": TypeStrategy(_merge_possible, _merge_households),
}
