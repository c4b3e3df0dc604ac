"""The CS outbox and 本人確認情報ファイル of the in-memory store (see ``ports.outbox``).

Committed data lives beside the store's :class:`~kure_juki.adapters.memory.store.MemoryState`
(one :class:`_OutboxData` per state); a :class:`MemoryOutbox` buffers one unit of work's writes
and applies them at ``commit()``. The memory unit of work holds the store's lock for its whole
life, so claims and the 更新順番号 counter are serialised as a database's row locks would be.
"""

from __future__ import annotations

import bisect
import datetime as dt
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

from kure_juki.domain.cs_messages import IdentityUpdate, Message, encode_message
from kure_juki.domain.errors import LinkError, problem
from kure_juki.domain.identity_file import IdentityRecord
from kure_juki.ports.outbox import STREAMS, OutboxEntry, OutboxState, describe

_REMOVED = None


class _OutboxData:
    """The committed outbox and identity file of one memory store."""

    def __init__(self) -> None:
        self.entries: dict[int, OutboxEntry] = {}
        self.pending: dict[str, list[int]] = {stream: [] for stream in STREAMS}
        self.identities: dict[str, IdentityRecord] = {}
        self.sorted_codes: list[str] | None = []
        self.last_id = 0
        self.last_sequence = 0


_DATA: weakref.WeakKeyDictionary[Any, _OutboxData] = weakref.WeakKeyDictionary()


def _data_of(state: Any) -> _OutboxData:
    data = _DATA.get(state)
    if data is None:
        data = _OutboxData()
        _DATA[state] = data
    return data


class _Identities:
    def __init__(self, data: _OutboxData, pending: dict[str, IdentityRecord | None]) -> None:
        self._d = data
        self._p = pending

    def get(self, resident_code: str) -> IdentityRecord | None:
        if resident_code in self._p:
            return self._p[resident_code]
        return self._d.identities.get(resident_code)

    def put(self, record: IdentityRecord) -> None:
        self._p[record.resident_code] = record

    def remove(self, resident_code: str) -> None:
        self._p[resident_code] = _REMOVED

    def _committed_codes(self) -> list[str]:
        if self._d.sorted_codes is None:
            self._d.sorted_codes = sorted(self._d.identities)
        return self._d.sorted_codes

    def iter_sorted(self) -> Iterator[IdentityRecord]:
        committed = self._committed_codes()
        if not self._p:
            records = self._d.identities
            for code in committed:
                yield records[code]
            return
        codes = sorted(set(committed) | set(self._p))
        for code in codes:
            record = self.get(code)
            if record is not None:
                yield record

    def count(self) -> int:
        return sum(1 for _ in self.iter_sorted()) if self._p else len(self._d.identities)


