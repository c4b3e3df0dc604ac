"""The clock port: the only source of the current time. Tests pass a settable clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

JST = dt.timezone(dt.timedelta(hours=9), "JST")

Clock = Callable[[], dt.datetime]  # returns an aware datetime


def system_clock() -> dt.datetime:
    return dt.datetime.now(JST)


def today_in_japan(clock: Clock) -> dt.date:
    """The administrative date (処理日) in Japan, whatever zone the clock reports in."""
    now = clock()
    if now.tzinfo is None:
        raise ValueError("the clock must return an aware datetime")
    return now.astimezone(JST).date()
