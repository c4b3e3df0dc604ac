"""The CS outbox and 本人確認情報ファイル of the SQL store (see :mod:`kure_juki.ports.outbox`).

Everything is written inside the unit of work's transaction, so a message commits or rolls
back with the change that caused it. The 更新順番号 and message numbers are counters of
``cs_outbox_state``, taken with one upsert each: gap-free, and on PostgreSQL the row lock makes
a concurrent transaction wait for this one to end. A worker claiming a stream locks the
stream's row with ``FOR UPDATE SKIP LOCKED`` (SQLite: the writer lock), so two workers never
claim one stream at once; the lease rules themselves are the memory adapter's.

Message bodies may hold My Numbers and identity records always do: bodies are sealed whole and
an identity record's My Number apart from its other items, under the key store's current key.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

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
        row = self._u.conn.execute(
            sa.select(cs_identity).where(cs_identity.c.resident_code == resident_code)
        ).first()
        return self._decode(row) if row is not None else None

    def put(self, record: IdentityRecord) -> None:
        self._u.begin_change()
        data = codec.plain(record)
        number = data.pop("my_number")
        cipher = self._u.vault.cipher
        key_id, box = cipher.seal(number.encode("utf-8"), identity_context(record.resident_code))
        self._u.vault.ensure_key_check(key_id)
        statement = dialect.insert(self._u.conn, cs_identity).values(
            resident_code=record.resident_code, data=codec.dumps(data), key_id=key_id, box=box
        )
        self._u.conn.execute(
            statement.on_conflict_do_update(
                index_elements=[cs_identity.c.resident_code],
                set_={c: statement.excluded[c] for c in ("data", "key_id", "box")},
            )
        )

    def remove(self, resident_code: str) -> None:
        self._u.begin_change()
        self._u.conn.execute(
            cs_identity.delete().where(cs_identity.c.resident_code == resident_code)
        )

    def iter_sorted(self) -> Iterator[IdentityRecord]:
        last: str | None = None
        while True:
            query = sa.select(cs_identity).order_by(cs_identity.c.resident_code)
            if last is not None:
                query = query.where(cs_identity.c.resident_code > last)
            rows = self._u.conn.execute(query.limit(PAGE)).all()
            for row in rows:
                yield self._decode(row)
            if len(rows) < PAGE:
                return
            last = rows[-1].resident_code

    def count(self) -> int:
        return int(
            self._u.conn.execute(sa.select(sa.func.count()).select_from(cs_identity)).scalar_one()
        )


class SqlOutbox:
    def __init__(self, uow: SqlAlchemyUnitOfWork) -> None:
        self._u = uow
        self.identities = SqlIdentityFile(uow)
        self._taken_sequence: int | None = None

    # -- rows --------------------------------------------------------------------------------
    def _decode(self, row: Any) -> OutboxEntry:
        extra = json.loads(row.extra)
        body = (
            self._u.vault.cipher.open(row.key_id, row.box, body_context(row.message_id))
            if row.box
            else b""
        )
        return OutboxEntry(
            message_id=row.message_id,
            stream=row.stream,
            kind=row.kind,
            key=row.key,
            sequence=row.sequence,
            body=body,
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

    def _write(self, entry: OutboxEntry, *, new: bool) -> None:
        self._u.begin_change()
        values: dict[str, Any] = {
            "state": entry.state,
            "attempts": entry.attempts,
            "extra": self._extra(entry),
        }
        if new or entry.state == "purged":
            if entry.body:
                key_id, box = self._u.vault.cipher.seal(entry.body, body_context(entry.message_id))
                self._u.vault.ensure_key_check(key_id)
            else:
                key_id, box = self._u.vault.cipher.current_key_id(), b""
            values.update(key_id=key_id, box=box)
        if new:
            self._u.conn.execute(
                cs_outbox.insert().values(
                    message_id=entry.message_id,
                    stream=entry.stream,
                    kind=entry.kind,
                    key=entry.key,
                    sequence=entry.sequence,
                    **values,
                )
            )
        else:
            self._u.conn.execute(
                cs_outbox.update()
                .where(cs_outbox.c.message_id == entry.message_id)
                .values(**values)
            )

    def _rows(self, *where: sa.ColumnElement[bool]) -> Iterator[OutboxEntry]:
        last = 0
        while True:
            rows = self._u.conn.execute(
                sa.select(cs_outbox)
                .where(cs_outbox.c.message_id > last, *where)
                .order_by(cs_outbox.c.message_id)
                .limit(PAGE)
            ).all()
            for row in rows:
                yield self._decode(row)
            if len(rows) < PAGE:
                return
            last = rows[-1].message_id

    # -- 更新順番号 -------------------------------------------------------------------------
    def last_update_sequence(self) -> int:
        value = self._u.conn.execute(
            sa.select(cs_outbox_state.c.value).where(cs_outbox_state.c.name == UPDATE_SEQUENCE)
        ).scalar()
        return int(value or 0)

    def _next(self, name: str) -> int:
        # One statement: on PostgreSQL its row lock makes a concurrent taker wait for this
        # transaction to end, so the numbers stay gap-free and in commit order.
        self._u.begin_change()
        statement = dialect.insert(self._u.conn, cs_outbox_state).values(name=name, value=1)
        return int(
            self._u.conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[cs_outbox_state.c.name],
                    set_={"value": cs_outbox_state.c.value + 1},
                ).returning(cs_outbox_state.c.value)
            ).scalar_one()
        )

    def next_update_sequence(self) -> int:
        value = self._next(UPDATE_SEQUENCE)
        self._taken_sequence = value
        return value

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
        self._write(entry, new=True)
        return entry

    def get(self, message_id: int) -> OutboxEntry | None:
        row = self._u.conn.execute(
            sa.select(cs_outbox).where(cs_outbox.c.message_id == message_id)
        ).first()
        return self._decode(row) if row is not None else None

    def _lock_stream(self, stream: str) -> bool:
        """Hold the stream for this transaction; False when another worker holds it."""
        if dialect.is_sqlite(self._u.conn):
            self._u.lock_writer()
            return True
        found = self._u.conn.execute(
            sa.select(streams.c.stream)
            .where(streams.c.stream == stream)
            .with_for_update(skip_locked=True)
        ).first()
        return found is not None

    def claim(
        self, batch: int, worker: str, *, now: dt.datetime, lease: dt.timedelta
    ) -> list[OutboxEntry]:
        claimed: list[OutboxEntry] = []
        for stream in STREAMS:
            if len(claimed) >= batch or not self._lock_stream(stream):
                continue
            heads = list(self._rows(cs_outbox.c.stream == stream, cs_outbox.c.state == "pending"))
            if any(e.leased_by_other(worker, now) for e in heads):
                continue
            for entry in heads:
                if len(claimed) >= batch or not entry.claimable(worker, now):
                    break
                taken = entry.claimed(worker, now + lease)
                self._write(taken, new=False)
                claimed.append(taken)
        return claimed

    def _owned(self, message_id: int, worker: str) -> OutboxEntry | None:
        entry = self.get(message_id)
        if entry is None or entry.state != "pending" or entry.claimed_by != worker:
            return None
        return entry

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
        self._write(entry.sent(now, purge_after), new=False)

    def mark_failed(
        self, message_id: int, worker: str, *, code: str, next_try_at: dt.datetime
    ) -> None:
        entry = self._owned(message_id, worker)
        if entry is not None:
            self._write(entry.failed(code, next_try_at), new=False)

    def mark_refused(self, message_id: int, worker: str, *, codes: Iterable[str]) -> None:
        entry = self.get(message_id)
        if entry is None or entry.state != "pending":
            return
        self._write(entry.refused(codes), new=False)

    def release(self, message_ids: Iterable[int], worker: str) -> None:
        for message_id in message_ids:
            entry = self._owned(message_id, worker)
            if entry is not None:
                self._write(entry.released(), new=False)

    def requeue(self, stream: str, from_sequence: int, *, now: dt.datetime) -> int:
        found = list(
            self._rows(
                cs_outbox.c.stream == stream,
                cs_outbox.c.state == "sent",
                cs_outbox.c.sequence.is_not(None),
                cs_outbox.c.sequence >= from_sequence,
            )
        )
        for entry in found:
            self._write(entry.requeued(now), new=False)
        return len(found)

    def purge_due(self, now: dt.datetime) -> int:
        count = 0
        for entry in list(self._rows(cs_outbox.c.state == "sent")):
            if entry.purge_after is not None and entry.purge_after <= now:
                self._write(entry.purged(), new=False)
                count += 1
        return count

    # -- reading ----------------------------------------------------------------------------
    def pending_count(self) -> int:
        return int(
            self._u.conn.execute(
                sa.select(sa.func.count())
                .select_from(cs_outbox)
                .where(cs_outbox.c.state == "pending")
            ).scalar_one()
        )

    def entries(self, *, state: OutboxState | None = None) -> Iterator[OutboxEntry]:
        if state is None:
            return self._rows()
        return self._rows(cs_outbox.c.state == state)
