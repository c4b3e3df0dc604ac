"""The library's CS client and the simulated peers, beyond the port's contract
(``tests/contract/test_cs_link_contract.py``): what the client checks before sending and in the
replies it is handed, reconciliation through the register over the link, and over real loopback
sockets silence for forgers and the failures of the transport."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

import attrs
import pytest

import kure_juki as kj
from kure_juki.adapters.cs.envelope import Endpoint, Party, TrustStore, parse
from kure_juki.adapters.cs.link import CsClient, Route
from kure_juki.adapters.cs.simulated_peers import (
    PREFECTURE_ID,
    SimulatedNetwork,
    municipality_party_id,
)
from kure_juki.adapters.cs.transport import (
    EnvelopeServer,
    LinkAudit,
    Reply,
    TcpServer,
    TcpTransport,
    Transport,
    bind_reply,
)
from kure_juki.adapters.memory.outbox import load_identities
from kure_juki.adapters.memory.store import MemoryStore
from kure_juki.domain.cs_messages import (
    DeliveryInfoNotice,
    IdentityUpdate,
    Message,
    PeerRefused,
    QueryByFourItems,
    QueryByResidentCode,
    ReconciliationDigestRequest,
    ReconciliationDigests,
    ReconciliationPage,
    ReconciliationRequest,
    UpdateAck,
    encode_message,
)
from kure_juki.domain.errors import AccessDenied, LinkError
from kure_juki.domain.identity_file import (
    IdentityRecord,
    check_identity_record,
    reconcile,
)
from kure_juki.service.registry_cs import reconcile as reconcile_register
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.cs import identity_record, updated

KURE, HIROSHIMA, FUKUYAMA = "342025", "341002", "342076"


@pytest.fixture
def audit() -> list[LinkAudit]:
    return []


@pytest.fixture
def network(clock: SettableClock, audit: list[LinkAudit]) -> SimulatedNetwork:
    return SimulatedNetwork([KURE, HIROSHIMA, FUKUYAMA], clock=clock, audit=audit.append)


@pytest.fixture
def addresses(network: SimulatedNetwork) -> Iterator[dict[str, tuple[str, int]]]:
    with network.serve_tcp() as found:
        yield found


@pytest.fixture(params=["tcp", "in-process"])
def link_to(
    request: pytest.FixtureRequest, network: SimulatedNetwork
) -> Iterator[Callable[[str], CsClient]]:
    """A municipality's link, over loopback TCP or in process: both must behave the same."""
    clients: list[CsClient] = []
    if request.param == "tcp":
        request.getfixturevalue("addresses")

    def make(code: str) -> CsClient:
        client = network.tcp_link(code) if request.param == "tcp" else network.link(code)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def update(reason: str, record: IdentityRecord) -> IdentityUpdate:
    return IdentityUpdate(record.municipality_code, reason, record)


def raw_exchange(address: tuple[str, int], payload: bytes, timeout: float = 2.0) -> bytes:
    """Sends one raw frame; the reply frame, or b"" when the server closes without one."""
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(struct.pack(">I", len(payload)) + payload)
        head = sock.recv(4, socket.MSG_WAITALL)
        if not head:
            return b""
        (size,) = struct.unpack(">I", head)
        return sock.recv(size, socket.MSG_WAITALL)


# --- reconciliation (整合性確認) ---


KEY = bytes(range(100, 116))


def by_code(records: list[IdentityRecord]) -> list[IdentityRecord]:
    return sorted(records, key=lambda r: r.resident_code)


