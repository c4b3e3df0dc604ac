"""A settable clock for tests: time moves only when the test says so."""

from __future__ import annotations

import datetime as dt

from kure_juki.ports.clock import JST


class SettableClock:
    def __init__(self, start: dt.datetime | str = "2026-11-26T10:00:00+09:00") -> None:
        self.now = dt.datetime.fromisoformat(start) if isinstance(start, str) else start
        if self.now.tzinfo is None:
            self.now = self.now.replace(tzinfo=JST)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now

    def set(self, when: dt.datetime | str) -> None:
        self.now = dt.datetime.fromisoformat(when) if isinstance(when, str) else when

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(JST).date()
