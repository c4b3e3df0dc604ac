"""Two delivery worker processes on one PostgreSQL store: every update reaches the prefecture
once, in 更新順番号 order; killing one worker mid-way loses nothing (the other takes over once
its lease runs out). The prefecture is served over loopback TCP from this process."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import kure_juki as kj
from kure_juki.adapters.cs.config import write_client_config
from kure_juki.adapters.cs.simulated_peers import PREFECTURE_ID, SimulatedNetwork
from kure_juki.domain.cs_messages import IdentityUpdate, Message, MoveInNotice
from kure_juki.ports.clock import system_clock
from kure_juki.service.cs_sync import outbox_of
from kure_juki.testing.cs import identity_record, updated

pytestmark = pytest.mark.postgres

KURE = "342025"


class Prefecture:
    """The simulated network on loopback, counting every identity update that arrives."""

    def __init__(self) -> None:
        self.network = SimulatedNetwork([KURE, "341002"], clock=system_clock)
        self.arrivals: Counter[int] = Counter()
        self.lock = threading.Lock()
        server = self.network.servers[PREFECTURE_ID]
        inner = server.dispatcher

        def counting(sender: str, message: Message) -> Message:
            if isinstance(message, IdentityUpdate):
                with self.lock:
                    self.arrivals[message.update_sequence] += 1
            return inner(sender, message)

        server.dispatcher = counting


@pytest.fixture
def prefecture(tmp_path: Path) -> Iterator[tuple[Prefecture, Path]]:
    p = Prefecture()
    with p.network.serve_tcp() as addresses:
        config = write_client_config(p.network, KURE, addresses, tmp_path / "cs-link.json")
        yield p, config


def fill(url: str, count: int) -> None:
    """``count`` identity updates (new persons and moves) and a 転入通知 every tenth."""
    reg = kj.open_registry(url, municipality_code=KURE)
    now = dt.datetime.now(dt.UTC)
    try:
        with reg.store.unit_of_work() as uow:
            box = outbox_of(uow)
            people = []
            for n in range(1, count + 1):
                sequence = box.next_update_sequence()
                if n % 3 == 0 and people:
                    before = people.pop(0)
                    record = updated(before, "転居", sequence, address=f"広島県呉市中通{n}番")
                    reason = "転居"
                else:
                    record = identity_record(n, update_sequence=sequence)
                    reason = "転入"
                people.append(record)
                box.enqueue(IdentityUpdate(KURE, reason, record), now=now)
                box.identities.put(record)
                if n % 10 == 0:
                    box.enqueue(
                        MoveInNotice(
                            notice_number=f"{KURE}-TN{n}",
                            from_municipality_code=KURE,
                            to_municipality_code="341002",
                            resident_code=record.resident_code,
                            name_kanji=record.name_kanji,
                            name_kana=record.name_kana,
                            birth_date=record.birth_date,
                            sex=record.sex,
                            new_postal_code="737-0045",
                            new_address="広島県呉市中央四丁目1番6号",
                            moved_in_on=dt.date(2026, 11, 20),
                            notified_on=dt.date(2026, 11, 25),
                        ),
                        now=now,
                    )
            uow.commit()
    finally:
        reg.close()


def start_worker(url: str, config: Path, name: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kure_juki.adapters.cs.worker",
            "--store",
            url,
            "--config",
            str(config),
            "--worker",
            name,
            "--seconds",
            "90",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def wait_for(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)


def test_two_workers_deliver_each_update_once_in_order(
    fresh_postgres_url: str, prefecture: tuple[Prefecture, Path]
) -> None:
    p, config = prefecture
    fill(fresh_postgres_url, 300)
    workers = [
        start_worker(fresh_postgres_url, config, name, "--until-empty") for name in ("a", "b")
    ]
    outputs = [w.communicate(timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    assert p.network.prefecture.last_applied(KURE) == 300
    assert sorted(p.arrivals) == list(range(1, 301))
    assert set(p.arrivals.values()) == {1}  # no update was sent twice
    assert len(p.network.exchange._mailboxes["341002"]) == 30
    reg = kj.open_registry(fresh_postgres_url, municipality_code=KURE)
    try:
        with reg.store.unit_of_work() as uow:
            assert outbox_of(uow).pending_count() == 0
            ours = list(outbox_of(uow).identities.iter_sorted())
        assert ours == list(p.network.prefecture.records(KURE))
    finally:
        reg.close()


def test_a_killed_worker_loses_nothing(
    fresh_postgres_url: str, prefecture: tuple[Prefecture, Path]
) -> None:
    p, config = prefecture
    fill(fresh_postgres_url, 200)
    first = start_worker(fresh_postgres_url, config, "doomed", "--lease", "2", "--batch", "5")
    wait_for(lambda: p.network.prefecture.last_applied(KURE) >= 20, 60)
    first.send_signal(signal.SIGKILL)  # between a claim and its marks, most likely
    first.wait()
    done = p.network.prefecture.last_applied(KURE)
    assert 20 <= done < 200
    second = start_worker(fresh_postgres_url, config, "heir", "--lease", "2", "--until-empty")
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert p.network.prefecture.last_applied(KURE) == 200
    assert sorted(p.arrivals) == list(range(1, 201))
    # at most the batch in flight at the kill arrives a second time, and is not applied twice
    assert sum(p.arrivals.values()) - 200 <= 5
    assert p.network.prefecture.applied_count == 200