@pytest.mark.parametrize("range_size", [1, 3, 32])
def test_the_register_finds_over_the_link_what_comparing_whole_files_finds(
    link_to: Callable[[str], CsClient],
    network: SimulatedNetwork,
    clock: SettableClock,
    range_size: int,
) -> None:
    """Digest first, then the differing ranges item by item: the same differences, in the same
    order, as reconciling the two whole files."""
    ours = by_code([identity_record(n, update_sequence=5) for n in range(1, 61)])
    theirs = {r.resident_code: r for r in ours}
    for gone in (ours[0], ours[30], ours[59]):
        del theirs[gone.resident_code]  # missing there
    for r in (identity_record(100), identity_record(101)):
        theirs[r.resident_code] = r  # missing here
    theirs[ours[5].resident_code] = attrs.evolve(ours[5], relationship="子")
    theirs[ours[12].resident_code] = attrs.evolve(ours[12], update_sequence=4, address="呉市")
    theirs[ours[40].resident_code] = updated(ours[40], "転居", 6, address="呉市中央1丁目")
    theirs[ours[50].resident_code] = attrs.evolve(ours[50], exclusive_lock=True)  # ignored
    store = MemoryStore()
    load_identities(store.state, ours)
    network.prefecture.load(theirs.values(), last_applied=1)
    registry = kj.Registry(store, municipality_code=KURE, clock=clock)

    report = reconcile_register(
        registry, link_to(KURE), page_size=2, range_size=range_size, listed=1000
    )

    expected = tuple(reconcile(ours, by_code(list(theirs.values()))))
    assert report.differences == expected
    assert report.counts == {
        "missing_here": 2,
        "missing_there": 3,
        "differing_items": 1,
        "sequence_gap": 1,
        "sequence_behind": 1,
    }
    assert (report.ours, report.theirs) == (60, 59)


def _digest_request(**changes: object) -> ReconciliationDigestRequest:
    request = ReconciliationDigestRequest(KURE, KEY.hex(), None, ("1", "2"), True)
    return attrs.evolve(request, **changes)


@pytest.mark.parametrize(
    ("changes", "item"),
    [
        ({"key": "00" * 8}, "key"),
        ({"key": "00" * 65}, "key"),
        ({"key": "0" * 33}, "key"),
        ({"key": "zz" * 16}, "key"),
        ({"bounds": ("2", "1")}, "bounds"),
        ({"bounds": ("1", "1")}, "bounds"),
        ({"after_resident_code": "1"}, "bounds"),
        ({"bounds": tuple(f"{i:011d}" for i in range(10_000))}, "bounds"),
    ],
)
def test_the_peer_refuses_a_malformed_digest_request(
    link_to: Callable[[str], CsClient], changes: dict[str, object], item: str
) -> None:
    link = link_to(KURE)
    with pytest.raises(PeerRefused) as refused:
        link.call(link.prefecture, _digest_request(**changes), ReconciliationDigests)
    assert [(p.code, p.item) for p in refused.value.refusal.problems] == [("KJ-LINK-015", item)]


@pytest.mark.parametrize(
    ("key", "after", "bounds", "item"),
    [
        pytest.param(KEY[:15], None, ["1"], "key", id="short key"),
        pytest.param(KEY * 5, None, ["1"], "key", id="long key"),
        pytest.param(KEY, None, ["2", "1"], "bounds", id="descending"),
        pytest.param(KEY, "1", ["1", "2"], "bounds", id="not after"),
        pytest.param(  # and the open range makes one more than allowed
            KEY, None, [f"{i:011d}" for i in range(10_000)], "bounds", id="too many"
        ),
    ],
)
def test_the_client_sends_no_digest_request_the_peer_would_refuse(
    link_to: Callable[[str], CsClient],
    audit: list[LinkAudit],
    key: bytes,
    after: str | None,
    bounds: list[str],
    item: str,
) -> None:
    """Refused as the port says (KJ-LINK-015, checked by the contract) before it is sent."""
    with pytest.raises(LinkError):
        link_to(KURE).reconciliation_digests(key, after, bounds, to_end=True)
    assert audit == []  # the peer heard nothing


def test_digests_are_only_for_the_senders_own_municipality(
    link_to: Callable[[str], CsClient],
) -> None:
    link = link_to(KURE)
    with pytest.raises(PeerRefused) as refused:
        request = _digest_request(municipality_code=HIROSHIMA)
        link.call(link.prefecture, request, ReconciliationDigests)
    assert refused.value.peer_codes == ("KJ-LINK-018",)


def _prefecture_answering(
    network: SimulatedNetwork, answer: Callable[[Message], Reply | None]
) -> None:
    """The prefecture, but ``answer`` has the first word on each message."""
    server = network.servers[PREFECTURE_ID]
    honest = server.dispatcher

    def dispatch(sender_id: str, message: Message) -> Reply:
        reply = answer(message)
        return honest(sender_id, message) if reply is None else reply

    server.dispatcher = dispatch


