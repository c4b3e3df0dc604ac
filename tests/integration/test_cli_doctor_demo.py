"""``kure-juki demo`` runs the reference flow; ``kure-juki doctor`` reports a healthy register as
healthy and finds each kind of fault it checks for: a schema behind, a missing key, a tampered
audit log, a missing signing key, a CS outbox backlog, an unreachable CS peer."""

from __future__ import annotations

import datetime as dt
import json
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import kure_juki as kj
import kure_juki.cli_demo
import kure_juki.cli_doctor as doctor
from kure_juki.adapters.cs.simulated_peers import SimulatedNetwork
from kure_juki.adapters.memory.store import MemoryStore
from kure_juki.cli import main
from kure_juki.ports.clock import JST
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in

PASSWORD = "a-long-passphrase"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(["--json", *argv])
    return code, json.loads(capsys.readouterr().out)


def statuses(report: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {c["name"]: (c["status"], c.get("code")) for c in report["checks"]}


@pytest.fixture
def register(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A SQLite register with a family, an audit checkpoint, its key files beside it."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'r.db'}"
    reg = kj.open_registry(url, municipality_code="342025",
                           clock=SettableClock("2026-11-26T10:00:00+09:00"))
    reg.bootstrap_admin("admin", PASSWORD)
    s = reg.login("admin", PASSWORD, terminal_id="T-1", purpose="resident_records")
    s.submit(move_in())
    reg.checkpoint_audit_log()
    reg.close()
    yield url


# -- demo
def test_demo_runs_the_reference_flow(capsys: pytest.CaptureFixture[str]) -> None:
    code, result = run(capsys, "demo")
    assert code == 0 and result["ok"]
    steps = [s["step"] for s in result["steps"]]
    assert steps == ["open", "move_in", "birth", "move_within", "death", "change_head",
                     "move_out", "confirm_move_out", "certificate", "identity_check", "cs",
                     "audit"]
    assert all(result["checks"].values())


def test_demo_on_a_file_writes_the_certificate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["demo", f"sqlite:///{tmp_path / 'demo.db'}", "--out", str(tmp_path / "out")])
    printed = capsys.readouterr().out
    assert code == 0
    assert "■ 転入 (move_in)" in printed and "ok: True" in printed
    [written] = (tmp_path / "out").iterdir()
    assert "住民票" in written.read_text("utf-8")


# -- doctor
def test_a_healthy_register(register: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run(capsys, "doctor", register)
    assert code == 0 and report["ok"]
    found = statuses(report)
    assert found.pop("outbox") in {("ok", None), ("skipped", None)}  # SQL outbox or none yet
    assert found == {
        "store": ("ok", None), "keys": ("ok", None), "signing": ("ok", None),
        "audit": ("ok", None), "cs": ("skipped", None),
    }
    audit = next(c for c in report["checks"] if c["name"] == "audit")["detail"]
    assert audit["entries"] == 3 and audit["checkpoints"] == 1  # bootstrap, login, submit
    store = next(c for c in report["checks"] if c["name"] == "store")["detail"]
    assert {p["state"] for p in store["parts"].values()} == {"current"}


def test_text_output_has_a_line_per_check(
    register: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor", register]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":", 1)[0] for line in lines] == [
        "store", "keys", "signing", "audit", "outbox", "cs"]
    assert lines[0].startswith("store: ok — main ")


def test_a_tampered_audit_log_fails(register: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = register.split(":///", 1)[1]
    with sqlite3.connect(db) as conn:
        table = next(name for (name,) in conn.execute(
            "select name from sqlite_master where type='table' and name like '%audit%'"))
        conn.execute(f"update {table} set operation = 'read' where seq = 2")
    code, report = run(capsys, "doctor", register)
    assert code == 1 and not report["ok"]
    assert statuses(report)["audit"] == ("failed", "KJ-INTEGRITY-004")


def test_a_missing_signing_key_is_seen_and_nothing_is_written(
    register: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = register.split(":///", 1)[1]
    Path(db + ".signing.json").unlink()
    before = Path(db).read_bytes()
    code, report = run(capsys, "doctor", register)
    assert code == 0
    found = statuses(report)
    assert found["signing"] == ("warning", None)
    # The checkpoint still verifies with the public key the register published in the store.
    assert found["audit"] == ("ok", None)
    assert Path(db).read_bytes() == before and not Path(db + ".signing.json").exists()
    code, report = run(capsys, "doctor", register, "--strict")
    assert code == 1 and not report["ok"]


def test_a_missing_key_file_fails_the_keys(
    register: str, capsys: pytest.CaptureFixture[str]
) -> None:
    Path(register.split(":///", 1)[1] + ".keys").unlink()
    code, report = run(capsys, "doctor", register)
    assert code == 1
    found = statuses(report)
    assert found["store"] == ("ok", None)
    assert found["keys"] == ("failed", "KJ-STORE-010")
    assert found["audit"][0] == "skipped"


def test_a_schema_behind_and_a_missing_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kure_juki.adapters.sqlalchemy import schema
    from kure_juki.adapters.sqlalchemy.engine import make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    first_main = next(r.revision for r in schema.scripts().walk_revisions()
                      if r.down_revision is None and "main" in r.branch_labels)
    schema.upgrade(engine, ["main"], target=first_main)
    engine.dispose()
    code, report = run(capsys, "doctor", url)
    assert code == 1
    assert statuses(report)["store"] == ("failed", "KJ-STORE-001")
    assert all(statuses(report)[n][0] == "skipped" for n in doctor.AFTER_STORE)
    code, report = run(capsys, "doctor", f"sqlite:///{tmp_path / 'none.db'}")
    assert (code, statuses(report)["store"]) == (1, ("failed", "KJ-STORE-005"))
    assert not (tmp_path / "none.db").exists()  # the doctor creates nothing


def test_cs_peers_reachable_or_not(register: str, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as listening, socket.socket() as closed:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        up, down = listening.getsockname()[1], closed.getsockname()[1]
        code, report = run(capsys, "doctor", register, "--cs-peer", f"prefecture=127.0.0.1:{up}")
        assert code == 0 and statuses(report)["cs"] == ("ok", None)
        code, report = run(capsys, "doctor", register, "--cs-peer", f"prefecture=127.0.0.1:{up}",
                           "--cs-peer", f"national=127.0.0.1:{down}")
    assert code == 1 and statuses(report)["cs"] == ("failed", "KJ-LINK-009")
    peers = next(c for c in report["checks"] if c["name"] == "cs")["detail"]["peers"]
    assert peers["prefecture"]["reachable"] and not peers["national"]["reachable"]


def test_a_malformed_peer_is_a_usage_error(register: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["doctor", register, "--cs-peer", "prefecture"])
    assert caught.value.code == 2


def test_the_outbox_backlog_warns() -> None:
    clock = SettableClock("2026-11-26T10:00:00+09:00")
    network = SimulatedNetwork(["342025"], clock=clock)
    reg = kj.open_registry("memory://", municipality_code="342025", clock=clock,
                           cs_link=network.link("342025"))
    reg.bootstrap_admin("admin", PASSWORD)
    s = reg.login("admin", PASSWORD, terminal_id="T-1", purpose="resident_records")
    s.submit(move_in())  # its identity updates wait in the outbox: nothing delivers them
    assert isinstance(reg.store, MemoryStore)
    later = dt.datetime(2026, 11, 26, 12, 0, tzinfo=JST)
    calm = doctor.check_outbox(reg.store, max_pending=100, max_age_minutes=180, now=later)
    assert calm.status == "ok" and calm.detail["pending"] >= 2
    late = doctor.check_outbox(reg.store, max_pending=100, max_age_minutes=60, now=later)
    assert late.status == "warning" and late.detail["oldest_pending_minutes"] == 120
    crowded = doctor.check_outbox(reg.store, max_pending=1, max_age_minutes=180, now=later)
    assert crowded.status == "warning"


def test_strict_makes_a_warning_fail(register: str, capsys: pytest.CaptureFixture[str]) -> None:
    Path(register.split(":///", 1)[1] + ".signing.json").rename(Path("elsewhere.json"))
    code, report = run(capsys, "doctor", register, "--signing-keys", "elsewhere.json")
    assert code == 0 and statuses(report)["signing"] == ("ok", None)
    code, report = run(capsys, "doctor", "memory://", "--signing-keys", "nowhere.json")
    assert code == 0 and statuses(report)["signing"] == ("warning", None)
    code, report = run(capsys, "doctor", "memory://", "--signing-keys", "nowhere.json", "--strict")
    assert code == 1 and not report["ok"]


def test_doctor_on_a_store_without_sql(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run(capsys, "doctor", "memory://")
    assert code == 0
    assert statuses(report)["store"] == ("ok", None)
    assert statuses(report)["keys"] == ("skipped", None)
    assert kure_juki.cli_demo.PASSWORD  # the demo module registered its command alongside
