"""Sealed envelopes: every forgery, replay, stale or tampered message refused with its own code."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kure_juki.adapters.cs import envelope
from kure_juki.adapters.cs.envelope import Endpoint, Party, PeerKeys, Stream, TrustStore
from kure_juki.domain.errors import LinkError
from kure_juki.testing.clock import SettableClock

T0 = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))

# Generated once: key generation is the slow part and the properties do not depend on the keys.
CS = Party.generate("cs-342025")
PREFECTURE = Party.generate("prefecture-server")
NATIONAL = Party.generate("national-server")
STRANGER = Party.generate("cs-342025")  # claims the CS's id, holds other keys

ENVELOPE_REFUSALS = {f"KJ-LINK-00{i}" for i in range(1, 9)}


def trusting(*parties: Party) -> TrustStore:
    return TrustStore({p.party_id: p.public_keys for p in parties})


def receiver(
    clock: SettableClock, party: Party = PREFECTURE, window: dt.timedelta | None = None
) -> Endpoint:
    if window is None:
        return Endpoint(party, trusting(CS, NATIONAL), clock)
    return Endpoint(party, trusting(CS, NATIONAL), clock, window=window)


def sender(clock: SettableClock, party: Party = CS) -> Endpoint:
    return Endpoint(party, trusting(PREFECTURE, NATIONAL), clock)


def refusal(action: object) -> str:
    assert callable(action)
    with pytest.raises(LinkError) as refused:
        action()
    return refused.value.code


@given(st.binary(max_size=4096))
def test_a_sealed_body_opens_as_sent(body: bytes) -> None:
    clock = SettableClock(T0)
    sealed, nonce = sender(clock).seal("prefecture-server", body)
    opened = receiver(clock).open(sealed)
    assert (opened.body, opened.sender_id, opened.recipient_id) == (
        body,
        "cs-342025",
        "prefecture-server",
    )
    assert opened.nonce == nonce and opened.timestamp == T0
    assert body not in sealed or len(body) < 8  # encrypted, not merely signed


@settings(max_examples=500)
@given(st.data())
def test_any_single_bit_flip_is_refused_and_leaves_no_trace(data: st.DataObject) -> None:
    clock = SettableClock(T0)
    end = receiver(clock)
    body = data.draw(st.binary(max_size=64), label="body")
    sealed, _ = sender(clock).seal("prefecture-server", body)
    bit = data.draw(st.integers(0, len(sealed) * 8 - 1), label="bit")
    flipped = bytearray(sealed)
    flipped[bit // 8] ^= 1 << (bit % 8)

    assert refusal(lambda: end.open(bytes(flipped))) in ENVELOPE_REFUSALS
    assert len(end.guard) == 0  # the forgery was not remembered ...
    assert end.open(sealed).body == body  # ... so it cannot block the real message


@given(st.binary(max_size=600))
def test_garbage_is_refused_with_a_link_code_and_nothing_else(junk: bytes) -> None:
    clock = SettableClock(T0)
    assert refusal(lambda: receiver(clock).open(junk)) in ENVELOPE_REFUSALS


@given(st.integers(1, 200), st.binary(max_size=8))
def test_truncated_or_extended_envelopes_are_refused(cut: int, extra: bytes) -> None:
    clock = SettableClock(T0)
    end = receiver(clock)
    sealed, _ = sender(clock).seal("prefecture-server", b"body")
    assert refusal(lambda: end.open(sealed[:-cut])) in ENVELOPE_REFUSALS
    if extra:
        assert refusal(lambda: end.open(sealed + extra)) in ENVELOPE_REFUSALS


def test_a_replayed_envelope_is_refused() -> None:
    clock = SettableClock(T0)
    end = receiver(clock)
    sealed, _ = sender(clock).seal("prefecture-server", b"update")
    end.open(sealed)
    clock.advance(seconds=1)
    assert refusal(lambda: end.open(sealed)) == "KJ-LINK-003"


def test_a_sequence_not_above_the_last_is_refused_even_with_a_fresh_nonce() -> None:
    clock = SettableClock(T0)
    end = receiver(clock)
    stream = b"\x01" * 8
    keys = PREFECTURE.public_keys

    def sealed(sequence: int) -> bytes:
        return envelope.seal(
            CS, "prefecture-server", keys, b"x", stream_id=stream, sequence=sequence, timestamp=T0
        )

    end.open(sealed(5))
    assert refusal(lambda: end.open(sealed(5))) == "KJ-LINK-004"
    assert refusal(lambda: end.open(sealed(4))) == "KJ-LINK-004"
    end.open(sealed(9))  # gaps are fine: only going back is a replay


def test_streams_of_one_party_are_numbered_apart() -> None:
    clock = SettableClock(T0)
    end = receiver(clock)
    first, second = sender(clock), sender(clock)  # two worker processes, one party id
    for _ in range(3):
        end.open(first.seal("prefecture-server", b"a")[0])
        end.open(second.seal("prefecture-server", b"b")[0])
    shared = Stream()
    early = first.seal("prefecture-server", b"1", stream=shared)[0]
    late = first.seal("prefecture-server", b"2", stream=shared)[0]
    end.open(late)
    assert refusal(lambda: end.open(early)) == "KJ-LINK-004"


@pytest.mark.parametrize("seconds", [301, -301, 86_400])
def test_a_stale_or_future_timestamp_is_refused(seconds: int) -> None:
    clock = SettableClock(T0)
    sealed, _ = sender(clock).seal("prefecture-server", b"update")
    clock.advance(seconds=seconds)
    assert refusal(lambda: receiver(clock).open(sealed)) == "KJ-LINK-005"


@pytest.mark.parametrize("seconds", [0, 299, -299])
def test_a_timestamp_within_the_window_is_accepted(seconds: int) -> None:
    clock = SettableClock(T0)
    sealed, _ = sender(clock).seal("prefecture-server", b"update")
    clock.advance(seconds=seconds)
    assert receiver(clock).open(sealed).body == b"update"


def test_the_window_is_configurable() -> None:
    clock = SettableClock(T0)
    sealed, _ = sender(clock).seal("prefecture-server", b"update")
    clock.advance(seconds=31)
    strict = receiver(clock, window=dt.timedelta(seconds=30))
    assert refusal(lambda: strict.open(sealed)) == "KJ-LINK-005"
    assert receiver(clock, window=dt.timedelta(seconds=60)).open(sealed).body == b"update"


def test_an_unknown_sender_is_refused() -> None:
    clock = SettableClock(T0)
    outsider = Party.generate("cs-999999")
    sealed = Endpoint(outsider, trusting(PREFECTURE), clock).seal("prefecture-server", b"x")[0]
    assert refusal(lambda: receiver(clock).open(sealed)) == "KJ-LINK-001"


def test_a_known_id_with_the_wrong_key_is_a_bad_signature() -> None:
    clock = SettableClock(T0)
    forged = Endpoint(STRANGER, trusting(PREFECTURE), clock).seal("prefecture-server", b"x")[0]
    assert refusal(lambda: receiver(clock).open(forged)) == "KJ-LINK-002"


def test_an_envelope_for_someone_else_is_refused() -> None:
    clock = SettableClock(T0)
    to_national, _ = sender(clock).seal("national-server", b"query")
    assert refusal(lambda: receiver(clock).open(to_national)) == "KJ-LINK-007"


def test_a_signed_body_that_does_not_decrypt_is_tampered() -> None:
    clock = SettableClock(T0)
    # Encrypted to the national server's key but addressed and signed for the prefecture.
    sealed = envelope.seal(
        CS,
        "prefecture-server",
        NATIONAL.public_keys,
        b"x",
        stream_id=b"\x02" * 8,
        sequence=1,
        timestamp=T0,
    )
    assert refusal(lambda: receiver(clock).open(sealed)) == "KJ-LINK-006"


def test_each_refusal_has_its_own_code() -> None:
    clock = SettableClock(T0)
    end = receiver(clock)
    sealed, _ = sender(clock).seal("prefecture-server", b"x")
    end.open(sealed)
    scenarios = {
        "malformed": lambda: end.open(b"KJE1"),
        "unknown": lambda: end.open(
            Endpoint(Party.generate("cs-1"), trusting(PREFECTURE), clock).seal(
                "prefecture-server", b"x"
            )[0]
        ),
        "forged": lambda: end.open(
            Endpoint(STRANGER, trusting(PREFECTURE), clock).seal("prefecture-server", b"x")[0]
        ),
        "replayed": lambda: end.open(sealed),
        "wrong recipient": lambda: end.open(sender(clock).seal("national-server", b"x")[0]),
    }
    found = {name: refusal(action) for name, action in scenarios.items()}
    assert len(set(found.values())) == len(found)


def test_nothing_is_sealed_for_a_peer_outside_the_trust_store() -> None:
    clock = SettableClock(T0)
    assert refusal(lambda: sender(clock).seal("cs-999999", b"data")) == "KJ-LINK-001"


def test_replay_memory_is_bounded_by_the_window_and_stays_safe() -> None:
    clock = SettableClock(T0)
    end = receiver(clock)
    out = sender(clock)
    old = [out.seal("prefecture-server", b"x")[0] for _ in range(50)]
    for sealed in old:
        end.open(sealed)
    assert len(end.guard) == 50
    clock.advance(seconds=301)
    end.open(out.seal("prefecture-server", b"y")[0])
    assert len(end.guard) == 1  # the old nonces were forgotten ...
    assert refusal(lambda: end.open(old[0])) == "KJ-LINK-005"  # ... and are refused as stale


def test_keys_round_trip_as_text() -> None:
    keys = CS.public_keys
    assert PeerKeys.from_text(**keys.to_text()) == keys


def _last_char_variants(text: str) -> list[str]:
    """Other base64 texts that lenient decoders read as the same 32 bytes."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    head, last = text[:-2], text[-2]  # 32 bytes: 43 characters and one "="
    return [
        f"{head}{c}="
        for c in alphabet
        if c != last and base64.b64decode(f"{head}{c}=") == base64.b64decode(text)
    ]


def test_key_text_is_decoded_strictly() -> None:
    text = CS.public_keys.to_text()
    variants = _last_char_variants(text["verify_key"])
    assert variants  # lenient base64 really does accept them
    for variant in variants:
        assert refusal(lambda v=variant: PeerKeys.from_text(v, text["box_key"])) == "KJ-LINK-025"
    for bad in ("", "not base64!", text["box_key"][:-4], text["box_key"] + "AAAA", "=" * 44):
        assert refusal(lambda b=bad: PeerKeys.from_text(text["verify_key"], b)) == "KJ-LINK-025"


def test_a_party_never_shows_its_private_keys() -> None:
    assert repr(CS) == "Party('cs-342025')"
    assert bytes(CS.signing_key).hex() not in repr(CS)
