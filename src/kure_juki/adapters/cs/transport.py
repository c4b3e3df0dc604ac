"""Carrying sealed envelopes: a peer's server core, a TCP server and client on loopback, and an
in-process transport that crosses no socket but still seals and opens every message.

Frames are a 4-byte big-endian length and the envelope. The server answers only envelopes that
opened (相互認証): anything else — forged, replayed, stale, tampered, oversized, garbage — gets
no byte back; the connection is closed and the refusal goes to the audit callback. An
authenticated peer whose *request* is refused gets a sealed :class:`Refusal` instead.

A reply is bound to its request: its body starts with the request's nonce, so an old reply
replayed on a new request (fresh, signed, but for something else) is refused (KJ-LINK-017).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import select
import socket
import socketserver
import struct
import threading
from collections.abc import Callable
from typing import Final, Literal, Protocol

import attrs

from kure_juki.adapters.cs.envelope import NONCE_SIZE, Endpoint, Opened, Stream, claimed_sender
from kure_juki.domain.cs_messages import Message, Refusal, decode_message, encode_message
from kure_juki.domain.errors import LinkError, RegistryError, problem

__all__ = [
    "MAX_FRAME",
    "Dispatcher",
    "EnvelopeServer",
    "InProcessTransport",
    "LinkAudit",
    "TcpServer",
    "TcpTransport",
    "Transport",
    "bind_reply",
    "read_frame",
    "unbind_reply",
    "write_frame",
]

MAX_FRAME: Final = 32 * 1024 * 1024
_LENGTH: Final = struct.Struct(">I")
_log = logging.getLogger(__name__)

@attrs.frozen
class Encoded:
    """A reply whose wire form the peer already holds: ``data`` is exactly
    ``encode_message(message)`` (a server streaming stored rows need not re-encode them)."""

    message: Message
    data: bytes = attrs.field(repr=False)


Reply = Message | Encoded
Dispatcher = Callable[[str, Message], Reply]
"""A peer's logic: (authenticated sender id, request) -> reply."""

Outcome = Literal["accepted", "refused", "dropped", "failed"]


@attrs.frozen
class LinkAudit:  # 通信の監査記録
    """One message a server received. Never its content.

    ``dropped``: the envelope did not open, nothing was sent back (``sender_id`` is then only
    what the envelope claimed, ``authenticated`` False). ``refused``: an authenticated request
    answered with a Refusal. ``failed``: the peer's handler broke (answered KJ-LINK-021).
    """

    outcome: Outcome
    code: str | None
    sender_id: str | None
    authenticated: bool
    message_type: str | None
    peer_address: str
    at: dt.datetime


Audit = Callable[[LinkAudit], None]


def bind_reply(request_nonce: bytes, reply: Reply) -> bytes:
    if isinstance(reply, Encoded):
        return request_nonce + reply.data
    return request_nonce + encode_message(reply)


def unbind_reply(request_nonce: bytes, body: bytes) -> Message:
    if body[:NONCE_SIZE] != request_nonce:
        raise LinkError("KJ-LINK-017")
    return decode_message(body[NONCE_SIZE:])


class EnvelopeServer:
    """The server side of a peer, transport-agnostic: frame in, sealed reply frame or None out."""

    def __init__(self, endpoint: Endpoint, dispatcher: Dispatcher, audit: Audit | None = None):
        self.endpoint = endpoint
        self.dispatcher = dispatcher
        self.audit = audit

    def report(
        self,
        outcome: Outcome,
        code: str | None,
        sender: str | None,
        authenticated: bool,
        message_type: str | None,
        peer: str,
    ) -> None:
        if self.audit is None:
            return
        event = LinkAudit(
            outcome, code, sender, authenticated, message_type, peer, self.endpoint.clock()
        )
        try:
            self.audit(event)
        except Exception:  # the audit sink's failure must not become a reply
            _log.exception("link audit sink failed")

    def handle_frame(
        self, frame: bytes, *, peer: str, stream: Stream | None = None
    ) -> bytes | None:
        try:
            opened = self.endpoint.open(frame)
        except LinkError as error:
            self.report("dropped", error.code, claimed_sender(frame), False, None, peer)
            return None
        reply, outcome, code, tag = self._dispatch(opened)
        self.report(outcome, code, opened.sender_id, True, tag, peer)
        try:
            envelope, _ = self.endpoint.seal(
                opened.sender_id, bind_reply(opened.nonce, reply), stream=stream
            )
        except LinkError as error:  # the sender left the trust store meanwhile
            self.report("dropped", error.code, opened.sender_id, True, tag, peer)
            return None
        return envelope

    def _dispatch(self, opened: Opened) -> tuple[Reply, Outcome, str | None, str | None]:
        try:
            request = decode_message(opened.body)
        except LinkError as error:
            return Refusal.of(error), "refused", error.code, None
        tag = type(request).TAG
        try:
            reply = self.dispatcher(opened.sender_id, request)
        except RegistryError as error:
            return Refusal.of(error), "refused", error.code, tag
        except Exception:
            _log.exception("CS peer handler failed on %s", tag)
            return Refusal((problem("KJ-LINK-021"),)), "failed", "KJ-LINK-021", tag
        if isinstance(reply, Refusal):
            return reply, "refused", reply.problems[0].code if reply.problems else None, tag
        return reply, "accepted", None, tag


