"""The delivery worker: sends the CS outbox, each stream in order, exactly once at the peer.

``deliver(registry, link)`` claims due messages (a lease), sends each through the
:class:`~kure_juki.ports.cs_link.CsLink` and records the answer in its own small transaction:

- acknowledged (``applied`` or ``duplicate``): sent, never again. A duplicate is what a resend
  gets after a lost reply, a timeout or a crash between sending and recording: the peers are
  idempotent by 更新順番号 and notice number, so the change was applied once;
- the peer's final no (:class:`~kure_juki.domain.cs_messages.PeerRefused`): refused, kept and
  audited, and the stream moves on (the prefecture used up the number too). A sequence gap
  (KJ-LINK-019: the peer lost updates) puts the sent messages from the number it expects back
  in the queue;
- anything else (unreachable, timeout, a reply that failed authentication …): the message may
  or may not have arrived; it is tried again after a growing delay, and nothing after it in
  its stream is sent before it.

A worker that dies keeps its lease until it runs out; another worker then takes over from the
first unacknowledged message. Several workers (processes) may run against one store: a stream
is claimed by one worker at a time.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

import attrs

from kure_juki.domain.cs_messages import (
    CardStatusNotice,
    DeliveryInfoNotice,
    IdentityUpdate,
    MoveInNotice,
    MoveOutCertificate,
    MoveOutCertificateWithdrawal,
    PeerRefused,
    decode_message,
)
from kure_juki.domain.errors import LinkError, RegistryError, problem
from kure_juki.logs import get_logger
from kure_juki.ports.cs_link import CsLink
from kure_juki.ports.outbox import OutboxEntry
from kure_juki.service.cs_sync import outbox_of
from kure_juki.service.delivery_info import retention_deadline

if TYPE_CHECKING:
    from kure_juki.service.registry import Registry

__all__ = ["DeliveryReport", "deliver", "pending_count"]

log = get_logger()

DEFAULT_LEASE: Final = dt.timedelta(seconds=60)
DEFAULT_RETRY_DELAY: Final = dt.timedelta(seconds=5)
MAX_RETRY_DELAY: Final = dt.timedelta(minutes=10)
# Refusals of the peer's reply by our own endpoint: the reply did not authenticate.
_REPLY_REFUSED: Final = frozenset(f"KJ-LINK-{n:03d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 17))


@attrs.frozen
class Refused:
    message_id: int
    kind: str
    key: str
    codes: tuple[str, ...]


@attrs.frozen
class DeliveryReport:  # 送信結果
    sent: int = 0  # acknowledged as applied
    duplicates: int = 0  # acknowledged as applied before (a resend)
    refused: tuple[Refused, ...] = ()  # the peer's final no
    failures: tuple[tuple[int, str], ...] = ()  # (message id, code) of tries to repeat
    requeued: int = 0  # sent messages a sequence gap put back
    pending: int = 0  # left in the outbox when the run ended

    @property
    def delivered(self) -> int:
        return self.sent + self.duplicates


def pending_count(registry: Registry) -> int:
    with registry.store.unit_of_work() as uow:
        return outbox_of(uow).pending_count()


def _send(link: CsLink, entry: OutboxEntry) -> str:
    """Sends one outbox message; returns the peer's acknowledgement status."""
    message = decode_message(entry.body)
    if isinstance(message, IdentityUpdate):
        return link.send_identity_update(message).status
    if isinstance(message, MoveInNotice):
        return link.send_move_in_notice(message).status
    if isinstance(message, MoveOutCertificate):
        return link.publish_move_out_certificate(message).status
    if isinstance(message, MoveOutCertificateWithdrawal):
        return link.withdraw_move_out_certificate(message).status
    if isinstance(message, DeliveryInfoNotice):
        return link.send_delivery_info(message).status
    if isinstance(message, CardStatusNotice):
        return link.send_card_status(message).status
    raise LinkError(problem("KJ-LINK-024", entry.kind))


