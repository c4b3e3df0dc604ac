"""Forged, replayed, stale and tampered messages through the register, over real sockets: each
refused with its own code and audited — by the peer for what reaches it, by the register for
the replies it is handed — and the register's update still applied exactly once."""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable, Iterator

import pytest

import kure_juki as kj
from kure_juki.adapters.cs.envelope import Endpoint, Party, TrustStore, parse
from kure_juki.adapters.cs.simulated_peers import (
    PREFECTURE_ID,
    SimulatedNetwork,
    municipality_party_id,
)
from kure_juki.adapters.cs.transport import LinkAudit, Transport, bind_reply
from kure_juki.domain.cs_messages import IdentityUpdate, UpdateAck, encode_message
from kure_juki.service.cs_delivery import deliver
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.cs import identity_record
from kure_juki.testing.factories import move_in, person

KURE = "342025"
PASSWORD = "a-long-passphrase"
Rewrite = Callable[[bytes, Callable[[bytes], bytes]], bytes]


class Wire:
    """The register's side of the wire to the prefecture, with an attacker on it: ``rewrite``
    sees each request frame and the function that carries a frame to the real peer."""

    def __init__(self, inner: Transport):
        self.inner = inner
        self.requests: list[bytes] = []
        self.replies: list[bytes] = []
        self.rewrite: Rewrite | None = None

    def _carry(self, frame: bytes) -> bytes:
        reply = self.inner.exchange(frame)
        self.replies.append(reply)
        return reply

    def exchange(self, frame: bytes) -> bytes:
        self.requests.append(frame)
        rewrite, self.rewrite = self.rewrite, None  # one attack, then an honest wire
        return rewrite(frame, self._carry) if rewrite else self._carry(frame)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def peer_audit() -> list[LinkAudit]:
    return []


@pytest.fixture
def network(clock: SettableClock, peer_audit: list[LinkAudit]) -> Iterator[SimulatedNetwork]:
    net = SimulatedNetwork([KURE], clock=clock, audit=peer_audit.append)
    with net.serve_tcp():
        yield net


@pytest.fixture
def wire(network: SimulatedNetwork) -> Wire:
    return Wire(network.tcp_link(KURE, retries=0).prefecture.transport)


@pytest.fixture
def reg(clock: SettableClock, network: SimulatedNetwork, wire: Wire) -> Iterator[kj.Registry]:
    link = network.tcp_link(KURE, retries=0)
    link.prefecture.transport = wire
    registry = kj.open_registry("memory://", municipality_code=KURE, clock=clock, cs_link=link)
    registry.bootstrap_admin("admin", PASSWORD)
    s = registry.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")
    s.submit(arrival())
    yield registry
    link.close()
    registry.close()


def arrival() -> dict[str, object]:
    """A 転入 from abroad: one identity update and no 転入通知 to send."""
    n = move_in([person()])
    n["type"] = "move_in_from_abroad"
    del n["previous_address"]
    return n


def delivery_audit(reg: kj.Registry) -> list[tuple[str, str | None]]:
    with reg.store.unit_of_work() as uow:
        return [(e.outcome, e.code) for e in uow.audit.iter_all() if e.operation == "cs_delivery"]


def raw(address: tuple[str, int], frame: bytes) -> bytes:
    with socket.create_connection(address, timeout=2) as sock:
        sock.sendall(struct.pack(">I", len(frame)) + frame)
        return sock.recv(16)


def test_a_forged_reply_is_refused_and_audited_by_the_register(
    reg: kj.Registry, wire: Wire, network: SimulatedNetwork, clock: SettableClock
) -> None:
    stranger = Party.generate("cs-exchange-impostor")  # a party the register never trusted
    kure = municipality_party_id(KURE)
    forger = Endpoint(stranger, TrustStore({kure: network.municipalities[KURE].public_keys}), clock)

    def forge(frame: bytes, carry: Callable[[bytes], bytes]) -> bytes:
        lie = bind_reply(parse(frame).nonce, UpdateAck(KURE, 1, "applied"))
        return forger.seal(kure, lie)[0]

    wire.rewrite = forge
    first = deliver(reg)
    assert [code for _, code in first.failures] == ["KJ-LINK-001"]
    assert network.prefecture.last_applied(KURE) == 0  # the lie stopped nothing but itself
    assert delivery_audit(reg) == [("refused", "KJ-LINK-001")]
    clock.advance(seconds=6)
    assert deliver(reg).sent == 1 and network.prefecture.applied_count == 1


