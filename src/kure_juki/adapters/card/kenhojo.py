"""The conversation with the 券面事項入力補助AP (card input support application), over any link.

Every card-reader adapter shares it: an adapter only opens and closes its link and moves bytes
(``_open``, ``_close``, ``_transmit``); selecting, verifying, reading and mapping status words to
typed errors happen here, once.

The application is selected once, on connect: selecting it again would clear the verified PIN.
Files are read by their encoded length (the first bytes give the TLV header), in chunks of at
most 256 bytes, so a long address needs no special case.
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Self

from kure_juki.adapters.card import apdu
from kure_juki.adapters.card.apdu import Command, Response
from kure_juki.domain.card import (
    CardIdentity,
    check_pin_format,
    decode_basic_four,
    decode_my_number,
    read_header,
)
from kure_juki.domain.errors import FormatError, problem
from kure_juki.ports.card_reader import MAX_PIN_TRIES, CardError

# Bytes enough for any TLV header of the card: a 2-byte tag and a 0x83 long-form length.
_HEADER_PROBE = 8


def _unexpected(response: Response) -> CardError:
    """A status word the conversation does not expect at this point."""
    if response.sw == apdu.SW_SECURITY_NOT_SATISFIED:
        return CardError("KJ-CARD-008")
    if response.sw == apdu.SW_PIN_BLOCKED:
        return CardError("KJ-CARD-002", tries_left=0)
    return CardError("KJ-CARD-010")


class KenhojoCardReader(abc.ABC):
    """A :class:`~kure_juki.ports.card_reader.CardReader` over an abstract APDU link."""

    def __init__(self) -> None:
        self._connected = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(connected={self._connected})"

    # What an adapter provides.
    @abc.abstractmethod
    def _open(self) -> None:
        """Find the reader, wait for the card, power it (CardError on failure)."""

    @abc.abstractmethod
    def _close(self) -> None:
        """Release the card; must not raise."""

    @abc.abstractmethod
    def _transmit(self, command: bytes) -> bytes:
        """Send a C-APDU, return the R-APDU (CardError KJ-CARD-003 if the card is gone)."""

    # The port.
    def connect(self) -> None:
        if self._connected:
            return
        self._open()
        self._connected = True
        try:
            response = self._send(apdu.select_df(apdu.AID_CARD_INPUT_SUPPORT))
            if response.sw in (apdu.SW_FILE_NOT_FOUND, apdu.SW_WRONG_P1P2,
                               apdu.SW_INS_NOT_SUPPORTED, apdu.SW_CLA_NOT_SUPPORTED):
                raise CardError("KJ-CARD-005")
            if not response.ok:
                raise _unexpected(response)
        except BaseException:
            self.disconnect()
            raise

    def disconnect(self) -> None:
        if self._connected:
            self._connected = False
            self._close()

    def __enter__(self) -> Self:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.disconnect()

    def verify_pin(self, pin: str) -> None:
        pin = check_pin_format(pin)
        self._select_ef(apdu.EF_PIN)
        response = self._send(apdu.verify(pin.encode("ascii")))
        if response.ok:
            return
        if apdu.is_wrong_pin(response.sw):
            left = apdu.tries_left(response.sw)
            if left == 0:
                raise CardError("KJ-CARD-002", tries_left=0)
            raise CardError("KJ-CARD-001", tries_left=left)
        raise _unexpected(response)

    def pin_tries_left(self) -> int:
        self._select_ef(apdu.EF_PIN)
        response = self._send(apdu.verify())
        if response.ok:  # already verified: a right PIN restored the counter
            return MAX_PIN_TRIES
        if apdu.is_wrong_pin(response.sw):
            return apdu.tries_left(response.sw)
        if response.sw == apdu.SW_PIN_BLOCKED:
            return 0
        raise _unexpected(response)

    def read_my_number(self) -> str:
        return decode_my_number(self._read_tlv_file(apdu.EF_MY_NUMBER))

    def read_identity(self) -> CardIdentity:
        my_number = self.read_my_number()
        four = decode_basic_four(self._read_tlv_file(apdu.EF_BASIC_FOUR))
        return CardIdentity(
            my_number=my_number,
            name=four.name,
            address=four.address,
            birth_date=four.birth_date,
            sex=four.sex,
        )

    # The conversation.
    def _send(self, command: Command) -> Response:
        if not self._connected:
            raise CardError("KJ-CARD-009")
        response = Response.parse(self._transmit(command.to_bytes()))
        if response is None:
            raise CardError("KJ-CARD-010")
        return response

    def _select_ef(self, file_id: bytes) -> None:
        response = self._send(apdu.select_ef(file_id))
        if not response.ok:
            raise _unexpected(response)

    def _read(self, offset: int, le: int) -> bytes:
        response = self._send(apdu.read_binary(offset, le))
        # 6282: the file ended before Le bytes; what came is all there is.
        if response.sw not in (apdu.SW_OK, apdu.SW_END_OF_FILE):
            if response.sw == apdu.SW_OFFSET_OUTSIDE:
                raise FormatError(problem("KJ-CARD-006"))  # the TLV claims more than the file
            raise _unexpected(response)
        if len(response.data) > le:
            raise CardError("KJ-CARD-010")
        return response.data

    def _read_tlv_file(self, file_id: bytes) -> bytes:
        """The one TLV object at the start of an EF, exactly, without the padding after it."""
        self._select_ef(file_id)
        data = self._read(0, apdu.MAX_SHORT_LE)
        header = read_header(data[:_HEADER_PROBE])
        total = header.total_length
        while len(data) < total:
            if len(data) > apdu.MAX_OFFSET:
                raise FormatError(problem("KJ-CARD-016"))
            chunk = self._read(len(data), min(apdu.MAX_SHORT_LE, total - len(data)))
            if not chunk:
                raise FormatError(problem("KJ-CARD-006"))
            data += chunk
        return data[:total]
