"""Blocks (抑止) and support measures (支援措置) as pure rules (SPEC 5)."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kure_juki.domain import blocks, support_measures
from kure_juki.domain.blocks import Block, touched_ids
from kure_juki.domain.errors import Problem
from kure_juki.domain.parsing import parse_notification
from kure_juki.domain.support_measures import SupportMeasure
from kure_juki.ports.clock import JST

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=JST)


def block(**kw: object) -> Block:
    values: dict[str, object] = {
        "block_id": "B00000001",
        "process": "inquiry",
        "scope": "person",
        "target_id": "1000000001",
        "level": "error",
        "starts_on": dt.date(2026, 11, 1),
        "ends_on": dt.date(2026, 12, 31),
        "reason": "本人確認中",
        "set_by": "clerk01",
        "set_at": NOW,
    }
    values.update(kw)
    return Block(**values)  # type: ignore[arg-type]


def codes(found: list[Problem]) -> list[str]:
    return [p.code for p in found]


def test_error_block_refuses_alert_block_warns() -> None:
    assert codes(blocks.verdict([block()], "inquiry", ["1000000001"], [], NOW)) == ["KJ-ACCESS-008"]
    alert = block(level="alert")
    assert codes(blocks.verdict([alert], "inquiry", ["1000000001"], [], NOW)) == ["KJ-WARN-401"]


def test_a_block_stops_only_its_process_and_its_target() -> None:
    b = block()
    assert blocks.verdict([b], "movement", ["1000000001"], [], NOW) == []
    assert blocks.verdict([b], "inquiry", ["1000000002"], [], NOW) == []
    household = block(scope="household", target_id="5000000001")
    assert blocks.verdict([household], "inquiry", ["1000000001"], [], NOW) == []
    assert codes(blocks.verdict([household], "inquiry", [], ["5000000001"], NOW)) == [
        "KJ-ACCESS-008"
    ]


def test_a_block_does_not_lapse_at_the_end_of_its_period() -> None:
    b = block(ends_on=dt.date(2026, 11, 20))
    assert b.state(NOW) == "in_force"
    assert codes(blocks.verdict([b], "inquiry", ["1000000001"], [], NOW)) == [
        "KJ-ACCESS-008",
        "KJ-WARN-402",  # asks for a review instead
    ]


def test_a_block_is_pending_before_its_period() -> None:
    b = block(starts_on=dt.date(2026, 12, 1))
    assert b.state(NOW) == "pending"
    assert blocks.verdict([b], "inquiry", ["1000000001"], [], NOW) == []


@given(minutes=st.integers(min_value=1, max_value=24 * 60), after=st.integers(0, 10_000))
def test_a_temporary_release_reverts_by_itself(minutes: int, after: int) -> None:
    b = block(released_until=NOW + dt.timedelta(minutes=minutes), released_by="sup01")
    later = NOW + dt.timedelta(minutes=after)
    expected = "released" if after < minutes else "in_force"
    assert b.state(later) == expected
    found = codes(blocks.verdict([b], "inquiry", ["1000000001"], [], later))
    assert found == (["KJ-WARN-404"] if after < minutes else ["KJ-ACCESS-008"])


def test_a_lifted_block_stops_nothing() -> None:
    b = block(lifted_at=NOW, lifted_by="sup01")
    assert b.state(NOW) == "lifted"
    assert blocks.verdict([b], "inquiry", ["1000000001"], [], NOW) == []


def test_block_round_trips_through_its_document() -> None:
    b = block(released_until=NOW, released_by="x", ends_on=None)
    assert Block.from_dict(b.to_dict()) == b


def test_invalid_block_settings_are_each_reported() -> None:
    found = blocks.invalid_settings(
        "printing", "city", "fatal", dt.date(2026, 2, 1), dt.date(2026, 1, 1), ""
    )
    assert {p.item for p in found} == {"process", "scope", "level", "ends_on", "reason"}
    assert all(p.code == "KJ-FMT-403" for p in found)


@pytest.mark.parametrize(
    ("data", "persons", "households"),
    [
        (
            {
                "type": "move_within",
                "occurred_on": "2026-11-20",
                "resident_ids": ["1000000001", "1000000002"],
                "address": {"postal_code": "737-0045", "text": "呉市"},
            },
            ["1000000001", "1000000002"],
            [],
        ),
        (
            {"type": "death", "occurred_on": "2026-11-20", "resident_id": "1000000003"},
            ["1000000003"],
            [],
        ),
        (
            {
                "type": "change_head",
                "occurred_on": "2026-11-20",
                "household_id": "5000000001",
                "new_head_id": "1000000002",
                "relationships": {"1000000004": "子"},
            },
            ["1000000002", "1000000004"],
            ["5000000001"],
        ),
        (
            {
                "type": "merge_households",
                "occurred_on": "2026-11-20",
                "household_id": "5000000002",
                "into_household_id": "5000000001",
                "relationships": {},
            },
            [],
            ["5000000002", "5000000001"],
        ),
    ],
)
def test_touched_ids_finds_every_person_and_household_named(
    data: dict[str, object], persons: list[str], households: list[str]
) -> None:
    assert touched_ids(parse_notification(data)) == (persons, households)


def test_touched_ids_of_a_move_into_an_existing_household() -> None:
    from kure_juki.testing.factories import move_in

    n = parse_notification(move_in(household={"household_id": "5000000009"}))
    assert touched_ids(n) == ([], ["5000000009"])


# -- support measures --------------------------------------------------------------------------
def measure(**kw: object) -> SupportMeasure:
    start = kw.pop("starts_on", dt.date(2026, 4, 1))
    assert isinstance(start, dt.date)
    values: dict[str, object] = {
        "measure_id": "S00000001",
        "applicant_id": "1000000001",
        "accompanying_ids": ("1000000002",),
        "perpetrator_ids": ("1000000009",),
        "category": "dv",
        "starts_on": start,
        "ends_on": support_measures.period_end(start),
        "set_by": "clerk01",
        "set_at": NOW,
    }
    values.update(kw)
    return SupportMeasure(**values)  # type: ignore[arg-type]


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)))
def test_a_support_measure_lasts_one_year(start: dt.date) -> None:
    end = support_measures.period_end(start)
    assert 364 <= (end - start).days <= 365
    nxt = end + dt.timedelta(days=1)
    assert (nxt.month, nxt.day) == (start.month, start.day) or (start.month, start.day) == (2, 29)


def test_leap_day_start_ends_on_the_28th() -> None:
    assert support_measures.period_end(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)


def test_extension_opens_one_month_before_the_end() -> None:
    m = measure()  # 2026-04-01 .. 2027-03-31
    assert m.ends_on == dt.date(2027, 3, 31)
    assert m.extension_opens_on() == dt.date(2027, 2, 28)  # no 31 February: the last day
    refused = support_measures.extension_refusal(m, dt.date(2027, 2, 27))
    assert refused is not None and refused.code == "KJ-LOGIC-401"
    assert support_measures.extension_refusal(m, dt.date(2027, 2, 28)) is None
    assert support_measures.extension_refusal(m, dt.date(2027, 3, 31)) is None
    late = support_measures.extension_refusal(m, dt.date(2027, 4, 1))
    assert late is not None and late.code == "KJ-LOGIC-403"
    longer = support_measures.extended(m, dt.date(2027, 3, 10))
    assert longer.ends_on == dt.date(2028, 3, 31)
    assert longer.extended_on == (dt.date(2027, 3, 10),)


def test_an_ended_measure_protects_no_longer() -> None:
    m = measure(ended_on=dt.date(2026, 6, 1), ended_by="clerk01")
    assert m.is_active(dt.date(2026, 6, 1)) and not m.is_active(dt.date(2026, 6, 2))
    assert support_measures.protected_today([m], dt.date(2026, 6, 2)) == frozenset()


def test_the_perpetrator_is_refused_for_the_protected_only() -> None:
    m = measure()
    today = dt.date(2026, 11, 26)
    refused = support_measures.refusal_for_requester([m], ["1000000002"], "1000000009", today)
    assert refused is not None and refused.code == "KJ-ACCESS-009"
    assert support_measures.refusal_for_requester([m], ["1000000003"], "1000000009", today) is None
    assert support_measures.refusal_for_requester([m], ["1000000001"], "1000000005", today) is None
    assert support_measures.refusal_for_requester([m], ["1000000001"], None, today) is None
    after = dt.date(2027, 4, 1)
    assert support_measures.refusal_for_requester([m], ["1000000001"], "1000000009", after) is None


def test_alerts_tell_the_clerk_and_announce_the_end() -> None:
    m = measure()
    assert [p.code for p in support_measures.alerts([m], "1000000001", dt.date(2026, 11, 26))] == [
        "KJ-WARN-403"
    ]
    assert [p.code for p in support_measures.alerts([m], "1000000002", dt.date(2027, 3, 1))] == [
        "KJ-WARN-403",
        "KJ-WARN-405",
    ]
    assert support_measures.alerts([m], "1000000009", dt.date(2026, 11, 26)) == []


def test_invalid_measures_are_refused() -> None:
    found = support_measures.invalid_settings("1000000001", ("1000000002",), (), "vengeance")
    assert {p.item for p in found} == {"perpetrator_ids", "category"}
    overlap = support_measures.invalid_settings("1000000001", (), ("1000000001",), "dv")
    assert [p.code for p in overlap] == ["KJ-LOGIC-405"]


def test_measure_round_trips_through_its_document() -> None:
    m = attrs.evolve(measure(), extended_on=(dt.date(2027, 3, 1),), ended_on=dt.date(2027, 5, 1))
    assert SupportMeasure.from_dict(m.to_dict()) == m
