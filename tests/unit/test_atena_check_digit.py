"""宛名番号・世帯番号の検査付番 (標準1.1.13): モジュラス11, weights 2〜7 from the right."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kure_juki.domain.identifiers import atena_check_digit, complete_atena_number


# Worked by hand: weights 2,3,4,5,6,7,2,3,4 from the rightmost digit; 11 - (sum mod 11).
@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        ("100000001", 5),  # 1*2 + 1*4 = 6; 11 - 6 = 5
        ("100000002", 3),  # 2*2 + 1*4 = 8; 11 - 8 = 3
        ("100000003", 1),  # 3*2 + 1*4 = 10; 11 - 10 = 1
        ("100000005", 8),  # 5*2 + 1*4 = 14 ≡ 3; 11 - 3 = 8
        ("100000009", 0),  # 9*2 + 1*4 = 22 ≡ 0: remainder 0 gives 0
        ("500000001", 0),  # 1*2 + 5*4 = 22 ≡ 0
        ("500000002", 9),  # 2*2 + 5*4 = 24 ≡ 2; 11 - 2 = 9
        ("123456789", 2),  # 18+24+28+30+30+28+6+6+4 = 174 ≡ 9; 11 - 9 = 2
        ("7", 8),  # 7*2 = 14 ≡ 3
    ],
)
def test_hand_computed_check_digits(serial: str, expected: int) -> None:
    assert atena_check_digit(serial) == expected


def test_weights_cycle_after_seven() -> None:
    # "10000000": the 1 is the eighth digit from the right, weights 2,3,4,5,6,7,2,3: 1*3 = 3.
    total = sum(int(d) * (2, 3, 4, 5, 6, 7)[i % 6] for i, d in enumerate(reversed("10000000")))
    assert total == 3
    assert atena_check_digit("10000000") == 8


def test_remainder_one_has_no_check_digit() -> None:
    # 4*2 + 1*4 = 12 ≡ 1: 11 - 1 = 10 is not a digit; the standard gives none, so the serial
    # is not used.
    assert atena_check_digit("100000004") is None
    assert complete_atena_number("100000004") is None
    assert complete_atena_number("100000001") == "1000000015"


@pytest.mark.parametrize("bad", ["", "12a", "１２３", " 1"])
def test_malformed_serial_raises(bad: str) -> None:
    with pytest.raises(ValueError):
        atena_check_digit(bad)


@given(st.integers(min_value=0, max_value=10**12))
def test_every_completed_number_verifies(serial: int) -> None:
    completed = complete_atena_number(str(serial))
    if completed is None:
        return
    digits = [int(d) for d in completed]
    weighted = sum(d * (2 + i % 6) for i, d in enumerate(reversed(digits[:-1])))
    assert (weighted + digits[-1]) % 11 == 0


@given(st.integers(min_value=10**8, max_value=10**9 - 1), st.integers(0, 9), st.integers(1, 9))
def test_a_single_changed_digit_is_detected(serial: int, position: int, delta: int) -> None:
    completed = complete_atena_number(str(serial))
    if completed is None:
        return
    digits = list(completed)
    digits[position] = str((int(digits[position]) + delta) % 10)
    changed = "".join(digits)
    assert complete_atena_number(changed[:-1]) != changed
