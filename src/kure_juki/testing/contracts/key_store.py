"""The contract of the key store port (``kure_juki.ports.key_store``): every key store (in memory,
the 0600 key file, the process environment, a vendor's HSM or secrets manager) must pass
:class:`KeyStoreContract` unchanged; one that makes its own keys (``add_key``, ``key_ids``)
passes :class:`RotatingKeyStoreContract` too.

Subclass once per store and implement ``make_key_store``; a store whose keys outlive the object
implements ``reopen`` to prove a second opening holds the same keys::

    class TestMyKeys(KeyStoreContract):
        def make_key_store(self, tmp_path, request):
            return MyKeys(...)

The properties, each a test below: the current key is one of the store's, 32 bytes, found again
by its id; an id the store does not hold is refused with KJ-STORE-010; the blind-index key is 32
bytes, other than every encryption key, and the same at every call and every opening (every
stored digest depends on it). Rotation (generated runs of it): each new key becomes current
under a new id, every older key stays readable with the same bytes, ``key_ids`` lists them
oldest first, the blind-index key never moves, and a reopened store sees it all.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kure_juki.domain.errors import RegistryError
from kure_juki.ports.key_store import KeyStore, RotatingKeyStore

__all__ = ["KEY_BYTES", "KeyStoreContract", "RotatingKeyStoreContract"]

KEY_BYTES = 32

HYPOTHESIS = settings(
    max_examples=20,
    deadline=None,
    # One store per test, shared by its examples: each example rotates further and checks what
    # must hold of every key the store ever made.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.differing_executors,
    ],
)


class KeyStoreContract:
    """Subclass per key store and implement :meth:`make_key_store` (and :meth:`reopen`)."""

    def make_key_store(self, tmp_path: Path, request: pytest.FixtureRequest) -> KeyStore:
        raise NotImplementedError

    def reopen(self, keys: KeyStore) -> KeyStore:
        """The same keys seen by a new opening (a new process would see them the same way)."""
        return keys

    @pytest.fixture
    def keys(self, tmp_path: Path, request: pytest.FixtureRequest) -> KeyStore:
        return self.make_key_store(tmp_path, request)

    def test_the_store_implements_the_port(self, keys: KeyStore) -> None:
        assert isinstance(keys, KeyStore)

    def test_the_current_key_is_found_again_by_its_id(self, keys: KeyStore) -> None:
        key_id, key = keys.current_key()
        assert isinstance(key_id, str) and key_id
        assert isinstance(key, bytes) and len(key) == KEY_BYTES
        assert keys.key(key_id) == key
        assert keys.current_key() == (key_id, key)

    def test_a_key_the_store_does_not_hold_is_refused(self, keys: KeyStore) -> None:
        key_id, _ = keys.current_key()
        for unknown in (key_id + "-unknown", "", "k" + secrets.token_hex(8)):
            with pytest.raises(RegistryError) as refused:
                keys.key(unknown)
            assert refused.value.code == "KJ-STORE-010"

    def test_the_blind_index_key_is_its_own_and_stable(self, keys: KeyStore) -> None:
        blind = keys.blind_index_key()
        assert isinstance(blind, bytes) and len(blind) == KEY_BYTES
        assert keys.blind_index_key() == blind
        assert blind != keys.current_key()[1]

    def test_a_second_opening_holds_the_same_keys(self, keys: KeyStore) -> None:
        key_id, key = keys.current_key()
        again = self.reopen(keys)
        assert again.current_key() == (key_id, key)
        assert again.key(key_id) == key
        assert again.blind_index_key() == keys.blind_index_key()


class RotatingKeyStoreContract(KeyStoreContract):
    """For a store that makes its own keys: :class:`KeyStoreContract` and rotation."""

    def make_key_store(self, tmp_path: Path, request: pytest.FixtureRequest) -> RotatingKeyStore:
        raise NotImplementedError

    @pytest.fixture
    def rotating(self, keys: KeyStore) -> RotatingKeyStore:
        assert isinstance(keys, RotatingKeyStore)
        return keys

    def test_rotation_adds_a_current_key_and_keeps_the_old_one(
        self, rotating: RotatingKeyStore
    ) -> None:
        old_id, old = rotating.current_key()
        blind = rotating.blind_index_key()
        assert rotating.key_ids()[-1] == old_id
        new_id = rotating.add_key()
        assert new_id != old_id
        assert rotating.current_key() == (new_id, rotating.key(new_id))
        assert len(rotating.key(new_id)) == KEY_BYTES
        assert rotating.key(new_id) not in (old, blind)
        assert rotating.key(old_id) == old  # values sealed under it stay readable
        assert rotating.key_ids()[-2:] == [old_id, new_id]
        assert rotating.blind_index_key() == blind

    @HYPOTHESIS
    @given(rotations=st.integers(0, 4))
    def test_every_key_ever_made_stays_readable(
        self, rotating: RotatingKeyStore, rotations: int
    ) -> None:
        before = {key_id: rotating.key(key_id) for key_id in rotating.key_ids()}
        blind = rotating.blind_index_key()
        made = [rotating.add_key() for _ in range(rotations)]
        ids = rotating.key_ids()
        assert ids == [*before, *made]  # oldest first
        assert len(set(ids)) == len(ids)
        current_id, current = rotating.current_key()
        assert current_id == ids[-1]
        held = {key_id: rotating.key(key_id) for key_id in ids}
        assert {k: held[k] for k in before} == before
        assert held[current_id] == current
        assert all(len(key) == KEY_BYTES for key in held.values())
        assert len(set(held.values()) | {blind}) == len(held) + 1  # no key made twice
        assert rotating.blind_index_key() == blind
        again = self.reopen(rotating)
        assert again.current_key() == (current_id, current)
        assert {key_id: again.key(key_id) for key_id in ids} == held
        assert again.blind_index_key() == blind
