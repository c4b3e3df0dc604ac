"""The CS outbox on the unit of work (送信待ち電文): messages for the 市町村CS written in the same
transaction as the change that caused them, then delivered by a worker.

A message is enqueued with the movement that caused it, so either both are stored or neither.
Delivery happens later (:mod:`kure_juki.service.cs_delivery`): a worker *claims* due messages
(a lease, so a crashed worker's messages are taken over once the lease runs out), sends them,
and marks each sent, failed (with the attempt count and the next try) or refused (the peer's
final no). Each stream is delivered in order: a worker claims a stream's messages from its
head, never past one that is not due, and never while another worker's lease on the stream is
live; the SQL adapter takes the stream's row with ``FOR UPDATE SKIP LOCKED`` so that two workers
never claim the same stream at once.

The unit of work also holds the municipality's own 本人確認情報ファイル (:class:`IdentityFile`):
the copy of what the CS has been told, kept in the same transaction as the updates, used for the
CS-side checks of the next update and streamed in 住民票コード order for 整合性確認.

Every adapter (memory, SQLite, PostgreSQL) passes the published contract
``kure_juki.testing.contracts.outbox.OutboxContract`` (``tests/contract/test_outbox_contract.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Final, Literal, Protocol

import attrs

from kure_juki.domain.cs_messages import (
    CardStatusNotice,
    DeliveryInfoNotice,
    IdentityUpdate,
    Message,
    MoveInNotice,
    MoveOutCertificate,
    MoveOutCertificateWithdrawal,
)
from kure_juki.domain.errors import LinkError, problem
from kure_juki.domain.identity_file import IdentityRecord

__all__ = [
    "STREAMS",
    "IdentityFile",
    "Outbox",
    "OutboxEntry",
    "OutboxState",
    "describe",
]

OutboxState = Literal["pending", "sent", "refused", "purged"]
# 都道府県サーバー (本人確認情報の更新), 市町村CS間 (転入通知・転出証明書情報), J-LIS (送付先情報)
Stream = Literal["prefecture", "exchange", "card_management"]
STREAMS: Final[tuple[Stream, ...]] = ("prefecture", "exchange", "card_management")


@attrs.frozen(kw_only=True)
class OutboxEntry:  # 送信待ち電文
    """One message in the outbox. ``body`` is the encoded message (it may hold a My Number:
    never shown in a repr). ``key`` is what the peer de-duplicates on: the 更新順番号 of an
    identity update, the notice or management number of the others."""

    message_id: int
    stream: str
    kind: str  # the message's wire tag
    key: str
    sequence: int | None  # 更新順番号 (identity updates only)
    body: bytes = attrs.field(repr=False)
    created_at: dt.datetime
    state: OutboxState = "pending"
    attempts: int = 0
    next_try_at: dt.datetime
    last_code: str | None = None
    claimed_by: str | None = None
    claimed_until: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    purge_after: dt.datetime | None = None  # 送付先情報: deleted once this has passed

    def held_by(self, worker: str) -> bool:
        """Still waiting and claimed by *worker*: only then may it record a failure or a release."""
        return self.state == "pending" and self.claimed_by == worker

    # The transitions every outbox adapter records (the same for memory and SQL).
    def claimed(self, worker: str, until: dt.datetime) -> OutboxEntry:
        return attrs.evolve(self, claimed_by=worker, claimed_until=until)

    def released(self) -> OutboxEntry:
        return attrs.evolve(self, claimed_by=None, claimed_until=None)

    def sent(self, now: dt.datetime, purge_after: dt.datetime | None) -> OutboxEntry:
        return attrs.evolve(self.released(), state="sent", sent_at=now, purge_after=purge_after)

    def failed(self, code: str, next_try_at: dt.datetime) -> OutboxEntry:
        return attrs.evolve(
            self.released(), attempts=self.attempts + 1, last_code=code, next_try_at=next_try_at
        )

    def requeued(self, now: dt.datetime) -> OutboxEntry:
        return attrs.evolve(self, state="pending", sent_at=None, next_try_at=now)

    def purged(self) -> OutboxEntry:
        return attrs.evolve(self, state="purged", body=b"")

    def refused(self, codes: Iterable[str]) -> OutboxEntry:
        return attrs.evolve(
            self.released(),
            state="refused",
            attempts=self.attempts + 1,
            last_code=",".join(codes)[:200] or None,
        )

    def claimable(self, worker: str, now: dt.datetime) -> bool:
        """Pending, due, and not under another worker's live lease."""
        return (
            self.state == "pending"
            and self.next_try_at <= now
            and not self.leased_by_other(worker, now)
        )

    def leased_by_other(self, worker: str, now: dt.datetime) -> bool:
        return (
            self.claimed_by is not None
            and self.claimed_by != worker
            and self.claimed_until is not None
            and self.claimed_until > now
        )


