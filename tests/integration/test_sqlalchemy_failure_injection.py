"""One transaction per submit: a failure injected before each statement of a submit, for every
position until a run gets through, leaves every table of the store exactly as it was."""

from __future__ import annotations

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


class Injected(Exception):
    """The failure raised in place of the n-th statement."""


class FailAt:
    """A before_cursor_execute hook raising at statement *n* once armed."""

    def __init__(self, engines: list[sa.Engine]) -> None:
        self.engines = engines
        self.n = 0
        self.seen = 0
        self.fired = False

    def arm(self, n: int) -> None:
        self.n, self.seen, self.fired = n, 0, False

    def __call__(self, *args: Any) -> None:
        if self.n:
            self.seen += 1
            if self.seen == self.n:
                self.fired = True
                raise Injected(f"statement {self.n}")

    def __enter__(self) -> FailAt:
        for engine in self.engines:
            sa.event.listen(engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc: object) -> None:
        for engine in self.engines:
            sa.event.remove(engine, "before_cursor_execute", self)


def dump(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order, from a connection of its own."""
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        out = {
            name: [
                tuple(row)
                for row in conn.execute(
                    sa.select(table).order_by(*(table.primary_key.columns or table.columns))
                )
            ]
            for name, table in sorted(meta.tables.items())
        }
        conn.rollback()
    return out


@pytest.fixture(
    params=["sqlite", "sqlite-split-vault", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[kj.Registry]:
    options: dict[str, Any] = {}
    if request.param == "postgres":
        url = request.getfixturevalue("fresh_postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'register.db'}"
        if request.param == "sqlite-split-vault":
            options["my_number_url"] = f"sqlite:///{tmp_path / 'vault.db'}"
    reg = kj.open_registry(
        url,
        municipality_code="342025",
        clock=SettableClock("2026-11-26T10:00:00+09:00"),
        **options,
    )
    reg.bootstrap_admin("admin", PASSWORD)
    yield reg
    reg.close()


def _engines(reg: kj.Registry) -> list[sa.Engine]:
    store = reg.store
    assert isinstance(store, SqlAlchemyStore)
    return [store.engine] + ([store.vault_engine] if store.vault_engine is not None else [])


def _every_position(reg: kj.Registry, session: kj.Session, notification: dict[str, Any]) -> int:
    engines = _engines(reg)
    with FailAt(engines) as hook:
        n = 0
        while True:
            n += 1
            before = [dump(e) for e in engines]
            hook.arm(n)
            try:
                session.submit(notification)
            except Injected:
                assert hook.fired
                assert [dump(e) for e in engines] == before, f"failure at statement {n}"
                continue
            hook.arm(0)
            assert [dump(e) for e in engines] != before
            return n


def test_a_failure_before_any_statement_changes_nothing(registry: kj.Registry) -> None:
    session = registry.login("admin", PASSWORD, terminal_id="T-1", purpose="resident_records")
    first = session.submit(move_in())
    # a new household of two, a member joining an existing household, and a death
    runs = [
        _every_position(registry, session, move_in()),
        _every_position(
            registry,
            session,
            move_in(
                [person(relationship="子", birth_date="2010-01-01")],
                household={"household_id": first.household_id},
            ),
        ),
        _every_position(
            registry,
            session,
            {
                "type": "death",
                "occurred_on": "2026-11-24",
                "notified_on": "2026-11-25",
                "resident_id": first.resident_ids[1],
            },
        ),
    ]
    assert all(n > 10 for n in runs), runs  # every submit went through many statements
    assert registry.verify_audit_log().ok
    members = session.household(first.household_id)["members"]
    assert [m["relationship"] for m in members] == ["世帯主", "子"]


def test_failures_and_a_restart_never_repeat_a_number(registry: kj.Registry) -> None:
    """Move-ins whose numbers the register allots, failed at statements along the way (the
    counters are drawn inside the unit: a failure rolls them back with it), then a restarted
    process (a new register on the same store, its numbering starting afresh): no two living
    residents share a 住民票コード or 個人番号."""
    session = registry.login("admin", PASSWORD, terminal_id="T-1", purpose="resident_records")
    unnumbered = [person(codes=False), person(codes=False, relationship="妻", sex="female")]
    with FailAt(_engines(registry)) as hook:
        for n in (3, 9, 15, 21, 27):
            hook.arm(n)
            try:
                session.submit(move_in(unnumbered))
            except Injected:
                assert hook.fired
        hook.arm(0)
    restarted = kj.Registry(
        registry.store, municipality_code="342025", clock=SettableClock("2026-11-27T10:00:00+09:00")
    )
    again = restarted.login("admin", PASSWORD, terminal_id="T-2", purpose="resident_records")
    for _ in range(3):
        again.submit(move_in([person(codes=False), person(codes=False, relationship="子")]))
    with registry.store.unit_of_work() as uow:
        living = [r for r in uow.residents.iter_all() if r.is_living]
    assert len(living) >= 6
    assert len({r.resident_code for r in living}) == len(living)
    assert len({r.my_number for r in living}) == len(living)
