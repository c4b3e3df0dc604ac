"""``jsonl:///path/register.jsonl``: the register in a JSON-lines journal.

Each committed unit of work appends one line holding everything it wrote; opening the file
replays the lines. A commit takes an exclusive lock on the file (``fcntl.flock``), reads what
other processes appended since, checks every record's version against that, appends its line,
flushes it to disk and only then applies it in memory: all of a unit or none of it, as the port
requires. A line cut short by a crash is ignored, and cut off before the next append.

An example of a third-party adapter, not a production store: the file holds My Numbers in clear
text (a production adapter keeps them apart and encrypted, as the SQLAlchemy adapter's vault
does) and every read is served from memory.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from kure_juki.domain.errors import ConflictError, FormatError, problem
from kure_juki_jsonl.codec import dumps, loads
from kure_juki_jsonl.repositories import (
    AuditLog,
    CodePool,
    Documents,
    Households,
    Movements,
    Operators,
    Residents,
    Sequences,
)
from kure_juki_jsonl.state import Changes, State

SCHEME = "jsonl"


def path_of(url: str) -> Path:
    """``jsonl:///abs/file.jsonl`` → ``/abs/file.jsonl``; ``jsonl://rel/file.jsonl`` is relative."""
    scheme, sep, rest = url.partition("://")
    if scheme.lower() != SCHEME or not sep or not rest.strip("/"):
        raise FormatError(problem("KJ-FMT-023", "url"))
    return Path(rest.split("?", 1)[0])


class JsonlStore:
    """A register kept in one JSON-lines file (created on first open)."""

    def __init__(self, url: str, *, fsync: bool = True) -> None:
        self.url = url
        self.path = path_of(url)
        self.fsync = fsync
        self.state = State()
        self.lock = threading.RLock()  # one unit at a time in this process, as in memory
        self._offset = 0  # bytes of the file already applied to self.state
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch(exist_ok=True)
        self._handle: IO[bytes] | None = open(self.path, "r+b")  # noqa: SIM115 - closed in close()
        self.catch_up()

    def catch_up(self) -> None:
        """Apply the lines appended since the last look (by this or another process)."""
        handle = self._file()
        handle.seek(self._offset)
        for line in handle:
            if not line.endswith(b"\n"):
                break  # a line cut short by a crash: never committed
            self.state.apply(Changes.from_line(loads(line)))
            self._offset += len(line)

    def append(self, changes: Changes) -> None:
        """Commit *changes*: lock the file, catch up, check versions, append, apply."""
        handle = self._file()
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            self.catch_up()
            if self.state.stale(changes):
                raise ConflictError(problem("KJ-CONFLICT-001"))
            shared = self.state.shared_numbers(changes)
            if shared:
                raise ConflictError(shared)
            handle.seek(self._offset)
            handle.truncate()  # whatever a crash left after the last whole line
            line = dumps(changes.to_line())
            handle.write(line)
            handle.flush()
            if self.fsync:
                os.fsync(handle.fileno())
            self._offset += len(line)
            self.state.apply(changes)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

    def _file(self) -> IO[bytes]:
        if self._handle is None:
            raise ValueError("the store is closed")
        return self._handle

    def unit_of_work(self) -> JsonlUnitOfWork:
        return JsonlUnitOfWork(self)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __repr__(self) -> str:
        return f"JsonlStore({self.url!r})"


class JsonlUnitOfWork:
    """One transaction: writes are buffered and reach the file at ``commit()``."""

    def __init__(self, store: JsonlStore) -> None:
        self._store = store
        self._reset()

    def _reset(self) -> None:
        state, changes = self._store.state, Changes()
        self._changes = changes
        self.residents = Residents(state, changes)
        self.households = Households(state, changes)
        self.movements = Movements(state, changes)
        self.audit = AuditLog(state, changes)
        self.operators = Operators(state, changes)
        self.code_pool = CodePool(state, changes)
        self.sequences = Sequences(state, changes)
        self.documents = Documents(state, changes)

    def __enter__(self) -> JsonlUnitOfWork:
        self._store.lock.acquire()
        try:
            self._store.catch_up()
        except BaseException:
            self._store.lock.release()
            raise
        self._reset()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._store.lock.release()

    def commit(self) -> None:
        if not self._changes.is_empty():
            self._store.append(self._changes)
        self._reset()

    def rollback(self) -> None:
        self._reset()


def open_store(url: str, **options: Any) -> JsonlStore:
    """The factory the ``kure_juki.adapters`` entry point names: ``open_registry(url, …)``
    calls it with the URL and the store options it was given."""
    return JsonlStore(url, **options)