def _prefecture_paging(network: SimulatedNetwork, page: ReconciliationPage) -> None:
    """The prefecture, answering every page request with ``page``."""
    _prefecture_answering(network, lambda m: page if isinstance(m, ReconciliationRequest) else None)


@pytest.mark.parametrize("through", [0, 1, 2, None])
def test_a_page_out_of_order_is_refused_whole(
    link_to: Callable[[str], CsClient], network: SimulatedNetwork, through: int | None
) -> None:
    """Even where the range ends before the record out of order: it could hide one."""
    a, b, c = by_code([identity_record(n) for n in (1, 2, 3)])
    _prefecture_paging(network, ReconciliationPage((a, c, b), True))
    bound = None if through is None else (a, b, c)[through].resident_code
    with pytest.raises(LinkError) as refused:
        list(link_to(KURE).reconciliation_records(through=bound))
    assert (refused.value.code, refused.value.item) == ("KJ-LINK-022", "theirs")


def test_a_page_not_after_the_code_asked_for_is_refused(
    link_to: Callable[[str], CsClient], network: SimulatedNetwork
) -> None:
    a, b = by_code([identity_record(n) for n in (1, 2)])
    _prefecture_paging(network, ReconciliationPage((a, b), True))
    with pytest.raises(LinkError) as refused:
        list(link_to(KURE).reconciliation_records(after=a.resident_code))
    assert (refused.value.code, refused.value.item) == ("KJ-LINK-022", "theirs")


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (ReconciliationDigests((0,), ("00" * 16,)), "KJ-LINK-017"),  # one range for two
        (ReconciliationDigests((0, 0), ("00" * 16,)), "KJ-LINK-015"),
        (ReconciliationDigests((0, -1), ("00" * 16, "00" * 16)), "KJ-LINK-015"),
        (ReconciliationDigests((0, 0), ("00" * 16, "00" * 15)), "KJ-LINK-015"),
        (ReconciliationDigests((0, 0), ("00" * 16, "AA" * 16)), "KJ-LINK-015"),
    ],
)
def test_digests_that_do_not_answer_the_request_are_refused(
    link_to: Callable[[str], CsClient],
    network: SimulatedNetwork,
    reply: ReconciliationDigests,
    code: str,
) -> None:
    _prefecture_answering(
        network, lambda m: reply if isinstance(m, ReconciliationDigestRequest) else None
    )
    with pytest.raises(LinkError) as refused:
        link_to(KURE).reconciliation_digests(KEY, None, ["1"], to_end=True)
    assert refused.value.code == code


# --- national server, J-LIS and the exchange ---


def test_a_query_the_search_discipline_forbids_is_not_sent(
    link_to: Callable[[str], CsClient], audit: list[LinkAudit]
) -> None:
    """Refused as the port says (KJ-ACCESS-002, checked by the contract) before it is sent."""
    with pytest.raises(AccessDenied):
        link_to(KURE).query_identity(QueryByFourItems(name="佐藤", sex="male"))
    assert audit == []


def test_delivery_info_reaches_j_lis_as_sent(
    link_to: Callable[[str], CsClient], network: SimulatedNetwork
) -> None:
    link = link_to(KURE)
    notice = DeliveryInfoNotice.build(KURE, "D-0001", '{"送付先郵便番号":"737-0045"}')
    link.send_delivery_info(notice)
    link.send_delivery_info(notice)
    assert network.card_management.deliveries() == (notice,)


# --- an unauthenticated peer receives nothing ---


def test_a_forged_message_gets_no_reply(
    network: SimulatedNetwork,
    addresses: dict[str, tuple[str, int]],
    clock: SettableClock,
    audit: list[LinkAudit],
) -> None:
    impostor = Party.generate(municipality_party_id(KURE))  # right id, wrong keys
    keys = network.peer_parties[PREFECTURE_ID].public_keys
    endpoint = Endpoint(impostor, TrustStore({PREFECTURE_ID: keys}), clock)
    forged, _ = endpoint.seal(PREFECTURE_ID, encode_message(update("転入", identity_record(1))))

    assert raw_exchange(addresses[PREFECTURE_ID], forged) == b""
    assert network.prefecture.last_applied(KURE) == 0
    (event,) = audit
    assert (event.outcome, event.code, event.authenticated) == ("dropped", "KJ-LINK-002", False)
    assert event.sender_id == municipality_party_id(KURE)  # what it claimed, marked unproven


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"", "KJ-LINK-008"),
        (b"GET / HTTP/1.1\r\n\r\n", "KJ-LINK-008"),
        (b"KJE1" + bytes(200), "KJ-LINK-008"),
    ],
)
def test_garbage_gets_no_reply(
    network: SimulatedNetwork,
    addresses: dict[str, tuple[str, int]],
    audit: list[LinkAudit],
    payload: bytes,
    code: str,
) -> None:
    assert raw_exchange(addresses[PREFECTURE_ID], payload) == b""
    assert [(e.outcome, e.code) for e in audit] == [("dropped", code)]


