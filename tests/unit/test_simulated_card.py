"""The simulated My Number card at the APDU level.

The state machine sends random sequences of APDUs — selections, right, wrong, empty and
malformed VERIFYs, reads at any offset and Le, misuses of every kind, power cycles — to the
card and to a small model of what the card must do, and checks every response byte for byte
and, after every step, the retry counter and the security state.
"""

from __future__ import annotations

import datetime

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from kure_juki.adapters.card import apdu
from kure_juki.adapters.card.apdu import Command, Response
from kure_juki.adapters.card.simulated_card import (
    ATR,
    PIN_RETRIES,
    PoweredOff,
    SimulatedMyNumberCard,
)
from kure_juki.domain.card import CardIdentity, decode_basic_four, decode_my_number, read_header
from kure_juki.domain.errors import FormatError
from kure_juki.domain.identifiers import complete_my_number

PIN = "4649"
EFS = (apdu.EF_MY_NUMBER, apdu.EF_BASIC_FOUR, apdu.EF_PIN)


def _identity(address: str = "広島県呉市中央四丁目1番6号") -> CardIdentity:
    return CardIdentity(
        my_number=complete_my_number("98765432101"),
        name="呉　花子",
        address=address,
        birth_date=datetime.date(1992, 2, 29),
        sex="female",
    )


def _sw(sw: int, data: bytes = b"") -> bytes:
    return Response(data, sw).to_bytes()