class MemoryOutbox:
    """One unit of work's view of the outbox: committed data plus its own pending writes."""

    def __init__(self, state: Any) -> None:
        self._d = _data_of(state)
        self._entries: dict[int, OutboxEntry] = {}
        self._identity_writes: dict[str, IdentityRecord | None] = {}
        self._last_id: int | None = None
        self._last_sequence: int | None = None
        self._taken_sequence: int | None = None
        self.identities = _Identities(self._d, self._identity_writes)

    # -- 更新順番号 -------------------------------------------------------------------------
    def last_update_sequence(self) -> int:
        return self._d.last_sequence if self._last_sequence is None else self._last_sequence

    def next_update_sequence(self) -> int:
        value = self.last_update_sequence() + 1
        self._last_sequence = value
        self._taken_sequence = value
        return value

    def continue_update_sequence(self, after: int) -> None:
        if after < self.last_update_sequence():
            raise LinkError(problem("KJ-LINK-033", "update_sequence"))
        self._last_sequence = after

    # -- writing ----------------------------------------------------------------------------
    def enqueue(self, message: Message, *, now: dt.datetime) -> OutboxEntry:
        stream, key, sequence = describe(message)
        if isinstance(message, IdentityUpdate):
            if sequence != self._taken_sequence:
                raise LinkError(problem("KJ-LINK-019", "update_sequence"))
            self._taken_sequence = None
        message_id = (self._d.last_id if self._last_id is None else self._last_id) + 1
        self._last_id = message_id
        entry = OutboxEntry(
            message_id=message_id,
            stream=stream,
            kind=type(message).TAG,
            key=key,
            sequence=sequence,
            body=encode_message(message),
            created_at=now,
            next_try_at=now,
        )
        self._entries[message_id] = entry
        return entry

    def get(self, message_id: int) -> OutboxEntry | None:
        return self._entries.get(message_id) or self._d.entries.get(message_id)

    def _put(self, entry: OutboxEntry) -> None:
        self._entries[entry.message_id] = entry

    def _pending_ids(self, stream: str) -> list[int]:
        ids = set(self._d.pending.get(stream, ()))
        for message_id, entry in self._entries.items():
            if entry.stream != stream:
                continue
            if entry.state == "pending":
                ids.add(message_id)
            else:
                ids.discard(message_id)
        return sorted(ids)

    def claim(
        self, batch: int, worker: str, *, now: dt.datetime, lease: dt.timedelta
    ) -> list[OutboxEntry]:
        claimed: list[OutboxEntry] = []
        for stream in STREAMS:
            pending = self._pending_ids(stream)
            heads = [e for e in (self.get(i) for i in pending) if e is not None]
            if any(e.leased_by_other(worker, now) for e in heads):
                continue
            for entry in heads:
                if len(claimed) >= batch or not entry.claimable(worker, now):
                    break
                taken = entry.claimed(worker, now + lease)
                self._put(taken)
                claimed.append(taken)
        return claimed

    def _owned(self, message_id: int, worker: str) -> OutboxEntry | None:
        entry = self.get(message_id)
        return entry if entry is not None and entry.held_by(worker) else None

    def mark_sent(
        self,
        message_id: int,
        worker: str,
        *,
        now: dt.datetime,
        purge_after: dt.datetime | None = None,
    ) -> None:
        entry = self.get(message_id)
        if entry is None or entry.state != "pending":
            return  # already recorded (by this worker before a restart, or another)
        self._put(entry.sent(now, purge_after))

    def mark_failed(
        self, message_id: int, worker: str, *, code: str, next_try_at: dt.datetime
    ) -> None:
        entry = self._owned(message_id, worker)
        if entry is not None:
            self._put(entry.failed(code, next_try_at))

    def mark_refused(self, message_id: int, worker: str, *, codes: Iterable[str]) -> None:
        entry = self.get(message_id)
        if entry is None or entry.state != "pending":
            return
        self._put(entry.refused(codes))

    def release(self, message_ids: Iterable[int], worker: str) -> None:
        for message_id in message_ids:
            entry = self._owned(message_id, worker)
            if entry is not None:
                self._put(entry.released())

    def requeue(self, stream: str, from_sequence: int, *, now: dt.datetime) -> int:
        count = 0
        for entry in list(self.entries(state="sent")):
            in_stream = entry.stream == stream and entry.sequence is not None
            if in_stream and entry.sequence is not None and entry.sequence >= from_sequence:
                self._put(entry.requeued(now))
                count += 1
        return count

    def purge_due(self, now: dt.datetime) -> int:
        count = 0
        for entry in list(self.entries(state="sent")):
            if entry.purge_after is not None and entry.purge_after <= now:
                self._put(entry.purged())
                count += 1
        return count

    # -- reading ----------------------------------------------------------------------------
    def pending_count(self) -> int:
        return sum(len(self._pending_ids(stream)) for stream in STREAMS)

    def entries(self, *, state: OutboxState | None = None) -> Iterator[OutboxEntry]:
        ids = sorted(set(self._d.entries) | set(self._entries))
        for message_id in ids:
            entry = self.get(message_id)
            if entry is not None and (state is None or entry.state == state):
                yield entry

    # -- the unit of work ---------------------------------------------------------------------
    def commit(self) -> None:
        d = self._d
        for message_id, entry in self._entries.items():
            d.entries[message_id] = entry
            ids = d.pending.setdefault(entry.stream, [])
            at = bisect.bisect_left(ids, message_id)
            present = at < len(ids) and ids[at] == message_id
            if entry.state == "pending" and not present:
                ids.insert(at, message_id)
            elif entry.state != "pending" and present:
                del ids[at]
        for code, record in self._identity_writes.items():
            if record is None:
                if d.identities.pop(code, None) is not None:
                    d.sorted_codes = None
            else:
                if code not in d.identities:
                    d.sorted_codes = None
                d.identities[code] = record
        if self._last_id is not None:
            d.last_id = self._last_id
        if self._last_sequence is not None:
            d.last_sequence = self._last_sequence
        self._entries.clear()
        self._identity_writes.clear()
        self._last_id = self._last_sequence = self._taken_sequence = None


def load_identities(state: Any, records: Iterable[IdentityRecord]) -> None:
    """Puts records straight into a memory store's identity file (benchmarks, test set-up)."""
    data = _data_of(state)
    for record in records:
        data.identities[record.resident_code] = record
    data.sorted_codes = None
