"""The CS outbox and 本人確認情報ファイル of the SQL store (see :mod:`kure_juki.ports.outbox`).

Everything is written inside the unit of work's transaction, so a message commits or rolls
back with the change that caused it. The 更新順番号 and message numbers are counters of
``cs_outbox_state``, taken with one upsert each: gap-free, and on PostgreSQL the row lock makes
a concurrent transaction wait for this one to end. A claim locks the streams' rows with one
``FOR UPDATE SKIP LOCKED`` (SQLite: the writer lock), so two workers never claim one stream at
once, then reads the pending messages of the streams it holds in one query and leases what it
takes in one batch; the lease rules themselves are the memory adapter's.

Message bodies may hold My Numbers and identity records always do: bodies are sealed whole and
an identity record's My Number apart from its other items, under the key store's current key.
A body is opened only where it is handed out (claimed, read); a state change does not need it.
The statements are built once (SQLAlchemy then reuses their compiled form).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kure_juki.adapters.sqlalchemy import codec, dialect
from kure_juki.adapters.sqlalchemy.tables import cs_identity, cs_outbox, cs_outbox_state
from kure_juki.adapters.sqlalchemy.tables import cs_outbox_streams as streams
from kure_juki.domain.cs_messages import IdentityUpdate, Message, encode_message
from kure_juki.domain.errors import LinkError, problem
from kure_juki.domain.identity_file import IdentityRecord
from kure_juki.ports.outbox import STREAMS, OutboxEntry, OutboxState, describe

if TYPE_CHECKING:
    from kure_juki.adapters.sqlalchemy.uow import SqlAlchemyUnitOfWork

UPDATE_SEQUENCE = "update_sequence"  # 更新順番号 (a counter of cs_outbox_state)
MESSAGE_ID = "message_id"
PAGE = 500
_TIMES = ("created_at", "next_try_at", "claimed_until", "sent_at", "purge_after")

_GET = sa.select(cs_outbox).where(cs_outbox.c.message_id == sa.bindparam("message_id"))
_GET_MANY = sa.select(cs_outbox).where(
    cs_outbox.c.message_id.in_(sa.bindparam("ids", expanding=True))
)
# Without .values(): the SET clause is what each parameter set names (state, attempts, extra,
# and key_id and box when the body changes).
_UPDATE = cs_outbox.update().where(cs_outbox.c.message_id == sa.bindparam("b_message_id"))
_INSERT = cs_outbox.insert()
# The pending messages of the given streams, a page at a time.
_PENDING = (
    sa.select(cs_outbox)
    .where(
        cs_outbox.c.stream.in_(sa.bindparam("streams", expanding=True)),
        cs_outbox.c.state == "pending",
        cs_outbox.c.message_id > sa.bindparam("after"),
    )
    .order_by(cs_outbox.c.message_id)
    .limit(PAGE)
)
# Its own statement, before the read: under READ COMMITTED the read's snapshot then shows what
# the previous holder of a stream committed before letting it go (in one statement the
# snapshot would predate the lock, and could miss that holder's leases).
_LOCK_STREAMS = (
    sa.select(streams.c.stream)
    .where(streams.c.stream.in_(STREAMS))
    .with_for_update(skip_locked=True)
)
_LAST_SEQUENCE = sa.select(cs_outbox_state.c.value).where(cs_outbox_state.c.name == UPDATE_SEQUENCE)
_PENDING_COUNT = (
    sa.select(sa.func.count()).select_from(cs_outbox).where(cs_outbox.c.state == "pending")
)
_IDENTITY = sa.select(cs_identity).where(
    cs_identity.c.resident_code == sa.bindparam("resident_code")
)
_IDENTITY_PAGE = (
    sa.select(cs_identity)
    .where(cs_identity.c.resident_code > sa.bindparam("after"))
    .order_by(cs_identity.c.resident_code)
    .limit(PAGE)
)
_IDENTITY_FIRST_PAGE = sa.select(cs_identity).order_by(cs_identity.c.resident_code).limit(PAGE)
_IDENTITY_REMOVE = cs_identity.delete().where(
    cs_identity.c.resident_code == sa.bindparam("resident_code")
)
_IDENTITY_COUNT = sa.select(sa.func.count()).select_from(cs_identity)


@functools.cache
def _upserts(dialect_name: str) -> tuple[Any, Any]:
    """(take the next value of a counter, put an identity record) for the dialect."""
    insert = sqlite.insert if dialect_name == "sqlite" else postgresql.insert
    counter = insert(cs_outbox_state).values(name=sa.bindparam("name"), value=1)
    take = counter.on_conflict_do_update(
        index_elements=[cs_outbox_state.c.name],
        set_={"value": cs_outbox_state.c.value + 1},
    ).returning(cs_outbox_state.c.value)
    record = insert(cs_identity)
    put = record.on_conflict_do_update(
        index_elements=[cs_identity.c.resident_code],
        set_={c: record.excluded[c] for c in ("data", "key_id", "box")},
    )
    return take, put


def body_context(message_id: int) -> str:
    return f"ob:{message_id}"


def identity_context(resident_code: str) -> str:
    return f"id:{resident_code}"


def _when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value is not None else None


class SqlIdentityFile:  # 本人確認情報ファイル
    def __init__(self, uow: SqlAlchemyUnitOfWork) -> None:
        self._u = uow

    def _decode(self, row: Any) -> IdentityRecord:
        cipher = self._u.vault.cipher
        data = json.loads(row.data)
        data["my_number"] = cipher.open(
            row.key_id, row.box, identity_context(row.resident_code)
        ).decode("utf-8")
        record: IdentityRecord = codec.CONVERTER.structure(data, IdentityRecord)
        return record

    def get(self, resident_code: str) -> IdentityRecord | None:
        row = self._u.conn.execute(_IDENTITY, {"resident_code": resident_code}).first()
        return self._decode(row) if row is not None else None

    def put(self, record: IdentityRecord) -> None:
        self._u.begin_change()
        data = codec.plain(record)
        number = data.pop("my_number")
        cipher = self._u.vault.cipher
        key_id, box = cipher.seal(number.encode("utf-8"), identity_context(record.resident_code))
        self._u.vault.ensure_key_check(key_id)
        conn = self._u.conn
        conn.execute(
            _upserts(conn.dialect.name)[1],
            {
                "resident_code": record.resident_code,
                "data": codec.dumps(data),
                "key_id": key_id,
                "box": box,
            },
        )

    def remove(self, resident_code: str) -> None:
        self._u.begin_change()
        self._u.conn.execute(_IDENTITY_REMOVE, {"resident_code": resident_code})

    def iter_sorted(self) -> Iterator[IdentityRecord]:
        rows = self._u.conn.execute(_IDENTITY_FIRST_PAGE).all()
        while True:
            for row in rows:
                yield self._decode(row)
            if len(rows) < PAGE:
                return
            rows = self._u.conn.execute(_IDENTITY_PAGE, {"after": rows[-1].resident_code}).all()

    def count(self) -> int:
        return int(self._u.conn.execute(_IDENTITY_COUNT).scalar_one())


class SqlOutbox:
    def __init__(self, uow: SqlAlchemyUnitOfWork) -> None:
        self._u = uow
        self.identities = SqlIdentityFile(uow)
        self._taken_sequence: int | None = None

    # -- rows --------------------------------------------------------------------------------
    def _body(self, row: Any) -> bytes:
        if not row.box:
            return b""
        body: bytes = self._u.vault.cipher.open(row.key_id, row.box, body_context(row.message_id))
        return body

    def _decode(self, row: Any, *, body: bool = True) -> OutboxEntry:
        """The row as an entry; ``body=False`` leaves the sealed body shut (empty), for a
        state change, which never writes it."""
        extra = json.loads(row.extra)
        return OutboxEntry(
            message_id=row.message_id,
            stream=row.stream,
            kind=row.kind,
            key=row.key,
            sequence=row.sequence,
            body=self._body(row) if body else b"",
            state=row.state,
            attempts=row.attempts,
            last_code=extra.get("last_code"),
            claimed_by=extra.get("claimed_by"),
            **{name: _when(extra.get(name)) for name in _TIMES},  # type: ignore[arg-type]
        )

    def _extra(self, entry: OutboxEntry) -> str:
        data: dict[str, Any] = {
            name: (value.isoformat() if value is not None else None)
            for name in _TIMES
            for value in [getattr(entry, name)]
        }
        data["last_code"] = entry.last_code
        data["claimed_by"] = entry.claimed_by
        return codec.dumps(data)

    def _sealed(self, entry: OutboxEntry) -> dict[str, Any]:
        if entry.body:
            key_id, box = self._u.vault.cipher.seal(entry.body, body_context(entry.message_id))
            self._u.vault.ensure_key_check(key_id)
        else:
            key_id, box = self._u.vault.cipher.current_key_id(), b""
        return {"key_id": key_id, "box": box}

    def _insert(self, entry: OutboxEntry) -> None:
        self._u.begin_change()
        self._u.conn.execute(
            _INSERT,
            {
                "message_id": entry.message_id,
                "stream": entry.stream,
                "kind": entry.kind,
                "key": entry.key,
                "sequence": entry.sequence,
                "state": entry.state,
                "attempts": entry.attempts,
                "extra": self._extra(entry),
                **self._sealed(entry),
            },
        )

    def _update(self, entries: Sequence[OutboxEntry]) -> None:
        """Records new states, one statement for the lot (a purged entry's body too)."""
        if not entries:
            return
        self._u.begin_change()
        plain: list[dict[str, Any]] = []
        resealed: list[dict[str, Any]] = []
        for entry in entries:
            values = {
                "b_message_id": entry.message_id,
                "state": entry.state,
                "attempts": entry.attempts,
                "extra": self._extra(entry),
            }
            if entry.state == "purged":
                resealed.append({**values, **self._sealed(entry)})
            else:
                plain.append(values)
        for batch in (plain, resealed):
            if batch:
                self._u.conn.execute(_UPDATE, batch)

    def _rows(self, *where: sa.ColumnElement[bool], body: bool = True) -> Iterator[OutboxEntry]:
        last = 0
        while True:
            rows = self._u.conn.execute(
                sa.select(cs_outbox)
                .where(cs_outbox.c.message_id > last, *where)
                .order_by(cs_outbox.c.message_id)
                .limit(PAGE)
            ).all()
            for row in rows:
                yield self._decode(row, body=body)
            if len(rows) < PAGE:
                return
            last = rows[-1].message_id

    def _states(self, *where: sa.ColumnElement[bool]) -> list[OutboxEntry]:
        """The entries, without their bodies, for state changes."""
        return list(self._rows(*where, body=False))

    # -- 更新順番号 -------------------------------------------------------------------------
    def last_update_sequence(self) -> int:
        value = self._u.conn.execute(_LAST_SEQUENCE).scalar()
        return int(value or 0)

    def _next(self, name: str) -> int:
        # One statement: on PostgreSQL its row lock makes a concurrent taker wait for this
        # transaction to end, so the numbers stay gap-free and in commit order.
        self._u.begin_change()
        conn = self._u.conn
        return int(conn.execute(_upserts(conn.dialect.name)[0], {"name": name}).scalar_one())

    def next_update_sequence(self) -> int:
        value = self._next(UPDATE_SEQUENCE)
        self._taken_sequence = value
        return value

    def continue_update_sequence(self, after: int) -> None:
        if after < self.last_update_sequence():
            raise LinkError(problem("KJ-LINK-033", "update_sequence"))
        self._u.begin_change()
        conn = self._u.conn
        insert = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
        statement = insert(cs_outbox_state).values(name=UPDATE_SEQUENCE, value=after)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[cs_outbox_state.c.name], set_={"value": statement.excluded.value}
            )
        )

    # -- writing ----------------------------------------------------------------------------
    def enqueue(self, message: Message, *, now: dt.datetime) -> OutboxEntry:
        stream, key, sequence = describe(message)
        if isinstance(message, IdentityUpdate):
            if sequence != self._taken_sequence:
                raise LinkError(problem("KJ-LINK-019", "update_sequence"))
            self._taken_sequence = None
        entry = OutboxEntry(
            message_id=self._next(MESSAGE_ID),
            stream=stream,
            kind=type(message).TAG,
            key=key,
            sequence=sequence,
            body=encode_message(message),
            created_at=now,
            next_try_at=now,
        )
        self._insert(entry)
        return entry

    def get(self, message_id: int) -> OutboxEntry | None:
        row = self._u.conn.execute(_GET, {"message_id": message_id}).first()
        return self._decode(row) if row is not None else None

    def _state(self, message_id: int) -> OutboxEntry | None:
        """The entry without its body, for a state change."""
        row = self._u.conn.execute(_GET, {"message_id": message_id}).first()
        return self._decode(row, body=False) if row is not None else None

    def _held_streams(self) -> set[str]:
        """Hold the streams no other worker holds, for this transaction (one statement)."""
        if dialect.is_sqlite(self._u.conn):
            self._u.lock_writer()
            return set(STREAMS)
        return set(self._u.conn.execute(_LOCK_STREAMS).scalars())

    def _pending_rows(self, held: Iterable[str]) -> Iterator[Any]:
        names = sorted(held)
        after = 0
        while True:
            rows = self._u.conn.execute(_PENDING, {"streams": names, "after": after}).all()
            yield from rows
            if len(rows) < PAGE:
                return
            after = rows[-1].message_id

    def claim(
        self, batch: int, worker: str, *, now: dt.datetime, lease: dt.timedelta
    ) -> list[OutboxEntry]:
        # Every stream is locked up front, in one statement: a stream a full batch leaves
        # unclaimed is skipped by other workers until this short transaction ends.
        held = self._held_streams()
        if not held:
            return []
        pending: dict[str, list[Any]] = {stream: [] for stream in held}
        for row in self._pending_rows(held):
            pending[row.stream].append(row)
        claimed: list[OutboxEntry] = []
        for stream in STREAMS:
            if len(claimed) >= batch:
                break
            heads = [(row, self._decode(row, body=False)) for row in pending.get(stream, ())]
            if any(e.leased_by_other(worker, now) for _, e in heads):
                continue
            for row, entry in heads:
                if len(claimed) >= batch or not entry.claimable(worker, now):
                    break
                taken = entry.claimed(worker, now + lease)
                claimed.append(attrs.evolve(taken, body=self._body(row)))
        self._update(claimed)
        return claimed

    def _owned(self, entry: OutboxEntry | None, worker: str) -> OutboxEntry | None:
        return entry if entry is not None and entry.held_by(worker) else None

    def mark_sent(
        self,
        message_id: int,
        worker: str,
        *,
        now: dt.datetime,
        purge_after: dt.datetime | None = None,
    ) -> None:
        entry = self._state(message_id)
        if entry is None or entry.state != "pending":
            return  # already recorded (by this worker before a restart, or another)
        self._update([entry.sent(now, purge_after)])

    def mark_failed(
        self, message_id: int, worker: str, *, code: str, next_try_at: dt.datetime
    ) -> None:
        entry = self._owned(self._state(message_id), worker)
        if entry is not None:
            self._update([entry.failed(code, next_try_at)])

    def mark_refused(self, message_id: int, worker: str, *, codes: Iterable[str]) -> None:
        entry = self._state(message_id)
        if entry is None or entry.state != "pending":
            return
        self._update([entry.refused(codes)])

    def release(self, message_ids: Iterable[int], worker: str) -> None:
        released: list[OutboxEntry] = []
        for ids in dialect.chunks(message_ids):
            for row in self._u.conn.execute(_GET_MANY, {"ids": ids}):
                entry = self._owned(self._decode(row, body=False), worker)
                if entry is not None:
                    released.append(entry.released())
        self._update(released)

    def requeue(self, stream: str, from_sequence: int, *, now: dt.datetime) -> int:
        found = self._states(
            cs_outbox.c.stream == stream,
            cs_outbox.c.state == "sent",
            cs_outbox.c.sequence.is_not(None),
            cs_outbox.c.sequence >= from_sequence,
        )
        self._update([entry.requeued(now) for entry in found])
        return len(found)

    def purge_due(self, now: dt.datetime) -> int:
        due = [
            entry
            for entry in self._states(cs_outbox.c.state == "sent")
            if entry.purge_after is not None and entry.purge_after <= now
        ]
        for batch in dialect.chunks(entry.purged() for entry in due):
            self._update(batch)
        return len(due)

    # -- reading ----------------------------------------------------------------------------
    def pending_count(self) -> int:
        return int(self._u.conn.execute(_PENDING_COUNT).scalar_one())

    def entries(self, *, state: OutboxState | None = None) -> Iterator[OutboxEntry]:
        if state is None:
            return self._rows()
        return self._rows(cs_outbox.c.state == state)
