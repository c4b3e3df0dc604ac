"""A resident becomes a row and comes back the same, through the row builder written out for
the class (what the store and the bulk import use) as through the generic one."""

from __future__ import annotations

import datetime as dt
import json

import attrs
from hypothesis import given
from hypothesis import strategies as st

from kure_juki.adapters.sqlalchemy import codec
from kure_juki.adapters.sqlalchemy.bulk_lines import parse_line
from kure_juki.domain.address import OtherPlace
from kure_juki.domain.resident import (
    DatesAsRecorded,
    Deletion,
    FormerSurname,
    IndividualEntry,
    PlannedMoveOut,
    Resident,
)
from kure_juki.testing import synthetic

TODAY = dt.date(2026, 11, 26)
LINES = [json.dumps(line, ensure_ascii=False) for line in synthetic.households(60, seed=41)]
PEOPLE = [r for i, text in enumerate(LINES) for r in parse_line(text, i + 1, TODAY).residents]
ELSEWHERE = OtherPlace("広島県広島市中区基町10番52号", "341002", None)

dates = st.dates(dt.date(1990, 1, 1), dt.date(2026, 11, 25))


@st.composite
def residents(draw: st.DrawFn) -> Resident:
    r = draw(st.sampled_from(PEOPLE))
    if draw(st.booleans()):
        r = attrs.evolve(r, previous_address=ELSEWHERE)
    if draw(st.booleans()):
        r = attrs.evolve(r, planned_move_out=PlannedMoveOut(draw(dates), draw(dates), ELSEWHERE))
    if draw(st.booleans()):
        r = attrs.evolve(r, deletion=Deletion(draw(dates), "転出", ELSEWHERE))
    if draw(st.booleans()):
        r = attrs.evolve(r, former_surname=FormerSurname("旧田", "きゅうた", draw(dates)))
    if draw(st.booleans()):
        entry = IndividualEntry("elector", (("district", "第3投票区"),), draw(dates))
        r = attrs.evolve(r, individual_entries=(entry,))
    if draw(st.booleans()):
        r = attrs.evolve(r, my_number=None)
    if draw(st.booleans()):  # dates as the 戸籍 records them (標準1.1.8)
        r = attrs.evolve(r, as_recorded=DatesAsRecorded(birth_date="昭和55年2月30日"))
    return r


@given(residents())
def test_the_written_out_row_builder_is_the_generic_one(r: Resident) -> None:
    generic = codec.RowMap.to_row(codec.RESIDENTS, r)
    assert codec.RESIDENTS.to_row(r) == generic
    assert "my_number" not in generic["extra"]


@given(residents())
def test_a_resident_comes_back_from_its_row(r: Resident) -> None:
    row = codec.RESIDENTS.to_row(r)
    assert codec.RESIDENTS.from_row(row, my_number=r.my_number) == r


@given(st.sampled_from(PEOPLE))
def test_households_too(r: Resident) -> None:
    line = next(t for t in LINES if r.household_id in t)
    household = parse_line(line, 1, TODAY).household
    row = codec.HOUSEHOLDS.to_row(household)
    assert row == codec.RowMap.to_row(codec.HOUSEHOLDS, household)
    assert codec.HOUSEHOLDS.from_row(row) == household


@given(st.sampled_from(PEOPLE))
def test_a_row_written_before_dates_as_recorded_existed_still_loads(r: Resident) -> None:
    """The texts live in the row's extra JSON: a store written earlier needs no migration."""
    row = codec.RESIDENTS.to_row(r)
    extra = json.loads(row["extra"])
    del extra["as_recorded"]
    old = {**row, "extra": json.dumps(extra, ensure_ascii=False)}
    back = codec.RESIDENTS.from_row(old, my_number=r.my_number)
    assert back == r and back.as_recorded is None
