"""Sealed envelopes between two CS parties: mutual authentication (相互認証) for every message.

Wire layout (big-endian; the Ed25519 signature covers every byte before it)::

    b"KJE1" | len(sender) sender | len(recipient) recipient | stream (8) | sequence (u64)
    | timestamp (i64, ms since the Unix epoch) | nonce (24) | len(ciphertext) (u32) ciphertext
    | signature (64)

The body is encrypted and authenticated with a PyNaCl ``Box`` between the sender's and the
recipient's Curve25519 keys, with the header's nonce; the signature is the sender's Ed25519
key over header and ciphertext, so no byte can change unnoticed and the recipient learns who
sent it. :func:`open` refuses, each with its own code and before anything is decrypted or
remembered: a malformed envelope (KJ-LINK-008), an unknown sender (001), a bad signature (002),
another recipient (007), a timestamp outside the window (005), a nonce already seen (003), a
sequence not above the last one of its stream (004), a body that does not decrypt (006).

Streams: each :class:`Endpoint` (one per process) and each connection may open its own stream
(a random 8-byte id) whose sequence starts at 1, so several worker processes sharing one party
id do not refuse each other's messages. Replay state is kept only for the window: anything
older is refused as stale anyway, so a restarted receiver is safe from the moment it starts.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import heapq
import re
import struct
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Final

import attrs
import nacl.exceptions
import nacl.public
import nacl.signing
import nacl.utils

from kure_juki.domain.errors import LinkError, problem

__all__ = [
    "DEFAULT_WINDOW",
    "Endpoint",
    "Header",
    "Opened",
    "Party",
    "PeerKeys",
    "ReplayGuard",
    "Stream",
    "TrustStore",
    "claimed_sender",
    "open",
    "parse",
    "seal",
]

MAGIC: Final = b"KJE1"
NONCE_SIZE: Final = nacl.public.Box.NONCE_SIZE
STREAM_ID_SIZE: Final = 8
SIGNATURE_SIZE: Final = 64
MAX_CIPHERTEXT: Final = 64 * 1024 * 1024
DEFAULT_WINDOW: Final = dt.timedelta(seconds=300)
_MAX_BOXES: Final = 4096
_FIXED: Final = struct.Struct(">8sQq24sI")  # stream, sequence, timestamp, nonce, ct length
_PARTY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MS: Final = dt.timedelta(milliseconds=1)

Clock = Callable[[], dt.datetime]


def _check_party_id(party_id: str) -> bytes:
    if not isinstance(party_id, str) or _PARTY_ID.fullmatch(party_id) is None:
        raise ValueError("a party id is 1-64 ASCII letters, digits and . _ : -")
    return party_id.encode("ascii")


def _milliseconds(moment: dt.datetime) -> int:
    if moment.utcoffset() is None:
        raise ValueError("the clock must return aware datetimes")
    return (moment - _EPOCH) // _MS


def _b64decode_strict(text: str, size: int) -> bytes:
    """Base64 that decodes to exactly ``size`` bytes and re-encodes to the very same text.

    Plain ``b64decode`` ignores the unused low bits of the last character, so four different
    texts decode to one key: comparing the re-encoding closes that door.
    """
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, AttributeError) as error:
        raise LinkError("KJ-LINK-025") from error
    if len(raw) != size or base64.b64encode(raw).decode("ascii") != text:
        raise LinkError("KJ-LINK-025")
    return raw


@attrs.frozen
class PeerKeys:
    """A party's public keys: Ed25519 to verify its signatures, Curve25519 to encrypt to it."""

    verify_key: nacl.signing.VerifyKey
    box_key: nacl.public.PublicKey

    def to_text(self) -> dict[str, str]:
        return {
            "verify_key": base64.b64encode(bytes(self.verify_key)).decode("ascii"),
            "box_key": base64.b64encode(bytes(self.box_key)).decode("ascii"),
        }

    @classmethod
    def from_text(cls, verify_key: str, box_key: str) -> PeerKeys:
        """Keys from their base64 text (as :meth:`to_text` writes them), strictly."""
        return cls(
            nacl.signing.VerifyKey(_b64decode_strict(verify_key, 32)),
            nacl.public.PublicKey(_b64decode_strict(box_key, 32)),
        )


