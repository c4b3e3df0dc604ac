"""The outbox contract run against every store whose units of work carry one: memory, SQLite
files and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from kure_juki.adapters.keys.memory import MemoryKeyStore
from kure_juki.adapters.memory.store import MemoryStore
from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore
from kure_juki.ports.storage import Store
from kure_juki.testing.contracts.outbox import OutboxContract


class TestMemoryOutbox(OutboxContract):
    def make_store(self, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
        return MemoryStore()


class TestSqliteOutbox(OutboxContract):
    def make_store(self, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
        return SqlAlchemyStore(f"sqlite:///{tmp_path / 'register.db'}")

    def reopen(self, store: Store) -> Store:
        return SqlAlchemyStore(store.url)


@pytest.mark.postgres
class TestPostgresOutbox(OutboxContract):
    def make_store(self, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
        self.keys = MemoryKeyStore()
        url: str = request.getfixturevalue("fresh_postgres_url")
        return SqlAlchemyStore(url, key_store=self.keys)

    def reopen(self, store: Store) -> Store:
        return SqlAlchemyStore(store.url, key_store=self.keys)
