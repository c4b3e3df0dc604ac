"""Schema revisions: create a fresh database at head, upgrade an old one, refuse a stale one.

The Alembic environment ships inside the package (``migrations/``) with two branches: ``main``
(the register) and ``vault`` (My Numbers). A database holding both parts carries both heads in
its ``alembic_version`` table. Opening a store never upgrades an existing database behind the
operator's back: an older revision is refused with KJ-STORE-001 ("run kure-juki db upgrade
URL"), which is what the command does. A database with no kure_juki table at all is created at
head on first open, so an embedded SQLite file just works.

A migration runs inside one transaction that also serialises concurrent migrations: SQLite's
``BEGIN IMMEDIATE`` write lock, or a transaction-scoped advisory lock on PostgreSQL.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from kure_juki.adapters.sqlalchemy.tables import MAIN_TABLES, VAULT_TABLES
from kure_juki.domain.errors import RegistryError

Part = Literal["main", "vault"]
State = Literal["fresh", "current", "behind", "ahead", "foreign"]

MIGRATIONS = Path(__file__).with_name("migrations")
_TABLES: dict[Part, tuple[str, ...]] = {"main": MAIN_TABLES, "vault": VAULT_TABLES}
# pg_advisory_xact_lock key of schema migrations: "kjSchema" as a 64-bit integer.
_PG_MIGRATION_LOCK = int.from_bytes(b"kjSchema", "big") & 0x7FFF_FFFF_FFFF_FFFF


@functools.cache
def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def _config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head(part: Part) -> str:
    rev = scripts().revision_map.get_current_head(branch_label=part)
    assert rev is not None
    return rev


def _part_of(revision: str) -> Part | None:
    try:
        found = scripts().get_revision(revision)
    except Exception:  # alembic raises several kinds for an unknown id
        return None
    if found is None:
        return None
    for part in ("main", "vault"):
        if part in found.branch_labels:
            return part
    return None


def current(connection: sa.Connection, part: Part) -> str | None:
    """The revision of *part* recorded in the database, or None."""
    heads = MigrationContext.configure(connection).get_current_heads()
    for rev in heads:
        if _part_of(rev) == part:
            return rev
    return None


def state(connection: sa.Connection, part: Part) -> State:
    heads = MigrationContext.configure(connection).get_current_heads()
    if any(_part_of(rev) is None for rev in heads):
        return "ahead"  # a revision this library does not know: written by a newer one
    rev = next((r for r in heads if _part_of(r) == part), None)
    if rev is None:
        present = set(sa.inspect(connection).get_table_names())
        return "foreign" if present & set(_TABLES[part]) else "fresh"
    target = head(part)
    if rev == target:
        return "current"
    ancestors = {r.revision for r in scripts().walk_revisions(base="base", head=target)}
    return "behind" if rev in ancestors else "ahead"


def _lock(connection: sa.Connection) -> None:
    """Start the migration's transaction, holding the lock that serialises migrations."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_MIGRATION_LOCK)))


def upgrade(engine: sa.Engine, parts: Iterable[Part], target: str = "head") -> None:
    """Bring *parts* of the database to *target* (``head`` or a revision id)."""
    with engine.connect() as connection:
        _lock(connection)
        for part in parts:
            if state(connection, part) == "foreign":
                raise RegistryError("KJ-STORE-003")
            rev = f"{part}@head" if target == "head" else target
            if target != "head" and _part_of(target) != part:
                continue
            command.upgrade(_config(connection), rev)
        connection.commit()


def ensure(engine: sa.Engine, parts: Iterable[Part], *, create: bool = True) -> None:
    """Check (or create) the schema of a store being opened."""
    wanted = list(parts)
    with engine.connect() as connection:
        states = {part: state(connection, part) for part in wanted}
        connection.rollback()
    for _part, found in states.items():
        if found == "behind":
            raise RegistryError("KJ-STORE-001")
        if found == "ahead":
            raise RegistryError("KJ-STORE-002")
        if found == "foreign":
            raise RegistryError("KJ-STORE-003")
    fresh = [part for part, found in states.items() if found == "fresh"]
    if fresh:
        if not create:
            raise RegistryError("KJ-STORE-001")
        upgrade(engine, fresh)
