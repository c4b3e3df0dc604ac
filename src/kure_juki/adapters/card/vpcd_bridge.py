"""Serve a :class:`VirtualCard` to pcscd through vsmartcard's virtual reader (vpcd).

vpcd, loaded by pcscd, listens on TCP (35963 for "Virtual PCD 00 00", 35964 for "… 00 01") and
the virtual card is the client. Every message is a 2-byte big-endian length then the payload;
a 1-byte payload is a control code (0 power off, 1 power on, 2 reset, 4 send the ATR), anything
longer a C-APDU, answered with the R-APDU in the same framing. Closing the socket is what vpcd
sees as the card being taken off the reader.

The bridge runs in a thread; ``stop`` (or ``remove_card``) closes the socket and joins it, and
``insert_card`` connects again, with the same card or another one.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType
from typing import Self

from kure_juki.adapters.card.simulated_card import PoweredOff, VirtualCard

VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963

CONTROL_POWER_OFF = 0
CONTROL_POWER_ON = 1
CONTROL_RESET = 2
CONTROL_ATR = 4

_POLL = 0.1  # how often the thread looks at the stop flag while the socket is quiet
_NO_PRECISE_DIAGNOSIS = b"\x6f\x00"


def _ack_now(sock: socket.socket) -> None:
    """Acknowledge at once. vpcd writes the length and the APDU separately; with Nagle on its
    side and delayed ACKs on ours every APDU would wait about 40 ms. Linux resets the flag after
    each read, hence once per read; elsewhere the option does not exist and nothing is done."""
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


class VpcdBridge:
    def __init__(
        self,
        card: VirtualCard,
        *,
        host: str = VPCD_HOST,
        port: int = VPCD_PORT,
        connect_timeout: float = 5.0,
    ) -> None:
        self.card = card
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self.apdus = 0  # C-APDUs answered, for measurements
        self.failure: BaseException | None = None  # what ended the thread, if not a stop
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def __repr__(self) -> str:
        return f"VpcdBridge(port={self.port}, running={self.running})"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Connect to vpcd (retrying while pcscd is still loading it) and serve the card."""
        if self.running:
            return
        deadline = time.monotonic() + self.connect_timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(_POLL)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(_POLL)
        self._socket = sock
        self._stop.clear()
        self.failure = None
        self._thread = threading.Thread(target=self._serve, name="vpcd-bridge", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5.0)
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()
        self.card.power_off()

    def remove_card(self) -> None:
        self.stop()

    def insert_card(self, card: VirtualCard | None = None) -> None:
        self.stop()
        if card is not None:
            self.card = card
        self.start()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(self) -> None:
        sock = self._socket
        assert sock is not None
        try:
            while not self._stop.is_set():
                header = self._receive(sock, 2)
                if header is None:
                    return
                payload = self._receive(sock, int.from_bytes(header, "big"))
                if payload is None:
                    return
                answer = self._answer(payload)
                if answer is not None:
                    sock.sendall(len(answer).to_bytes(2, "big") + answer)
        except OSError as exc:
            if not self._stop.is_set():
                self.failure = exc

    def _receive(self, sock: socket.socket, size: int) -> bytes | None:
        """Exactly ``size`` bytes; None when vpcd closed the link or we are stopping."""
        buffer = b""
        while len(buffer) < size:
            if self._stop.is_set():
                return None
            try:
                chunk = sock.recv(size - len(buffer))
            except TimeoutError:
                continue
            if not chunk:
                return None
            _ack_now(sock)
            buffer += chunk
        return buffer

    def _answer(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            code = payload[0]
            if code == CONTROL_POWER_OFF:
                self.card.power_off()
            elif code == CONTROL_POWER_ON:
                self.card.power_on()
            elif code == CONTROL_RESET:
                self.card.reset()
            elif code == CONTROL_ATR:
                return self.card.atr
            return None
        self.apdus += 1
        try:
            return self.card.transmit(payload)
        except PoweredOff:
            return _NO_PRECISE_DIAGNOSIS
