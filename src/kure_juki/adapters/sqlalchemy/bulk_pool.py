"""Chunks of an import file prepared in worker processes, handed back in file order.

Parsing and checking a line is pure Python with no database (``bulk_lines.prepare``), so it
runs on the other cores while the importing process writes the previous batches. Results come
back in the order the chunks were read, so checkpoints keep naming the last line committed and
a resumed import starts where the crashed one stopped. At most ``ahead`` chunks are in flight:
memory stays flat however long the file.

The workers are fresh interpreters (``python -m kure_juki.adapters.sqlalchemy.bulk_worker``)
talking over their standard streams, not ``multiprocessing``: a forked child would inherit the
importing process's database connections, key material and any lock another thread of an
embedding application holds, and a spawned one re-imports the caller's ``__main__``, which
breaks every script without an ``if __name__ == "__main__"`` guard.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import IO, Any

from kure_juki.adapters.sqlalchemy.bulk_lines import Failed, Prepared, PreparedPerson, prepare
from kure_juki.domain.errors import RegistryError

Chunk = list[tuple[int, bytes]]
Results = list[Prepared | Failed]

# Below this size a file is prepared in the importing process: starting workers (each imports
# the library, about half a second) costs more than it saves on a few thousand households.
PARALLEL_FROM_BYTES = 8 << 20
_LENGTH = struct.Struct("!Q")


def default_workers(file_bytes: int) -> int:
    """One worker per core for a large file (the importing process mostly waits on SQLite
    while they parse), none for a small one."""
    if file_bytes < PARALLEL_FROM_BYTES:
        return 0
    return max(2, min(os.cpu_count() or 1, 8))


def to_wire(results: Results) -> list[Any]:
    """Results as plain tuples for the pipe: a named tuple unpickles through its class, three
    times slower than a tuple, and a migration sends a million of them."""
    return [
        (r.line, r.household_id, r.household_values, tuple(tuple(p) for p in r.people))
        if isinstance(r, Prepared)
        else r
        for r in results
    ]


def from_wire(items: list[Any]) -> Results:
    new = tuple.__new__  # rebuilds each named tuple without calling its constructor
    return [
        new(Prepared, (i[0], i[1], i[2], tuple([new(PreparedPerson, p) for p in i[3]])))
        if type(i) is tuple
        else i
        for i in items
    ]


def write_frame(stream: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def read_raw_frame(stream: IO[bytes]) -> bytes:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return data


def read_frame(stream: IO[bytes]) -> Any:
    """A frame of our own process (worker side) or of our own child (importer side)."""
    return pickle.loads(read_raw_frame(stream))


class _Worker:
    """One child interpreter. A thread feeds it chunks and another drains its results as they
    come: a result is larger than a pipe holds, so a child whose result waited in the pipe
    until the importing process finished writing a batch would stand idle meanwhile."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kure_juki.adapters.sqlalchemy.bulk_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.tasks: queue.Queue[tuple[Chunk, dt.date, str | None] | None] = queue.Queue()
        self.feeder = threading.Thread(target=self._feed, daemon=True)
        self.feeder.start()
        self.answers: queue.Queue[bytes | None] = queue.Queue()
        self.drainer = threading.Thread(target=self._drain, daemon=True)
        self.drainer.start()

    def _drain(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while True:
                self.answers.put(read_raw_frame(stdout))
        except (EOFError, OSError, ValueError):
            self.answers.put(None)  # the child ended (or its pipe was closed)

    def _feed(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        try:
            while (task := self.tasks.get()) is not None:
                write_frame(stdin, task)
        except (BrokenPipeError, OSError):
            return  # the child died: its reader reports it
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def result(self) -> Results:
        frame = self.answers.get()
        if frame is None:
            self.answers.put(None)  # asked again, the answer stays the same
            raise RegistryError("KJ-STORE-035")
        answer = pickle.loads(frame)
        if isinstance(answer, BaseException):
            raise answer
        return from_wire(answer)

    def close(self) -> None:
        self.tasks.put(None)
        self.feeder.join(timeout=10)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.drainer.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def prepared_in_order(
    chunks: Iterable[Chunk], today: dt.date, dialect: str | None, workers: int, ahead: int = 0
) -> Iterator[Results]:
    """``prepare`` of each chunk, in order; in ``workers`` processes when there are any, with at
    most ``ahead`` chunks (default twice the workers) sent and not yet handed back."""
    if workers <= 0:
        for chunk in chunks:
            yield prepare(chunk, today, dialect)
        return
    pool = [_Worker() for _ in range(workers)]
    ahead = max(ahead, 2 * workers)
    sent = 0
    waiting: collections.deque[_Worker] = collections.deque()
    try:
        for chunk in chunks:
            worker = pool[sent % workers]  # round robin: results are read back in this order
            worker.tasks.put((chunk, today, dialect))
            waiting.append(worker)
            sent += 1
            if len(waiting) >= ahead:
                yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()
    finally:
        for worker in pool:
            if waiting:  # stopped early: nobody will read what is still in flight
                worker.process.kill()
            worker.close()
