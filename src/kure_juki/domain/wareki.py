"""Japanese era dates (和暦): 明治 onwards, as certificates and notices write them.

Era boundaries are the Gregorian dates of each era's first day; an era ends the day before the
next begins (平成31年4月30日 is the last day of 平成, 平成31年5月1日 does not exist). On the two
days when an era changed during the day (明治45年7月30日 = 大正元年7月30日 and 大正15年12月25日 =
昭和元年12月25日) the new era is used, as the Japanese standard tables do.

明治 starts on 1868-01-25, the Gregorian date of 明治元年1月1日 (the era was proclaimed later in
the year and applied from New Year). Japan kept the lunisolar calendar until 明治5年12月2日
(1872-12-31): for earlier dates this module writes the Gregorian month and day with the 明治
year, not the lunisolar date of the time. Dates before 1868-01-25 raise ``ValueError``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import NamedTuple

__all__ = ["ERAS", "Era", "era_of", "parse_wareki", "to_wareki"]


class Era(NamedTuple):
    """One 元号 and its first day."""

    name: str  # 元号, e.g. 令和
    letter: str  # the Latin initial used in short forms, e.g. R8.11.26
    starts_on: dt.date


ERAS: tuple[Era, ...] = (
    Era("明治", "M", dt.date(1868, 1, 25)),
    Era("大正", "T", dt.date(1912, 7, 30)),
    Era("昭和", "S", dt.date(1926, 12, 25)),
    Era("平成", "H", dt.date(1989, 1, 8)),
    Era("令和", "R", dt.date(2019, 5, 1)),
)


def _as_date(day: object) -> dt.date:
    # datetime is a date subclass whose comparisons with date raise: take its calendar date.
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    raise TypeError("expected a datetime.date")


def _era_index(day: dt.date) -> int:
    for index in range(len(ERAS) - 1, -1, -1):
        if ERAS[index].starts_on <= day:
            return index
    raise ValueError("dates before 明治 (1868-01-25) have no era in this register")


def era_of(day: dt.date) -> tuple[str, int]:
    """The era name and year of ``day``: ``era_of(date(2019, 5, 1)) == ("令和", 1)``."""
    checked = _as_date(day)
    era = ERAS[_era_index(checked)]
    return era.name, checked.year - era.starts_on.year + 1


def to_wareki(day: dt.date) -> str:
    """``day`` as "令和8年11月26日" (ASCII digits, no padding, first year written 元年)."""
    checked = _as_date(day)
    name, year = era_of(checked)
    year_text = "元" if year == 1 else str(year)
    return f"{name}{year_text}年{checked.month}月{checked.day}日"


_ERA_BY_TOKEN: dict[str, Era] = {}
for _era in ERAS:
    _ERA_BY_TOKEN[_era.name] = _era
    _ERA_BY_TOKEN[_era.name[0]] = _era  # 明 大 昭 平 令, as in "平1.1.8"
    _ERA_BY_TOKEN[_era.letter] = _era
    _ERA_BY_TOKEN[_era.letter.lower()] = _era
del _era

_ERA_TOKEN = "|".join(sorted(map(re.escape, _ERA_BY_TOKEN), key=len, reverse=True))
_YEAR = r"(元|[0-9]{1,3})"
_NUMBER = r"([0-9]{1,2})"
_KANJI_FORM = re.compile(rf"({_ERA_TOKEN}){_YEAR}年{_NUMBER}月{_NUMBER}日")
_SHORT_FORM = re.compile(rf"({_ERA_TOKEN}){_YEAR}([./\-]){_NUMBER}\3{_NUMBER}")


def parse_wareki(text: str) -> dt.date:
    """The date written in ``text``.

    Accepts "令和8年11月26日", "令和元年5月1日", "R8.11.26", "H1.1.8", "平1/1/8", "R08-11-26",
    with full-width digits and letters, spaces anywhere and the square era signs ㍻ ㋿.
    Raises ``ValueError`` for anything else, for impossible dates (令和2年2月30日) and for dates
    outside their era (平成31年5月1日, 令和元年4月30日, 平成0年).
    """
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    # NFKC folds full-width digits and letters and turns ㍻/㋿ into 平成/令和.
    folded = "".join(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())
    match = _KANJI_FORM.fullmatch(folded)
    if match is not None:
        token, year_text, month_text, day_text = match.groups()
    else:
        match = _SHORT_FORM.fullmatch(folded)
        if match is None:
            raise ValueError("not a Japanese era date")
        token, year_text, _separator, month_text, day_text = match.groups()
    era = _ERA_BY_TOKEN[token]
    year = 1 if year_text == "元" else int(year_text)
    if year < 1:
        raise ValueError("era years start at 元年 (1)")
    try:
        day = dt.date(era.starts_on.year + year - 1, int(month_text), int(day_text))
    except ValueError:
        raise ValueError("no such date") from None
    if ERAS[_era_index(day)] != era:
        raise ValueError("date outside its era")
    return day
