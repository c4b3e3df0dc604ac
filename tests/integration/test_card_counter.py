"""The counter identity check with a (simulated) My Number card, through the public API."""

from __future__ import annotations

import datetime as dt

import pytest

import kure_juki as kj
from kure_juki.adapters.card.simulated import SimulatedCardReader
from kure_juki.adapters.card.simulated_card import SimulatedMyNumberCard
from kure_juki.ports.card_reader import CardError
from kure_juki.testing.card import SAMPLE_PIN, sample_identity
from kure_juki.testing.factories import move_in, person


def resident_with_card(clerk: kj.Session, **card_kw: object) -> tuple[str, SimulatedMyNumberCard]:
    identity = sample_identity(serial=777, name="佐藤　一郎",
                               address="広島県呉市本通一丁目1番1号",
                               birth_date=dt.date(1980, 4, 1), **card_kw)  # type: ignore[arg-type]
    p = person(my_number=identity.my_number)
    r = clerk.submit(move_in([p]))
    return r.resident_ids[0], SimulatedMyNumberCard(identity, pin=SAMPLE_PIN)


def test_card_matching_the_record_is_a_match(memory_clerk: kj.Session) -> None:
    rid, card = resident_with_card(memory_clerk)
    read = memory_clerk.read_card(SimulatedCardReader(card), SAMPLE_PIN)
    result = memory_clerk.check_identity(read)
    assert result["verdict"] == "match" and result["resident_id"] == rid


def test_wrong_pin_reports_tries_left_and_is_audited(memory_registry: kj.Registry,
                                                      memory_clerk: kj.Session) -> None:
    _, card = resident_with_card(memory_clerk)
    with pytest.raises(CardError) as e:
        memory_clerk.read_card(SimulatedCardReader(card), "9731")
    assert e.value.tries_left == 2
    admin = memory_registry.login("admin", "a-long-passphrase", terminal_id="T",
                                  purpose="resident_records")
    trail = admin.audit_trail(operator_id="clerk01")
    refused = [t for t in trail if t["operation"] == "card_read"]
    assert refused and refused[-1]["outcome"] == "refused"
    assert "9731" not in repr(trail)


def test_different_address_is_a_mismatch(memory_clerk: kj.Session) -> None:
    _, card = resident_with_card(memory_clerk, sex="female")
    read = memory_clerk.read_card(SimulatedCardReader(card), SAMPLE_PIN)
    result = memory_clerk.check_identity(read)
    assert result["verdict"] == "mismatch" and result["items"]["sex"]["outcome"] == "mismatch"
    assert read.my_number not in repr(result)
