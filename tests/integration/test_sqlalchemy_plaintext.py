"""No My Number in plaintext at rest: the SQLite file with its -wal and -shm, a backup, an
export, a pg_dump and the PostgreSQL data directory are scanned for every My Number written,
in every encoding a 12-digit number could take, while search by My Number finds the person."""

from __future__ import annotations

import gzip
import io
import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import kure_juki as kj
from kure_juki.adapters.sqlalchemy.backup import backup
from kure_juki.adapters.sqlalchemy.bulk import import_jsonl
from kure_juki.adapters.sqlalchemy.bulk_export import export_jsonl
from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore
from kure_juki.domain.search import SearchCriteria
from kure_juki.testing import synthetic
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

PASSWORD = "a-long-passphrase"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def forms(number: str) -> Iterator[bytes]:
    """Every way the 12 digits could sit in a file."""
    grouped = [f"{number[:4]}{sep}{number[4:8]}{sep}{number[8:]}" for sep in ("-", " ", "　", "ー")]
    for text in [number, number.translate(FULL_WIDTH), *grouped]:
        for codec in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "shift_jis"):
            yield text.encode(codec)
    value = int(number)
    for size in (5, 6, 8):
        yield value.to_bytes(size, "big")
        yield value.to_bytes(size, "little")
    yield bytes.fromhex(number)  # packed BCD
    yield f"{value:x}".encode()
    yield f"{value:X}".encode()


def likely_forms(number: str) -> Iterator[bytes]:
    """The encodings a database would actually use (for scanning megabytes of raw pages)."""
    yield number.encode()
    yield number.encode("utf-16-le")
    yield number.translate(FULL_WIDTH).encode()
    yield int(number).to_bytes(8, "little")
    yield int(number).to_bytes(8, "big")


def assert_absent(
    blob: bytes,
    numbers: list[str],
    where: str,
    encodings: Callable[[str], Iterator[bytes]] = forms,
) -> None:
    # One pass over the blob for every form of every number (a megabyte file scanned once, not
    # once per form).
    pattern = re.compile(b"|".join(re.escape(f) for n in numbers for f in encodings(n)))
    assert pattern.search(blob) is None, f"a My Number was found in {where}"


def fill(url: str, **options: object) -> tuple[kj.Registry, kj.Session, list[str]]:
    """A register with move-ins (numbers given) and births (numbers generated)."""
    reg = kj.open_registry(
        url,
        municipality_code="342025",
        clock=SettableClock("2026-11-26T10:00:00+09:00"),
        **options,
    )
    reg.bootstrap_admin("admin", PASSWORD)
    s = reg.login("admin", PASSWORD, terminal_id="T-1", purpose="resident_records")
    numbers: list[str] = []
    for i in range(6):
        people = [person(), person(relationship="妻", sex="female", birth_date="1985-01-01")]
        numbers += [p["my_number"] for p in people]
        receipt = s.submit(move_in(people))
        born = s.submit(
            {
                "type": "birth",
                "occurred_on": "2026-11-20",
                "notified_on": "2026-11-25",
                "household_id": receipt.household_id,
                "person": {
                    "family_name": "佐藤",
                    "given_name": f"子{i}",
                    "family_name_kana": "さとう",
                    "given_name_kana": "こ",
                    "sex": "female",
                    "relationship": "子",
                    "registered_domicile": "広島県呉市中央四丁目1番",
                    "domicile_head": "佐藤　一郎",
                },
            }
        )
        numbers.append(s.resident(born.resident_ids[0])["my_number"])
    for number in numbers:
        assert len(s.search(my_number=number)) == 1
    return reg, s, numbers


def test_sqlite_files_backup_and_export_hold_no_my_number(tmp_path: Path) -> None:
    db = tmp_path / "register.db"
    reg, _, numbers = fill(f"sqlite:///{db}")
    try:
        wal = Path(f"{db}-wal")
        assert wal.exists() and wal.stat().st_size > 0, "the scan must cover a live WAL"
        for path in (db, wal, Path(f"{db}-shm")):
            assert_absent(path.read_bytes(), numbers, path.name)
        store = reg.store
        assert isinstance(store, SqlAlchemyStore)
        made = backup(store.engine, tmp_path / "backups")
        for file in made.path.iterdir():
            raw = file.read_bytes()
            assert_absent(gzip.decompress(raw) if file.suffix == ".gz" else raw, numbers, file.name)
        out = io.BytesIO()
        export_jsonl(store, out, approval="token", approve=lambda token, count: None)
        assert out.getvalue().count(b"\n") == 6
        assert_absent(out.getvalue(), numbers, "the export")
    finally:
        reg.close()


def test_a_bulk_import_through_worker_processes_leaves_no_my_number_at_rest(
    tmp_path: Path,
) -> None:
    lines = list(synthetic.households(300, seed=17))
    source = tmp_path / "old-system.jsonl"
    source.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    numbers = [p["my_number"] for line in lines for p in line["persons"]]
    db = tmp_path / "register.db"
    store = SqlAlchemyStore(f"sqlite:///{db}")
    try:
        report = import_jsonl(store, source, batch_lines=40, workers=2)
        assert report.residents == 300 and report.bad_lines == 0
        wal = Path(f"{db}-wal")
        assert wal.exists() and wal.stat().st_size > 0, "the scan must cover a live WAL"
        for path in (db, wal, Path(f"{db}-shm")):
            assert_absent(path.read_bytes(), numbers, path.name, likely_forms)
        with store.unit_of_work() as uow:
            for line in lines[::25]:
                wanted = line["persons"][0]
                found = uow.residents.search(SearchCriteria(my_number=wanted["my_number"]), 5)
                assert [r.resident_id for r in found] == [wanted["resident_id"]]
    finally:
        store.close()


def test_a_separate_vault_database_holds_no_plaintext_either(tmp_path: Path) -> None:
    db, vault = tmp_path / "register.db", tmp_path / "vault.db"
    reg, _, numbers = fill(f"sqlite:///{db}", my_number_url=f"sqlite:///{vault}")
    try:
        for path in (db, Path(f"{db}-wal"), vault, Path(f"{vault}-wal")):
            if path.exists():
                assert_absent(path.read_bytes(), numbers, path.name)
    finally:
        reg.close()


@pytest.mark.postgres
def test_pg_dump_and_data_directory_hold_no_my_number(
    fresh_postgres_url: str, postgres_cluster: object
) -> None:
    from kure_juki.testing.postgres import PostgresCluster

    assert isinstance(postgres_cluster, PostgresCluster)
    started = time.time() - 1
    reg, _, numbers = fill(fresh_postgres_url)
    reg.close()
    database = str(sa.make_url(fresh_postgres_url).database)
    dump = subprocess.run(
        [str(postgres_cluster.bindir / "pg_dump"), *postgres_cluster.psql_args(), database],
        capture_output=True,
        check=True,
    ).stdout
    assert b"CREATE TABLE public.my_numbers" in dump
    assert_absent(dump, numbers, "pg_dump")
    subprocess.run(
        [str(postgres_cluster.bindir / "psql"), *postgres_cluster.psql_args(), "-c", "CHECKPOINT"],
        check=True,
        capture_output=True,
    )
    # The cluster is shared by the whole session: only files written since this test began can
    # hold its numbers (the rest is other tests' databases and recycled WAL).
    for path in postgres_cluster.data.rglob("*"):
        if path.is_file() and path.stat().st_mtime >= started:
            assert_absent(
                path.read_bytes(), numbers, f"the data directory ({path.name})", likely_forms
            )
