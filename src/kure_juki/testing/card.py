"""Card-reader test kit: synthetic cards, a PC/SC stack on demand, and the port's contract suite.

For test authors::

    from kure_juki.testing.card import sample_identity, SimulatedMyNumberCard
    card = SimulatedMyNumberCard(sample_identity(), pin="1234")

Fixtures (import them into a conftest.py): ``card_identity``, ``simulated_rig``, ``pcscd``,
``pcsc_rig``. ``pcscd`` starts ``/usr/sbin/pcscd --foreground`` unless one already runs, and
stops it (by PID) when the last test process using it finishes; each PC/SC test locks one of
vpcd's two virtual readers, so pytest-xdist workers do not share a reader. When the stack is
missing the PC/SC tests are skipped with the reason — except under CI (``CI=true``), where they
fail, because CI installs the stack (``.ci/setup-pcsc.sh``).

:class:`CardReaderContract` is the contract every card-reader adapter must pass: subclass it
in a test module and provide a ``rig`` fixture (:class:`CardRig`).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import importlib.util
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Protocol

import attrs
import pytest

from kure_juki.adapters.card import apdu
from kure_juki.adapters.card.apdu import Response
from kure_juki.adapters.card.simulated import SimulatedCardReader
from kure_juki.adapters.card.simulated_card import (
    ATR,
    SimulatedMyNumberCard,
    VirtualCard,
)
from kure_juki.adapters.card.vpcd_bridge import VPCD_PORT, VpcdBridge
from kure_juki.domain.card import CardIdentity, Sex
from kure_juki.domain.errors import FormatError
from kure_juki.domain.identifiers import complete_my_number
from kure_juki.ports.card_reader import MAX_PIN_TRIES, CardError, CardReader

__all__ = [
    "SAMPLE_PIN",
    "CardReaderContract",
    "CardRig",
    "NotAMyNumberCard",
    "PcscDaemon",
    "PcscRig",
    "SimulatedMyNumberCard",
    "SimulatedRig",
    "card_identity",
    "pcsc_rig",
    "pcscd",
    "sample_identity",
    "simulated_rig",
]

SAMPLE_PIN = "1234"
PCSCD = Path("/usr/sbin/pcscd")
PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
VPCD_READERS = 2  # vpcd's default configuration: "Virtual PCD 00 00" and "Virtual PCD 00 01"


def sample_identity(
    *,
    serial: int = 1,
    name: str = "呉　太郎",
    address: str = "広島県呉市中央四丁目1番6号",
    birth_date: datetime.date = datetime.date(1980, 4, 1),
    sex: Sex = "male",
) -> CardIdentity:
    """A synthetic card holder; ``serial`` picks a different (valid) My Number."""
    return CardIdentity(
        my_number=complete_my_number(f"{serial:011d}"),
        name=name,
        address=address,
        birth_date=birth_date,
        sex=sex,
    )


@attrs.define(repr=False)
class NotAMyNumberCard:
    """Another ISO 7816 card (a bank card, say): it knows no My Number application."""

    atr: bytes = ATR
    powered: bool = False

    def power_on(self) -> bytes:
        self.powered = True
        return self.atr

    def power_off(self) -> None:
        self.powered = False

    def reset(self) -> bytes:
        return self.power_on()

    def transmit(self, raw: bytes) -> bytes:
        return Response(b"", apdu.SW_FILE_NOT_FOUND).to_bytes()


class CardRig(Protocol):
    """A reader on a desk with a simulated card on it, as the contract suite drives it."""

    card: SimulatedMyNumberCard
    reader: CardReader

    def remove_card(self) -> None:
        """Take the card off the reader."""

    def insert_card(self, card: VirtualCard) -> None:
        """Put a card on the reader (the rig's ``card`` stays the first one)."""

    def unplugged_reader(self) -> CardReader:
        """A reader adapter that finds no reader at all."""


class SimulatedRig:
    def __init__(self, card: SimulatedMyNumberCard) -> None:
        self.card = card
        self._reader = SimulatedCardReader(card)
        self.reader: CardReader = self._reader

    def remove_card(self) -> None:
        self._reader.remove_card()

    def insert_card(self, card: VirtualCard) -> None:
        self._reader.insert_card(card)

    def unplugged_reader(self) -> CardReader:
        return SimulatedCardReader(self.card, plugged=False)


# --- the PC/SC stack -------------------------------------------------------------------------

_LOCK_DIR = Path(tempfile.gettempdir())
_DAEMON_LOCK = _LOCK_DIR / "kure_juki_pcscd.lock"
_DAEMON_STARTED = _LOCK_DIR / "kure_juki_pcscd.started"


def _socket_answers(path: Path) -> bool:
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def pcsc_stack_missing() -> str | None:
    """Why the PC/SC end-to-end tests cannot run here, or None when they can."""
    if importlib.util.find_spec("smartcard") is None:
        return "pyscard is not installed (run .ci/setup-pcsc.sh)"
    if not VPCD_DRIVER.exists():
        return "vsmartcard-vpcd is not installed (run .ci/setup-pcsc.sh)"
    if _socket_answers(PCSCD_SOCKET):
        return None
    if not PCSCD.exists():
        return "pcscd is not installed (run .ci/setup-pcsc.sh)"
    if os.geteuid() != 0:
        return "pcscd is not running and only root can start it"
    return None


class PcscDaemon:
    """pcscd for the test session: reused when running, else started and later stopped by PID.

    Test processes (pytest-xdist workers) hold a shared lock while they use it; the one that
    leaves last stops the daemon, if one of them started it.
    """

    def __init__(self, start_timeout: float = 10.0) -> None:
        self.start_timeout = start_timeout
        self.started_here = False
        self._process: subprocess.Popen[bytes] | None = None
        self._lock: IO[str] | None = None

    def __enter__(self) -> PcscDaemon:
        self._lock = _DAEMON_LOCK.open("a+")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        try:
            if not _socket_answers(PCSCD_SOCKET):
                self._start()
        finally:
            fcntl.flock(self._lock, fcntl.LOCK_SH)  # others may use it alongside
        return self

    def _start(self) -> None:
        self._process = subprocess.Popen(
            [str(PCSCD), "--foreground"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.started_here = True
        _DAEMON_STARTED.write_text(str(self._process.pid))
        deadline = time.monotonic() + self.start_timeout
        while not _socket_answers(PCSCD_SOCKET):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self._stop(self._process.pid)
                raise RuntimeError("pcscd did not start")
            time.sleep(0.05)

    def __exit__(self, *exc_info: object) -> None:
        lock, self._lock = self._lock, None
        if lock is None:
            return
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # another test process still uses pcscd
            with contextlib.suppress(FileNotFoundError, ValueError):
                self._stop(int(_DAEMON_STARTED.read_text()))
        finally:
            lock.close()

    def _stop(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        if self._process is not None and self._process.pid == pid:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        else:  # started by another worker, which reaps it; wait for its socket to go
            deadline = time.monotonic() + 5
            while _socket_answers(PCSCD_SOCKET) and time.monotonic() < deadline:
                time.sleep(0.05)
        _DAEMON_STARTED.unlink(missing_ok=True)


@contextlib.contextmanager
def _reader_slot() -> Iterator[int]:
    """Lock one of vpcd's readers for this process (blocking when both are taken)."""
    files = [(_LOCK_DIR / f"kure_juki_vpcd_{slot}.lock").open("a+") for slot in range(VPCD_READERS)]
    try:
        for slot, handle in enumerate(files):
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            yield slot
            return
        fcntl.flock(files[0], fcntl.LOCK_EX)
        yield 0
    finally:
        for handle in files:
            handle.close()


class PcscRig:
    """The simulated card behind pcscd: vpcd bridge → pcscd → pyscard → PcscCardReader."""

    def __init__(self, card: SimulatedMyNumberCard, slot: int) -> None:
        from kure_juki.adapters.card.pcsc import PcscCardReader  # needs pyscard

        self.card = card
        self.reader_name = f"Virtual PCD 00 {slot:02d}"
        self.bridge = VpcdBridge(card, port=VPCD_PORT + slot)
        self._reader = PcscCardReader(self.reader_name, timeout=5.0)
        self.reader: CardReader = self._reader

    def start(self) -> None:
        self.bridge.start()

    def close(self) -> None:
        self.reader.disconnect()
        self.bridge.stop()

    def remove_card(self) -> None:
        self.bridge.remove_card()
        self._reader.timeout = 0.5  # no card is coming: do not wait long for one

    def insert_card(self, card: VirtualCard) -> None:
        self.bridge.insert_card(card)
        self._reader.timeout = 5.0

    def unplugged_reader(self) -> CardReader:
        from kure_juki.adapters.card.pcsc import PcscCardReader

        return PcscCardReader("Reader that is not there", timeout=0.5)


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def card_identity() -> CardIdentity:
    return sample_identity()


@pytest.fixture
def simulated_rig(card_identity: CardIdentity) -> Iterator[SimulatedRig]:
    rig = SimulatedRig(SimulatedMyNumberCard(card_identity, pin=SAMPLE_PIN))
    yield rig
    rig.reader.disconnect()


@pytest.fixture(scope="session")
def pcscd() -> Iterator[PcscDaemon]:
    reason = pcsc_stack_missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PC/SC stack missing in CI: {reason}")
        pytest.skip(reason)
    with PcscDaemon() as daemon:
        yield daemon


@pytest.fixture
def pcsc_rig(pcscd: PcscDaemon, card_identity: CardIdentity) -> Iterator[PcscRig]:
    with _reader_slot() as slot:
        rig = PcscRig(SimulatedMyNumberCard(card_identity, pin=SAMPLE_PIN), slot)
        rig.start()
        try:
            yield rig
        finally:
            rig.close()


# --- the contract ----------------------------------------------------------------------------


def _raises_card_error(code: str, call: Any, *args: Any) -> CardError:
    with pytest.raises(CardError) as caught:
        call(*args)
    assert caught.value.code == code, caught.value.code
    return caught.value


class CardReaderContract:
    """What every CardReader adapter must do; subclass with a ``rig`` fixture per adapter."""

    @pytest.fixture
    def rig(self) -> CardRig:
        raise NotImplementedError("a subclass provides the rig of its adapter")

    def test_reads_identity_after_the_right_pin(self, rig: CardRig) -> None:
        with rig.reader as reader:
            reader.verify_pin(SAMPLE_PIN)
            assert reader.read_identity() == rig.card.identity
            assert reader.read_my_number() == rig.card.identity.my_number

    def test_reading_needs_the_pin(self, rig: CardRig) -> None:
        with rig.reader as reader:
            _raises_card_error("KJ-CARD-008", reader.read_my_number)
            _raises_card_error("KJ-CARD-008", reader.read_identity)
            assert reader.pin_tries_left() == MAX_PIN_TRIES

    def test_wrong_pin_reports_tries_left_and_right_pin_restores_them(self, rig: CardRig) -> None:
        with rig.reader as reader:
            error = _raises_card_error("KJ-CARD-001", reader.verify_pin, "9999")
            assert error.tries_left == MAX_PIN_TRIES - 1
            assert reader.pin_tries_left() == MAX_PIN_TRIES - 1
            assert rig.card.retries_left == MAX_PIN_TRIES - 1
            reader.verify_pin(SAMPLE_PIN)
            assert reader.pin_tries_left() == MAX_PIN_TRIES
            assert rig.card.retries_left == MAX_PIN_TRIES

    def test_a_wrong_pin_undoes_an_earlier_verification(self, rig: CardRig) -> None:
        with rig.reader as reader:
            reader.verify_pin(SAMPLE_PIN)
            _raises_card_error("KJ-CARD-001", reader.verify_pin, "0000")
            _raises_card_error("KJ-CARD-008", reader.read_my_number)

    def test_three_wrong_pins_block_the_card_for_good(self, rig: CardRig) -> None:
        with rig.reader as reader:
            tries = [
                _raises_card_error("KJ-CARD-001", reader.verify_pin, "1111").tries_left,
                _raises_card_error("KJ-CARD-001", reader.verify_pin, "2222").tries_left,
                _raises_card_error("KJ-CARD-002", reader.verify_pin, "3333").tries_left,
            ]
            assert tries == [2, 1, 0]
            _raises_card_error("KJ-CARD-002", reader.verify_pin, SAMPLE_PIN)
            assert reader.pin_tries_left() == 0
        # Power goes off and on between sessions; the block stays.
        with rig.reader as reader:
            assert reader.pin_tries_left() == 0
            _raises_card_error("KJ-CARD-002", reader.verify_pin, SAMPLE_PIN)
            _raises_card_error("KJ-CARD-008", reader.read_my_number)
        assert rig.card.retries_left == 0

    def test_tries_left_survive_reconnection(self, rig: CardRig) -> None:
        with rig.reader as reader:
            _raises_card_error("KJ-CARD-001", reader.verify_pin, "5678")
        with rig.reader as reader:
            assert reader.pin_tries_left() == MAX_PIN_TRIES - 1

    def test_disconnecting_forgets_the_verified_pin(self, rig: CardRig) -> None:
        with rig.reader as reader:
            reader.verify_pin(SAMPLE_PIN)
        with rig.reader as reader:
            _raises_card_error("KJ-CARD-008", reader.read_my_number)

    @pytest.mark.parametrize("pin", ["123", "12345", "12a4", "１２３４", "", " 123"])
    def test_malformed_pin_is_refused_without_using_a_try(self, rig: CardRig, pin: str) -> None:
        with rig.reader as reader:
            with pytest.raises(FormatError) as caught:
                reader.verify_pin(pin)
            assert caught.value.code == "KJ-CARD-007"
            assert reader.pin_tries_left() == MAX_PIN_TRIES

    def test_operations_need_a_connection(self, rig: CardRig) -> None:
        _raises_card_error("KJ-CARD-009", rig.reader.verify_pin, SAMPLE_PIN)
        _raises_card_error("KJ-CARD-009", rig.reader.pin_tries_left)
        with rig.reader:
            pass
        _raises_card_error("KJ-CARD-009", rig.reader.read_my_number)
        rig.reader.disconnect()  # twice is fine

    def test_card_removed_during_the_session(self, rig: CardRig) -> None:
        with rig.reader as reader:
            reader.verify_pin(SAMPLE_PIN)
            rig.remove_card()
            _raises_card_error("KJ-CARD-003", reader.read_identity)

    def test_no_card_on_the_reader(self, rig: CardRig) -> None:
        rig.remove_card()
        _raises_card_error("KJ-CARD-003", rig.reader.connect)

    def test_card_put_back_is_read_again(self, rig: CardRig) -> None:
        rig.remove_card()
        rig.insert_card(rig.card)
        with rig.reader as reader:
            reader.verify_pin(SAMPLE_PIN)
            assert reader.read_my_number() == rig.card.identity.my_number

    def test_no_reader(self, rig: CardRig) -> None:
        _raises_card_error("KJ-CARD-004", rig.unplugged_reader().connect)

    def test_another_kind_of_card_is_refused(self, rig: CardRig) -> None:
        rig.remove_card()
        rig.insert_card(NotAMyNumberCard())
        _raises_card_error("KJ-CARD-005", rig.reader.connect)

    def test_long_address_is_read_in_several_chunks(self, rig: CardRig) -> None:
        long_card = SimulatedMyNumberCard(
            sample_identity(serial=7, address="広島県呉市" + "中央四丁目一番六号" * 20),
            pin=SAMPLE_PIN,
        )
        assert len(long_card.file(apdu.EF_BASIC_FOUR)) > 2 * apdu.MAX_SHORT_LE
        rig.remove_card()
        rig.insert_card(long_card)
        with rig.reader as reader:
            reader.verify_pin(SAMPLE_PIN)
            assert reader.read_identity() == long_card.identity

    def test_malformed_card_data_is_a_format_error(self, rig: CardRig) -> None:
        content = bytearray(rig.card.file(apdu.EF_BASIC_FOUR))
        content[2] += 40  # the container now claims more bytes than the file holds
        rig.card.overwrite_file(apdu.EF_BASIC_FOUR, bytes(content))
        with rig.reader as reader:
            reader.verify_pin(SAMPLE_PIN)
            with pytest.raises(FormatError) as caught:
                reader.read_identity()
            assert caught.value.code.startswith(("KJ-CARD-", "KJ-FMT-"))

    def test_pin_and_my_number_never_show(self, rig: CardRig) -> None:
        my_number = rig.card.identity.my_number
        shown: list[str] = []
        with rig.reader as reader:
            for pin in ("0000", "123x"):
                with pytest.raises((CardError, FormatError)) as caught:
                    reader.verify_pin(pin)
                shown += [str(caught.value), repr(caught.value), repr(caught.value.to_dict())]
            reader.verify_pin(SAMPLE_PIN)
            identity = reader.read_identity()
            shown += [repr(reader), repr(identity), repr(rig.card), str(identity)]
        for text in shown:
            assert my_number not in text
            assert all(pin not in text for pin in (SAMPLE_PIN, "0000", "123x"))
            assert rig.card.identity.name not in text