def test_an_oversized_frame_is_cut_off(
    addresses: dict[str, tuple[str, int]], audit: list[LinkAudit]
) -> None:
    with socket.create_connection(addresses[PREFECTURE_ID], timeout=2) as sock:
        sock.sendall(struct.pack(">I", 2**31))
        assert sock.recv(16) == b""
    assert [(e.outcome, e.code) for e in audit] == [("dropped", "KJ-LINK-013")]


def test_a_replayed_envelope_gets_no_reply(
    network: SimulatedNetwork,
    addresses: dict[str, tuple[str, int]],
    clock: SettableClock,
    audit: list[LinkAudit],
) -> None:
    endpoint = network.endpoint(KURE)
    sealed, _ = endpoint.seal(PREFECTURE_ID, encode_message(update("転入", identity_record(1))))
    first = raw_exchange(addresses[PREFECTURE_ID], sealed)
    assert endpoint.open(first).sender_id == PREFECTURE_ID
    assert raw_exchange(addresses[PREFECTURE_ID], sealed) == b""
    assert [(e.outcome, e.code) for e in audit] == [("accepted", None), ("dropped", "KJ-LINK-003")]
    clock.advance(seconds=600)
    assert raw_exchange(addresses[PREFECTURE_ID], sealed) == b""
    assert audit[-1].code == "KJ-LINK-005"
    assert network.prefecture.applied_count == 1


def test_a_client_the_peer_does_not_know_hears_nothing(
    network: SimulatedNetwork, addresses: dict[str, tuple[str, int]], clock: SettableClock
) -> None:
    outsider = Party.generate("cs-999999")
    trust = TrustStore({pid: p.public_keys for pid, p in network.peer_parties.items()})
    transport = TcpTransport(*addresses[PREFECTURE_ID], timeout=2)
    route = Route(PREFECTURE_ID, transport)
    client = CsClient(
        Endpoint(outsider, trust, clock),
        KURE,
        prefecture=route,
        national=route,
        card_management=route,
        exchange=route,
        retries=0,
    )
    with pytest.raises(LinkError) as silence:
        client.send_identity_update(update("転入", identity_record(1)))
    assert silence.value.code == "KJ-LINK-016"
    transport.close()


class _Relay:
    """A man in the middle on the client's side of the wire."""

    def __init__(self, inner: TcpTransport, rewrite: Callable[[bytes, bytes], bytes]):
        self.inner = inner
        self.rewrite = rewrite

    def exchange(self, frame: bytes) -> bytes:
        return self.rewrite(frame, self.inner.exchange(frame))

    def close(self) -> None:
        self.inner.close()


def _client_through(network: SimulatedNetwork, transport: Transport) -> CsClient:
    route = Route(PREFECTURE_ID, transport)
    return CsClient(
        network.endpoint(KURE),
        KURE,
        prefecture=route,
        national=route,
        card_management=route,
        exchange=route,
        retries=0,
    )


def test_the_client_authenticates_the_reply(
    network: SimulatedNetwork, addresses: dict[str, tuple[str, int]], clock: SettableClock
) -> None:
    """A reply sealed by someone holding the prefecture's id but not its keys is refused."""
    impostor = Party.generate(PREFECTURE_ID)
    kure = municipality_party_id(KURE)
    forger = Endpoint(impostor, TrustStore({kure: network.municipalities[KURE].public_keys}), clock)

    def forge(request: bytes, _: bytes) -> bytes:
        lie = bind_reply(parse(request).nonce, UpdateAck(KURE, 1, "applied"))
        return forger.seal(kure, lie)[0]

    client = _client_through(network, _Relay(TcpTransport(*addresses[PREFECTURE_ID]), forge))
    with pytest.raises(LinkError) as refused:
        client.send_identity_update(update("転入", identity_record(1)))
    assert refused.value.code == "KJ-LINK-002"
    client.close()