class CardMachine(RuleBasedStateMachine):
    """The model: power, selection, current EF, security state, retry counter."""

    @initialize(address_repeat=st.integers(1, 30))
    def insert(self, address_repeat: int) -> None:
        # Long addresses make EF 0002 span several 256-byte reads.
        self.card = SimulatedMyNumberCard(_identity("呉市" + "中央" * address_repeat), pin=PIN)
        assert self.card.power_on() == ATR
        self.app = False
        self.ef: bytes | None = None
        self.verified = False
        self.retries = PIN_RETRIES

    def send(self, raw: bytes) -> bytes:
        return self.card.transmit(raw)

    # --- power --------------------------------------------------------------------------
    @rule(warm=st.booleans())
    def power_cycle(self, warm: bool) -> None:
        if warm:
            self.card.reset()
        else:
            self.card.power_off()
            with pytest.raises(PoweredOff):
                self.send(apdu.select_df(apdu.AID_CARD_INPUT_SUPPORT).to_bytes())
            self.card.power_on()
        self.app, self.ef, self.verified = False, None, False

    # --- SELECT -------------------------------------------------------------------------
    @rule()
    def select_application(self) -> None:
        assert self.send(apdu.select_df(apdu.AID_CARD_INPUT_SUPPORT).to_bytes()) == _sw(0x9000)
        self.app, self.ef, self.verified = True, None, False

    @rule(aid=st.binary(min_size=1, max_size=16).filter(lambda a: a != apdu.AID_CARD_INPUT_SUPPORT))
    def select_other_application(self, aid: bytes) -> None:
        assert self.send(apdu.select_df(aid).to_bytes()) == _sw(0x6A82)

    @rule(file_id=st.sampled_from(EFS))
    def select_file(self, file_id: bytes) -> None:
        response = self.send(apdu.select_ef(file_id).to_bytes())
        if self.app:
            assert response == _sw(0x9000)
            self.ef = file_id
        else:
            assert response == _sw(0x6A82)

    @rule(file_id=st.binary(min_size=1, max_size=8).filter(lambda f: f not in EFS))
    def select_unknown_file(self, file_id: bytes) -> None:
        response = self.send(apdu.select_ef(file_id).to_bytes())
        assert response == _sw(0x6A82 if len(file_id) == 2 else 0x6700)

    # --- VERIFY -------------------------------------------------------------------------
    def _pin_refusal(self) -> bytes | None:
        """What VERIFY answers before the PIN is even looked at, if anything."""
        if self.ef != apdu.EF_PIN:
            return _sw(0x6A88)
        if self.retries == 0:
            return _sw(0x6983)
        return None

    @rule()
    def verify_right_pin(self) -> None:
        response = self.send(apdu.verify(PIN.encode()).to_bytes())
        refusal = self._pin_refusal()
        if refusal is not None:
            assert response == refusal
            return
        assert response == _sw(0x9000)
        self.retries, self.verified = PIN_RETRIES, True

    @rule(pin=st.binary(min_size=4, max_size=4).filter(lambda p: p != PIN.encode()))
    def verify_wrong_pin(self, pin: bytes) -> None:
        response = self.send(apdu.verify(pin).to_bytes())
        refusal = self._pin_refusal()
        if refusal is not None:
            assert response == refusal
            return
        self.retries -= 1
        self.verified = False
        assert response == _sw(0x63C0 | self.retries)

    @rule()
    def ask_tries_left(self) -> None:
        response = self.send(apdu.verify().to_bytes())
        refusal = self._pin_refusal()
        if refusal is not None:
            assert response == refusal
        elif self.verified:
            assert response == _sw(0x9000)
        else:
            assert response == _sw(0x63C0 | self.retries)

    @rule(right=st.booleans())
    def unlock(self, right: bool) -> None:
        """The reader's usual opening, so that verified (and blocked) states come often."""
        self.select_application()
        self.select_file(apdu.EF_PIN)
        if right:
            self.verify_right_pin()
        else:
            self.verify_wrong_pin(b"0000")

    @rule(data=st.binary(min_size=1, max_size=32).filter(lambda d: len(d) != 4))
    def verify_with_a_bad_length(self, data: bytes) -> None:
        response = self.send(apdu.verify(data).to_bytes())
        assert response == (self._pin_refusal() or _sw(0x6700))

    # --- READ BINARY --------------------------------------------------------------------
    @rule(offset=st.one_of(st.integers(0, 20), st.integers(0, 700)), le=st.integers(1, 256))
    def read(self, offset: int, le: int) -> None:
        response = self.send(apdu.read_binary(offset, le).to_bytes())
        if self.ef is None:
            assert response == _sw(0x6986)
        elif self.ef == apdu.EF_PIN:
            assert response == _sw(0x6981)
        elif not self.verified:
            assert response == _sw(0x6982)
        else:
            content = self.card.file(self.ef)
            if offset >= len(content):
                assert response == _sw(0x6B00)
            else:
                chunk = content[offset:offset + le]
                short = len(chunk) < le and le != 256
                assert response == _sw(0x6282 if short else 0x9000, chunk)

    # --- misuse: one rule, so that misuses do not crowd out the conversation -------------
    @rule(data=st.data())
    def misuse(self, data: st.DataObject) -> None:
        kind = data.draw(st.sampled_from([
            "class", "instruction", "short", "extended", "select_p1p2", "verify_p1p2",
            "short_file_id", "select_le", "verify_le", "read_no_le", "read_data",
        ]))
        byte = st.integers(0, 255)
        if kind == "class":
            raw = bytes([data.draw(st.integers(1, 255))]) + data.draw(st.binary(min_size=3))
            expected = 0x6E00 if Command.parse(raw) is not None else 0x6700
        elif kind == "instruction":
            ins = data.draw(byte.filter(lambda i: i not in (0xA4, 0x20, 0xB0)))
            raw, expected = bytes([0x00, ins, 0x00, 0x00]), 0x6D00
        elif kind == "short":
            raw, expected = data.draw(st.binary(max_size=3)), 0x6700
        elif kind == "extended":
            ins = data.draw(st.sampled_from([0xA4, 0x20, 0xB0]))
            raw = bytes([0x00, ins, 0x00, 0x00, 0x00]) + data.draw(st.binary(min_size=2))
            expected = 0x6700
        elif kind == "select_p1p2":
            p1, p2 = data.draw(byte), data.draw(byte)
            if p1 in (0x02, 0x04) and p2 == 0x0C:
                p2 = 0x00
            raw = Command(ins=0xA4, p1=p1, p2=p2, data=apdu.EF_PIN).to_bytes()
            expected = 0x6A86
        elif kind == "verify_p1p2":
            p1, p2 = data.draw(byte), data.draw(byte)
            if (p1, p2) == (0x00, 0x80):
                p2 = 0x81
            raw = Command(ins=0x20, p1=p1, p2=p2, data=PIN.encode()).to_bytes()
            expected = 0x6A86
        elif kind == "short_file_id":
            p1 = data.draw(st.integers(0x80, 0xFF))
            raw, expected = Command(ins=0xB0, p1=p1, p2=0, le=16).to_bytes(), 0x6A86
        elif kind in ("select_le", "verify_le"):
            le = data.draw(st.integers(1, 256))
            command = (
                Command(ins=0xA4, p1=0x04, p2=0x0C, data=apdu.AID_CARD_INPUT_SUPPORT, le=le)
                if kind == "select_le"
                else Command(ins=0x20, p1=0x00, p2=0x80, data=PIN.encode(), le=le)
            )
            raw, expected = command.to_bytes(), 0x6700
        elif kind == "read_no_le":
            raw, expected = bytes([0x00, 0xB0, 0x00, 0x00]), 0x6700
        else:
            payload = data.draw(st.binary(min_size=1, max_size=8))
            raw, expected = Command(ins=0xB0, p1=0, p2=0, data=payload).to_bytes(), 0x6700
        assert self.send(raw) == _sw(expected)  # and the invariants: nothing changed

    # --- what must always hold ----------------------------------------------------------
    @invariant()
    def state_agrees_with_the_model(self) -> None:
        assert self.card.retries_left == self.retries
        assert self.card.verified == self.verified
        assert self.card.current_ef == self.ef
        assert (self.card.selected.value == "application") == self.app

    @invariant()
    def counter_stays_in_range(self) -> None:
        assert 0 <= self.card.retries_left <= PIN_RETRIES


