"""The few statements that differ between SQLite and PostgreSQL, and error translation."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kure_juki.adapters.sqlalchemy.tables import chain_head
from kure_juki.domain.errors import ConflictError, RegistryError, problem

T = TypeVar("T")
CHUNK = 500  # ids per IN (…) list: well under every driver's parameter limit

# PostgreSQL SQLSTATEs that mean "another transaction got there first; retry".
_PG_CONFLICT = frozenset({"40001", "40P01", "55P03", "23505"})


def is_sqlite(conn: sa.Connection | sa.Engine) -> bool:
    return conn.dialect.name == "sqlite"


def begin_write(conn: sa.Connection) -> None:
    """Start a write transaction on *conn*: SQLite takes its write lock up front."""
    if is_sqlite(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif not conn.in_transaction():
        conn.begin()


def lock_writer(conn: sa.Connection) -> None:
    """Take the register's writer lock: SQLite's write lock, or the chain-head row on
    PostgreSQL (every writer of the audit or movement chain takes it, so chains never fork)."""
    if is_sqlite(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.execute(
            sa.select(chain_head.c.name).where(chain_head.c.name == "audit").with_for_update()
        )


def insert(conn: sa.Connection, table: sa.Table) -> Any:
    """An INSERT that knows ON CONFLICT for this dialect."""
    if is_sqlite(conn):
        return sqlite.insert(table)
    return postgresql.insert(table)


def insert_ignore(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(conn, table).on_conflict_do_nothing(), rows)


def chunks(items: Sequence[T] | Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


LIVING_CODE_INDEX = "uq_residents_living_code"


def _living_code_taken(orig: BaseException | None) -> bool:
    """The partial unique index on living residents' 住民票コード refused a row."""
    if isinstance(orig, sqlite3.IntegrityError):
        return "residents.resident_code" in str(orig)
    diag = getattr(orig, "diag", None)
    return getattr(diag, "constraint_name", None) == LIVING_CODE_INDEX


def translate(exc: sa.exc.DBAPIError) -> RegistryError | None:
    """The register's error for a driver error that means a concurrent writer, or None."""
    orig = exc.orig
    state = getattr(orig, "sqlstate", None)
    if _living_code_taken(orig):
        return ConflictError(problem("KJ-CONFLICT-801", "resident_code"))
    if state in _PG_CONFLICT:
        return ConflictError(problem("KJ-CONFLICT-001"))
    if isinstance(orig, sqlite3.IntegrityError) and "UNIQUE" in str(orig):
        return ConflictError(problem("KJ-CONFLICT-001"))
    if isinstance(orig, sqlite3.OperationalError) and (
        "locked" in str(orig) or "busy" in str(orig)
    ):
        return RegistryError("KJ-STORE-005")
    return None
