"""Dates as the 戸籍 records them (標準1.1.8): the forms, their periods and internal dates."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kure_juki.domain.recorded_date import UNKNOWN_SORT_DATE, parse_recorded_date
from kure_juki.domain.wareki import ERAS, to_wareki

D = dt.date
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
KANJI = "〇一二三四五六七八九"


def kanji_number(n: int) -> str:
    """五十五, 十二, 三十: the way a 戸籍 writes numbers."""
    tens, ones = divmod(n, 10)
    out = ("" if tens <= 1 else KANJI[tens]) + ("十" if tens else "")
    return out + (KANJI[ones] if ones else "")


def era_year(year: int) -> tuple[str, int]:
    """The latest era whose first year is *year* or earlier."""
    era = next(e for e in reversed(ERAS) if e.starts_on.year <= year)
    return era.name, year - era.starts_on.year + 1


def year_text(year: int) -> str:
    name, n = era_year(year)
    return f"{name}{'元' if n == 1 else n}年"


@pytest.mark.parametrize(
    ("text", "sort_date", "first", "last"),
    [
        # 不詳日入力一覧 of 標準1.1.8, in its order
        ("令和2年頃", D(2020, 1, 1), D(2020, 1, 1), D(2020, 12, 31)),
        ("令和2年3月頃", D(2020, 3, 1), D(2020, 3, 1), D(2020, 3, 31)),
        ("令和2年3月5日頃", D(2020, 3, 5), D(2020, 3, 5), D(2020, 3, 5)),
        ("推定令和2年3月5日", D(2020, 3, 5), D(2020, 3, 5), D(2020, 3, 5)),
        ("推定令和2年3月", D(2020, 3, 1), D(2020, 3, 1), D(2020, 3, 31)),
        ("令和2年春", D(2020, 3, 1), D(2020, 3, 1), D(2020, 5, 31)),
        ("令和2年3月上旬", D(2020, 3, 1), D(2020, 3, 1), D(2020, 3, 10)),
        ("令和2年3月中旬頃", D(2020, 3, 11), D(2020, 3, 11), D(2020, 3, 20)),
        ("令和2年 月日不詳", D(2020, 1, 1), D(2020, 1, 1), D(2020, 12, 31)),
        ("令和2年12月 日不詳", D(2020, 12, 1), D(2020, 12, 1), D(2020, 12, 31)),
        ("令和2年11月1日から11月10日頃までの間", D(2020, 11, 1), D(2020, 11, 1), D(2020, 11, 10)),
        ("令和2年11月推定1日から5日までの間", D(2020, 11, 1), D(2020, 11, 1), D(2020, 11, 5)),
        ("令和2年11月1日頃から5日頃までの間", D(2020, 11, 1), D(2020, 11, 1), D(2020, 11, 5)),
        # days that are not on the calendar but appear in 戸籍
        ("昭和55年2月30日", D(1980, 2, 29), D(1980, 2, 29), D(1980, 2, 29)),
        ("昭和54年2月29日", D(1979, 2, 28), D(1979, 2, 28), D(1979, 2, 28)),
        ("明治45年7月30日", D(1912, 7, 30), D(1912, 7, 30), D(1912, 7, 30)),
        ("大正15年12月25日", D(1926, 12, 25), D(1926, 12, 25), D(1926, 12, 25)),
        ("昭和64年1月8日", D(1989, 1, 8), D(1989, 1, 8), D(1989, 1, 8)),
        ("平成31年5月1日", D(2019, 5, 1), D(2019, 5, 1), D(2019, 5, 1)),
        # the other seasons, a year the era began in, a period into the next year
        ("令和2年冬", D(2020, 12, 1), D(2020, 12, 1), D(2021, 2, 28)),
        ("平成元年頃", D(1989, 1, 1), D(1989, 1, 1), D(1989, 12, 31)),
        ("令和2年12月25日から1月5日頃までの間", D(2020, 12, 25), D(2020, 12, 25), D(2021, 1, 5)),
        # the Western calendar (a foreign resident's 生年月日, 標準1.1.9), kanji numerals
        ("1981年2月29日", D(1981, 2, 28), D(1981, 2, 28), D(1981, 2, 28)),
        ("1990年頃", D(1990, 1, 1), D(1990, 1, 1), D(1990, 12, 31)),
        ("昭和五十五年二月三十日", D(1980, 2, 29), D(1980, 2, 29), D(1980, 2, 29)),
        ("昭和５５年２月下旬", D(1980, 2, 21), D(1980, 2, 21), D(1980, 2, 29)),
    ],
)
def test_each_form_states_a_period_and_sorts_by_its_first_day(
    text: str, sort_date: dt.date, first: dt.date, last: dt.date
) -> None:
    recorded = parse_recorded_date(text)
    assert recorded.text == text
    assert (recorded.sort_date, recorded.first, recorded.last) == (sort_date, first, last)


def test_year_month_and_day_unknown_sorts_first_unless_told() -> None:
    unknown = parse_recorded_date("年月日不詳")
    assert unknown.sort_date == UNKNOWN_SORT_DATE == D(1868, 1, 25)
    assert unknown.first is None and unknown.last is None and not unknown.exact
    assert parse_recorded_date("年月日不詳", D(1950, 6, 1)).sort_date == D(1950, 6, 1)


def test_a_sort_date_must_lie_in_the_stated_period() -> None:
    assert parse_recorded_date("昭和55年頃", D(1980, 7, 1)).sort_date == D(1980, 7, 1)
    with pytest.raises(ValueError):
        parse_recorded_date("昭和55年頃", D(1981, 1, 1))
    with pytest.raises(ValueError):
        parse_recorded_date("昭和55年2月上旬", D(1980, 2, 11))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "1980-02-32",
        "平成32年1月1日",  # 平成 had no 32nd year
        "令和0年1月1日",
        "昭和55年13月1日",
        "昭和55年2月32日",
        "昭和55年2月0日",
        "2月30日",  # no year
        "昭和55年2月30日ごろ",
        "昭和55年頃頃",
        "天保3年1月1日",  # before the register's eras
        "推定年月日不詳",
        "昭和55年2月1日から",
    ],
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_recorded_date(text)


@given(day=st.dates(min_value=ERAS[0].starts_on, max_value=D(2100, 12, 31)))
def test_a_calendar_day_in_wareki_is_that_day(day: dt.date) -> None:
    recorded = parse_recorded_date(to_wareki(day))
    assert recorded.sort_date == recorded.first == recorded.last == day
    assert recorded.exact and recorded.on_calendar


days_written = st.builds(
    lambda year, month, day: (year, month, day),
    st.integers(1873, 2100),
    st.integers(1, 12),
    st.integers(1, 31),
)


@given(written=days_written, digits=st.sampled_from(["ascii", "full", "kanji"]))
def test_round_trip_keeps_the_text_and_the_day_whatever_the_digits(
    written: tuple[int, int, int], digits: str
) -> None:
    year, month, day = written
    _, n = era_year(year)
    numbers = {"ascii": str, "full": lambda v: str(v).translate(FULL_WIDTH), "kanji": kanji_number}
    show = numbers[digits]
    name = era_year(year)[0]
    text = f"{name}{'元' if n == 1 else show(n)}年{show(month)}月{show(day)}日"
    recorded = parse_recorded_date(text)
    assert recorded.text == text  # kept as written
    again = parse_recorded_date(recorded.text)
    assert again == recorded
    last_day = calendar.monthrange(year, month)[1]
    assert recorded.sort_date == D(year, month, min(day, last_day))


def forms_of(year: int, month: int) -> list[str]:
    """Texts of one year and month from the widest period to the narrowest, each starting no
    earlier than the one before."""
    y = year_text(year)
    return [
        f"{y}頃",
        f"{y}{month}月頃",
        f"{y}{month}月上旬",
        f"{y}{month}月1日頃",
        f"{y}{month}月中旬頃",
        f"{y}{month}月11日から15日頃までの間",
        f"{y}{month}月下旬",
        f"推定{y}{month}月21日",
    ]


@given(year=st.integers(1873, 2100), month=st.integers(1, 12))
def test_internal_dates_follow_the_order_of_the_periods(year: int, month: int) -> None:
    sorts = [parse_recorded_date(t).sort_date for t in forms_of(year, month)]
    assert sorts == sorted(sorts)


@given(
    a=st.tuples(st.integers(1873, 2100), st.integers(1, 12), st.integers(1, 31)),
    b=st.tuples(st.integers(1873, 2100), st.integers(1, 12), st.integers(1, 31)),
    part=st.sampled_from(["上旬", "中旬", "下旬", "頃", " 日不詳", ""]),
)
def test_internal_dates_are_monotone_in_what_is_written(
    a: tuple[int, int, int], b: tuple[int, int, int], part: str
) -> None:
    """An earlier day (or month, with the same wording) never sorts after a later one."""
    low, high = sorted([a, b])

    def text(year: int, month: int, day: int) -> str:
        y = year_text(year)
        return f"{y}{month}月{day}日" if not part else f"{y}{month}月{part}"

    first = parse_recorded_date(text(*low))
    second = parse_recorded_date(text(*high))
    assert first.sort_date <= second.sort_date


@given(year=st.integers(1873, 2099))
def test_seasons_and_years_sort_in_order(year: int) -> None:
    y, following = year_text(year), year_text(year + 1)
    texts = [f"{y}春", f"{y}夏", f"{y}秋", f"{y}冬", f"{following}頃"]
    sorts = [parse_recorded_date(t).sort_date for t in texts]
    assert sorts == sorted(sorts)
    for t in texts:
        recorded = parse_recorded_date(t)
        assert recorded.first is not None and recorded.last is not None
        assert recorded.first <= recorded.sort_date <= recorded.last
