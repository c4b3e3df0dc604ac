"""Shared fixtures: a settable clock, registers on every storage adapter, sessions per role."""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

import kure_juki as kj
from kure_juki.testing.clock import SettableClock

pytest_plugins = [p for p in ("kure_juki.testing.postgres",) if importlib.util.find_spec(p)]

ADMIN_PASSWORD = "a-long-passphrase"
CLERK_PASSWORD = "clerk-passphrase-01"
MUNICIPALITY = "342025"


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock("2026-11-26T10:00:00+09:00")


def _url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "memory":
        return "memory://"
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'register.db'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of each storage adapter in turn (the scenario tests run on all of them)."""
    return _url(request.param, tmp_path, request)


@pytest.fixture
def registry(store_url: str, clock: SettableClock) -> Iterator[kj.Registry]:
    reg = kj.open_registry(store_url, municipality_code=MUNICIPALITY, clock=clock)
    reg.bootstrap_admin("admin", ADMIN_PASSWORD)
    yield reg
    reg.close()


@pytest.fixture
def memory_registry(clock: SettableClock) -> Iterator[kj.Registry]:
    reg = kj.open_registry("memory://", municipality_code=MUNICIPALITY, clock=clock)
    reg.bootstrap_admin("admin", ADMIN_PASSWORD)
    yield reg
    reg.close()


def _clerk(reg: kj.Registry, purpose: str = "resident_records") -> kj.Session:
    admin = reg.login("admin", ADMIN_PASSWORD, terminal_id="T-ADMIN", purpose="resident_records")
    with contextlib.suppress(kj.ConflictError):
        admin.add_operator("clerk01", password=CLERK_PASSWORD, role="clerk")
    admin.logout()
    return reg.login("clerk01", CLERK_PASSWORD, terminal_id="T-001", purpose=purpose)


@pytest.fixture
def clerk(registry: kj.Registry) -> kj.Session:
    return _clerk(registry)


@pytest.fixture
def memory_clerk(memory_registry: kj.Registry) -> kj.Session:
    return _clerk(memory_registry)
