"""A My Number card (個人番号カード) simulated at the APDU level, for tests, examples and the demo.

It holds the 券面事項入力補助AP only (card input support application), and answers the way the
card does as far as public code shows it:

- SELECT by DF name selects the application and clears its security state (also when the same
  application is selected again); SELECT of an EF needs the application selected first;
- VERIFY (P2=80) checks the PIN of the current EF; without data it answers 63Cx with the tries
  left, or 9000 once verified; a wrong PIN answers 63Cx with the tries left (63C0 on the last),
  the retry counter starts at 3 and the PIN blocks at 0 (6983 from then on); a right PIN resets
  the counter;
- READ BINARY of EF 0001 and EF 0002 needs the PIN verified (6982), with a 15-bit offset and a
  short Le; an offset past the end is 6B00, a short read 6282;
- power off, power on and reset clear the selection and the security state but keep the retry
  counter, as the card's non-volatile memory does.

The PIN and the data are never shown in a repr.
"""

from __future__ import annotations

import enum
from typing import Protocol

import attrs

from kure_juki.adapters.card import apdu
from kure_juki.adapters.card.apdu import Command, Response
from kure_juki.domain.card import (
    CardIdentity,
    check_pin_format,
    encode_basic_four,
    encode_my_number,
)

# The ATR that OpenSC's jpki driver matches for the card (T=1).
ATR = bytes.fromhex("3BE000FF8131FE4514")
PIN_RETRIES = 3
# EF 0001 is read as FF10 0C + 12 digits followed by two FF bytes of padding.
_MY_NUMBER_PADDING = b"\xff\xff"


class VirtualCard(Protocol):
    """What a reader needs of a card in software: power and APDUs (bytes in, bytes out)."""

    @property
    def powered(self) -> bool: ...

    @property
    def atr(self) -> bytes: ...

    def power_on(self) -> bytes:
        """Power the card (cold or warm reset); returns the ATR."""

    def power_off(self) -> None: ...

    def reset(self) -> bytes: ...

    def transmit(self, raw: bytes) -> bytes:
        """The R-APDU for a C-APDU; raises PoweredOff when the card has no power."""


class Selected(enum.Enum):
    NOTHING = "nothing"  # after power on: the MF, where none of our EFs lives
    APPLICATION = "application"


class PoweredOff(RuntimeError):
    """An APDU was sent to a card without power: a bug of the caller, not a card answer."""


