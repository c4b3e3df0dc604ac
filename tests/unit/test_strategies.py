"""The strategies of ``kure_juki.testing.strategies`` generate what they promise, and find
bugs planted in copies of the register's checks.

Promises: valid identifiers validate and invalid ones do not; names count the 外字 they hold and
their readings are kana; persons carry what their kind and 30条45 区分 require; a household has
one head; every notification type has a strategy whose notifications pass every check on the
register they were drawn for and are accepted by ``submit``; a malformed notification is
refused with the code it names and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

import kure_juki as kj
from kure_juki.adapters.memory.store import MemoryStore
from kure_juki.domain.errors import Problem
from kure_juki.domain.foreign_categories import check_category_items
from kure_juki.domain.format_checks import CATEGORIES_30_45, check_person, is_clean_text
from kure_juki.domain.identifiers import (
    is_valid_local_gov_code,
    is_valid_my_number,
    is_valid_postal_code,
    is_valid_residence_card_number,
    is_valid_resident_code,
)
from kure_juki.domain.movements import engine
from kure_juki.domain.movements.base import Context
from kure_juki.domain.movements.common import check_person_kind
from kure_juki.domain.names import count_gaiji, is_kana
from kure_juki.domain.notifications import NOTIFICATION_TYPES, PersonEntry
from kure_juki.domain.parsing import CONVERTER, parse_notification
from kure_juki.testing import strategies as kst
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

PASSWORD = "a-long-passphrase"
TODAY = dt.date(2026, 11, 26)
REGISTER = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# -- identifiers ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("valid", "invalid", "check"),
    [
        (kst.my_numbers, kst.invalid_my_numbers, is_valid_my_number),
        (kst.resident_codes, kst.invalid_resident_codes, is_valid_resident_code),
        (kst.local_gov_codes, kst.invalid_local_gov_codes, is_valid_local_gov_code),
        (kst.residence_card_numbers, kst.invalid_residence_card_numbers,
         is_valid_residence_card_number),
        (kst.postal_codes, kst.invalid_postal_codes, is_valid_postal_code),
    ],
    ids=["my_number", "resident_code", "local_gov_code", "residence_card", "postal_code"],
)
@given(data=st.data())
def test_valid_identifiers_validate_and_invalid_ones_do_not(
    valid: Any, invalid: Any, check: Any, data: st.DataObject
) -> None:
    assert check(data.draw(valid(), label="valid"))
    assert not check(data.draw(invalid(), label="invalid"))


@given(kst.local_gov_codes(exclude=[kst.KURE, "131016"]))
def test_local_gov_codes_leave_out_what_is_excluded(code: str) -> None:
    assert code not in (kst.KURE, "131016")


# -- names and places ---------------------------------------------------------------------------
@given(kst.names())
def test_names_count_their_gaiji_and_read_in_kana(name: kst.NameSample) -> None:
    assert count_gaiji(name.family_name + name.given_name) == name.gaiji
    assert is_kana(name.family_name_kana)
    assert name.given_name_kana == "" or is_kana(name.given_name_kana)
    assert is_clean_text(name.family_name, 60)


def test_the_gaiji_pool_is_outside_jis_x_0208_one_character_each() -> None:
    assert [count_gaiji(g) for g in kst.GAIJI] == [1] * len(kst.GAIJI)
    assert "𠮷" in kst.GAIJI and "髙" in kst.GAIJI and "﨑" in kst.GAIJI


@given(kst.kana_readings(), kst.invalid_kana())
def test_readings_are_kana_and_invalid_ones_are_not(reading: str, bad: str) -> None:
    assert is_kana(reading)
    assert not is_kana(bad)


@given(kst.addresses(), kst.domestic_places(), kst.foreign_places())
def test_addresses_and_places(
    address: dict[str, str], domestic: dict[str, str], abroad: dict[str, str]
) -> None:
    assert is_valid_postal_code(address["postal_code"]) and is_clean_text(address["text"])
    assert is_valid_local_gov_code(domestic["municipality_code"])
    assert domestic["municipality_code"] != kst.KURE
    assert set(abroad) == {"country", "text"}


# -- persons and households ----------------------------------------------------------------------
def _entry(data: dict[str, Any]) -> PersonEntry:
    entry: PersonEntry = CONVERTER.structure(data, PersonEntry)
    return entry


def _person_problems(data: dict[str, Any]) -> list[Problem]:
    entry = _entry(data)
    return check_person(entry, "p") + check_person_kind(entry, "p", TODAY)


@given(kst.japanese_persons(codes=True))
def test_japanese_persons_pass_the_checks(data: dict[str, Any]) -> None:
    assert _person_problems(data) == []
    assert data["registered_domicile"] and data["domicile_head"]


@pytest.mark.parametrize("category", sorted(kst.CATEGORY_ITEMS))
@given(data=st.data())
def test_foreign_persons_carry_what_their_category_requires(
    category: str, data: st.DataObject
) -> None:
    arrived = data.draw(st.dates(dt.date(2000, 1, 1), TODAY), label="arrived")
    p = data.draw(kst.foreign_persons(category, born_by=arrived, arrived_on=arrived))
    assert CATEGORIES_30_45[p["category_30_45"]] == category
    for item in kst.CATEGORY_ITEMS[category]:
        assert p[item], item
    entry = _entry(p)
    assert check_person(entry, "p") == []
    assert check_person_kind(entry, "p", arrived) == []
    assert check_category_items(
        category, residence_status=entry.residence_status, stay_expires_on=entry.stay_expires_on,
        residence_card_number=entry.residence_card_number, occurred_on=arrived,
    ) == []


@given(kst.households(avoid_codes={"00000000019"}))
def test_a_household_has_one_head_and_unique_codes(people: list[dict[str, Any]]) -> None:
    assert [p["relationship"] for p in people].count("世帯主") == 1
    assert people[0]["relationship"] == "世帯主"
    codes = [p[k] for p in people for k in ("resident_code", "my_number") if k in p]
    assert len(codes) == len(set(codes)) and "00000000019" not in codes
    assert all(_person_problems(p) == [] for p in people)


# -- notifications on a register -----------------------------------------------------------------
def _open() -> tuple[kj.Registry, kj.Session]:
    reg = kj.open_registry(
        "memory://", municipality_code=kst.KURE, clock=SettableClock("2026-11-26T10:00:00+09:00")
    )
    reg.bootstrap_admin("admin", PASSWORD)
    return reg, reg.login("admin", PASSWORD, terminal_id="T-1", purpose="resident_records")


def _prepared() -> tuple[kj.Registry, kj.Session]:
    """A register on which every type of notification is possible: a Japanese family (a
    former surname, a planned move-out), a foreign household (an alias), a single person."""
    reg, s = _open()
    family = s.submit(move_in([
        person(), person(relationship="妻", sex="female", birth_date="1982-05-02"),
        person(relationship="子", birth_date="2010-01-05", given=1),
    ]))
    foreign = s.submit(move_in([
        person(foreign=True),
        person(foreign=True, relationship="妻", sex="female", category_30_45="特別永住者",
               residence_status=None, stay_expires_on=None),
    ]))
    s.submit(move_in([person(family=3)], address="広島県呉市中通二丁目2番2号"))
    s.submit({"type": "alias_entry", "resident_id": foreign.resident_ids[0], "alias": "山田太郎"})
    s.submit({"type": "former_surname_entry", "resident_id": family.resident_ids[1],
              "former_surname": "旧姓", "former_surname_kana": "きゅうせい"})
    s.submit({"type": "move_out", "occurred_on": "2026-12-10", "resident_ids":
              [family.resident_ids[2]], "destination": {"municipality_code": "131016",
                                                        "text": "東京都千代田区"}})
    return reg, s


@pytest.fixture(scope="module")
def prepared() -> Iterator[tuple[kj.Registry, kj.Session]]:
    reg, s = _prepared()
    yield reg, s
    reg.close()


@pytest.fixture(scope="module")
def prepared_state(prepared: tuple[kj.Registry, kj.Session]) -> kst.RegisterState:
    return kst.RegisterState.of(prepared[0])


def _errors(state: kst.RegisterState, data: dict[str, Any]) -> list[Problem]:
    """Every error the pure engine finds in *data* on the register in *state*."""
    n = engine.with_defaults(parse_notification(data), state.today)
    ctx = Context(today=state.today, municipality_code=state.municipality_code)
    return [p for p in engine.check(n, state.view(), ctx) if p.severity == "error"]


def test_every_notification_type_has_a_strategy() -> None:
    assert set(NOTIFICATION_TYPES) == kst.COVERED_TYPES


def test_every_type_is_possible_on_the_prepared_register(
    prepared_state: kst.RegisterState,
) -> None:
    assert kst.available_types(prepared_state) == sorted(NOTIFICATION_TYPES)


def test_an_empty_register_only_takes_arrivals() -> None:
    assert kst.available_types(kst.RegisterState()) == [
        "foreign_registration_30_46", "foreign_registration_30_47", "move_in",
        "move_in_from_abroad",
    ]
    with pytest.raises(ValueError, match="death"):
        kst.notification("death")


@pytest.mark.parametrize("kind", sorted(set(NOTIFICATION_TYPES) - {"cancellation"}))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_notifications_pass_every_check_on_their_register(
    prepared_state: kst.RegisterState, kind: str, data: st.DataObject
) -> None:
    n = data.draw(kst.notification(kind, prepared_state))
    assert n["type"] == kind
    assert _errors(prepared_state, n) == []


@REGISTER
@given(data=st.data())
def test_submitted_sequences_are_accepted_whatever_the_register_became(
    data: st.DataObject,
) -> None:
    reg, s = _open()
    for _ in range(15):
        n = data.draw(kst.notifications(kst.RegisterState.of(reg)))
        receipt = s.submit(n)
        assert receipt.type == n["type"]
    assert reg.verify_audit_log().ok


@REGISTER
@given(data=st.data())
def test_the_cancellation_drawn_undoes_the_last_movement(data: st.DataObject) -> None:
    reg, s = _open()
    store = reg.store
    assert isinstance(store, MemoryStore)
    for _ in range(data.draw(st.integers(1, 3), label="movements before")):
        s.submit(data.draw(kst.notifications(kst.RegisterState.of(reg))))
    living_before = _living(store)
    last = data.draw(kst.notifications(kst.RegisterState.of(reg), types=set(NOTIFICATION_TYPES)
                                       - {"cancellation"}))
    s.submit(last)
    s.submit(data.draw(kst.notification("cancellation", kst.RegisterState.of(reg))))
    assert _living(store) == living_before


def _living(store: MemoryStore) -> dict[str, Any]:
    """Living records without their versions (a 取消 restores content, versions move on)."""
    return {
        rid: attrs.evolve(r, version=0)
        for rid, r in store.state.residents.items()
        if r.is_living
    }


@pytest.mark.parametrize("fault", sorted(kst.FAULTS))
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_malformed_notifications_are_refused_with_their_code_and_change_nothing(
    prepared: tuple[kj.Registry, kj.Session],
    prepared_state: kst.RegisterState,
    fault: str,
    data: st.DataObject,
) -> None:
    # The examples share one register: each refusal must leave it as the next one finds it.
    bad = data.draw(kst.malformed_notifications(prepared_state, faults=[fault]))
    assert bad.fault == fault
    reg, s = prepared
    store = reg.store
    assert isinstance(store, MemoryStore)
    before = store.snapshot()
    with pytest.raises(kj.FormatError) as caught:
        s.submit(bad.notification)
    assert bad.code in [p.code for p in caught.value.problems]
    assert store.snapshot() == before


# -- bugs planted in copies of the checks: the strategies must expose each ------------------------
def buggy_my_number_check_digit(first11: str) -> int:
    """A copy of the 個人番号 check digit with Qn off by one at the seventh digit from the right
    (n=7 must weigh 2: n-5; this copy weighs it 3)."""
    total = 0
    for n, p in enumerate(reversed([int(c) for c in first11]), start=1):
        q = n + 1 if n <= 6 else (n - 4 if n == 7 else n - 5)
        total += p * q
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def buggy_is_valid_my_number(value: str) -> bool:
    return len(value) == 12 and buggy_my_number_check_digit(value[:11]) == int(value[11])


def test_valid_my_numbers_expose_a_misweighted_check_digit() -> None:
    found = find(kst.my_numbers(), lambda v: not buggy_is_valid_my_number(v))
    assert is_valid_my_number(found)
    assert found[4] != "0"  # the seventh digit from the right is what the bug weighs wrongly


def buggy_local_gov_code_check_digit(first5: str) -> int:
    """A copy of the 検査数字 that forgets that a remainder of 0 gives 1 (the last digit of 11)."""
    r = sum(int(c) * w for c, w in zip(first5, (6, 5, 4, 3, 2), strict=True)) % 11
    return 0 if r <= 1 else 11 - r


def test_valid_local_gov_codes_expose_the_forgotten_remainder_zero() -> None:
    @settings(max_examples=300, database=None)
    @given(kst.local_gov_codes())
    def every_code_passes_the_copy(code: str) -> None:
        assert buggy_local_gov_code_check_digit(code[:5]) == int(code[5])

    with pytest.raises(AssertionError):
        every_code_passes_the_copy()


def buggy_count_gaiji(text: str) -> int:
    """A copy of 外字数 that takes Windows' cp932 for JIS X 0208 (it holds 髙 and 﨑)."""
    count = 0
    for char in text:
        try:
            char.encode("cp932")
        except UnicodeEncodeError:
            count += 1
    return count


def test_names_expose_a_gaiji_count_that_trusts_cp932() -> None:
    found = find(kst.japanese_names(), lambda n: buggy_count_gaiji(n.family_name + n.given_name)
                 != n.gaiji)
    assert count_gaiji(found.family_name + found.given_name) == found.gaiji


_BUGGY_CARD = re.compile(r"[A-Z]{2}\d{8}[A-Z]{2}")


def buggy_is_valid_residence_card_number(value: str) -> bool:
    """A copy that matches a prefix and lets ``\\d`` take any script's digits."""
    return _BUGGY_CARD.match(value) is not None


def test_invalid_card_numbers_expose_a_prefix_match() -> None:
    found = find(kst.invalid_residence_card_numbers(), buggy_is_valid_residence_card_number)
    assert not is_valid_residence_card_number(found)


def buggy_is_valid_postal_code(value: str) -> bool:
    """A copy that reads any digit (full-width included) and any dash."""
    return re.fullmatch(r"\d{3}[-ー－‐]?\d{4}", value) is not None


def test_invalid_postal_codes_expose_a_lenient_copy() -> None:
    found = find(kst.invalid_postal_codes(), buggy_is_valid_postal_code)
    assert not is_valid_postal_code(found)
