"""Data written by one process is there for the next (SQLite file and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

WRITE = """
import json, sys
import kure_juki as kj
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in
reg = kj.open_registry(sys.argv[1], municipality_code="342025",
                       clock=SettableClock("2026-11-26T10:00:00+09:00"))
reg.bootstrap_admin("admin", "a-long-passphrase")
s = reg.login("admin", "a-long-passphrase", terminal_id="T-1", purpose="resident_records")
receipt = s.submit(move_in())
view = s.resident(receipt.resident_ids[0])
print(json.dumps({"ids": list(receipt.resident_ids), "household": receipt.household_id,
                  "my_number": view["my_number"], "code": view["resident_code"]}))
reg.close()
"""

READ = """
import json, sys
import kure_juki as kj
from kure_juki.testing.clock import SettableClock
reg = kj.open_registry(sys.argv[1], municipality_code="342025",
                       clock=SettableClock("2026-11-26T11:00:00+09:00"))
s = reg.login("admin", "a-long-passphrase", terminal_id="T-2", purpose="resident_records")
wanted = json.loads(sys.argv[2])
found = s.search(my_number=wanted["my_number"])
print(json.dumps({"found": [r["resident_id"] for r in found],
                  "household": s.household(wanted["household"])["members"][1]["resident_id"],
                  "resident": s.resident(wanted["ids"][0])["my_number"],
                  "audit_ok": reg.verify_audit_log().ok}))
"""


def _run(script: str, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _round_trip(url: str) -> None:
    written = _run(WRITE, url)
    read = _run(READ, url, json.dumps(written))
    assert read["found"] == [written["ids"][0]]  # type: ignore[index]
    assert read["household"] == written["ids"][1]  # type: ignore[index]
    assert read["resident"] == written["my_number"]
    assert read["audit_ok"] is True


def test_sqlite_file_survives_a_restart(tmp_path: Path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'register.db'}")
    assert (tmp_path / "register.db.keys").stat().st_mode & 0o777 == 0o600


@pytest.mark.postgres
def test_postgres_survives_a_restart(fresh_postgres_url: str) -> None:
    _round_trip(fresh_postgres_url)
