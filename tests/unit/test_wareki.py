"""和暦: to_wareki, parse_wareki and era_of."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kure_juki.domain.wareki import ERAS, era_of, parse_wareki, to_wareki

# The oracle: first days of the eras, as published (Gregorian), with their Latin initials.
FIRST_DAYS = [
    ("明治", "M", dt.date(1868, 1, 25)),
    ("大正", "T", dt.date(1912, 7, 30)),
    ("昭和", "S", dt.date(1926, 12, 25)),
    ("平成", "H", dt.date(1989, 1, 8)),
    ("令和", "R", dt.date(2019, 5, 1)),
]
MEIJI = FIRST_DAYS[0][2]
register_dates = st.dates(min_value=MEIJI, max_value=dt.date(2100, 12, 31))
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def expected_era(day: dt.date) -> tuple[str, str, int]:
    name, letter, start = next(e for e in reversed(FIRST_DAYS) if e[2] <= day)
    return name, letter, day.year - start.year + 1


def test_eras_match_the_published_first_days() -> None:
    assert [(e.name, e.letter, e.starts_on) for e in ERAS] == FIRST_DAYS


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (dt.date(2026, 11, 26), "令和8年11月26日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1926, 12, 25), "昭和元年12月25日"),
        (dt.date(1926, 12, 24), "大正15年12月24日"),
        (dt.date(1912, 7, 30), "大正元年7月30日"),
        (dt.date(1912, 7, 29), "明治45年7月29日"),
        (dt.date(1868, 1, 25), "明治元年1月25日"),
        (dt.date(2100, 12, 31), "令和82年12月31日"),
    ],
)
def test_to_wareki_examples(day: dt.date, text: str) -> None:
    assert to_wareki(day) == text
    assert parse_wareki(text) == day


def test_to_wareki_takes_the_date_of_a_datetime() -> None:
    moment = dt.datetime(2019, 4, 30, 23, 59, 59, tzinfo=dt.UTC)
    assert to_wareki(moment) == "平成31年4月30日"
    assert era_of(moment) == ("平成", 31)


def test_before_meiji_raises() -> None:
    with pytest.raises(ValueError):
        to_wareki(dt.date(1868, 1, 24))
    with pytest.raises(ValueError):
        era_of(dt.date(1, 1, 1))
    with pytest.raises(TypeError):
        to_wareki("2026-11-26")  # type: ignore[arg-type]


@given(day=register_dates)
def test_round_trip(day: dt.date) -> None:
    assert parse_wareki(to_wareki(day)) == day


@given(day=register_dates)
def test_era_and_year_follow_the_published_table(day: dt.date) -> None:
    name, _letter, year = expected_era(day)
    assert era_of(day) == (name, year)
    year_text = "元" if year == 1 else str(year)
    assert to_wareki(day) == f"{name}{year_text}年{day.month}月{day.day}日"


@given(day=register_dates, separator=st.sampled_from([".", "/", "-"]), pad=st.booleans())
def test_short_forms_parse(day: dt.date, separator: str, pad: bool) -> None:
    name, letter, year = expected_era(day)
    width = 2 if pad else 1
    numbers = [f"{n:0{width}d}" for n in (year, day.month, day.day)]
    assert parse_wareki(letter + separator.join(numbers)) == day
    assert parse_wareki(letter.lower() + separator.join(numbers)) == day
    assert parse_wareki(name[0] + separator.join(numbers)) == day
    assert parse_wareki(f"{name} {numbers[0]}年 {numbers[1]}月 {numbers[2]}日") == day


@given(day=register_dates)
def test_full_width_digits_parse(day: dt.date) -> None:
    assert parse_wareki(to_wareki(day).translate(FULL_WIDTH)) == day


@pytest.mark.parametrize("index", range(1, len(FIRST_DAYS)))
def test_era_boundaries(index: int) -> None:
    previous_name, previous_letter, previous_start = FIRST_DAYS[index - 1]
    name, letter, start = FIRST_DAYS[index]
    last_day = start - dt.timedelta(days=1)
    last_year = last_day.year - previous_start.year + 1
    assert era_of(start) == (name, 1)
    assert era_of(last_day) == (previous_name, last_year)
    # The new era's first day does not exist in the old era, nor the old era's last in the new.
    with pytest.raises(ValueError):
        parse_wareki(f"{previous_name}{last_year}年{start.month}月{start.day}日")
    with pytest.raises(ValueError):
        parse_wareki(f"{letter}1.{last_day.month}.{last_day.day}")
    with pytest.raises(ValueError):
        parse_wareki(f"{previous_letter}{last_year + 1}.1.1")


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("R8.11.26", dt.date(2026, 11, 26)),
        ("H1.1.8", dt.date(1989, 1, 8)),
        ("H元.1.8", dt.date(1989, 1, 8)),
        ("平成元年1月8日", dt.date(1989, 1, 8)),
        ("令和８年１１月２６日", dt.date(2026, 11, 26)),
        ("Ｒ８．１１．２６", dt.date(2026, 11, 26)),
        ("㍻元年1月8日", dt.date(1989, 1, 8)),
        ("㋿元年5月1日", dt.date(2019, 5, 1)),
        ("S64/1/7", dt.date(1989, 1, 7)),
        (" 令和 8 年 11 月 26 日 ", dt.date(2026, 11, 26)),
    ],
)
def test_parse_wareki_examples(text: str, day: dt.date) -> None:
    assert parse_wareki(text) == day


@pytest.mark.parametrize(
    "text",
    [
        "平成31年5月1日",
        "令和元年4月30日",
        "昭和64年1月8日",
        "大正15年12月25日",
        "明治元年1月24日",
        "平成0年1月1日",
        "令和2年2月30日",
        "令和3年13月1日",
        "R8.11/26",
        "R8.11.26日",
        "2026-11-26",
        "令和八年十一月二十六日",
        "令和٨年١١月٢٦日",
        "X8.11.26",
        "",
    ],
)
def test_parse_wareki_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_wareki(text)


@given(text=st.text())
def test_parse_wareki_raises_only_value_error(text: str) -> None:
    try:
        day = parse_wareki(text)
    except ValueError:
        return
    assert parse_wareki(to_wareki(day)) == day
