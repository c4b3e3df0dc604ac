"""Daily backup and restore of a SQL store (``kure-juki backup URL DIR``, ``restore DIR URL``).

A backup is a directory ``kure-juki-backup-<UTC time>`` holding one gzipped JSON Lines file per
table and ``manifest.json`` (schema revisions, columns, row counts and SHA-256 of each file).
It is taken from one consistent snapshot (a read transaction: SQLite's WAL snapshot,
PostgreSQL's REPEATABLE READ), streamed row by row. Vault values stay encrypted in it and the
keys are never in it: restoring needs the same key store (back the key file up apart).

Because the format is the rows themselves, a backup of a SQLite register restores into
PostgreSQL and back. Restore writes into an empty database: it creates the schema at the
backup's revisions, loads every table in one transaction, upgrades to head, then runs the
consistency check (row counts, audit chain, every vault value decrypts, household invariants,
unique codes) and raises IntegrityError if any fails.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

from kure_juki.adapters.private_files import open_private, private_dir
from kure_juki.adapters.sqlalchemy import dialect, schema
from kure_juki.adapters.sqlalchemy.consistency import CheckReport, check_store
from kure_juki.adapters.sqlalchemy.engine import make_engine
from kure_juki.adapters.sqlalchemy.tables import MAIN_TABLES, VAULT_TABLES, metadata
from kure_juki.domain.errors import IntegrityError, RegistryError, problem
from kure_juki.ports.key_store import KeyStore

FORMAT = "kure_juki.backup/1"
BATCH = 2000


@attrs.frozen
class BackupResult:
    path: Path
    rows: dict[str, int]


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$b" in value:
            return base64.b64decode(value["$b"])
        if "$d" in value:
            return dt.date.fromisoformat(value["$d"])
    return value


def _snapshot(conn: sa.Connection) -> sa.Connection:
    """Start a read transaction that sees one state of the whole database."""
    if dialect.is_sqlite(conn):
        conn.exec_driver_sql("BEGIN")
        return conn
    return conn.execution_options(isolation_level="REPEATABLE READ")


def _dump_table(conn: sa.Connection, table: sa.Table, path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    rows = 0
    query = sa.select(table).order_by(*table.primary_key.columns)
    with open_private(path) as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as out:
        for row in conn.execution_options(yield_per=BATCH).execute(query):
            line = (json.dumps([_encode(v) for v in row], ensure_ascii=False) + "\n").encode()
            out.write(line)
            rows += 1
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return rows, digest.hexdigest()


def backup(
    engine: sa.Engine,
    target_dir: str | os.PathLike[str],
    *,
    vault_engine: sa.Engine | None = None,
    now: dt.datetime | None = None,
) -> BackupResult:
    """Write a backup of the store's database(s) into a new directory under *target_dir*."""
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    path = Path(target_dir) / f"kure-juki-backup-{when.strftime('%Y%m%dT%H%M%S%fZ')}"
    partial = path.with_name(path.name + ".partial")
    private_dir(partial)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": when.isoformat(),
        "revisions": {},
        "tables": {},
    }
    parts: list[tuple[sa.Engine, tuple[str, ...], tuple[schema.Part, ...]]] = (
        [(engine, MAIN_TABLES + VAULT_TABLES, ("main", "vault"))]
        if vault_engine is None
        # The register first: the vault commits before the register, so a later vault snapshot
        # holds every number the register's snapshot refers to.
        else [(engine, MAIN_TABLES, ("main",)), (vault_engine, VAULT_TABLES, ("vault",))]
    )
    for source, names, part_names in parts:
        with source.connect() as raw:
            conn = _snapshot(raw)
            for part in part_names:
                manifest["revisions"][part] = schema.current(conn, part)
            for name in names:
                table = metadata.tables[name]
                file = f"{name}.jsonl.gz"
                count, digest = _dump_table(conn, table, partial / file)
                manifest["tables"][name] = {
                    "file": file,
                    "rows": count,
                    "sha256": digest,
                    "columns": [c.name for c in table.columns],
                }
            conn.rollback()
    with open_private(partial / "manifest.json") as fh:
        fh.write(json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
    os.replace(partial, path)
    return BackupResult(path, {k: v["rows"] for k, v in manifest["tables"].items()})


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        with open(Path(path) / "manifest.json", encoding="utf-8") as fh:
            manifest: dict[str, Any] = json.load(fh)
    except (OSError, ValueError):
        raise RegistryError("KJ-STORE-040") from None
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("tables"), dict):
        raise RegistryError("KJ-STORE-040")
    return manifest