class Transport(Protocol):
    """Carries one request frame to a peer and brings back its reply frame."""

    def exchange(self, frame: bytes) -> bytes:
        """The reply; LinkError KJ-LINK-009, 010, 013 or 016 when there is none."""
        ...

    def close(self) -> None: ...


class InProcessTransport:
    """Calls a peer's :class:`EnvelopeServer` directly: same envelopes, no socket."""

    def __init__(self, server: EnvelopeServer, *, peer_address: str = "in-process"):
        self.server = server
        self.peer_address = peer_address
        self._stream = Stream()

    def exchange(self, frame: bytes) -> bytes:
        reply = self.server.handle_frame(frame, peer=self.peer_address, stream=self._stream)
        if reply is None:
            raise LinkError("KJ-LINK-016")
        return reply

    def close(self) -> None:
        return None


# --- frames -----------------------------------------------------------------------------------


class _Closed(Exception):
    """The other side closed the connection."""


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise _Closed
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(sock: socket.socket, max_frame: int = MAX_FRAME) -> bytes:
    """One frame; _Closed on EOF, LinkError KJ-LINK-013 when it announces more than allowed."""
    (size,) = _LENGTH.unpack(_recv_exactly(sock, _LENGTH.size))
    if size > max_frame:
        raise LinkError("KJ-LINK-013")
    return _recv_exactly(sock, size)


def write_frame(sock: socket.socket, frame: bytes) -> None:
    sock.sendall(_LENGTH.pack(len(frame)) + frame)


# --- TCP server --------------------------------------------------------------------------------


class _Handler(socketserver.BaseRequestHandler):
    server: _ThreadingServer

    def handle(self) -> None:
        owner = self.server.owner
        sock: socket.socket = self.request
        sock.settimeout(owner.idle_timeout)
        host, port = self.client_address[:2]
        peer = f"{host}:{port}"
        owner.track(sock)
        try:
            self._serve(owner, sock, peer)
        finally:
            owner.untrack(sock)

    def _serve(self, owner: TcpServer, sock: socket.socket, peer: str) -> None:
        stream = Stream()  # replies on this connection, numbered in their own stream
        while not owner.stopping.is_set():
            try:
                frame = read_frame(sock, owner.max_frame)
            except LinkError as error:
                owner.envelope_server.report("dropped", error.code, None, False, None, peer)
                return
            except (_Closed, OSError):
                return
            reply = owner.envelope_server.handle_frame(frame, peer=peer, stream=stream)
            if reply is None:
                return  # unauthenticated: not one byte back
            try:
                write_frame(sock, reply)
            except OSError:
                return


class _ThreadingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], owner: TcpServer):
        self.owner = owner
        super().__init__(address, _Handler)


class TcpServer:
    """A peer's :class:`EnvelopeServer` on a TCP port (loopback by default), one thread per
    connection. ``port=0`` picks a free port: read :attr:`address` after :meth:`start`."""

    def __init__(
        self,
        envelope_server: EnvelopeServer,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_frame: int = MAX_FRAME,
        idle_timeout: float = 60.0,
    ):
        self.envelope_server = envelope_server
        self.max_frame = max_frame
        self.idle_timeout = idle_timeout
        self.stopping = threading.Event()
        self._server = _ThreadingServer((host, port), self)
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, sock: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(sock)

    def untrack(self, sock: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(sock)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> TcpServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"cs-peer-{self.envelope_server.endpoint.party_id}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        with self._connections_lock:
            open_connections = list(self._connections)
        for sock in open_connections:  # a stopped peer answers nobody, mid-conversation or not
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._server.server_close()

    def __enter__(self) -> TcpServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# --- TCP client --------------------------------------------------------------------------------


class TcpTransport:
    """One connection to a peer, opened on first use and reopened after a failure.

    ``timeout`` bounds the wait for each reply (KJ-LINK-010), ``connect_timeout`` the
    connection (KJ-LINK-009). A connection the peer closed while idle is noticed before reuse
    and replaced; a connection closed after our request (the peer would not authenticate us,
    or died) is KJ-LINK-016. Calls are serialised: one request in flight per connection.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float = 5.0,
        connect_timeout: float = 2.0,
        max_frame: int = MAX_FRAME,
    ):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_frame = max_frame
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def _drop(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
            self._sock = None

    def _usable(self, sock: socket.socket) -> bool:
        # An idle connection has nothing to read; readable means EOF or an error.
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def _connect(self) -> socket.socket:
        if self._sock is not None and self._usable(self._sock):
            return self._sock
        self._drop()
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as error:  # refused, unreachable, or connect timed out
            raise LinkError("KJ-LINK-009") from error
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        return sock

    def exchange(self, frame: bytes) -> bytes:
        with self._lock:
            sock = self._connect()
            try:
                sock.settimeout(self.timeout)
                write_frame(sock, frame)
                return read_frame(sock, self.max_frame)
            except TimeoutError as error:
                self._drop()
                raise LinkError("KJ-LINK-010") from error
            except (_Closed, ConnectionError) as error:
                self._drop()
                raise LinkError("KJ-LINK-016") from error
            except LinkError:
                self._drop()
                raise
            except OSError as error:
                self._drop()
                raise LinkError("KJ-LINK-009") from error

    def close(self) -> None:
        with self._lock:
            self._drop()
