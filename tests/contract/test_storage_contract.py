"""The storage contract run against every adapter: memory, SQLite files (vault shared and in a
second database) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from kure_juki.adapters.keys.memory import MemoryKeyStore
from kure_juki.adapters.memory.store import MemoryStore
from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore
from kure_juki.ports.storage import Store
from kure_juki.testing.contracts.storage import StorageContract


class TestMemoryStore(StorageContract):
    def make_store(self, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
        return MemoryStore()


class TestSqliteFileStore(StorageContract):
    def make_store(self, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
        return SqlAlchemyStore(f"sqlite:///{tmp_path / 'register.db'}")

    def reopen(self, store: Store) -> Store:
        return SqlAlchemyStore(store.url)


class TestSqliteSeparateVaultStore(StorageContract):
    """My Numbers in a second database (住民マスタ and 個人番号DB apart)."""

    def make_store(self, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
        self.vault_url = f"sqlite:///{tmp_path / 'vault.db'}"
        return SqlAlchemyStore(
            f"sqlite:///{tmp_path / 'register.db'}", my_number_url=self.vault_url
        )

    def reopen(self, store: Store) -> Store:
        return SqlAlchemyStore(store.url, my_number_url=self.vault_url)


@pytest.mark.postgres
class TestPostgresStore(StorageContract):
    def make_store(self, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
        self.keys = MemoryKeyStore()
        url: str = request.getfixturevalue("fresh_postgres_url")
        return SqlAlchemyStore(url, key_store=self.keys)

    def reopen(self, store: Store) -> Store:
        return SqlAlchemyStore(store.url, key_store=self.keys)
