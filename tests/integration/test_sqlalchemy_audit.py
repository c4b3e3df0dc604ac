"""The audit log at rest: an edit made behind the library (the sqlite3 CLI, psql) breaks the
chain; several processes appending at once on PostgreSQL never fork it; the 住民票コード pool
hands each code out once however many processes take from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kure_juki as kj
from kure_juki.domain import audit as audit_chain
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in

PASSWORD = "a-long-passphrase"


def _registry(url: str) -> kj.Registry:
    return kj.open_registry(
        url, municipality_code="342025", clock=SettableClock("2026-11-26T10:00:00+09:00")
    )


def _some_activity(reg: kj.Registry) -> None:
    reg.bootstrap_admin("admin", PASSWORD)
    s = reg.login("admin", PASSWORD, terminal_id="T-1", purpose="resident_records")
    receipt = s.submit(move_in())
    s.resident(receipt.resident_ids[0])
    s.logout()


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE audit_log SET operation = 'read' WHERE seq = 3",
        "UPDATE audit_log SET extra = replace(extra, 'move_in', 'birth') WHERE seq = 3",
        "DELETE FROM audit_subjects WHERE seq = 2; DELETE FROM audit_log WHERE seq = 2",
        "UPDATE audit_log SET at = '2026-11-26T09:00:00+09:00' WHERE seq = 1",
    ],
)
def test_an_edit_with_the_sqlite3_cli_breaks_the_chain(tmp_path: Path, edit: str) -> None:
    cli = shutil.which("sqlite3")
    if cli is None:
        reason = "the sqlite3 command line shell is not installed (apt-get install -y sqlite3)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    db = tmp_path / "register.db"
    reg = _registry(f"sqlite:///{db}")
    _some_activity(reg)
    assert reg.verify_audit_log().ok
    subprocess.run([cli, str(db), edit], check=True)
    report = reg.verify_audit_log()
    assert not report.ok
    reg.close()


@pytest.mark.postgres
def test_an_edit_with_psql_breaks_the_chain(
    fresh_postgres_url: str, postgres_cluster: object
) -> None:
    import sqlalchemy as sa

    from kure_juki.testing.postgres import PostgresCluster

    assert isinstance(postgres_cluster, PostgresCluster)
    reg = _registry(fresh_postgres_url)
    _some_activity(reg)
    assert reg.verify_audit_log().ok
    subprocess.run(
        [
            str(postgres_cluster.bindir / "psql"),
            *postgres_cluster.psql_args(),
            "-d",
            str(sa.make_url(fresh_postgres_url).database),
            "-c",
            "UPDATE audit_log SET purpose = 'tax' WHERE seq = 2",
        ],
        check=True,
        capture_output=True,
    )
    assert not reg.verify_audit_log().ok
    reg.close()


APPENDER = """
import sys
import kure_juki as kj
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person, unique_codes
reg = kj.open_registry(sys.argv[1], municipality_code="342025",
                       clock=SettableClock("2026-11-26T10:00:00+09:00"))
s = reg.login("admin", "a-long-passphrase", terminal_id="T-" + sys.argv[2],
              purpose="resident_records")
base = 10_000 * (int(sys.argv[2]) + 1)
for i in range(int(sys.argv[3])):
    people = []
    for j, rel in enumerate(("世帯主", "妻")):
        code, number = unique_codes(base + 2 * i + j)
        people.append(person(relationship=rel, resident_code=code, my_number=number))
    s.submit(move_in(people))
    s.search(family_name="さとう", birth_date="1980-04-01", limit=5)
reg.close()
"""


@pytest.mark.postgres
def test_processes_appending_at_once_never_fork_the_chain(fresh_postgres_url: str) -> None:
    reg = _registry(fresh_postgres_url)
    reg.bootstrap_admin("admin", PASSWORD)
    writers = [
        subprocess.Popen([sys.executable, "-c", APPENDER, fresh_postgres_url, str(i), "15"])
        for i in range(4)
    ]
    assert [w.wait(300) for w in writers] == [0, 0, 0, 0]
    with reg.store.unit_of_work() as uow:
        chain = audit_chain.verify_chain(uow.audit.iter_all())
    assert chain.ok and chain.entries >= 4 * 15 * 2
    s = reg.login("admin", PASSWORD, terminal_id="T-9", purpose="resident_records")
    submits = [e for e in s.audit_trail() if e["operation"] == "submit" and e["outcome"] == "ok"]
    assert len(submits) == 60
    with reg.store.unit_of_work() as uow:
        movements = list(uow.movements.iter_all())
        assert [m.movement_id for m in movements] == list(range(1, 61))
        living = [r for r in uow.residents.iter_all() if r.is_living]
    assert len(living) == 120
    assert len({r.resident_code for r in living}) == 120
    reg.close()


TAKER = """
import sys, json
from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore
store = SqlAlchemyStore(sys.argv[1])
taken = []
for _ in range(int(sys.argv[2])):
    with store.unit_of_work() as uow:
        taken += uow.code_pool.take(3)
        uow.commit()
print(json.dumps(taken))
"""


@pytest.mark.postgres
def test_code_pool_takes_are_disjoint_across_processes(fresh_postgres_url: str) -> None:
    import json

    from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore
    from kure_juki.testing.synthetic import codes

    store = SqlAlchemyStore(fresh_postgres_url)
    pool = [codes(n)[0] for n in range(1, 301)]
    with store.unit_of_work() as uow:
        uow.code_pool.add(pool)
        uow.commit()
    takers = [
        subprocess.Popen(
            [sys.executable, "-c", TAKER, fresh_postgres_url, "20"], stdout=subprocess.PIPE
        )
        for _ in range(5)
    ]
    results = [json.loads(t.communicate(timeout=300)[0]) for t in takers]
    taken = [code for r in results for code in r]
    assert len(taken) == 300 and sorted(taken) == sorted(pool)
    with store.unit_of_work() as uow:
        assert uow.code_pool.remaining() == 0
    store.close()


@pytest.mark.parametrize(
    "edit",
    [
        "DELETE FROM audit_subjects WHERE subject_id = :rid",
        "DELETE FROM audit_subjects WHERE seq = (SELECT MAX(seq) FROM audit_subjects)",
        "INSERT INTO audit_subjects (seq, position, subject_id) "
        "SELECT MIN(seq), 99, :rid FROM audit_log",
        "UPDATE audit_subjects SET subject_id = '1999999999' WHERE subject_id = :rid",
    ],
)
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_an_edit_of_the_subject_index_is_reported(
    tmp_path: Path, request: pytest.FixtureRequest, kind: str, edit: str
) -> None:
    """audit_trail(resident_id=…) answers from the subject index, outside the hash chain: a
    row removed, added or changed there fails the verification, naming the entry."""
    import sqlalchemy as sa

    url = (
        f"sqlite:///{tmp_path / 'register.db'}"
        if kind == "sqlite"
        else str(request.getfixturevalue("fresh_postgres_url"))
    )
    reg = _registry(url)
    _some_activity(reg)
    engine = reg.store.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        rid = conn.execute(
            sa.text("SELECT subject_id FROM audit_subjects ORDER BY seq, position LIMIT 1")
        ).scalar_one()
    assert reg.verify_audit_log().ok
    with engine.begin() as conn:
        conn.execute(sa.text(edit), {"rid": rid})
    report = reg.verify_audit_log()
    assert not report.ok
    assert any("subject index" in p for p in report.problems)
    reg.close()
