"""Engines for the SQLAlchemy store: URL schemes, SQLite pragmas and transaction control.

SQLite connections run in the driver's autocommit mode (``isolation_level = None``) and the
store issues ``BEGIN IMMEDIATE`` itself when a unit of work starts writing: reads before that
see the latest committed state statement by statement (as on PostgreSQL under READ COMMITTED),
and a writer takes SQLite's single write lock once, up front, instead of failing to upgrade a
stale read snapshot. Pragmas, per connection: WAL journal, foreign keys enforced, a busy timeout
so writers queue instead of failing, and ``synchronous=NORMAL`` (in WAL mode a commit is
durable against a process crash and the database stays consistent on power loss).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from kure_juki.domain.errors import RegistryError

SQLITE_DRIVERS = ("sqlite", "sqlite+pysqlite")
POSTGRES_DRIVERS = ("postgresql", "postgresql+psycopg")


def normalise_url(url: str) -> sa.URL:
    parsed = sa.make_url(url)
    name = parsed.drivername
    if name == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if name in SQLITE_DRIVERS or name in POSTGRES_DRIVERS:
        return parsed
    raise RegistryError("KJ-STORE-004")


def is_sqlite_memory(url: sa.URL) -> bool:
    return url.drivername.startswith("sqlite") and url.database in (None, "", ":memory:")


def sqlite_path(url: sa.URL) -> str | None:
    """The database file of a SQLite URL (None for an in-memory database)."""
    if not url.drivername.startswith("sqlite") or is_sqlite_memory(url):
        return None
    return url.database


def make_engine(url: str | sa.URL, *, busy_timeout_ms: int = 30_000, **options: Any) -> sa.Engine:
    parsed = normalise_url(url) if isinstance(url, str) else url
    if parsed.drivername.startswith("sqlite"):
        return _sqlite_engine(parsed, busy_timeout_ms, **options)
    options.setdefault("pool_pre_ping", True)
    return sa.create_engine(parsed, **options)


def _sqlite_engine(url: sa.URL, busy_timeout_ms: int, **options: Any) -> sa.Engine:
    connect_args: dict[str, Any] = {
        "check_same_thread": False,
        "timeout": busy_timeout_ms / 1000,
    }
    if is_sqlite_memory(url):
        # One connection shared by the whole process: otherwise each would see its own empty
        # database.
        options.setdefault("poolclass", StaticPool)
    engine = sa.create_engine(url, connect_args=connect_args, **options)
    memory = is_sqlite_memory(url)

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the store issues BEGIN itself
        cursor = dbapi_connection.cursor()
        try:
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    return engine


def sqlite_pragmas(engine: sa.Engine) -> dict[str, Any]:
    """The pragmas a connection of *engine* runs with (for tests and ``db check``)."""
    with engine.connect() as conn:
        return {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
