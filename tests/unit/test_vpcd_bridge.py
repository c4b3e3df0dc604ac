"""The vpcd bridge's side of vpcd's socket protocol, against a stand-in vpcd on loopback.

vpcd is the server; every message is a 2-byte big-endian length then the payload; 1-byte
payloads are control codes (0 off, 1 on, 2 reset, 4 ATR), longer ones C-APDUs.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from kure_juki.adapters.card import apdu
from kure_juki.adapters.card.simulated_card import ATR, SimulatedMyNumberCard
from kure_juki.adapters.card.vpcd_bridge import VpcdBridge
from kure_juki.testing.card import sample_identity


class FakeVpcd:
    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.link: socket.socket | None = None

    def accept(self) -> None:
        self.server.settimeout(5)
        self.link, _ = self.server.accept()
        self.link.settimeout(5)

    def send(self, payload: bytes, *, split: bool = False) -> None:
        assert self.link is not None
        frame = len(payload).to_bytes(2, "big") + payload
        if split:  # as vpcd does: the length, then the payload
            self.link.sendall(frame[:2])
            self.link.sendall(frame[2:])
        else:
            self.link.sendall(frame)

    def receive(self) -> bytes:
        assert self.link is not None
        size = int.from_bytes(self._exactly(2), "big")
        return self._exactly(size)

    def _exactly(self, size: int) -> bytes:
        assert self.link is not None
        data = b""
        while len(data) < size:
            chunk = self.link.recv(size - len(data))
            assert chunk, "bridge closed the link"
            data += chunk
        return data

    def close(self) -> None:
        if self.link is not None:
            self.link.close()
        self.server.close()


@pytest.fixture
def vpcd() -> Iterator[FakeVpcd]:
    fake = FakeVpcd()
    yield fake
    fake.close()


def test_bridge_serves_control_codes_and_apdus(vpcd: FakeVpcd) -> None:
    card = SimulatedMyNumberCard(sample_identity(), pin="1234")
    with VpcdBridge(card, port=vpcd.port) as bridge:
        vpcd.accept()
        vpcd.send(b"\x04")
        assert vpcd.receive() == ATR
        vpcd.send(b"\x01")
        vpcd.send(apdu.select_df(apdu.AID_CARD_INPUT_SUPPORT).to_bytes(), split=True)
        assert vpcd.receive() == b"\x90\x00"
        vpcd.send(apdu.select_ef(apdu.EF_PIN).to_bytes())
        assert vpcd.receive() == b"\x90\x00"
        vpcd.send(apdu.verify(b"0000").to_bytes())
        assert vpcd.receive() == b"\x63\xc2"
        vpcd.send(b"\x02")  # reset: the selection goes, the counter stays
        vpcd.send(apdu.select_ef(apdu.EF_PIN).to_bytes())
        assert vpcd.receive() == b"\x6a\x82"
        vpcd.send(b"\x00")  # off: an APDU now gets no precise diagnosis
        vpcd.send(apdu.verify().to_bytes())
        assert vpcd.receive() == b"\x6f\x00"
        assert bridge.apdus == 5 and bridge.failure is None
    assert card.retries_left == 2 and not card.powered and not bridge.running


def test_removal_closes_the_link_and_insertion_reconnects(vpcd: FakeVpcd) -> None:
    card = SimulatedMyNumberCard(sample_identity(), pin="1234")
    bridge = VpcdBridge(card, port=vpcd.port)
    bridge.start()
    vpcd.accept()
    bridge.remove_card()
    assert vpcd.link is not None and vpcd.link.recv(1) == b""  # vpcd sees the card gone
    other = SimulatedMyNumberCard(sample_identity(serial=2), pin="1234")
    bridge.insert_card(other)
    vpcd.accept()
    vpcd.send(b"\x01")
    vpcd.send(apdu.select_df(apdu.AID_CARD_INPUT_SUPPORT).to_bytes())
    assert vpcd.receive() == b"\x90\x00"
    assert other.powered and bridge.card is other
    bridge.stop()


def test_no_vpcd_listening_is_reported_after_the_timeout() -> None:
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    bridge = VpcdBridge(SimulatedMyNumberCard(sample_identity()), port=port, connect_timeout=0.3)
    with pytest.raises(OSError):
        bridge.start()