class _Run:
    def __init__(
        self,
        registry: Registry,
        link: CsLink,
        worker: str,
        lease: dt.timedelta,
        retry_delay: dt.timedelta,
    ) -> None:
        self.registry = registry
        self.link = link
        self.worker = worker
        self.lease = lease
        self.retry_delay = retry_delay
        self.sent = 0
        self.duplicates = 0
        self.refused: list[Refused] = []
        self.failures: list[tuple[int, str]] = []
        self.requeued = 0

    def _audit(self, entry: OutboxEntry, outcome: str, code: str, codes: Sequence[str]) -> None:
        from kure_juki.service.registry import SYSTEM_OPERATOR

        self.registry.audit_now(
            operation="cs_delivery",
            operator_id=SYSTEM_OPERATOR,
            terminal_id="CS",
            outcome=outcome,
            code=code,
            detail={"message": entry.kind, "key": entry.key, "codes": list(codes)},
        )

    def claim(self, batch: int) -> list[OutboxEntry]:
        with self.registry.store.unit_of_work() as uow:
            claimed = outbox_of(uow).claim(
                batch, self.worker, now=self.registry.now(), lease=self.lease
            )
            uow.commit()
        return claimed

    def release(self, entries: Sequence[OutboxEntry]) -> None:
        if not entries:
            return
        with self.registry.store.unit_of_work() as uow:
            outbox_of(uow).release([e.message_id for e in entries], self.worker)
            uow.commit()

    def stream(self, entries: list[OutboxEntry]) -> None:
        """Sends one stream's claimed entries in order, stopping at the first that must wait."""
        for index, entry in enumerate(entries):
            rest = entries[index + 1 :]
            try:
                status = _send(self.link, entry)
            except PeerRefused as refusal:
                if not self._refused(entry, refusal):
                    self.release(rest)
                    return
                continue
            except LinkError as error:
                self._failed(entry, error.code)
                self.release(rest)
                return
            except RegistryError as error:  # a body that no longer decodes: it never will
                self._refuse(entry, (error.code,))
                continue
            self._sent(entry, status)

    def _sent(self, entry: OutboxEntry, status: str) -> None:
        now = self.registry.now()
        purge = retention_deadline(now) if entry.kind == DeliveryInfoNotice.TAG else None
        with self.registry.store.unit_of_work() as uow:
            outbox_of(uow).mark_sent(entry.message_id, self.worker, now=now, purge_after=purge)
            uow.commit()
        if status == "duplicate":
            self.duplicates += 1
        else:
            self.sent += 1

    def _failed(self, entry: OutboxEntry, code: str) -> None:
        delay = min(self.retry_delay * (2 ** min(entry.attempts, 16)), MAX_RETRY_DELAY)
        with self.registry.store.unit_of_work() as uow:
            outbox_of(uow).mark_failed(
                entry.message_id, self.worker, code=code, next_try_at=self.registry.now() + delay
            )
            uow.commit()
        self.failures.append((entry.message_id, code))
        self._audit(entry, "refused" if code in _REPLY_REFUSED else "error", code, (code,))
        log.info("cs_delivery_retry", message=entry.kind, code=code, attempts=entry.attempts + 1)

    def _refuse(self, entry: OutboxEntry, codes: tuple[str, ...]) -> None:
        with self.registry.store.unit_of_work() as uow:
            outbox_of(uow).mark_refused(entry.message_id, self.worker, codes=codes)
            uow.commit()
        self.refused.append(Refused(entry.message_id, entry.kind, entry.key, codes))
        self._audit(entry, "refused", codes[0], codes)
        log.warning("cs_delivery_refused", message=entry.kind, codes=list(codes))

    def _refused(self, entry: OutboxEntry, refusal: PeerRefused) -> bool:
        """Records the peer's no; False when the stream must stop here (a gap to refill)."""
        expected = refusal.expected_sequence
        if "KJ-LINK-019" in refusal.peer_codes and expected is not None:
            if entry.sequence is not None and expected < entry.sequence:
                with self.registry.store.unit_of_work() as uow:
                    box = outbox_of(uow)
                    count = box.requeue(entry.stream, expected, now=self.registry.now())
                    if count:
                        box.release([entry.message_id], self.worker)
                    uow.commit()
                if count:
                    self.requeued += count
                    self._audit(entry, "refused", "KJ-LINK-019", refusal.peer_codes)
                    return False
            self._failed(entry, "KJ-LINK-031")
            return False
        self._refuse(entry, refusal.peer_codes or (refusal.code,))
        return True


def deliver(
    registry: Registry,
    link: CsLink | None = None,
    *,
    batch: int = 100,
    worker: str | None = None,
    lease: dt.timedelta = DEFAULT_LEASE,
    retry_delay: dt.timedelta = DEFAULT_RETRY_DELAY,
    max_rounds: int = 1000,
) -> DeliveryReport:
    """Sends whatever in the outbox is due, in order per stream, until nothing more is due
    now (or ``max_rounds`` claims were made). ``link`` defaults to the register's own."""
    chosen = link if link is not None else registry.cs_link
    if chosen is None:
        raise LinkError(problem("KJ-LINK-029"))
    run = _Run(
        registry,
        chosen,
        worker or f"w{os.getpid()}-{uuid.uuid4().hex[:12]}",
        lease,
        retry_delay,
    )
    for _ in range(max_rounds):
        claimed = run.claim(batch)
        if not claimed:
            break
        streams: dict[str, list[OutboxEntry]] = {}
        for entry in claimed:
            streams.setdefault(entry.stream, []).append(entry)
        for entries in streams.values():
            try:
                run.stream(entries)
            except Exception:
                run.release(entries)  # an unexpected failure: give the claims back at once
                raise
    report = DeliveryReport(
        sent=run.sent,
        duplicates=run.duplicates,
        refused=tuple(run.refused),
        failures=tuple(run.failures),
        requeued=run.requeued,
        pending=pending_count(registry),
    )
    if report.sent or report.duplicates or report.refused or report.failures:
        log.info(
            "cs_delivery",
            sent=report.sent,
            duplicates=report.duplicates,
            refused=len(report.refused),
            failures=len(report.failures),
            pending=report.pending,
        )
    return report
