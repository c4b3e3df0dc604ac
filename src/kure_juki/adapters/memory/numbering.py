"""A simulated numbering service: valid, unique 個人番号 and 住民票コード without a CS.

Numbers come from a bijection of a counter (multiplication by a prime modulo 10**k), so they
never repeat for one counter and look scattered like real ones. For tests and the demo;
production registers obtain them through the CS link.

The counter is the service's whole memory. On its own the service counts in its process, which
restarts at 0 with the process; the registry therefore asks for :meth:`SimulatedNumbering.within`
its store's counters (``uow.sequences``), so that a register reopened, or written by two
processes at once, never hands out a number twice.
"""

from __future__ import annotations

import itertools
import threading

from kure_juki.domain.identifiers import complete_my_number, complete_resident_code
from kure_juki.ports.numbering import Counters

_MY_NUMBER_STEP = 104_729  # prime, coprime with 10**11
_CODE_STEP = 7_919  # prime, coprime with 10**10

# Names of the store counters the simulator keeps its state in.
MY_NUMBER_COUNTER = "numbering.my_number"
RESIDENT_CODE_COUNTER = "numbering.resident_code"


class _ProcessCounters:
    """Counters of this process only (a simulator used outside a register)."""

    def __init__(self) -> None:
        self._counts: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()

    def next(self, name: str) -> int:
        with self._lock:
            return next(self._counts.setdefault(name, itertools.count(1)))


class SimulatedNumbering:
    def __init__(
        self,
        municipality_code: str = "342025",
        seed: int | None = None,
        *,
        counters: Counters | None = None,
    ) -> None:
        base = int(municipality_code) if seed is None else seed
        self._municipality_code = municipality_code
        self._seed = seed
        self._offset = (base * 1_000_003) % 10**10
        self._counters: Counters = counters if counters is not None else _ProcessCounters()

    def within(self, counters: Counters) -> SimulatedNumbering:
        """The same bijection counting in *counters* (the store's, inside a unit of work)."""
        return SimulatedNumbering(self._municipality_code, self._seed, counters=counters)

    def request_my_number(self, resident_code: str) -> str:
        n = self._counters.next(MY_NUMBER_COUNTER)
        first11 = (self._offset * 10 + n * _MY_NUMBER_STEP) % 10**11
        return complete_my_number(f"{first11:011d}")

    def allot_resident_codes(self, count: int) -> list[str]:
        codes = []
        for _ in range(count):
            n = self._counters.next(RESIDENT_CODE_COUNTER)
            codes.append(complete_resident_code(f"{(self._offset + n * _CODE_STEP) % 10**10:010d}"))
        return codes
