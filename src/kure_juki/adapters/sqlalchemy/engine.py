"""Engines for the SQLAlchemy store: URL schemes, SQLite pragmas and transaction control.

SQLite connections run in the driver's autocommit mode (``isolation_level = None``) and the
store issues ``BEGIN IMMEDIATE`` itself when a unit of work starts writing: reads before that
see the latest committed state statement by statement (as on PostgreSQL under READ COMMITTED),
and a writer takes SQLite's single write lock once, up front, instead of failing to upgrade a
stale read snapshot. Pragmas, per connection: WAL journal, foreign keys enforced, a busy timeout
so writers queue instead of failing, and the durability the store was opened with.

Durability (``durability=`` of the store, or ``?durability=`` in the URL): ``"full"`` by
default — a commit the register acknowledged (a receipt handed to a citizen) survives a power
cut: SQLite ``synchronous=FULL``, PostgreSQL ``synchronous_commit=on`` set on every connection
whatever the server's default. ``"normal"`` is the integrator's explicit opt-out for speed:
SQLite ``synchronous=NORMAL`` (in WAL mode a power cut may take back the last acknowledged
commits; the database stays consistent), PostgreSQL ``synchronous_commit=off`` (the same).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from kure_juki.adapters.private_files import create_private
from kure_juki.domain.errors import RegistryError

SQLITE_DRIVERS = ("sqlite", "sqlite+pysqlite")
DURABILITY = {"full": ("FULL", "on"), "normal": ("NORMAL", "off")}  # (SQLite, PostgreSQL)
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


def durability_of(url: sa.URL, durability: str | None) -> tuple[sa.URL, str]:
    """The URL without its ``durability`` query item, and the durability to run with (the
    keyword wins over the URL; ``"full"`` unless one of them says otherwise)."""
    given = url.query.get("durability")
    from_url = given if isinstance(given, str) or given is None else given[-1]
    chosen = durability if durability is not None else (from_url or "full")
    if chosen not in DURABILITY:
        raise RegistryError("KJ-STORE-803")
    return url.difference_update_query(["durability"]), chosen


def make_engine(
    url: str | sa.URL,
    *,
    busy_timeout_ms: int = 30_000,
    durability: str | None = None,
    **options: Any,
) -> sa.Engine:
    parsed = normalise_url(url) if isinstance(url, str) else url
    parsed, durable = durability_of(parsed, durability)
    if parsed.drivername.startswith("sqlite"):
        return _sqlite_engine(parsed, busy_timeout_ms, durable, **options)
    options.setdefault("pool_pre_ping", True)
    engine = sa.create_engine(parsed, **options)
    setting = DURABILITY[durable][1]

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Set per connection, not left to the server: a cluster configured with
        # synchronous_commit=off would otherwise acknowledge commits it can still lose.
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"SET synchronous_commit TO {setting}")
        finally:
            cursor.close()
        dbapi_connection.commit()

    return engine


def _sqlite_engine(url: sa.URL, busy_timeout_ms: int, durability: str, **options: Any) -> sa.Engine:
    connect_args: dict[str, Any] = {
        "check_same_thread": False,
        "timeout": busy_timeout_ms / 1000,
    }
    if is_sqlite_memory(url):
        # One connection shared by the whole process: otherwise each would see its own empty
        # database.
        options.setdefault("poolclass", StaticPool)
    path = sqlite_path(url)
    if path is not None and Path(path).parent.is_dir():
        create_private(path)  # before SQLite creates it with the umask's mode (0644)
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
            cursor.execute(f"PRAGMA synchronous={DURABILITY[durability][0]}")
        finally:
            cursor.close()

    return engine


def sqlite_pragmas(engine: sa.Engine) -> dict[str, Any]:
    """The pragmas a connection of *engine* runs with (for tests and ``db check``);
    ``synchronous`` is 2 (FULL) or 1 (NORMAL)."""
    with engine.connect() as conn:
        return {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }


def durability(engine: sa.Engine) -> str:
    """What a connection of *engine* runs with: "full" or "normal" (for benchmarks and
    ``doctor``), read back from the database rather than from the options."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            full = int(conn.exec_driver_sql("PRAGMA synchronous").scalar() or 0) >= 2
        else:
            full = conn.exec_driver_sql("SHOW synchronous_commit").scalar() != "off"
        conn.rollback()
    return "full" if full else "normal"
