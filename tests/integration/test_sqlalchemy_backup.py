"""Daily backup and restore: a consistent snapshot (even while the register is written),
restored into an empty database of either kind and checked (row counts, audit chain, every
My Number decrypts, household invariants); damaged or doctored backups are refused."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import kure_juki as kj
from kure_juki import cli
from kure_juki.adapters.keys.file import FileKeyStore
from kure_juki.adapters.keys.memory import MemoryKeyStore
from kure_juki.adapters.sqlalchemy.backup import backup, restore
from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore
from kure_juki.domain.errors import IntegrityError, RegistryError
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in

PASSWORD = "a-long-passphrase"


def register(url: str, **options: Any) -> tuple[kj.Registry, kj.Session]:
    reg = kj.open_registry(
        url,
        municipality_code="342025",
        clock=SettableClock("2026-11-26T10:00:00+09:00"),
        **options,
    )
    reg.bootstrap_admin("admin", PASSWORD)
    s = reg.login("admin", PASSWORD, terminal_id="T-1", purpose="resident_records")
    for _ in range(5):
        receipt = s.submit(move_in())
    s.submit(
        {
            "type": "death",
            "occurred_on": "2026-11-24",
            "notified_on": "2026-11-25",
            "resident_id": receipt.resident_ids[1],
        }
    )
    return reg, s


def rows(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {
            name: sorted(tuple(str(v) for v in row) for row in conn.execute(sa.select(t)))
            for name, t in meta.tables.items()
            if name != "alembic_version"
        }


def test_backup_and_restore_into_sqlite(tmp_path: Path) -> None:
    reg, _s = register(f"sqlite:///{tmp_path / 'register.db'}")
    store = reg.store
    assert isinstance(store, SqlAlchemyStore)
    made = backup(store.engine, tmp_path / "backups")
    keys = FileKeyStore(tmp_path / "register.db.keys")
    result = restore(made.path, f"sqlite:///{tmp_path / 'restored.db'}", key_store=keys)
    assert result.check.ok and result.rows == made.rows
    assert result.check.residents == 10 and result.check.values_checked >= 10
    restored = SqlAlchemyStore(f"sqlite:///{tmp_path / 'restored.db'}", key_store=keys)
    assert rows(restored.engine) == rows(store.engine)
    restored.close()
    reg.close()


@pytest.mark.postgres
def test_a_sqlite_backup_restores_into_postgres_and_back(
    tmp_path: Path, fresh_postgres_url: str, postgres_cluster: Any
) -> None:
    reg, _ = register(f"sqlite:///{tmp_path / 'register.db'}")
    store = reg.store
    assert isinstance(store, SqlAlchemyStore)
    keys = FileKeyStore(tmp_path / "register.db.keys")
    made = backup(store.engine, tmp_path / "backups")
    result = restore(made.path, fresh_postgres_url, key_store=keys)
    assert result.check.ok
    on_pg = SqlAlchemyStore(fresh_postgres_url, key_store=keys)
    assert rows(on_pg.engine) == rows(store.engine)
    # the register keeps working on PostgreSQL, the code pool's serial included
    pg_reg = kj.open_registry(
        fresh_postgres_url,
        municipality_code="342025",
        key_store=keys,
        clock=SettableClock("2026-11-26T12:00:00+09:00"),
    )
    s = pg_reg.login("admin", PASSWORD, terminal_id="T-2", purpose="resident_records")
    s.submit(move_in())
    with pg_reg.store.unit_of_work() as uow:
        uow.code_pool.add(["00000000019"])
        uow.commit()
    back = backup(on_pg.engine, tmp_path / "from-pg")
    again = restore(back.path, f"sqlite:///{tmp_path / 'again.db'}", key_store=keys)
    assert again.check.ok and again.check.residents == 12
    pg_reg.close()
    on_pg.close()
    reg.close()


def test_a_backup_while_the_register_is_written_is_consistent(tmp_path: Path) -> None:
    reg, s = register(f"sqlite:///{tmp_path / 'register.db'}")
    store = reg.store
    assert isinstance(store, SqlAlchemyStore)
    stop = threading.Event()

    def keep_writing() -> None:
        while not stop.is_set():
            s.submit(move_in())

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        made = [backup(store.engine, tmp_path / "backups") for _ in range(3)]
    finally:
        stop.set()
        writer.join()
    keys = FileKeyStore(tmp_path / "register.db.keys")
    for i, b in enumerate(made):
        result = restore(b.path, f"sqlite:///{tmp_path / f'r{i}.db'}", key_store=keys)
        assert result.check.ok
    reg.close()


def test_a_separate_vault_is_backed_up_and_restored(tmp_path: Path) -> None:
    vault = f"sqlite:///{tmp_path / 'vault.db'}"
    reg, _ = register(f"sqlite:///{tmp_path / 'register.db'}", my_number_url=vault)
    store = reg.store
    assert isinstance(store, SqlAlchemyStore)
    made = backup(store.engine, tmp_path / "backups", vault_engine=store.vault_engine)
    result = restore(
        made.path,
        f"sqlite:///{tmp_path / 'restored.db'}",
        key_file=tmp_path / "vault.db.keys",
        my_number_url=f"sqlite:///{tmp_path / 'restored-vault.db'}",
    )
    assert result.check.ok and result.check.values_checked >= 10
    reg.close()


def _doctor(path: Path, table: str, edit: Any) -> None:
    """Change a table file of a backup and fix its checksum, as a forger would."""
    manifest = json.loads((path / "manifest.json").read_text())
    file = path / manifest["tables"][table]["file"]
    lines = gzip.decompress(file.read_bytes()).decode().splitlines()
    file.write_bytes(gzip.compress(("\n".join(edit(lines)) + "\n").encode()))
    manifest["tables"][table]["sha256"] = hashlib.sha256(file.read_bytes()).hexdigest()
    (path / "manifest.json").write_text(json.dumps(manifest))


def test_damaged_or_doctored_backups_are_refused(tmp_path: Path) -> None:
    reg, _ = register(f"sqlite:///{tmp_path / 'register.db'}")
    store = reg.store
    assert isinstance(store, SqlAlchemyStore)
    keys = FileKeyStore(tmp_path / "register.db.keys")
    target = iter(range(100))

    def fresh() -> str:
        return f"sqlite:///{tmp_path / f'target{next(target)}.db'}"

    damaged = backup(store.engine, tmp_path / "b1").path
    data = (damaged / "residents.jsonl.gz").read_bytes()
    (damaged / "residents.jsonl.gz").write_bytes(data[:-5] + bytes(5))
    with pytest.raises(IntegrityError) as caught:
        restore(damaged, fresh(), key_store=keys)
    assert caught.value.code == "KJ-INTEGRITY-002"

    edited = backup(store.engine, tmp_path / "b2").path
    _doctor(edited, "audit_log", lambda ls: [ls[0].replace("bootstrap_admin", "login"), *ls[1:]])
    with pytest.raises(IntegrityError) as caught:
        restore(edited, fresh(), key_store=keys)
    assert "KJ-INTEGRITY-004" in [p.code for p in caught.value.problems]

    headless = backup(store.engine, tmp_path / "b3").path
    _doctor(headless, "residents", lambda ls: [ls[0].replace("世帯主", "妻"), *ls[1:]])
    with pytest.raises(IntegrityError) as caught:
        restore(headless, fresh(), key_store=keys)
    assert "KJ-INTEGRITY-005" in [p.code for p in caught.value.problems]

    swapped = backup(store.engine, tmp_path / "b4").path

    def swap_boxes(lines: list[str]) -> list[str]:
        a, b = json.loads(lines[0]), json.loads(lines[1])
        a[3], b[3] = b[3], a[3]  # the ciphertexts of two persons
        return [json.dumps(a), json.dumps(b), *lines[2:]]

    _doctor(swapped, "my_numbers", swap_boxes)
    with pytest.raises(IntegrityError) as caught:
        restore(swapped, fresh(), key_store=keys)
    assert "KJ-INTEGRITY-001" in [p.code for p in caught.value.problems]

    good = backup(store.engine, tmp_path / "b5").path
    with pytest.raises(RegistryError) as caught:
        restore(good, fresh(), key_store=MemoryKeyStore())
    assert caught.value.code == "KJ-STORE-011"
    with pytest.raises(RegistryError) as caught:
        restore(good, f"sqlite:///{tmp_path / 'register.db'}", key_store=keys)
    assert caught.value.code == "KJ-STORE-041"
    with pytest.raises(RegistryError) as caught:
        restore(tmp_path / "nowhere", fresh(), key_store=keys)
    assert caught.value.code == "KJ-STORE-040"
    reg.close()


def test_the_cli_backup_and_restore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'register.db'}"
    reg, _ = register(url)
    reg.close()
    assert cli.main(["--json", "backup", url, str(tmp_path / "daily")]) == 0
    path = json.loads(capsys.readouterr().out)["path"]
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    key_file = str(tmp_path / "register.db.keys")
    assert cli.main(["--json", "restore", path, target, "--key-file", key_file]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["check"]["ok"] is True and out["rows"]["residents"] == 10
    assert cli.main(["restore", path, target, "--key-file", key_file]) == 1
    assert "KJ-STORE-041" in capsys.readouterr().err
    assert cli.main(["--json", "db", "check", target, "--key-file", key_file]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
