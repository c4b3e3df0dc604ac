"""A simulated numbering service: valid, unique 個人番号 and 住民票コード without a CS.

Numbers come from a bijection of a counter (multiplication by a prime modulo 10**k), so they
never repeat within one simulator and look scattered like real ones. For tests and the demo;
production registers obtain them through the CS link.
"""

from __future__ import annotations

import threading

from kure_juki.domain.identifiers import complete_my_number, complete_resident_code

_MY_NUMBER_STEP = 104_729  # prime, coprime with 10**11
_CODE_STEP = 7_919  # prime, coprime with 10**10


class SimulatedNumbering:
    def __init__(self, municipality_code: str = "342025", seed: int | None = None) -> None:
        base = int(municipality_code) if seed is None else seed
        self._offset = (base * 1_000_003) % 10**10
        self._numbers = 0
        self._codes = 0
        self._lock = threading.Lock()

    def request_my_number(self, resident_code: str) -> str:
        with self._lock:
            self._numbers += 1
            n = self._numbers
        first11 = (self._offset * 10 + n * _MY_NUMBER_STEP) % 10**11
        return complete_my_number(f"{first11:011d}")

    def allot_resident_codes(self, count: int) -> list[str]:
        with self._lock:
            start = self._codes
            self._codes += count
        return [
            complete_resident_code(f"{(self._offset + (start + i + 1) * _CODE_STEP) % 10**10:010d}")
            for i in range(count)
        ]