def verify_files(path: Path, manifest: dict[str, Any]) -> None:
    for info in manifest["tables"].values():
        digest = hashlib.sha256()
        try:
            with open(path / info["file"], "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError:
            raise RegistryError("KJ-STORE-040") from None
        if digest.hexdigest() != info["sha256"]:
            raise IntegrityError(problem("KJ-INTEGRITY-002"))


def _rows(path: Path) -> Iterator[list[Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield [_decode(v) for v in json.loads(line)]


def _empty(engine: sa.Engine, names: tuple[str, ...]) -> bool:
    with engine.connect() as conn:
        present = set(sa.inspect(conn).get_table_names()) & set(names)
        for name in present:
            if name == "chain_head":
                continue  # seeded by the first migration
            if conn.execute(sa.select(metadata.tables[name]).limit(1)).first() is not None:
                return False
        conn.rollback()
    return True


def _load(engine: sa.Engine, path: Path, manifest: dict[str, Any], names: tuple[str, ...]) -> None:
    order = [t for t in metadata.sorted_tables if t.name in names and t.name in manifest["tables"]]
    with engine.connect() as conn:
        dialect.begin_write(conn)
        for table in reversed(order):
            conn.execute(table.delete())  # rows the migrations seed (the chain head)
        for table in order:
            info = manifest["tables"][table.name]
            columns = info["columns"]
            insert = table.insert()
            for batch in dialect.chunks(_rows(path / info["file"]), BATCH):
                conn.execute(insert, [dict(zip(columns, row, strict=True)) for row in batch])
            serial = [c for c in table.primary_key.columns if c.autoincrement is True]
            if serial and conn.dialect.name == "postgresql":
                column = serial[0]
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                        f"coalesce((SELECT max({column.name}) FROM {table.name}), 0) + 1, false)"
                    )
                )
        conn.commit()


@attrs.frozen
class RestoreResult:
    rows: dict[str, int]
    check: CheckReport


def restore(
    path: str | os.PathLike[str],
    url: str,
    *,
    key_store: KeyStore | None = None,
    key_file: str | os.PathLike[str] | None = None,
    my_number_url: str | None = None,
) -> RestoreResult:
    """Restore the backup at *path* into the empty database at *url*, then check it."""
    from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore

    where = Path(path)
    manifest = read_manifest(where)
    verify_files(where, manifest)
    revisions: dict[str, str | None] = manifest.get("revisions", {})
    known = {r.revision for r in schema.scripts().walk_revisions()}
    if any(rev is not None and rev not in known for rev in revisions.values()):
        raise RegistryError("KJ-STORE-042")
    engine = make_engine(url)
    vault_engine = make_engine(my_number_url) if my_number_url else None
    try:
        targets: list[tuple[sa.Engine, tuple[str, ...], tuple[schema.Part, ...]]] = (
            [(engine, MAIN_TABLES + VAULT_TABLES, ("main", "vault"))]
            if vault_engine is None
            else [(engine, MAIN_TABLES, ("main",)), (vault_engine, VAULT_TABLES, ("vault",))]
        )
        for target, names, parts in targets:
            if not _empty(target, names):
                raise RegistryError("KJ-STORE-041")
            for part in parts:
                rev = revisions.get(part)
                schema.upgrade(target, [part], target=rev or "head")
        for target, names, _ in targets:
            _load(target, where, manifest, names)
        for target, _, parts in targets:
            schema.upgrade(target, parts)
    finally:
        engine.dispose()
        if vault_engine is not None:
            vault_engine.dispose()
    store = SqlAlchemyStore(
        url, key_store=key_store, key_file=key_file, my_number_url=my_number_url, create=False
    )
    try:
        report = check_store(store)
        with store.engine.connect() as conn:
            counts = _counts(
                conn, MAIN_TABLES if store.vault_engine else MAIN_TABLES + VAULT_TABLES
            )
        if store.vault_engine is not None:
            with store.vault_engine.connect() as vconn:
                counts.update(_counts(vconn, VAULT_TABLES))
    finally:
        store.close()
    expected = {k: v["rows"] for k, v in manifest["tables"].items()}
    if any(counts.get(k) != v for k, v in expected.items()):
        raise IntegrityError(problem("KJ-INTEGRITY-003"))
    report.raise_for_problems()
    return RestoreResult(counts, report)


def _counts(conn: sa.Connection, names: tuple[str, ...]) -> dict[str, int]:
    return {
        name: int(
            conn.execute(sa.select(sa.func.count()).select_from(metadata.tables[name])).scalar_one()
        )
        for name in names
    }