def describe(message: Message) -> tuple[Stream, str, int | None]:
    """(stream, idempotency key, 更新順番号) of a message the register sends on its own.

    Only the messages a movement causes go through the outbox; anything else is refused
    (KJ-LINK-024) rather than queued for a stream that would never take it.
    """
    if isinstance(message, IdentityUpdate):
        return "prefecture", str(message.update_sequence), message.update_sequence
    if isinstance(message, MoveInNotice):
        return "exchange", message.notice_number, None
    if isinstance(message, MoveOutCertificate):
        return "exchange", message.certificate_number, None
    if isinstance(message, MoveOutCertificateWithdrawal):
        return "exchange", message.withdrawal_number, None
    if isinstance(message, DeliveryInfoNotice):
        return "card_management", message.delivery_number, None
    if isinstance(message, CardStatusNotice):
        return "card_management", message.notice_number, None
    raise LinkError(problem("KJ-LINK-024", type(message).TAG))


class IdentityFile(Protocol):  # 本人確認情報ファイル (市町村CSの保存する本人確認情報)
    def get(self, resident_code: str) -> IdentityRecord | None: ...

    def put(self, record: IdentityRecord) -> None:
        """Insert or replace the record under its 住民票コード (committed with the unit)."""
        ...

    def remove(self, resident_code: str) -> None:
        """Forget a code (住民票コード変更: the record moves to the new code)."""
        ...

    def iter_sorted(self) -> Iterator[IdentityRecord]:
        """Every record, 消除 included, in 住民票コード order; streams on large stores."""
        ...

    def count(self) -> int: ...


class Outbox(Protocol):
    @property
    def identities(self) -> IdentityFile: ...

    def last_update_sequence(self) -> int:
        """The 更新順番号 most recently taken (0 before the first)."""
        ...

    def next_update_sequence(self) -> int:
        """Takes the next 更新順番号: one above the last, gap-free, in this transaction (a
        rollback gives it back; a concurrent transaction waits for this one to end)."""
        ...

    def continue_update_sequence(self, after: int) -> None:
        """Numbers the next update ``after + 1`` (a register taking over a city's numbering
        from its old system), in this transaction. Never lowers the numbering: KJ-LINK-033
        when updates were already numbered past ``after``."""
        ...

    def enqueue(self, message: Message, *, now: dt.datetime) -> OutboxEntry:
        """Adds a message, due at once. An identity update must carry the 更新順番号 just
        taken with :meth:`next_update_sequence` (KJ-LINK-019 otherwise)."""
        ...

    def claim(
        self, batch: int, worker: str, *, now: dt.datetime, lease: dt.timedelta
    ) -> list[OutboxEntry]:
        """Up to ``batch`` due messages for ``worker``, each stream's from its head, in order.

        A stream whose head is not due, or on which another worker holds a live lease, gives
        nothing. The claimed entries are leased to ``worker`` until ``now + lease``.
        """
        ...

    def mark_sent(
        self,
        message_id: int,
        worker: str,
        *,
        now: dt.datetime,
        purge_after: dt.datetime | None = None,
    ) -> None:
        """The peer acknowledged it (applied or duplicate): it is never sent again."""
        ...

    def mark_failed(
        self, message_id: int, worker: str, *, code: str, next_try_at: dt.datetime
    ) -> None:
        """A try that may or may not have arrived: one more attempt, due again at
        ``next_try_at``. Ignored when the lease has passed to another worker."""
        ...

    def mark_refused(self, message_id: int, worker: str, *, codes: Iterable[str]) -> None:
        """The peer's final no (its checks refused it): kept, never sent again."""
        ...

    def release(self, message_ids: Iterable[int], worker: str) -> None:
        """Gives claimed messages back untried (their stream stopped at an earlier one)."""
        ...

    def requeue(self, stream: str, from_sequence: int, *, now: dt.datetime) -> int:
        """Makes the stream's sent messages from ``from_sequence`` on pending again (the peer
        lost them: it asked for that number); returns how many."""
        ...

    def purge_due(self, now: dt.datetime) -> int:
        """Deletes the content of sent messages whose ``purge_after`` has passed (送付先情報:
        one business day after sending); returns how many. A tombstone without content stays."""
        ...

    def pending_count(self) -> int: ...

    def get(self, message_id: int) -> OutboxEntry | None: ...

    def entries(self, *, state: OutboxState | None = None) -> Iterator[OutboxEntry]:
        """Every entry (of one state), in message order."""
        ...
