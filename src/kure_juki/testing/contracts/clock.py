"""The contract of the clock port (``kure_juki.ports.clock``): every clock (the system clock, the
settable clock of the test kit, a vendor's time source) must pass this suite unchanged.

Subclass :class:`ClockContract` once per clock and implement ``make_clock``::

    class TestMyClock(ClockContract):
        def make_clock(self):
            return MyClock()

The properties, each a test below: a reading is an aware ``datetime``; successive readings never
go back; the host's time zone (``TZ``) changes nothing (a clock that read local time and called
it JST would jump by hours); the 処理日 is the date in Japan of the reading, whatever zone the
clock reports in; readings from several threads at once are all good.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import threading
import time
from collections.abc import Iterator

import pytest

from kure_juki.ports.clock import JST, Clock, today_in_japan

__all__ = ["ClockContract"]

# Zones far from Japan's on both sides, and one that keeps summer time.
HOST_ZONES = ("UTC", "America/Los_Angeles", "Pacific/Kiritimati", "Europe/London")


class ClockContract:
    """Subclass per clock and implement :meth:`make_clock`."""

    def make_clock(self) -> Clock:
        raise NotImplementedError

    @pytest.fixture
    def clock(self) -> Clock:
        return self.make_clock()

    @pytest.fixture
    def host_zone(self) -> Iterator[None]:
        """Lets a test change ``TZ``; the host's own zone is back afterwards."""
        before = os.environ.get("TZ")
        yield
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()

    def test_a_reading_is_aware(self, clock: Clock) -> None:
        now = clock()
        assert isinstance(now, dt.datetime)
        assert now.tzinfo is not None and now.utcoffset() is not None

    def test_readings_never_go_back(self, clock: Clock) -> None:
        readings = [clock() for _ in range(200)]
        assert all(a <= b for a, b in itertools.pairwise(readings))

    def test_the_host_time_zone_changes_nothing(self, clock: Clock, host_zone: None) -> None:
        readings = []
        for zone in HOST_ZONES:
            os.environ["TZ"] = zone
            time.tzset()
            readings.append(clock())
        assert all(r.utcoffset() is not None for r in readings)
        # Read in order: the instants go forward (or stand still), they never jump by hours.
        assert all(a <= b for a, b in itertools.pairwise(readings))
        assert readings[-1] - readings[0] < dt.timedelta(minutes=1)

    def test_the_working_day_is_the_date_in_japan(self, clock: Clock) -> None:
        before = clock()
        day = today_in_japan(clock)
        after = clock()
        assert day in {before.astimezone(JST).date(), after.astimezone(JST).date()}

    def test_readings_from_several_threads_at_once(self, clock: Clock) -> None:
        readings: list[dt.datetime] = []
        errors: list[BaseException] = []
        start = threading.Barrier(4)

        def read() -> None:
            try:
                start.wait()
                for _ in range(50):
                    readings.append(clock())
            except BaseException as error:  # collected for the main thread
                errors.append(error)

        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(readings) == 200
        assert all(isinstance(r, dt.datetime) and r.utcoffset() is not None for r in readings)
