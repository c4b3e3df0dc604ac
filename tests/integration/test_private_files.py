"""Files holding personal data are the owner's alone (0600; directories 0700) whatever the
umask, and a database others can read is refused unless the integrator says so (番号法12条)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import kure_juki as kj
from kure_juki.adapters.sqlalchemy.backup import backup
from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in

PASSWORD = "a-long-passphrase"


@pytest.fixture(autouse=True)
def lax_umask() -> Iterator[None]:
    """The common default: files 0644 unless the library sees to it."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _register(url: str, **options: object) -> kj.Registry:
    return kj.open_registry(
        url,
        municipality_code="342025",
        clock=SettableClock("2026-11-26T10:00:00+09:00"),
        **options,
    )


def test_the_database_its_journal_and_keys_are_created_0600(tmp_path: Path) -> None:
    db = tmp_path / "register.db"
    reg = _register(f"sqlite:///{db}")
    reg.bootstrap_admin("admin", PASSWORD)
    s = reg.login("admin", PASSWORD, terminal_id="T-1", purpose="resident_records")
    s.submit(move_in())
    made = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}.keys")]
    assert all(p.exists() for p in made)
    assert {p.name: mode(p) for p in made} == {p.name: 0o600 for p in made}
    reg.close()


def test_a_database_others_can_read_is_refused_unless_allowed(tmp_path: Path) -> None:
    db = tmp_path / "register.db"
    _register(f"sqlite:///{db}").close()
    os.chmod(db, 0o644)
    with pytest.raises(kj.RegistryError) as refused:
        _register(f"sqlite:///{db}")
    assert refused.value.code == "KJ-STORE-802"
    assert mode(db) == 0o644  # refused, not silently changed
    shared = _register(f"sqlite:///{db}", allow_shared_files=True)
    shared.bootstrap_admin("admin", PASSWORD)
    shared.close()
    # A vault database in a second file is held to the same rule.
    os.chmod(db, 0o600)
    vault = tmp_path / "vault.db"
    SqlAlchemyStore(f"sqlite:///{tmp_path / 'r2.db'}", my_number_url=f"sqlite:///{vault}").close()
    assert mode(vault) == 0o600
    os.chmod(vault, 0o640)
    with pytest.raises(kj.RegistryError) as refused:
        SqlAlchemyStore(f"sqlite:///{tmp_path / 'r2.db'}", my_number_url=f"sqlite:///{vault}")
    assert refused.value.code == "KJ-STORE-802"


def test_backups_are_the_owners_alone(tmp_path: Path) -> None:
    reg = _register(f"sqlite:///{tmp_path / 'register.db'}")
    reg.bootstrap_admin("admin", PASSWORD)
    reg.login("admin", PASSWORD, terminal_id="T-1", purpose="resident_records").submit(move_in())
    store = reg.store
    assert isinstance(store, SqlAlchemyStore)
    made = backup(store.engine, tmp_path / "backups")
    assert mode(made.path) == 0o700
    files = list(made.path.iterdir())
    assert files and {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    reg.close()
