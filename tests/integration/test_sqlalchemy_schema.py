"""Schema revisions and engine settings: a fresh database is created at head on first open; a
database at an older revision is refused with KJ-STORE-001 until ``kure-juki db upgrade URL``;
the migrated schema is exactly the tables the code defines; SQLite runs with WAL, foreign keys,
a busy timeout and synchronous=NORMAL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kure_juki import cli
from kure_juki.adapters.sqlalchemy import schema
from kure_juki.adapters.sqlalchemy.engine import make_engine, sqlite_pragmas
from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore
from kure_juki.adapters.sqlalchemy.tables import metadata
from kure_juki.domain.errors import RegistryError


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'register.db'}"
    else:
        yield request.getfixturevalue("fresh_postgres_url")


def test_a_fresh_database_is_created_at_head(url: str) -> None:
    store = SqlAlchemyStore(url)
    with store.engine.connect() as conn:
        assert schema.state(conn, "main") == "current"
        assert schema.state(conn, "vault") == "current"
        assert schema.current(conn, "main") == schema.head("main")
    store.close()


def test_the_migrated_schema_is_the_one_the_code_defines(url: str) -> None:
    SqlAlchemyStore(url).close()
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_an_older_revision_is_refused_until_db_upgrade(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(url)
    schema.upgrade(engine, ["vault"])
    schema.upgrade(engine, ["main"], target="m0001")
    engine.dispose()
    with pytest.raises(RegistryError) as refused:
        SqlAlchemyStore(url)
    assert refused.value.code == "KJ-STORE-001"
    assert "kure-juki db upgrade URL" in refused.value.message_en
    assert cli.main(["--json", "db", "upgrade", url]) == 0
    assert '"main": "m0003_h_mj"' in capsys.readouterr().out
    store = SqlAlchemyStore(url)
    with store.unit_of_work() as uow:
        assert uow.residents.count() == 0
    store.close()


def test_a_database_newer_than_the_library_is_refused(url: str) -> None:
    SqlAlchemyStore(url).close()
    engine = make_engine(url)
    with engine.connect() as conn:
        conn.execute(
            sa.text(
                "UPDATE alembic_version SET version_num = 'm9999' "
                "WHERE version_num = 'm0003_h_mj'"
            )
        )
        conn.commit()
    engine.dispose()
    with pytest.raises(RegistryError) as refused:
        SqlAlchemyStore(url)
    assert refused.value.code == "KJ-STORE-002"


def test_tables_without_a_revision_are_not_taken_over(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE residents (x INTEGER)")
        conn.commit()
    engine.dispose()
    with pytest.raises(RegistryError) as refused:
        SqlAlchemyStore(f"sqlite:///{tmp_path / 'other.db'}")
    assert refused.value.code == "KJ-STORE-003"


def test_create_false_does_not_create(tmp_path: Path) -> None:
    with pytest.raises(RegistryError) as refused:
        SqlAlchemyStore(f"sqlite:///{tmp_path / 'new.db'}", create=False)
    assert refused.value.code == "KJ-STORE-001"


def test_sqlite_pragmas(tmp_path: Path) -> None:
    store = SqlAlchemyStore(f"sqlite:///{tmp_path / 'register.db'}", busy_timeout_ms=12_345)
    assert sqlite_pragmas(store.engine) == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 12_345,
        "synchronous": 1,  # NORMAL
    }
    store.close()


def test_an_unknown_url_scheme_is_refused() -> None:
    with pytest.raises(RegistryError) as refused:
        SqlAlchemyStore("mysql://user@host/db")
    assert refused.value.code == "KJ-STORE-004"