class Party:
    """One end of the link (a 市町村CS, the prefecture server, …) with its private keys."""

    def __init__(
        self,
        party_id: str,
        signing_key: nacl.signing.SigningKey,
        box_key: nacl.public.PrivateKey,
    ):
        _check_party_id(party_id)
        self.party_id = party_id
        self.signing_key = signing_key
        self.box_key = box_key
        # Box precomputes the shared key (a Curve25519 scalar multiplication): once per peer key.
        self._boxes: dict[bytes, nacl.public.Box] = {}
        self._boxes_lock = threading.Lock()

    def box_with(self, peer: nacl.public.PublicKey) -> nacl.public.Box:
        """The Box between this party's key and ``peer`` (cached per peer key)."""
        raw = bytes(peer)
        with self._boxes_lock:
            box = self._boxes.get(raw)
            if box is None:
                if len(self._boxes) >= _MAX_BOXES:
                    self._boxes.clear()
                box = nacl.public.Box(self.box_key, peer)
                self._boxes[raw] = box
            return box

    @classmethod
    def generate(cls, party_id: str) -> Party:
        return cls(party_id, nacl.signing.SigningKey.generate(), nacl.public.PrivateKey.generate())

    @property
    def public_keys(self) -> PeerKeys:
        return PeerKeys(self.signing_key.verify_key, self.box_key.public_key)

    def __repr__(self) -> str:  # never the private keys
        return f"Party({self.party_id!r})"


class TrustStore:
    """The peers a party knows: peer id -> public keys. Anyone else is unauthenticated."""

    def __init__(self, peers: Mapping[str, PeerKeys] | None = None):
        self._peers: dict[str, PeerKeys] = {}
        self._lock = threading.Lock()
        for peer_id, keys in (peers or {}).items():
            self.add(peer_id, keys)

    def add(self, peer_id: str, keys: PeerKeys) -> None:
        _check_party_id(peer_id)
        with self._lock:
            self._peers[peer_id] = keys

    def remove(self, peer_id: str) -> None:
        with self._lock:
            self._peers.pop(peer_id, None)

    def get(self, peer_id: str) -> PeerKeys | None:
        with self._lock:
            return self._peers.get(peer_id)

    def __contains__(self, peer_id: object) -> bool:
        with self._lock:
            return peer_id in self._peers

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._peers))


@attrs.frozen
class Opened:
    """An envelope that passed every check: who sent it, when, and the decrypted body."""

    sender_id: str
    recipient_id: str
    stream_id: bytes
    sequence: int
    timestamp: dt.datetime
    nonce: bytes
    body: bytes = attrs.field(repr=False)


@attrs.frozen
class Header:
    """An envelope's fields as read, before any check: nothing here is proven."""

    sender_id: str
    recipient_id: str
    stream_id: bytes
    sequence: int
    timestamp_ms: int
    nonce: bytes
    ciphertext: bytes
    signed: bytes
    signature: bytes