@attrs.define(repr=False, eq=False)
class SimulatedMyNumberCard:
    """The card. ``transmit`` takes a C-APDU and returns the R-APDU, both as bytes."""

    identity: CardIdentity
    pin: str = attrs.field(default="1234", validator=lambda _s, _a, v: check_pin_format(v))
    retries_left: int = PIN_RETRIES
    header: bytes = bytes(8)  # DF21 of EF 0002; its meaning is not public
    atr: bytes = ATR
    powered: bool = False
    selected: Selected = Selected.NOTHING
    current_ef: bytes | None = None
    verified: bool = False  # security state of the application (PIN verified)
    _files: dict[bytes, bytes] = attrs.field(init=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        self._files = {
            apdu.EF_MY_NUMBER: encode_my_number(self.identity.my_number) + _MY_NUMBER_PADDING,
            apdu.EF_BASIC_FOUR: encode_basic_four(self.identity, self.header),
        }

    def __repr__(self) -> str:
        return (f"SimulatedMyNumberCard(powered={self.powered}, selected={self.selected.value}, "
                f"verified={self.verified}, retries_left={self.retries_left})")

    @property
    def blocked(self) -> bool:
        return self.retries_left == 0

    def file(self, file_id: bytes) -> bytes:
        """The contents of an EF, for tests that check what a read returned."""
        return self._files[file_id]

    def overwrite_file(self, file_id: bytes, content: bytes) -> None:
        """Replace an EF's contents, e.g. with malformed data, to test how readers cope."""
        if file_id not in self._files:
            raise KeyError("no such EF on the card")
        self._files[file_id] = bytes(content)

    # Power: the reader switches the card on and off; the retry counter is non-volatile.
    def power_on(self) -> bytes:
        self._clear_volatile()
        self.powered = True
        return self.atr

    def power_off(self) -> None:
        self._clear_volatile()
        self.powered = False

    def reset(self) -> bytes:
        return self.power_on()

    def _clear_volatile(self) -> None:
        self.selected = Selected.NOTHING
        self.current_ef = None
        self.verified = False

    def transmit(self, raw: bytes) -> bytes:
        if not self.powered:
            raise PoweredOff("the card has no power")
        return self.process(raw).to_bytes()

    def process(self, raw: bytes) -> Response:
        command = Command.parse(raw)
        if command is None:
            return _sw(apdu.SW_WRONG_LENGTH)
        if command.cla != apdu.CLA:
            return _sw(apdu.SW_CLA_NOT_SUPPORTED)
        if command.ins == apdu.INS_SELECT:
            return self._select(command)
        if command.ins == apdu.INS_VERIFY:
            return self._verify(command)
        if command.ins == apdu.INS_READ_BINARY:
            return self._read_binary(command)
        return _sw(apdu.SW_INS_NOT_SUPPORTED)

    def _select(self, command: Command) -> Response:
        if command.p2 != apdu.P2_NO_RESPONSE or command.p1 not in (
            apdu.P1_SELECT_DF_NAME, apdu.P1_SELECT_EF
        ):
            return _sw(apdu.SW_WRONG_P1P2)
        if not command.data or command.le is not None:
            return _sw(apdu.SW_WRONG_LENGTH)
        if command.p1 == apdu.P1_SELECT_DF_NAME:
            # A failed selection leaves the current selection and its security state as they were.
            if command.data != apdu.AID_CARD_INPUT_SUPPORT:
                return _sw(apdu.SW_FILE_NOT_FOUND)
            self.selected = Selected.APPLICATION
            self.current_ef = None
            self.verified = False
            return _sw(apdu.SW_OK)
        if len(command.data) != 2:
            return _sw(apdu.SW_WRONG_LENGTH)
        if self.selected is not Selected.APPLICATION or command.data not in (
            apdu.EF_MY_NUMBER, apdu.EF_BASIC_FOUR, apdu.EF_PIN
        ):
            return _sw(apdu.SW_FILE_NOT_FOUND)
        self.current_ef = command.data
        return _sw(apdu.SW_OK)

    def _verify(self, command: Command) -> Response:
        if command.p1 != 0x00 or command.p2 != apdu.P2_PIN_OF_CURRENT_EF:
            return _sw(apdu.SW_WRONG_P1P2)
        if command.le is not None:
            return _sw(apdu.SW_WRONG_LENGTH)
        if self.current_ef != apdu.EF_PIN:
            return _sw(apdu.SW_REFERENCE_NOT_FOUND)
        if self.blocked:
            return _sw(apdu.SW_PIN_BLOCKED)
        if not command.data:
            return _sw(apdu.SW_OK if self.verified else 0x63C0 | self.retries_left)
        if len(command.data) != len(self.pin):
            return _sw(apdu.SW_WRONG_LENGTH)
        if command.data == self.pin.encode("ascii"):
            self.retries_left = PIN_RETRIES
            self.verified = True
            return _sw(apdu.SW_OK)
        self.retries_left -= 1
        self.verified = False
        return _sw(0x63C0 | self.retries_left)

    def _read_binary(self, command: Command) -> Response:
        if command.p1 & 0x80:  # short EF identifier: not offered by this application
            return _sw(apdu.SW_WRONG_P1P2)
        if command.data or command.le is None:
            return _sw(apdu.SW_WRONG_LENGTH)
        if self.current_ef is None:
            return _sw(apdu.SW_NO_CURRENT_EF)
        if self.current_ef == apdu.EF_PIN:
            return _sw(apdu.SW_INCOMPATIBLE_FILE)
        if not self.verified:
            return _sw(apdu.SW_SECURITY_NOT_SATISFIED)
        content = self._files[self.current_ef]
        offset = (command.p1 << 8) | command.p2
        if offset >= len(content):
            return _sw(apdu.SW_OFFSET_OUTSIDE)
        chunk = content[offset:offset + command.le]
        # Le 00 asks for "up to 256": a shorter answer is normal, not an end-of-file warning.
        short = len(chunk) < command.le and command.le != apdu.MAX_SHORT_LE
        return Response(data=chunk, sw=apdu.SW_END_OF_FILE if short else apdu.SW_OK)


def _sw(sw: int) -> Response:
    return Response(data=b"", sw=sw)