TestCardStateMachine = CardMachine.TestCase
TestCardStateMachine.settings = settings(max_examples=150, stateful_step_count=60, deadline=None)


# --- single scenarios, read as documentation -------------------------------------------------


def _session(card: SimulatedMyNumberCard, *commands: Command) -> list[Response]:
    card.power_on()
    responses = []
    for command in commands:
        response = Response.parse(card.transmit(command.to_bytes()))
        assert response is not None
        responses.append(response)
    return responses


def test_the_published_reading_sequence() -> None:
    card = SimulatedMyNumberCard(_identity(), pin=PIN)
    answers = _session(
        card,
        apdu.select_df(apdu.AID_CARD_INPUT_SUPPORT),
        apdu.select_ef(apdu.EF_PIN),
        apdu.verify(PIN.encode()),
        apdu.select_ef(apdu.EF_MY_NUMBER),
        apdu.read_binary(0, 256),
        apdu.select_ef(apdu.EF_BASIC_FOUR),
        apdu.read_binary(0, 8),
        apdu.read_binary(0, 256),
    )
    assert [a.sw for a in answers] == [0x9000] * 8
    number, size, four = answers[4], answers[6], answers[7]
    # EF 0001 holds the TLV then FF FF padding, as read from real cards.
    assert number.data[-2:] == b"\xff\xff"
    assert decode_my_number(number.data[:-2]) == card.identity.my_number
    header = read_header(size.data)
    assert decode_basic_four(four.data[:header.total_length]).name == "呉　花子"


def test_reselecting_the_application_drops_the_verification() -> None:
    card = SimulatedMyNumberCard(_identity(), pin=PIN)
    *_, read = _session(
        card,
        apdu.select_df(apdu.AID_CARD_INPUT_SUPPORT),
        apdu.select_ef(apdu.EF_PIN),
        apdu.verify(PIN.encode()),
        apdu.select_df(apdu.AID_CARD_INPUT_SUPPORT),
        apdu.select_ef(apdu.EF_MY_NUMBER),
        apdu.read_binary(0, 256),
    )
    assert read.sw == 0x6982


def test_blocking_takes_three_wrong_pins_and_outlives_power() -> None:
    card = SimulatedMyNumberCard(_identity(), pin=PIN)
    answers = _session(
        card,
        apdu.select_df(apdu.AID_CARD_INPUT_SUPPORT),
        apdu.select_ef(apdu.EF_PIN),
        *[apdu.verify(b"0000")] * 4,
        apdu.verify(PIN.encode()),
        apdu.verify(),
    )
    assert [a.sw for a in answers[2:]] == [0x63C2, 0x63C1, 0x63C0, 0x6983, 0x6983, 0x6983]
    card.power_off()
    *_, after = _session(
        card, apdu.select_df(apdu.AID_CARD_INPUT_SUPPORT), apdu.select_ef(apdu.EF_PIN),
        apdu.verify(PIN.encode()),
    )
    assert after.sw == 0x6983 and card.blocked


def test_malformed_files_and_pins() -> None:
    card = SimulatedMyNumberCard(_identity(), pin=PIN)
    with pytest.raises(KeyError):
        card.overwrite_file(b"\x00\x09", b"")
    with pytest.raises(FormatError):
        SimulatedMyNumberCard(_identity(), pin="12345")


def test_repr_hides_pin_and_data() -> None:
    card = SimulatedMyNumberCard(_identity(), pin=PIN)
    shown = repr(card) + repr(apdu.verify(PIN.encode())) + repr(Response(b"secret", 0x9000))
    assert PIN not in shown and card.identity.my_number not in shown and "secret" not in shown
