"""Choosing a storage adapter by URL scheme (persistence chosen by configuration).

Built-in schemes are registered here; third-party adapters register through the entry-point
group ``kure_juki.adapters`` (a callable ``(url, **options) -> Store``).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from kure_juki.domain.errors import FormatError, problem
from kure_juki.ports.storage import Store

StoreFactory = Callable[..., Store]


def _memory(url: str, **options: Any) -> Store:
    from kure_juki.adapters.memory.store import MemoryStore

    return MemoryStore(url)


def _sqlalchemy(url: str, **options: Any) -> Store:
    from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore

    return SqlAlchemyStore(url, **options)


BUILTIN: dict[str, StoreFactory] = {
    "memory": _memory,
    "sqlite": _sqlalchemy,
    "sqlite+pysqlite": _sqlalchemy,
    "postgresql": _sqlalchemy,
    "postgresql+psycopg": _sqlalchemy,
}


def scheme_of(url: str) -> str:
    if not isinstance(url, str) or "://" not in url:
        raise FormatError(problem("KJ-FMT-023", "url"))
    return url.split("://", 1)[0].lower()


def discover() -> dict[str, StoreFactory]:
    """Built-in schemes plus those installed packages announce."""
    found = dict(BUILTIN)
    for ep in entry_points(group="kure_juki.adapters"):
        found.setdefault(ep.name, ep.load())
    return found


def open_store(url: str, **options: Any) -> Store:
    scheme = scheme_of(url)
    factory = BUILTIN.get(scheme) or discover().get(scheme)
    if factory is None:
        raise FormatError(problem("KJ-FMT-024", "url"))
    return factory(url, **options)
