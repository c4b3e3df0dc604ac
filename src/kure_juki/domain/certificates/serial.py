"""The issue number (発行番号) printed on every page: era letter, era year, running number."""

from __future__ import annotations

import datetime as dt

from kure_juki.domain.wareki import ERAS, era_of


def format_serial(number: int, today: dt.date) -> str:
    """``R08-000123``: the 和暦 era's letter and year of issue, then the running number.

    The number is the register's certificate counter: six digits at least, more when it grows.
    """
    if number < 1:
        raise ValueError("serial numbers start at 1")
    name, year = era_of(today)
    letter = next(e.letter for e in ERAS if e.name == name)
    return f"{letter}{year:02d}-{number:06d}"