def parse(data: bytes) -> Header:
    """The fields of an envelope, unverified (KJ-LINK-008 when it is not one)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise LinkError("KJ-LINK-008")
    data = bytes(data)
    try:
        if data[:4] != MAGIC:
            raise ValueError("magic")
        offset = 4
        ids: list[str] = []
        for _ in range(2):
            length = data[offset]
            raw = data[offset + 1 : offset + 1 + length]
            if len(raw) != length:
                raise ValueError("short id")
            text = raw.decode("ascii")
            _check_party_id(text)
            ids.append(text)
            offset += 1 + length
        stream_id, sequence, timestamp_ms, nonce, size = _FIXED.unpack_from(data, offset)
        offset += _FIXED.size
        if size > MAX_CIPHERTEXT or len(data) != offset + size + SIGNATURE_SIZE:
            raise ValueError("length")
        ciphertext = data[offset : offset + size]
        signed = data[: offset + size]
        signature = data[offset + size :]
    except (IndexError, ValueError, struct.error) as error:  # UnicodeDecodeError is a ValueError
        raise LinkError("KJ-LINK-008") from error
    return Header(
        ids[0], ids[1], stream_id, sequence, timestamp_ms, nonce, ciphertext, signed, signature
    )


def claimed_sender(data: bytes) -> str | None:
    """The sender id an envelope claims, unverified (for the audit of a refusal), or None."""
    try:
        length = data[4]
        text = bytes(data[5 : 5 + length]).decode("ascii")
    except (IndexError, TypeError, ValueError):
        return None
    return text if data[:4] == MAGIC and _PARTY_ID.fullmatch(text) else None


def seal(
    sender: Party,
    recipient_id: str,
    recipient: PeerKeys,
    body: bytes,
    *,
    stream_id: bytes,
    sequence: int,
    timestamp: dt.datetime,
    nonce: bytes | None = None,
) -> bytes:
    """The sealed envelope carrying ``body`` from ``sender`` to ``recipient_id``."""
    recipient_raw = _check_party_id(recipient_id)
    sender_raw = sender.party_id.encode("ascii")
    if len(stream_id) != STREAM_ID_SIZE or not 0 < sequence < 2**64:
        raise ValueError("a stream id is 8 bytes and a sequence 1 .. 2**64-1")
    nonce = nacl.utils.random(NONCE_SIZE) if nonce is None else nonce
    if len(nonce) != NONCE_SIZE:
        raise ValueError("a nonce is 24 bytes")
    ciphertext = sender.box_with(recipient.box_key).encrypt(body, nonce).ciphertext
    if len(ciphertext) > MAX_CIPHERTEXT:
        raise LinkError("KJ-LINK-013")
    signed = b"".join(
        [
            MAGIC,
            bytes([len(sender_raw)]),
            sender_raw,
            bytes([len(recipient_raw)]),
            recipient_raw,
            _FIXED.pack(stream_id, sequence, _milliseconds(timestamp), nonce, len(ciphertext)),
            ciphertext,
        ]
    )
    return signed + sender.signing_key.sign(signed).signature


class ReplayGuard:
    """What a receiver remembers to refuse replays: nonces and each stream's last sequence.

    Only the last ``window`` is remembered (see the module doc); memory is bounded by the
    number of messages received within it.
    """

    def __init__(self, window: dt.timedelta = DEFAULT_WINDOW):
        if window <= dt.timedelta(0):
            raise ValueError("the window must be positive")
        self.window_ms = window // _MS
        self.lock = threading.Lock()
        self._nonces: dict[bytes, int] = {}
        self._nonce_expiry: list[tuple[int, bytes]] = []
        self._streams: dict[tuple[str, bytes], tuple[int, int]] = {}
        self._stream_expiry: list[tuple[int, str, bytes]] = []

    def _prune(self, now_ms: int) -> None:
        cutoff = now_ms - self.window_ms
        while self._nonce_expiry and self._nonce_expiry[0][0] < cutoff:
            _, nonce = heapq.heappop(self._nonce_expiry)
            self._nonces.pop(nonce, None)
        while self._stream_expiry and self._stream_expiry[0][0] < cutoff:
            seen_ms, sender, stream = heapq.heappop(self._stream_expiry)
            current = self._streams.get((sender, stream))
            if current is not None and current[1] == seen_ms:
                del self._streams[(sender, stream)]

    def refusal(self, sender: str, stream: bytes, sequence: int, nonce: bytes) -> str | None:
        """The code refusing this message as a replay, or None. Call with ``lock`` held."""
        if nonce in self._nonces:
            return "KJ-LINK-003"
        last = self._streams.get((sender, stream))
        if last is not None and sequence <= last[0]:
            return "KJ-LINK-004"
        return None

    def record(
        self,
        sender: str,
        stream: bytes,
        sequence: int,
        nonce: bytes,
        timestamp_ms: int,
        now_ms: int,
    ) -> None:
        """Remembers an accepted message. Call with ``lock`` held."""
        self._prune(now_ms)
        # A message dated ahead of our clock is kept until its own time leaves the window.
        kept_ms = max(timestamp_ms, now_ms)
        self._nonces[nonce] = kept_ms
        heapq.heappush(self._nonce_expiry, (kept_ms, nonce))
        self._streams[(sender, stream)] = (sequence, kept_ms)
        heapq.heappush(self._stream_expiry, (kept_ms, sender, stream))

    def __len__(self) -> int:
        return len(self._nonces)


def open(
    receiver: Party,
    trust: TrustStore,
    guard: ReplayGuard,
    data: bytes,
    *,
    clock: Clock,
) -> Opened:
    """The envelope's content if every check passes; otherwise LinkError with its code.

    Nothing is remembered for a refused envelope, so a forgery cannot block the real message.
    """
    parsed = parse(data)
    keys = trust.get(parsed.sender_id)
    if keys is None:
        raise LinkError("KJ-LINK-001")
    try:
        keys.verify_key.verify(parsed.signed, parsed.signature)
    except nacl.exceptions.BadSignatureError as error:
        raise LinkError("KJ-LINK-002") from error
    if parsed.recipient_id != receiver.party_id:
        raise LinkError("KJ-LINK-007")
    if parsed.sequence == 0:
        raise LinkError("KJ-LINK-008")
    now_ms = _milliseconds(clock())
    if abs(now_ms - parsed.timestamp_ms) > guard.window_ms:
        raise LinkError("KJ-LINK-005")
    with guard.lock:
        code = guard.refusal(parsed.sender_id, parsed.stream_id, parsed.sequence, parsed.nonce)
        if code is not None:
            raise LinkError(code)
        try:
            body = receiver.box_with(keys.box_key).decrypt(parsed.ciphertext, parsed.nonce)
        except nacl.exceptions.CryptoError as error:
            raise LinkError("KJ-LINK-006") from error
        guard.record(
            parsed.sender_id,
            parsed.stream_id,
            parsed.sequence,
            parsed.nonce,
            parsed.timestamp_ms,
            now_ms,
        )
    return Opened(
        parsed.sender_id,
        parsed.recipient_id,
        parsed.stream_id,
        parsed.sequence,
        _EPOCH + parsed.timestamp_ms * _MS,
        parsed.nonce,
        body,
    )


class Stream:
    """A sender's numbered stream: a random id and a sequence counting from 1."""

    def __init__(self) -> None:
        self.stream_id = nacl.utils.random(STREAM_ID_SIZE)
        self._next = 1
        self._lock = threading.Lock()

    def next_sequence(self) -> int:
        with self._lock:
            sequence = self._next
            self._next += 1
            return sequence