def test_a_tampered_reply_is_refused_and_audited(
    reg: kj.Registry, wire: Wire, network: SimulatedNetwork, clock: SettableClock
) -> None:
    def flip(frame: bytes, carry: Callable[[bytes], bytes]) -> bytes:
        reply = bytearray(carry(frame))
        reply[-80] ^= 0x01  # inside the ciphertext
        return bytes(reply)

    wire.rewrite = flip
    assert [code for _, code in deliver(reg).failures] == ["KJ-LINK-002"]
    assert delivery_audit(reg) == [("refused", "KJ-LINK-002")]
    assert network.prefecture.applied_count == 1  # it did arrive: the resend is a duplicate
    clock.advance(seconds=6)
    again = deliver(reg)
    assert (again.sent, again.duplicates) == (0, 1)
    assert network.prefecture.applied_count == 1


def test_a_replayed_reply_is_refused_and_audited(
    reg: kj.Registry, wire: Wire, network: SimulatedNetwork, clock: SettableClock
) -> None:
    s = reg.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")
    assert deliver(reg).sent == 1
    s.submit(arrival())
    old = wire.replies[-1]
    wire.rewrite = lambda frame, carry: (carry(frame), old)[1]
    assert [code for _, code in deliver(reg).failures] == ["KJ-LINK-003"]
    assert delivery_audit(reg) == [("refused", "KJ-LINK-003")]
    clock.advance(seconds=6)
    assert deliver(reg).duplicates == 1
    assert network.prefecture.applied_count == 2


def test_a_stale_reply_is_refused_and_audited(
    reg: kj.Registry, wire: Wire, network: SimulatedNetwork, clock: SettableClock
) -> None:
    def hold(frame: bytes, carry: Callable[[bytes], bytes]) -> bytes:
        reply = carry(frame)
        clock.advance(seconds=600)  # handed over ten minutes late
        return reply

    wire.rewrite = hold
    assert [code for _, code in deliver(reg).failures] == ["KJ-LINK-005"]
    assert delivery_audit(reg) == [("refused", "KJ-LINK-005")]
    clock.advance(seconds=6)
    assert deliver(reg).duplicates == 1


def test_forged_replayed_stale_and_tampered_requests_are_refused_by_the_peer_and_audited(
    reg: kj.Registry,
    wire: Wire,
    network: SimulatedNetwork,
    clock: SettableClock,
    peer_audit: list[LinkAudit],
) -> None:
    address = network._tcp[PREFECTURE_ID].address
    assert deliver(reg).sent == 1
    genuine = wire.requests[-1]
    peer_audit.clear()

    impostor = Party.generate(municipality_party_id(KURE))  # the register's id, other keys
    keys = network.peer_parties[PREFECTURE_ID].public_keys
    forger = Endpoint(impostor, TrustStore({PREFECTURE_ID: keys}), clock)
    lie = IdentityUpdate(KURE, "転入", identity_record(77, update_sequence=2))
    assert raw(address, forger.seal(PREFECTURE_ID, encode_message(lie))[0]) == b""  # forged
    assert raw(address, genuine) == b""  # replayed
    tampered = bytearray(genuine)
    tampered[-100] ^= 0x10
    assert raw(address, bytes(tampered)) == b""  # tampered
    clock.advance(seconds=600)
    assert raw(address, genuine) == b""  # stale

    refused = [(e.outcome, e.code, e.authenticated) for e in peer_audit]
    assert refused == [
        ("dropped", "KJ-LINK-002", False),
        ("dropped", "KJ-LINK-003", False),
        ("dropped", "KJ-LINK-002", False),
        ("dropped", "KJ-LINK-005", False),
    ]
    assert network.prefecture.applied_count == 1 and network.prefecture.last_applied(KURE) == 1
    s = reg.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")
    s.submit(arrival())
    assert deliver(reg).sent == 1  # the register's own stream goes on undisturbed
    assert network.prefecture.last_applied(KURE) == 2
