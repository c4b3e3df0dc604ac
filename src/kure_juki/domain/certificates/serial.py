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


def issue_number(
    today: dt.date, municipality: str, terminal: str, printer: str, number: int
) -> str:
    """発行番号 in the form of 標準5.5, without the page: ``20261126 呉市 T-001 P01 000123``.

    発行年月日・市区町村名・発行端末・発行プリンタ・連番; each page adds ``1/2``. A terminal or
    printer that cannot be named is left out (the standard allows it blank). The running number
    is the register's certificate counter, so every copy has its own.
    """
    parts = [today.strftime("%Y%m%d"), municipality, terminal, printer, f"{number:06d}"]
    return " ".join(p.strip() for p in parts if p and p.strip())