class Endpoint:
    """A party with its trust store, clock and replay guard: seals to and opens from peers."""

    def __init__(
        self,
        party: Party,
        trust: TrustStore,
        clock: Clock,
        *,
        window: dt.timedelta = DEFAULT_WINDOW,
    ):
        self.party = party
        self.trust = trust
        self.clock = clock
        self.guard = ReplayGuard(window)
        self.default_stream = Stream()

    @property
    def party_id(self) -> str:
        return self.party.party_id

    def seal(
        self, recipient_id: str, body: bytes, *, stream: Stream | None = None
    ) -> tuple[bytes, bytes]:
        """(envelope, nonce). Refuses to seal for a peer outside the trust store (KJ-LINK-001):
        nothing goes to an unauthenticated peer."""
        keys = self.trust.get(recipient_id)
        if keys is None:
            raise LinkError(problem("KJ-LINK-001", "recipient"))
        stream = stream or self.default_stream
        nonce = nacl.utils.random(NONCE_SIZE)
        envelope = seal(
            self.party,
            recipient_id,
            keys,
            body,
            stream_id=stream.stream_id,
            sequence=stream.next_sequence(),
            timestamp=self.clock(),
            nonce=nonce,
        )
        return envelope, nonce

    def open(self, data: bytes) -> Opened:
        return open(self.party, self.trust, self.guard, data, clock=self.clock)
