"""The key store contract run against every key store: in memory, the key file and the process
environment (read-only: it holds keys but makes none)."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import pytest

from kure_juki.adapters.keys.environment import EnvironmentKeyStore
from kure_juki.adapters.keys.file import FileKeyStore
from kure_juki.adapters.keys.memory import MemoryKeyStore
from kure_juki.domain.errors import RegistryError
from kure_juki.ports.key_store import KeyStore, RotatingKeyStore
from kure_juki.testing.contracts.key_store import KeyStoreContract, RotatingKeyStoreContract


class TestMemoryKeyStore(RotatingKeyStoreContract):
    def make_key_store(self, tmp_path: Path, request: pytest.FixtureRequest) -> RotatingKeyStore:
        return MemoryKeyStore()


class TestFileKeyStore(RotatingKeyStoreContract):
    def make_key_store(self, tmp_path: Path, request: pytest.FixtureRequest) -> RotatingKeyStore:
        return FileKeyStore(tmp_path / "register.db.keys", create=True)

    def reopen(self, keys: KeyStore) -> KeyStore:
        assert isinstance(keys, FileKeyStore)
        return FileKeyStore(keys.path)


def _b64() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


class TestEnvironmentKeyStore(KeyStoreContract):
    """Two keys in the environment, the current one not the first."""

    def make_key_store(self, tmp_path: Path, request: pytest.FixtureRequest) -> KeyStore:
        self.environ = {
            "KJ_CURRENT_KEY_ID": "k7",
            "KJ_KEY_k1": _b64(),
            "KJ_KEY_k7": _b64(),
            "KJ_BLIND_INDEX_KEY": _b64(),
        }
        return EnvironmentKeyStore(self.environ, prefix="KJ_")

    def reopen(self, keys: KeyStore) -> KeyStore:
        return EnvironmentKeyStore(self.environ, prefix="KJ_")

    def test_new_keys_come_from_whoever_sets_the_environment(self, keys: KeyStore) -> None:
        assert isinstance(keys, EnvironmentKeyStore)
        with pytest.raises(RegistryError) as refused:
            keys.add_key()
        assert refused.value.code == "KJ-STORE-015"
        assert keys.key_ids() == ["k1", "k7"]
