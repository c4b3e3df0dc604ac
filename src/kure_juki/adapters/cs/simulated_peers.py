"""Simulated Juki-net peers: prefecture server, national server, J-LIS card system, exchange.

Each peer is plain logic — ``handle(sender_id, message) -> reply`` — that keeps its own state
and applies the same checks as the register (a peer never trusts the sender's checks). Put an
:class:`~kure_juki.adapters.cs.transport.EnvelopeServer` in front of one to reach it with
sealed envelopes, in process or behind a :class:`~kure_juki.adapters.cs.transport.TcpServer`;
:class:`SimulatedNetwork` wires all of them, with keys and trust, for any set of
municipalities.

Authorisation: each peer knows which party may act for which municipality (``members``: party
id -> municipality code) and refuses anything else (KJ-LINK-018). Idempotency: a message
repeated with the same number and content is answered ``duplicate`` and not applied twice;
the same number with other content is refused (KJ-LINK-020).
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Final, Literal, TypeVar

from kure_juki.adapters.cs.envelope import DEFAULT_WINDOW, Endpoint, Party, TrustStore
from kure_juki.adapters.cs.link import CsClient, Route
from kure_juki.adapters.cs.transport import (
    Audit,
    Encoded,
    EnvelopeServer,
    InProcessTransport,
    Reply,
    TcpServer,
    TcpTransport,
    Transport,
)
from kure_juki.domain.cs_messages import (
    CardStatusNotice,
    CardStatusQuery,
    CardStatusReply,
    DeliveryInfoNotice,
    IdentityQueryResult,
    IdentityUpdate,
    Message,
    MoveInNotice,
    MoveInNoticeBatch,
    MoveInNoticePoll,
    MoveInNoticeReceipt,
    MoveOutCertificate,
    MoveOutCertificateRequest,
    MoveOutCertificateWithdrawal,
    MyNumberIssued,
    MyNumberRequest,
    NoticeAck,
    QueryByFourItems,
    QueryByMyNumber,
    QueryByResidentCode,
    ReconciliationDigestRequest,
    ReconciliationDigests,
    ReconciliationPage,
    ReconciliationRequest,
    Refusal,
    UpdateAck,
    check_digest_request,
    check_query,
    encode_message,
    is_valid_message_number,
)
from kure_juki.domain.errors import FormatError, LinkError, Problem, problem, raise_problems
from kure_juki.domain.identifiers import (
    complete_my_number,
    is_valid_local_gov_code,
    is_valid_my_number,
    is_valid_resident_code,
)
from kure_juki.domain.identity_file import (
    IdentityRecord,
    check_identity_record,
    check_update,
    fingerprint,
    range_digest,
    to_cs_payload,
)
from kure_juki.domain.names import is_kana, seion_kana

__all__ = [
    "CardManagementSystem",
    "MunicipalExchange",
    "NationalServer",
    "PrefectureServer",
    "SimulatedNetwork",
    "municipality_party_id",
]

PREFECTURE_ID: Final = "prefecture-server"
NATIONAL_ID: Final = "national-server"
CARD_MANAGEMENT_ID: Final = "jlis-card-management"
EXCHANGE_ID: Final = "cs-exchange"
MAX_PAGE: Final = 10_000
MAX_QUERY_RESULTS: Final = 100
_N = TypeVar("_N", DeliveryInfoNotice, CardStatusNotice)


def municipality_party_id(municipality_code: str) -> str:
    """The party id :class:`SimulatedNetwork` gives a municipality's CS."""
    return f"cs-{municipality_code}"


def _digest(message: Message) -> bytes:
    return hashlib.sha256(encode_message(message)).digest()


class _Members:
    def __init__(self, members: Mapping[str, str]):
        self._members = dict(members)

    def is_member(self, sender_id: str) -> bool:
        return sender_id in self._members

    def check(self, sender_id: str, municipality_code: str) -> None:
        if self._members.get(sender_id) != municipality_code:
            raise LinkError(problem("KJ-LINK-018", "municipality_code"))


def _check_number(value: str, item: str) -> None:
    if not is_valid_message_number(value):
        raise LinkError(problem("KJ-LINK-027", item))


def _refuse_unhandled(message: Message) -> LinkError:
    return LinkError(problem("KJ-LINK-024", type(message).TAG))


