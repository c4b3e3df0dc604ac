"""Check digits and shapes of 個人番号, 住民票コード, 地方公共団体コード, 在留カード番号, 郵便番号.

What the modulus-11 codes detect, stated exactly (and checked below):

* A payload digit at weight ``q`` changed by ``d`` (1 <= |d| <= 9) shifts the weighted sum by
  ``q*d``, never a multiple of 11 (11 is prime, 2 <= q <= 7). The remainder ``r`` always changes,
  but the check digit maps two remainders to one value (個人番号/住民票コード: r = 0 and 1 both
  give 0; 地方公共団体コード: r = 0 and 10 both give 1). So a single substitution is detected
  unless the old and new remainders are exactly that pair. A changed check digit is always
  detected.
* Swapping two different payload digits at weights ``qi != qj`` shifts the sum by
  ``(a-b)(qj-qi)``, again never a multiple of 11: detected unless the remainders are that pair.
  For 個人番号 and 住民票コード positions n and n+6 (from the right) share a weight, so swapping
  them is never detected. Adjacent weights always differ.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import NamedTuple

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from kure_juki.domain.identifiers import (
    complete_local_gov_code,
    complete_my_number,
    complete_resident_code,
    is_valid_local_gov_code,
    is_valid_my_number,
    is_valid_postal_code,
    is_valid_residence_card_number,
    is_valid_resident_code,
    local_gov_code_check_digit,
    my_number_check_digit,
    normalize_digits,
    parse_local_gov_code,
    parse_my_number,
    parse_postal_code,
    parse_residence_card_number,
    parse_resident_code,
    resident_code_check_digit,
)


def digit_strings(length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=length, max_size=length)


def weights_from_left(length: int) -> list[int]:
    """Qn of the ordinance (n counted from the right), listed from the leftmost payload digit."""
    return [n + 1 if n <= 6 else n - 5 for n in range(length, 0, -1)]


def remainder(payload: str, weights: list[int]) -> int:
    return sum(int(c) * w for c, w in zip(payload, weights, strict=True)) % 11


class Kind(NamedTuple):
    name: str
    length: int  # payload digits before the check digit
    check: Callable[[str], int]
    valid: Callable[[object], bool]
    shared: set[int]  # the two remainders that give the same check digit
    weights: list[int]  # from the leftmost payload digit


KINDS = [
    Kind("my_number", 11, my_number_check_digit, is_valid_my_number, {0, 1}, weights_from_left(11)),
    Kind(
        "resident_code",
        10,
        resident_code_check_digit,
        is_valid_resident_code,
        {0, 1},
        weights_from_left(10),
    ),
    Kind(
        "local_gov_code",
        5,
        local_gov_code_check_digit,
        is_valid_local_gov_code,
        {0, 10},
        [6, 5, 4, 3, 2],
    ),
]
by_kind = pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])


# --- known values ------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["342025", "131016", "011002", "340006", "271403", "141003"])
def test_real_local_government_codes_validate(code: str) -> None:
    # 呉市, 東京都千代田区, 札幌市, 広島県, 堺市, 横浜市
    assert is_valid_local_gov_code(code)
    assert complete_local_gov_code(code[:5]) == code


def test_local_gov_check_digit_table() -> None:
    # 34202 sums to 50, remainder 6, 11 - 6 = 5
    assert local_gov_code_check_digit("34202") == 5
    # remainder 0 gives 11 -> 1, remainder 1 gives 10 -> 0, remainder 10 gives 1
    assert local_gov_code_check_digit("00000") == 1
    assert local_gov_code_check_digit("20000") == 0  # 2*6 = 12, remainder 1 -> 10 -> 0
    assert local_gov_code_check_digit("00005") == 1  # 5*2 = 10, remainder 10 -> 1
    assert local_gov_code_check_digit("10001") == 3  # 6 + 2 = 8 -> 3


@pytest.mark.parametrize("number", ["123456789018", "621498320257"])
def test_published_my_number_examples_validate(number: str) -> None:
    assert is_valid_my_number(number)
    assert complete_my_number(number[:11]) == number


def test_my_number_check_digit_worked_example() -> None:
    # 12345678901 from the right: 1*2 + 0*3 + 9*4 + 8*5 + 7*6 + 6*7 + 5*2 + 4*3 + 3*4 + 2*5
    # + 1*6 = 212; 212 mod 11 = 3; 11 - 3 = 8.
    assert my_number_check_digit("12345678901") == 8
    assert not is_valid_my_number("621498320258")


def test_resident_code_uses_the_same_weights_over_ten_digits() -> None:
    # 1234567890 from the right: 0*2 + 9*3 + 8*4 + 7*5 + 6*6 + 5*7 + 4*2 + 3*3 + 2*4 + 1*5
    # = 195; 195 mod 11 = 8; 11 - 8 = 3.
    assert resident_code_check_digit("1234567890") == 3
    assert is_valid_resident_code("12345678903")
    assert complete_resident_code("0000000000") == "00000000000"


# --- check-digit functions reject malformed payloads ------------------------------------


def malformed_payloads(length: int) -> list[str]:
    good = "1234567890123"[:length]
    return [
        "",
        good[:-1],
        good + "0",
        good.translate(str.maketrans(string.digits, "０１２３４５６７８９")),
        good.translate(str.maketrans(string.digits, "٠١٢٣٤٥٦٧٨٩")),
        good[:-1] + "a",
        good[:-1] + " ",
        " " + good[1:],
        good[:-1] + "²",
    ]


@pytest.mark.parametrize(
    ("function", "length"),
    [(my_number_check_digit, 11), (resident_code_check_digit, 10), (local_gov_code_check_digit, 5)],
)
def test_check_digit_functions_raise_value_error(
    function: Callable[[str], int], length: int
) -> None:
    function("1234567890123"[:length])  # the well-formed payload is accepted
    for bad in malformed_payloads(length):
        with pytest.raises(ValueError):
            function(bad)


@pytest.mark.parametrize(
    "function", [my_number_check_digit, resident_code_check_digit, local_gov_code_check_digit]
)
def test_check_digit_functions_refuse_non_str(function: Callable[[object], int]) -> None:
    with pytest.raises(TypeError):
        function(12345678901)


# --- properties of the modulus-11 codes --------------------------------------------------


@by_kind
@given(data=st.data())
def test_completed_payload_is_valid_and_unique(kind: Kind, data: st.DataObject) -> None:
    payload = data.draw(digit_strings(kind.length))
    digit = kind.check(payload)
    assert 0 <= digit <= 9
    assert kind.valid(payload + str(digit))
    for other in set(string.digits) - {str(digit)}:
        assert not kind.valid(payload + other)


@by_kind
@given(data=st.data())
def test_single_substitution_detected_unless_shared_remainders(
    kind: Kind, data: st.DataObject
) -> None:
    payload = data.draw(digit_strings(kind.length))
    code = payload + str(kind.check(payload))
    position = data.draw(st.integers(0, kind.length))  # kind.length: the check digit itself
    new_digit = data.draw(st.sampled_from(string.digits).filter(lambda d: d != code[position]))
    mutated = code[:position] + new_digit + code[position + 1 :]
    if position == kind.length:
        assert not kind.valid(mutated)
        return
    old_r = remainder(payload, kind.weights)
    new_r = remainder(mutated[: kind.length], kind.weights)
    assert old_r != new_r
    assert kind.valid(mutated) == ({old_r, new_r} == kind.shared)


@by_kind
@given(data=st.data())
def test_transposition_detected_unless_same_weight_or_shared_remainders(
    kind: Kind, data: st.DataObject
) -> None:
    payload = data.draw(digit_strings(kind.length))
    i = data.draw(st.integers(0, kind.length - 2))
    j = data.draw(st.integers(i + 1, kind.length - 1))
    assume(payload[i] != payload[j])
    code = payload + str(kind.check(payload))
    swapped = list(code)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    mutated = "".join(swapped)
    if kind.weights[i] == kind.weights[j]:
        assert kind.valid(mutated)
    else:
        remainders = {remainder(payload, kind.weights), remainder(mutated[:-1], kind.weights)}
        assert kind.valid(mutated) == (remainders == kind.shared)


@by_kind
def test_adjacent_weights_always_differ(kind: Kind) -> None:
    # So the general transposition rule above covers every adjacent swap of payload digits.
    assert all(a != b for a, b in zip(kind.weights, kind.weights[1:], strict=False))


def test_undetected_cases_exist_exactly_as_stated() -> None:
    # My Number: positions 1 and 7 from the right share weight 2, so this swap goes unseen.
    code = complete_my_number("00001000000")  # the 1 is position 7 from the right
    swapped = code[:4] + "0" + code[5:10] + "1" + code[11:]
    assert swapped[:11] == "00000000001"
    assert is_valid_my_number(swapped)
    # Remainder 0 (all zeros) and 1 (weight 2 * 6 = 12) share check digit 0.
    assert is_valid_my_number("000000000000")
    assert is_valid_my_number("000000000060")


# --- validators never raise, take the canonical form only ---------------------------------


VALIDATORS = [
    is_valid_my_number,
    is_valid_resident_code,
    is_valid_local_gov_code,
    is_valid_residence_card_number,
    is_valid_postal_code,
]


@pytest.mark.parametrize("validator", VALIDATORS)
@given(value=st.text())
def test_validators_never_raise_on_any_text(
    validator: Callable[[object], bool], value: str
) -> None:
    assert validator(value) in (True, False)


@pytest.mark.parametrize("validator", VALIDATORS)
@given(
    value=st.one_of(
        st.none(), st.integers(), st.binary(), st.lists(st.text()), st.floats(), st.just(object())
    )
)
def test_validators_return_false_for_non_str(
    validator: Callable[[object], bool], value: object
) -> None:
    assert validator(value) is False


@pytest.mark.parametrize(
    ("validator", "canonical"),
    [
        (is_valid_my_number, "123456789018"),
        (is_valid_resident_code, "12345678903"),
        (is_valid_local_gov_code, "342025"),
    ],
)
def test_validators_refuse_non_canonical_forms_of_valid_codes(
    validator: Callable[[object], bool], canonical: str
) -> None:
    assert validator(canonical)
    full_width = canonical.translate(str.maketrans(string.digits, "０１２３４５６７８９"))
    arabic_indic = canonical.translate(str.maketrans(string.digits, "٠١٢٣٤٥٦٧٨٩"))
    for variant in (
        full_width,
        arabic_indic,
        " " + canonical,
        canonical + "\n",
        canonical[:4] + "-" + canonical[4:],
        canonical.encode(),
    ):
        assert not validator(variant)


@given(payload=digit_strings(11), spaces=st.lists(st.sampled_from([" ", "　", "-", "－"])))
def test_parse_my_number_reads_typed_forms(payload: str, spaces: list[str]) -> None:
    code = complete_my_number(payload)
    typed = code.translate(str.maketrans(string.digits, "０１２３４５６７８９"))
    for index, sep in enumerate(spaces):
        cut = (index * 5) % (len(typed) + 1)
        typed = typed[:cut] + sep + typed[cut:]
    assert parse_my_number(typed) == code


@given(value=st.text())
@example("١٢٣٤٥٦٧٨٩٠١٨")
@example("①２３４５６７８９０１８")
def test_parse_functions_return_canonical_or_none(value: str) -> None:
    for parse, valid in [
        (parse_my_number, is_valid_my_number),
        (parse_resident_code, is_valid_resident_code),
        (parse_local_gov_code, is_valid_local_gov_code),
        (parse_residence_card_number, is_valid_residence_card_number),
    ]:
        parsed = parse(value)
        assert parsed is None or valid(parsed)
    postal = parse_postal_code(value)
    assert postal is None or (is_valid_postal_code(postal) and len(postal) == 8)


def test_parse_examples() -> None:
    assert parse_resident_code(" 1234-5678-903 ") == "12345678903"
    assert parse_local_gov_code("３４２０２５") == "342025"
    assert parse_local_gov_code("34202") is None
    assert parse_my_number("١٢٣٤٥٦٧٨٩٠١٨") is None
    assert parse_my_number(123456789018) is None
    assert normalize_digits("７３７ー００４５") == "7370045"
    with pytest.raises(TypeError):
        normalize_digits(7370045)  # type: ignore[arg-type]


# --- 在留カード番号 and 郵便番号 -----------------------------------------------------------


@given(
    head=st.text(string.ascii_uppercase, min_size=2, max_size=2),
    body=digit_strings(8),
    tail=st.text(string.ascii_uppercase, min_size=2, max_size=2),
)
def test_residence_card_shape(head: str, body: str, tail: str) -> None:
    number = head + body + tail
    assert is_valid_residence_card_number(number)
    assert not is_valid_residence_card_number(number.lower())
    assert not is_valid_residence_card_number(number[:-1])
    assert not is_valid_residence_card_number(number + "A")
    assert not is_valid_residence_card_number(body[:2] + head + body[2:] + tail)
    full_width = "".join(chr(0xFF41 + i) for i in range(26)) + "０１２３４５６７８９"
    typed = number.lower().translate(
        str.maketrans(string.ascii_lowercase + string.digits, full_width)
    )
    assert parse_residence_card_number(typed) == number
    assert parse_residence_card_number(f"{head} {body} {tail}") == number


def test_residence_card_refuses_lookalikes() -> None:
    assert is_valid_residence_card_number("AB12345678CD")
    assert not is_valid_residence_card_number("ÀB12345678CD")
    assert not is_valid_residence_card_number("ＡＢ12345678CD")
    assert not is_valid_residence_card_number("AB1234567８CD")
    # Dotless ı upper-cases to I: parsing must not turn it into a valid number.
    assert parse_residence_card_number("ıB12345678CD") is None
    assert parse_residence_card_number("AB①2345678CD") is None
    assert parse_residence_card_number("AB1234567⁸CD") is None


@given(first=digit_strings(3), last=digit_strings(4))
def test_postal_code_forms(first: str, last: str) -> None:
    assert is_valid_postal_code(f"{first}-{last}")
    assert is_valid_postal_code(f"{first}{last}")
    assert not is_valid_postal_code(f"{first}--{last}")
    assert not is_valid_postal_code(f"{first[:2]}-{first[2]}{last}")
    assert not is_valid_postal_code(f"{first}{last}0")
    assert parse_postal_code(f"〒{first}{last}") == f"{first}-{last}"
    typed = f"{first}ー{last}".translate(str.maketrans(string.digits, "０１２３４５６７８９"))
    assert parse_postal_code(typed) == f"{first}-{last}"


def test_postal_code_examples() -> None:
    assert is_valid_postal_code("737-0045")
    assert is_valid_postal_code("7370045")
    assert not is_valid_postal_code("７３７-００４５")
    assert not is_valid_postal_code("737 0045")
    assert not is_valid_postal_code("7370-045")
    assert parse_postal_code("737 0045") == "737-0045"
    assert parse_postal_code("73-70045") == "737-0045"  # separators are not positional
    assert parse_postal_code("737004") is None
