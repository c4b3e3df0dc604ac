"""Optimistic locking through the public API: two sessions change the same household at the
same time; one commits, the other gets ConflictError (KJ-CONFLICT-001), loses nothing, and its
retry succeeds. The interleaving is forced: the first session is held just before it takes the
writer lock, after all its reads, while the second runs to the end."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import kure_juki as kj
from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

PASSWORD = "a-long-passphrase"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[kj.Registry]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'register.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    reg = kj.open_registry(
        url, municipality_code="342025", clock=SettableClock("2026-11-26T10:00:00+09:00")
    )
    reg.bootstrap_admin("admin", PASSWORD)
    yield reg
    reg.close()


def _is_writer_lock(statement: str) -> bool:
    return statement.startswith("BEGIN IMMEDIATE") or (
        "FROM chain_head" in statement and "FOR UPDATE" in statement
    )


class HoldBeforeLock:
    """Stops one thread just before its first writer-lock statement until released."""

    def __init__(self, engine: sa.Engine, thread_name: str) -> None:
        self.engine = engine
        self.thread_name = thread_name
        self.reached = threading.Event()
        self.release = threading.Event()
        self.held = False

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if (
            not self.held
            and threading.current_thread().name == self.thread_name
            and _is_writer_lock(statement)
        ):
            self.held = True
            self.reached.set()
            assert self.release.wait(30), "the other session never finished"

    def __enter__(self) -> HoldBeforeLock:
        sa.event.listen(self.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self)


def test_two_sessions_one_conflict_then_a_successful_retry(registry: kj.Registry) -> None:
    first = registry.login("admin", PASSWORD, terminal_id="T-1", purpose="resident_records")
    second = registry.login("admin", PASSWORD, terminal_id="T-2", purpose="resident_records")
    receipt = first.submit(
        move_in([person(), person(relationship="妻", sex="female", birth_date="1982-05-02")])
    )
    head, wife = receipt.resident_ids
    hid = receipt.household_id
    change_head = {
        "type": "change_head",
        "occurred_on": "2026-11-24",
        "notified_on": "2026-11-25",
        "household_id": hid,
        "new_head_id": wife,
        "relationships": {head: "夫", wife: "世帯主"},
    }
    move_within = {
        "type": "move_within",
        "occurred_on": "2026-11-24",
        "notified_on": "2026-11-25",
        "resident_ids": [head, wife],
        "address": {"postal_code": "737-0041", "text": "広島県呉市和庄一丁目2番3号"},
    }
    store = registry.store
    assert isinstance(store, SqlAlchemyStore)
    outcome: dict[str, Any] = {}

    def run_first() -> None:
        try:
            outcome["first"] = first.submit(change_head)
        except kj.ConflictError as error:
            outcome["conflict"] = error
            outcome["retry"] = first.submit(change_head)

    with HoldBeforeLock(store.engine, "first-session") as hold:
        worker = threading.Thread(target=run_first, name="first-session")
        worker.start()
        assert hold.reached.wait(30)
        outcome["second"] = second.submit(move_within)
        hold.release.set()
        worker.join(30)
    assert not worker.is_alive()
    assert "first" not in outcome, "the stale write must not commit"
    assert outcome["conflict"].code == "KJ-CONFLICT-001"
    assert outcome["retry"].type == "change_head"
    # nothing lost: the move and the change of head are both there
    view = first.household(hid)
    assert view["head_id"] == wife
    assert {m["address"]["text"] for m in view["members"]} == {"広島県呉市和庄一丁目2番3号"}
    assert {m["resident_id"]: m["relationship"] for m in view["members"]} == {
        head: "夫",
        wife: "世帯主",
    }
    trail = [e for e in first.audit_trail(operator_id="admin") if e["operation"] == "submit"]
    assert [e["outcome"] for e in trail][-3:] == ["ok", "refused", "ok"]
    assert trail[-2]["code"] == "KJ-CONFLICT-001"
    assert registry.verify_audit_log().ok