# --- 都道府県サーバー ---------------------------------------------------------------------------


class PrefectureServer:  # 都道府県サーバー (都道府県知事保存本人確認情報)
    """Keeps the prefecture's copy of each member municipality's identity file.

    Updates are applied per municipality in 更新順番号 order: a gap is refused with the
    expected number and does not use it up; a refused update (its checks failed) does use its
    number, and repeating it gets the same refusal. Applied updates are passed on to the
    national server when one is attached.
    """

    def __init__(self, members: Mapping[str, str], *, national: NationalServer | None = None):
        self._members = _Members(members)
        self._national = national
        self._lock = threading.RLock()
        self._files: dict[str, dict[str, IdentityRecord]] = {}
        # Each record's wire form and fingerprint, kept as a server keeps its rows: pages are
        # sent from the one, range digests taken over the other.
        self._wire: dict[str, dict[str, str]] = {}
        self._fingerprints: dict[str, dict[str, bytes]] = {}
        self._sorted: dict[str, list[str]] = {}
        self._last_applied: dict[str, int] = {}
        self._outcomes: dict[tuple[str, int], tuple[bytes, Message]] = {}
        self.applied_count = 0

    # inspection and seeding (tests, benchmarks)

    def load(self, records: Iterable[IdentityRecord], *, last_applied: int | None = None) -> None:
        """Puts records straight into the copy, as if applied long ago."""
        with self._lock:
            for record in records:
                self._put(record)
                if self._national is not None:
                    self._national.put(record)
            if last_applied is not None:
                for municipality in self._files:
                    self._last_applied[municipality] = last_applied

    def record(self, municipality_code: str, resident_code: str) -> IdentityRecord | None:
        with self._lock:
            return self._files.get(municipality_code, {}).get(resident_code)

    def last_applied(self, municipality_code: str) -> int:
        with self._lock:
            return self._last_applied.get(municipality_code, 0)

    def records(self, municipality_code: str) -> Iterator[IdentityRecord]:
        """The copy in 住民票コード order (a snapshot of the order, records read lazily)."""
        with self._lock:
            codes = list(self._codes(municipality_code))
            file = self._files.get(municipality_code, {})
        for code in codes:
            record = file.get(code)
            if record is not None:
                yield record

    def alter(self, record: IdentityRecord) -> None:
        """Overwrites the copy behind the update stream (to test reconciliation)."""
        with self._lock:
            self._put(record)

    def forget(self, municipality_code: str, resident_code: str) -> None:
        with self._lock:
            self._remove(municipality_code, resident_code)

    # state helpers (lock held)

    def _put(self, record: IdentityRecord) -> None:
        file = self._files.setdefault(record.municipality_code, {})
        if record.resident_code not in file:
            self._sorted.pop(record.municipality_code, None)
        file[record.resident_code] = record
        self._wire.setdefault(record.municipality_code, {})[record.resident_code] = json.dumps(
            to_cs_payload(record), ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
        self._fingerprints.setdefault(record.municipality_code, {})[record.resident_code] = (
            fingerprint(record)
        )

    def _remove(self, municipality_code: str, resident_code: str) -> None:
        self._wire.get(municipality_code, {}).pop(resident_code, None)
        self._fingerprints.get(municipality_code, {}).pop(resident_code, None)
        if self._files.get(municipality_code, {}).pop(resident_code, None) is not None:
            self._sorted.pop(municipality_code, None)

    def _codes(self, municipality_code: str) -> list[str]:
        codes = self._sorted.get(municipality_code)
        if codes is None:
            codes = sorted(self._files.get(municipality_code, {}))
            self._sorted[municipality_code] = codes
        return codes

    # messages

    def handle(self, sender_id: str, message: Message) -> Reply:
        if isinstance(message, IdentityUpdate):
            return self._update(sender_id, message)
        if isinstance(message, ReconciliationRequest):
            return self._page(sender_id, message)
        if isinstance(message, ReconciliationDigestRequest):
            return self._digests(sender_id, message)
        raise _refuse_unhandled(message)

    def _update(self, sender_id: str, update: IdentityUpdate) -> Message:
        municipality = update.municipality_code
        self._members.check(sender_id, municipality)
        sequence = update.update_sequence
        digest = _digest(update)
        with self._lock:
            last = self._last_applied.get(municipality, 0)
            if sequence <= last:
                before = self._outcomes.get((municipality, sequence))
                if before is None or before[0] != digest:
                    raise LinkError(problem("KJ-LINK-020", "update_sequence"))
                reply = before[1]
                if isinstance(reply, UpdateAck):
                    return UpdateAck(municipality, sequence, "duplicate")
                return reply
            if sequence != last + 1:
                gap = problem("KJ-LINK-019", "update_sequence")
                return Refusal((gap,), expected_sequence=last + 1)
            outcome = self._apply(municipality, update, last)
            self._outcomes[(municipality, sequence)] = (digest, outcome)
            self._last_applied[municipality] = sequence
            return outcome

    def _apply(self, municipality: str, update: IdentityUpdate, last: int) -> Message:
        record = update.record
        found: list[Problem] = []
        if record.municipality_code != municipality:
            found.append(problem("KJ-LINK-018", "municipality_code"))
        found += check_identity_record(record)
        if not found:
            key = record.resident_code
            if update.reason == "住民票コード変更" and record.old_resident_code is not None:
                key = record.old_resident_code
            previous = self._files.get(municipality, {}).get(key)
            found += check_update(previous, record, update.reason, last_applied_sequence=last)
        if found:
            return Refusal(tuple(found))
        if record.old_resident_code is not None and update.reason == "住民票コード変更":
            self._remove(municipality, record.old_resident_code)
        self._put(record)
        self.applied_count += 1
        if self._national is not None:
            self._national.put(record, replaces=record.old_resident_code)
        return UpdateAck(municipality, update.update_sequence, "applied")

    def _page(self, sender_id: str, request: ReconciliationRequest) -> Reply:
        self._members.check(sender_id, request.municipality_code)
        if not 1 <= request.limit <= MAX_PAGE:
            raise LinkError(problem("KJ-LINK-015", "limit"))
        with self._lock:
            codes = self._codes(request.municipality_code)
            file = self._files.get(request.municipality_code, {})
            start = 0
            if request.after_resident_code is not None:
                start = bisect.bisect_right(codes, request.after_resident_code)
            chosen = codes[start : start + request.limit]
            records = tuple(file[code] for code in chosen)
            wire = self._wire.get(request.municipality_code, {})
            fragments = ",".join(wire[code] for code in chosen)
            complete = start + len(chosen) >= len(codes)
        page = ReconciliationPage(records, complete)
        data = (
            f'{{"type":"{ReconciliationPage.TAG}","body":{{"records":[{fragments}],'
            f'"complete":{"true" if complete else "false"}}}}}'
        )
        return Encoded(page, data.encode("utf-8"))

    def _digests(self, sender_id: str, request: ReconciliationDigestRequest) -> Message:
        self._members.check(sender_id, request.municipality_code)
        raise_problems(check_digest_request(request))
        key = bytes.fromhex(request.key)
        ends: list[str | None] = [*request.bounds, *([None] if request.to_end else [])]
        counts: list[int] = []
        digests: list[str] = []
        with self._lock:
            codes = self._codes(request.municipality_code)
            fingerprints = self._fingerprints.get(request.municipality_code, {})
            after = request.after_resident_code
            start = 0 if after is None else bisect.bisect_right(codes, after)
            for end in ends:
                stop = len(codes) if end is None else bisect.bisect_right(codes, end, lo=start)
                found = range_digest(key, [fingerprints[code] for code in codes[start:stop]])
                counts.append(found.count)
                digests.append(found.digest.hex())
                start = stop
        return ReconciliationDigests(tuple(counts), tuple(digests))


# --- 全国サーバー -------------------------------------------------------------------------------


def _squeeze(text: str) -> str:
    return "".join(text.split())


class NationalServer:  # 全国サーバー (機構保存本人確認情報)
    """Answers identity queries nationwide and generates 個人番号 for births.

    個人番号 come from a deterministic counter completed with the check digit, skipping numbers
    already in use; asking again for the same 住民票コード returns the same number.
    """

    def __init__(self, members: Mapping[str, str], *, my_number_base: int = 10_000_000_000):
        self._members = _Members(members)
        self._lock = threading.Lock()
        self._records: dict[str, IdentityRecord] = {}
        self._by_my_number: dict[str, str] = {}
        self._issued: dict[str, str] = {}
        self._taken: set[str] = set()
        self._next = my_number_base

    def put(self, record: IdentityRecord, *, replaces: str | None = None) -> None:
        """Takes a record the prefecture applied (or a test seeds).

        One record per person nationwide: after a move, the former municipality's 消除 may
        arrive after the new municipality's 転入, and must not bury the living record.
        """
        with self._lock:
            if replaces is not None:
                self._records.pop(replaces, None)
            old = self._records.get(record.resident_code)
            if (
                old is not None
                and old.municipality_code != record.municipality_code
                and _liveliness(record) < _liveliness(old)
            ):
                return
            if old is not None and self._by_my_number.get(old.my_number) == old.resident_code:
                del self._by_my_number[old.my_number]
            self._records[record.resident_code] = record
            self._by_my_number[record.my_number] = record.resident_code

    def handle(self, sender_id: str, message: Message) -> Message:
        if isinstance(message, QueryByResidentCode | QueryByMyNumber | QueryByFourItems):
            if not self._members.is_member(sender_id):
                raise LinkError(problem("KJ-LINK-018"))
            raise_problems(check_query(message))
            return IdentityQueryResult(self._query(message))
        if isinstance(message, MyNumberRequest):
            return self._my_number(sender_id, message)
        raise _refuse_unhandled(message)

    def _query(
        self, query: QueryByResidentCode | QueryByMyNumber | QueryByFourItems
    ) -> tuple[IdentityRecord, ...]:
        with self._lock:
            if isinstance(query, QueryByResidentCode):
                candidates = [self._records.get(query.resident_code)]
            elif isinstance(query, QueryByMyNumber):
                code = self._by_my_number.get(query.my_number)
                candidates = [self._records.get(code) if code else None]
            else:
                candidates = [r for r in self._records.values() if _matches(query, r)]
        alive = sorted(
            (r for r in candidates if r is not None and r.record_state == "current"),
            key=lambda r: r.resident_code,
        )
        return tuple(alive[:MAX_QUERY_RESULTS])

    def _my_number(self, sender_id: str, request: MyNumberRequest) -> Message:
        self._members.check(sender_id, request.municipality_code)
        if not is_valid_resident_code(request.resident_code):
            raise FormatError(problem("KJ-FMT-006", "resident_code"))
        _check_number(request.request_number, "request_number")
        with self._lock:
            issued = self._issued.get(request.resident_code)
            if issued is None:
                issued = self._generate()
                self._issued[request.resident_code] = issued
        return MyNumberIssued(request.resident_code, issued)

    def _generate(self) -> str:
        while True:
            candidate = complete_my_number(f"{self._next:011d}")
            self._next += 1
            if candidate not in self._by_my_number and candidate not in self._taken:
                self._taken.add(candidate)
                return candidate


def _liveliness(record: IdentityRecord) -> int:
    """Where the person lives now: a current record over a planned move-out over a 除票."""
    if record.record_state == "deleted":
        return 0
    return 1 if record.planned else 2


def _matches(query: QueryByFourItems, record: IdentityRecord) -> bool:
    if query.name is not None:
        by_kanji = _squeeze(query.name) == _squeeze(record.name_kanji)
        by_kana = is_kana(query.name) and seion_kana(query.name) == record.name_seion_kana
        if not (by_kanji or by_kana):
            return False
    if query.address is not None and _squeeze(query.address) != _squeeze(record.address):
        return False
    if query.birth_date is not None and query.birth_date != record.birth_date:
        return False
    return query.sex is None or query.sex == record.sex


# --- 個人番号カード管理システム (J-LIS) ----------------------------------------------------------


class CardManagementSystem:  # 個人番号カード管理システム
    """Receives 送付先情報 (checked unedited) and card states; answers the latest state."""

    def __init__(self, members: Mapping[str, str]):
        self._members = _Members(members)
        self._lock = threading.Lock()
        self._deliveries: dict[tuple[str, str], DeliveryInfoNotice] = {}
        self._notices: dict[tuple[str, str], CardStatusNotice] = {}
        self._latest: dict[str, CardStatusNotice] = {}

    def deliveries(self) -> tuple[DeliveryInfoNotice, ...]:
        with self._lock:
            return tuple(self._deliveries.values())

    def handle(self, sender_id: str, message: Message) -> Message:
        if isinstance(message, DeliveryInfoNotice):
            self._members.check(sender_id, message.municipality_code)
            _check_number(message.delivery_number, "delivery_number")
            if not message.is_intact():
                raise LinkError(problem("KJ-LINK-023", "content"))
            key = (message.municipality_code, message.delivery_number)
            return NoticeAck(message.delivery_number, self._store(self._deliveries, key, message))
        if isinstance(message, CardStatusNotice):
            self._members.check(sender_id, message.municipality_code)
            _check_number(message.notice_number, "notice_number")
            if not is_valid_resident_code(message.resident_code):
                raise FormatError(problem("KJ-FMT-006", "resident_code"))
            key = (message.municipality_code, message.notice_number)
            status = self._store(self._notices, key, message)
            if status == "applied":
                with self._lock:
                    self._latest[message.resident_code] = message
            return NoticeAck(message.notice_number, status)
        if isinstance(message, CardStatusQuery):
            self._members.check(sender_id, message.municipality_code)
            with self._lock:
                latest = self._latest.get(message.resident_code)
            return CardStatusReply(message.resident_code, latest)
        raise _refuse_unhandled(message)

    def _store(
        self, table: dict[tuple[str, str], _N], key: tuple[str, str], message: _N
    ) -> Literal["applied", "duplicate"]:
        with self._lock:
            before = table.get(key)
            if before is None:
                table[key] = message
                return "applied"
        if before != message:
            raise LinkError(problem("KJ-LINK-020", key[1]))
        return "duplicate"


# --- 市町村CS間の中継 --------------------------------------------------------------------------


def _check_certificate(certificate: MoveOutCertificate) -> None:
    found: list[Problem] = []
    if not is_valid_resident_code(certificate.resident_code):
        found.append(problem("KJ-FMT-006", "resident_code"))
    if not is_valid_my_number(certificate.my_number):
        found.append(problem("KJ-FMT-005", "my_number"))
    for item in ("from_municipality_code", "destination_municipality_code"):
        if not is_valid_local_gov_code(getattr(certificate, item)):
            found.append(problem("KJ-FMT-007", item))
    if found:
        raise FormatError(found)


_Numbered = TypeVar("_Numbered")  # a message the exchange keeps under its number


class MunicipalExchange:  # 市町村CS間の中継 (転出証明書情報・転入通知)
    """Routes 転出証明書情報 and 転入通知 between municipalities' CS, store and forward.

    The former municipality publishes the certificate when it records a move-out; only the
    destination it names can fetch it (anyone else hears there is none: KJ-LINK-026, the same
    answer as for a certificate that does not exist). 転入通知 wait in the former
    municipality's mailbox until it acknowledges them; the certificate is withdrawn once its
    move-in is notified. Notice numbers are unique per recipient mailbox.
    """

    def __init__(self, members: Mapping[str, str]):
        self._members = _Members(members)
        self._lock = threading.Lock()
        self._certificates: dict[str, MoveOutCertificate] = {}
        self._published: dict[tuple[str, str], MoveOutCertificate] = {}
        self._withdrawals: dict[tuple[str, str], MoveOutCertificateWithdrawal] = {}
        self._mailboxes: dict[str, dict[str, MoveInNotice]] = {}
        self._notices: dict[tuple[str, str], MoveInNotice] = {}
        self._acknowledged: set[tuple[str, str]] = set()

    def handle(self, sender_id: str, message: Message) -> Message:
        if isinstance(message, MoveOutCertificate):
            return self._publish(sender_id, message)
        if isinstance(message, MoveOutCertificateRequest):
            return self._fetch(sender_id, message)
        if isinstance(message, MoveOutCertificateWithdrawal):
            return self._withdraw(sender_id, message)
        if isinstance(message, MoveInNotice):
            return self._notify(sender_id, message)
        if isinstance(message, MoveInNoticePoll):
            self._members.check(sender_id, message.municipality_code)
            if not 1 <= message.limit <= MAX_PAGE:
                raise LinkError(problem("KJ-LINK-015", "limit"))
            with self._lock:
                waiting = self._mailboxes.get(message.municipality_code, {})
                return MoveInNoticeBatch(tuple(waiting.values())[: message.limit])
        if isinstance(message, MoveInNoticeReceipt):
            return self._receipt(sender_id, message)
        raise _refuse_unhandled(message)

    def _publish(self, sender_id: str, certificate: MoveOutCertificate) -> Message:
        self._members.check(sender_id, certificate.from_municipality_code)
        _check_number(certificate.certificate_number, "certificate_number")
        _check_certificate(certificate)

        def publish() -> None:
            self._certificates[certificate.resident_code] = certificate

        key = (certificate.from_municipality_code, certificate.certificate_number)
        return self._once(self._published, key, certificate, "certificate_number", publish)

    def _once(
        self,
        seen: dict[tuple[str, str], _Numbered],
        key: tuple[str, str],
        message: _Numbered,
        number_item: str,
        apply: Callable[[], None],
    ) -> NoticeAck:
        """Applies a numbered message the first time; the same message again is a duplicate,
        another message under the same number is refused (KJ-LINK-020)."""
        with self._lock:
            before = seen.get(key)
            if before is None:
                seen[key] = message
                apply()
                return NoticeAck(key[1], "applied")
        if before != message:
            raise LinkError(problem("KJ-LINK-020", number_item))
        return NoticeAck(key[1], "duplicate")

    def _withdraw(self, sender_id: str, withdrawal: MoveOutCertificateWithdrawal) -> Message:
        self._members.check(sender_id, withdrawal.from_municipality_code)
        _check_number(withdrawal.withdrawal_number, "withdrawal_number")
        if not is_valid_resident_code(withdrawal.resident_code):
            raise FormatError([problem("KJ-FMT-006", "resident_code")])

        def withdraw() -> None:
            certificate = self._certificates.get(withdrawal.resident_code)
            if (
                certificate is not None
                and certificate.from_municipality_code == withdrawal.from_municipality_code
            ):
                del self._certificates[withdrawal.resident_code]

        key = (withdrawal.from_municipality_code, withdrawal.withdrawal_number)
        return self._once(self._withdrawals, key, withdrawal, "withdrawal_number", withdraw)

    def _fetch(self, sender_id: str, request: MoveOutCertificateRequest) -> Message:
        self._members.check(sender_id, request.requesting_municipality_code)
        with self._lock:
            certificate = self._certificates.get(request.resident_code)
        if (
            certificate is None
            or certificate.destination_municipality_code != request.requesting_municipality_code
        ):
            raise LinkError(problem("KJ-LINK-026", "resident_code"))
        return certificate

    def _notify(self, sender_id: str, notice: MoveInNotice) -> Message:
        self._members.check(sender_id, notice.from_municipality_code)
        _check_number(notice.notice_number, "notice_number")
        found: list[Problem] = []
        if not is_valid_resident_code(notice.resident_code):
            found.append(problem("KJ-FMT-006", "resident_code"))
        if not is_valid_local_gov_code(notice.to_municipality_code):
            found.append(problem("KJ-FMT-007", "to_municipality_code"))
        if found:
            raise FormatError(found)

        def deliver() -> None:
            mailbox = self._mailboxes.setdefault(notice.to_municipality_code, {})
            mailbox[notice.notice_number] = notice
            # The move-in is notified: the certificate has served its purpose.
            certificate = self._certificates.get(notice.resident_code)
            if (
                certificate is not None
                and certificate.destination_municipality_code == notice.from_municipality_code
            ):
                del self._certificates[notice.resident_code]

        key = (notice.to_municipality_code, notice.notice_number)
        return self._once(self._notices, key, notice, "notice_number", deliver)

    def _receipt(self, sender_id: str, receipt: MoveInNoticeReceipt) -> Message:
        self._members.check(sender_id, receipt.municipality_code)
        key = (receipt.municipality_code, receipt.notice_number)
        with self._lock:
            mailbox = self._mailboxes.get(receipt.municipality_code, {})
            if mailbox.pop(receipt.notice_number, None) is not None:
                self._acknowledged.add(key)
                return NoticeAck(receipt.notice_number, "applied")
            if key in self._acknowledged:
                return NoticeAck(receipt.notice_number, "duplicate")
        raise LinkError(problem("KJ-LINK-028", "notice_number"))


# --- the whole simulated network ---------------------------------------------------------------

Clock = Callable[[], dt.datetime]


class SimulatedNetwork:
    """Every peer, its keys and trust, and a CS party per municipality, in one process.

    ``link(code)`` gives a municipality's :class:`CsClient` that reaches the peers in process
    (envelopes sealed and opened, no socket); inside ``with net.serve_tcp():``,
    ``tcp_link(code)`` gives one that crosses real loopback sockets.
    """

    def __init__(
        self,
        municipality_codes: Iterable[str],
        *,
        clock: Clock,
        window: dt.timedelta = DEFAULT_WINDOW,
        audit: Audit | None = None,
        my_number_base: int = 10_000_000_000,
    ):
        self.clock = clock
        self.window = window
        self.municipalities: dict[str, Party] = {
            code: Party.generate(municipality_party_id(code)) for code in municipality_codes
        }
        members = {party.party_id: code for code, party in self.municipalities.items()}
        self.national = NationalServer(members, my_number_base=my_number_base)
        self.prefecture = PrefectureServer(members, national=self.national)
        self.card_management = CardManagementSystem(members)
        self.exchange = MunicipalExchange(members)
        self.peer_parties: dict[str, Party] = {
            peer_id: Party.generate(peer_id)
            for peer_id in (PREFECTURE_ID, NATIONAL_ID, CARD_MANAGEMENT_ID, EXCHANGE_ID)
        }
        handlers = {
            PREFECTURE_ID: self.prefecture.handle,
            NATIONAL_ID: self.national.handle,
            CARD_MANAGEMENT_ID: self.card_management.handle,
            EXCHANGE_ID: self.exchange.handle,
        }
        municipal_trust = {p.party_id: p.public_keys for p in self.municipalities.values()}
        self.servers: dict[str, EnvelopeServer] = {}
        for peer_id, party in self.peer_parties.items():
            endpoint = Endpoint(party, TrustStore(municipal_trust), clock, window=window)
            self.servers[peer_id] = EnvelopeServer(endpoint, handlers[peer_id], audit)
        self._tcp: dict[str, TcpServer] = {}

    def endpoint(self, municipality_code: str) -> Endpoint:
        """A fresh endpoint for the municipality's CS party, trusting every peer."""
        trust = TrustStore({pid: p.public_keys for pid, p in self.peer_parties.items()})
        party = self.municipalities[municipality_code]
        return Endpoint(party, trust, self.clock, window=self.window)

    def _client(self, code: str, transports: Mapping[str, Transport], retries: int) -> CsClient:
        return CsClient(
            self.endpoint(code),
            code,
            prefecture=Route(PREFECTURE_ID, transports[PREFECTURE_ID]),
            national=Route(NATIONAL_ID, transports[NATIONAL_ID]),
            card_management=Route(CARD_MANAGEMENT_ID, transports[CARD_MANAGEMENT_ID]),
            exchange=Route(EXCHANGE_ID, transports[EXCHANGE_ID]),
            retries=retries,
        )

    def link(self, municipality_code: str, *, retries: int = 0) -> CsClient:
        transports = {pid: InProcessTransport(server) for pid, server in self.servers.items()}
        return self._client(municipality_code, transports, retries)

    @contextlib.contextmanager
    def serve_tcp(self, host: str = "127.0.0.1") -> Iterator[dict[str, tuple[str, int]]]:
        """Runs every peer behind its own TCP server; yields peer id -> (host, port)."""
        started: dict[str, TcpServer] = {}
        try:
            for peer_id, server in self.servers.items():
                started[peer_id] = TcpServer(server, host).start()
            self._tcp = started
            yield {peer_id: tcp.address for peer_id, tcp in started.items()}
        finally:
            self._tcp = {}
            for tcp in started.values():
                tcp.stop()

    def tcp_link(
        self, municipality_code: str, *, timeout: float = 5.0, retries: int = 1
    ) -> CsClient:
        if not self._tcp:
            raise RuntimeError("call inside `with network.serve_tcp():`")
        transports: dict[str, Transport] = {
            pid: TcpTransport(*tcp.address, timeout=timeout) for pid, tcp in self._tcp.items()
        }
        return self._client(municipality_code, transports, retries)