def test_a_genuine_reply_to_another_request_is_refused(
    network: SimulatedNetwork, addresses: dict[str, tuple[str, int]]
) -> None:
    """Fresh, signed by the prefecture, addressed to us, but answering something else."""
    held: list[bytes] = []

    def swap(request: bytes, reply: bytes) -> bytes:
        if not held:
            held.append(reply)
            raise LinkError("KJ-LINK-010")  # the first answer is withheld ...
        return held.pop()  # ... and handed over as the answer to the second request

    client = _client_through(network, _Relay(TcpTransport(*addresses[PREFECTURE_ID]), swap))
    with pytest.raises(LinkError):
        client.send_identity_update(update("転入", identity_record(1)))
    with pytest.raises(LinkError) as refused:
        client.send_identity_update(update("転入", identity_record(2, update_sequence=2)))
    assert refused.value.code == "KJ-LINK-017"
    client.close()


# --- failures of the transport ---


def _slow_server(network: SimulatedNetwork, clock: SettableClock, delay: float) -> EnvelopeServer:
    real = network.servers[PREFECTURE_ID]

    def slow(sender: str, message: Message) -> Message:
        time.sleep(delay)
        return network.prefecture.handle(sender, message)

    return EnvelopeServer(real.endpoint, slow)


def _client_to(
    network: SimulatedNetwork,
    address: tuple[str, int],
    *,
    timeout: float = 2.0,
    connect_timeout: float = 2.0,
) -> CsClient:
    transport = TcpTransport(*address, timeout=timeout, connect_timeout=connect_timeout)
    return _client_through(network, transport)


def test_an_unreachable_peer(network: SimulatedNetwork) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        address = probe.getsockname()
    client = _client_to(network, address, connect_timeout=1)
    with pytest.raises(LinkError) as unreachable:
        client.send_identity_update(update("転入", identity_record(1)))
    assert unreachable.value.code == "KJ-LINK-009"


def test_a_peer_too_slow_to_answer_times_out(
    network: SimulatedNetwork, clock: SettableClock
) -> None:
    with TcpServer(_slow_server(network, clock, delay=0.5)) as server:
        client = _client_to(network, server.address, timeout=0.1)
        with pytest.raises(LinkError) as late:
            client.send_identity_update(update("転入", identity_record(1)))
        assert late.value.code == "KJ-LINK-010"
        client.close()


def test_the_client_reconnects_after_the_peer_restarts(network: SimulatedNetwork) -> None:
    server = TcpServer(network.servers[PREFECTURE_ID]).start()
    host, port = server.address
    client = _client_to(network, (host, port), timeout=2)
    client.send_identity_update(update("転入", identity_record(1)))
    server.stop()
    with pytest.raises(LinkError) as down:
        client.send_identity_update(update("転入", identity_record(2, update_sequence=2)))
    assert down.value.code == "KJ-LINK-009"
    restarted = TcpServer(network.servers[PREFECTURE_ID], host, port).start()
    try:
        ack = client.send_identity_update(update("転入", identity_record(2, update_sequence=2)))
        assert ack.status == "applied"
    finally:
        client.close()
        restarted.stop()


def test_concurrent_workers_of_one_cs_do_not_refuse_each_other(
    network: SimulatedNetwork, addresses: dict[str, tuple[str, int]]
) -> None:
    errors: list[BaseException] = []
    records = [identity_record(n) for n in range(1, 41)]
    network.prefecture.load(records)

    def worker(chunk: list[IdentityRecord]) -> None:
        link = network.tcp_link(KURE)
        try:
            for record in chunk:
                found = link.query_identity(QueryByResidentCode(record.resident_code))
                assert found == (record,) and not check_identity_record(found[0])
        except BaseException as error:  # collected for the main thread
            errors.append(error)
        finally:
            link.close()

    threads = [threading.Thread(target=worker, args=(records[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
