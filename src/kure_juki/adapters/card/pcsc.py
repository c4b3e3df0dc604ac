"""A card-reader adapter for real PC/SC readers, on pyscard (``pip install kure-juki[pcsc]``).

The reader is chosen by a substring of its name (the first reader when none is given); the
adapter waits up to ``timeout`` seconds for a card, because pcscd notices a newly placed card
only after a moment. pyscard's exceptions become typed errors: no PC/SC service (KJ-CARD-011),
no reader (KJ-CARD-004), no card or card removed (KJ-CARD-003).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from smartcard.CardRequest import CardRequest
from smartcard.CardType import AnyCardType
from smartcard.Exceptions import (
    CardConnectionException,
    CardRequestTimeoutException,
    NoCardException,
    SmartcardException,
)
from smartcard.pcsc.PCSCExceptions import BaseSCardException
from smartcard.System import readers as list_readers

from kure_juki.adapters.card.kenhojo import KenhojoCardReader
from kure_juki.ports.card_reader import CardError

_RETRY = 0.05


def _release(connection: Any) -> None:
    """Disconnect and free the PC/SC context now, not in pyscard's ``__del__`` (which
    complains, late, when pcscd is gone by then). The card may already be gone: never raise."""
    with contextlib.suppress(SmartcardException, BaseSCardException):
        connection.disconnect()
    with contextlib.suppress(SmartcardException, BaseSCardException):
        connection.release()


class PcscCardReader(KenhojoCardReader):
    def __init__(self, reader: str | None = None, *, timeout: float = 3.0) -> None:
        super().__init__()
        self.reader = reader  # a substring of the reader's name, e.g. "Virtual PCD 00 00"
        self.timeout = timeout
        self._connection: Any = None
        # pyscard's card service disconnects its connection when garbage-collected: keep it.
        self._service: Any = None

    def __repr__(self) -> str:
        return f"PcscCardReader(reader={self.reader!r}, connected={self._connected})"

    def _reader_name(self) -> str:
        try:
            names = [str(r) for r in list_readers()]
        except (SmartcardException, BaseSCardException) as exc:
            # pcscd not running or stopped: no reader can be listed at all.
            raise CardError("KJ-CARD-011") from exc
        matching = [n for n in names if self.reader is None or self.reader in n]
        if not matching:
            raise CardError("KJ-CARD-004")
        return matching[0]

    def _open(self) -> None:
        name = self._reader_name()
        # A card just put down may be seen as present a moment before it can be connected to
        # (or a removed one as still present): keep trying until the timeout.
        deadline = time.monotonic() + self.timeout
        while True:
            service = self._wait_for_card(name, max(0.0, deadline - time.monotonic()))
            connection = service.connection
            try:
                connection.connect()
            except (NoCardException, CardConnectionException) as exc:
                _release(connection)
                if time.monotonic() >= deadline:
                    raise CardError("KJ-CARD-003") from exc
                time.sleep(_RETRY)
                continue
            self._service = service
            self._connection = connection
            return

    @staticmethod
    def _wait_for_card(name: str, timeout: float) -> Any:
        try:
            # As a context manager the request frees its PC/SC context at once.
            with CardRequest(timeout=timeout, readers=[name], cardType=AnyCardType()) as request:
                return request.waitforcard()
        except CardRequestTimeoutException as exc:
            raise CardError("KJ-CARD-003") from exc
        except (SmartcardException, BaseSCardException) as exc:
            raise CardError("KJ-CARD-011") from exc

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        self._service = None
        if connection is None:
            return
        # The card may already be gone; releasing must not raise on top of that.
        _release(connection)

    def _transmit(self, command: bytes) -> bytes:
        if self._connection is None:
            raise CardError("KJ-CARD-009")
        try:
            data, sw1, sw2 = self._connection.transmit(list(command))
        except (SmartcardException, BaseSCardException) as exc:
            raise CardError("KJ-CARD-003") from exc
        return bytes(data) + bytes([sw1, sw2])
