"""The clock contract run against the system clock and the test kit's settable clock (in Japan's
zone, and reporting in UTC just after midnight in Japan, where the dates of the two zones
differ)."""

from __future__ import annotations

from kure_juki.ports.clock import Clock, system_clock
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.contracts.clock import ClockContract


class TestSystemClock(ClockContract):
    def make_clock(self) -> Clock:
        return system_clock


class TestSettableClock(ClockContract):
    def make_clock(self) -> Clock:
        return SettableClock("2026-11-26T10:00:00+09:00")


class TestSettableClockInUtc(ClockContract):
    def make_clock(self) -> Clock:
        return SettableClock("2026-11-26T15:30:00+00:00")  # 00:30 on the 27th in Japan
