"""The CS link port over sealed envelopes: :class:`CsClient` implements ``ports.cs_link.CsLink``.

Each peer is reached through a :class:`Route` (its party id and a transport: TCP or
in-process). Sealing and sending happen under the route's lock so the receiver sees one
stream in order. The client authenticates every reply as the server authenticated the request
(相互認証): a reply must open with our keys, come from the peer we called, and echo our
request's nonce.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Final, TypeVar

from kure_juki.adapters.cs.envelope import Endpoint, Stream
from kure_juki.adapters.cs.transport import Transport, unbind_reply
from kure_juki.domain.cs_messages import (
    CardStatusNotice,
    CardStatusQuery,
    CardStatusReply,
    DeliveryInfoNotice,
    IdentityQuery,
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
    PeerRefused,
    ReconciliationDigestRequest,
    ReconciliationDigests,
    ReconciliationPage,
    ReconciliationRequest,
    Refusal,
    UpdateAck,
    check_digest_request,
    check_query,
    encode_message,
)
from kure_juki.domain.errors import LinkError, problem, raise_problems
from kure_juki.domain.identifiers import is_valid_my_number
from kure_juki.domain.identity_file import IdentityRecord, RangeDigest

__all__ = ["CsClient", "Route"]

_M = TypeVar("_M")
# Worth another attempt with a fresh envelope: the message may not have arrived, and every
# message the peers apply is idempotent by its number.
RETRYABLE: Final = frozenset({"KJ-LINK-009", "KJ-LINK-010", "KJ-LINK-016"})


class Route:
    """How to reach one peer: its party id and a transport, with our stream to it."""

    def __init__(self, peer_id: str, transport: Transport):
        self.peer_id = peer_id
        self.transport = transport
        self.stream = Stream()
        self.lock = threading.Lock()


class CsClient:
    """A municipality's 市町村CS link to the prefecture, national server, J-LIS and the
    inter-municipal exchange (implements :class:`kure_juki.ports.cs_link.CsLink`)."""

    def __init__(
        self,
        endpoint: Endpoint,
        municipality_code: str,
        *,
        prefecture: Route,
        national: Route,
        card_management: Route,
        exchange: Route,
        retries: int = 1,
        retry_delay: float = 0.0,
    ):
        self.endpoint = endpoint
        self.municipality_code = municipality_code
        self.prefecture = prefecture
        self.national = national
        self.card_management = card_management
        self.exchange = exchange
        self.retries = retries
        self.retry_delay = retry_delay

    def call(self, route: Route, message: Message, expect: type[_M]) -> _M:
        """Sends ``message`` to the peer and returns its authenticated reply of type ``expect``."""
        body = encode_message(message)
        attempt = 0
        while True:
            try:
                return self._call_once(route, body, expect)
            except LinkError as error:
                if error.code not in RETRYABLE or attempt >= self.retries:
                    raise
            attempt += 1
            if self.retry_delay:
                time.sleep(self.retry_delay)

    def _call_once(self, route: Route, body: bytes, expect: type[_M]) -> _M:
        with route.lock:
            envelope, nonce = self.endpoint.seal(route.peer_id, body, stream=route.stream)
            reply_frame = route.transport.exchange(envelope)
            # Opened in the order they arrived: replies are numbered in the peer's stream.
            opened = self.endpoint.open(reply_frame)
        if opened.sender_id != route.peer_id:
            raise LinkError("KJ-LINK-017")
        reply = unbind_reply(nonce, opened.body)
        if isinstance(reply, Refusal):
            raise PeerRefused(reply)
        if not isinstance(reply, expect):
            raise LinkError("KJ-LINK-017")
        return reply

    def close(self) -> None:
        for route in (self.prefecture, self.national, self.card_management, self.exchange):
            route.transport.close()

    # --- 都道府県サーバー ---

    def send_identity_update(self, update: IdentityUpdate) -> UpdateAck:
        ack = self.call(self.prefecture, update, UpdateAck)
        if ack.update_sequence != update.update_sequence:
            raise LinkError("KJ-LINK-017")
        return ack

    def reconciliation_records(
        self,
        *,
        page_size: int = 1000,
        after: str | None = None,
        through: str | None = None,
    ) -> Iterator[IdentityRecord]:
        """The prefecture's copy in 住民票コード order, page by page: all of it, or the codes in
        (``after``, ``through``]. One page in memory at a time, however large the file.

        Each page must run strictly ascending from after the last code asked for, whole
        (KJ-LINK-022): a range ends at the first code past ``through``, and a page out of order
        could otherwise hide records behind it.
        """
        while True:
            request = ReconciliationRequest(self.municipality_code, after, page_size)
            page = self.call(self.prefecture, request, ReconciliationPage)
            codes = [record.resident_code for record in page.records]
            if after is not None:
                codes.insert(0, after)
            if any(a >= b for a, b in itertools.pairwise(codes)):
                raise LinkError(problem("KJ-LINK-022", "theirs"))
            for record in page.records:
                if through is not None and record.resident_code > through:
                    return
                yield record
            if page.complete or not page.records:
                return
            after = page.records[-1].resident_code

    def reconciliation_digests(
        self, key: bytes, after: str | None, bounds: Sequence[str], *, to_end: bool = False
    ) -> tuple[RangeDigest, ...]:
        request = ReconciliationDigestRequest(
            self.municipality_code, key.hex(), after, tuple(bounds), to_end
        )
        raise_problems(check_digest_request(request))  # nothing leaves that the peer would refuse
        ranges = self.call(self.prefecture, request, ReconciliationDigests).ranges()
        if len(ranges) != len(bounds) + to_end:
            raise LinkError("KJ-LINK-017")
        return ranges

    # --- 全国サーバー ---

    def query_identity(self, query: IdentityQuery) -> tuple[IdentityRecord, ...]:
        raise_problems(check_query(query))  # nothing leaves for a query the discipline forbids
        return self.call(self.national, query, IdentityQueryResult).records

    def request_my_number(self, resident_code: str, request_number: str) -> str:
        request = MyNumberRequest(self.municipality_code, resident_code, request_number)
        issued = self.call(self.national, request, MyNumberIssued)
        if issued.resident_code != resident_code or not is_valid_my_number(issued.my_number):
            raise LinkError("KJ-LINK-017")
        return issued.my_number

    # --- 個人番号カード管理システム ---

    def send_delivery_info(self, notice: DeliveryInfoNotice) -> NoticeAck:
        return self._notice(self.card_management, notice, notice.delivery_number)

    def send_card_status(self, notice: CardStatusNotice) -> NoticeAck:
        return self._notice(self.card_management, notice, notice.notice_number)

    def card_status(self, resident_code: str) -> CardStatusNotice | None:
        query = CardStatusQuery(self.municipality_code, resident_code)
        return self.call(self.card_management, query, CardStatusReply).latest

    # --- 市町村CS間 ---

    def publish_move_out_certificate(self, certificate: MoveOutCertificate) -> NoticeAck:
        return self._notice(self.exchange, certificate, certificate.certificate_number)

    def withdraw_move_out_certificate(self, withdrawal: MoveOutCertificateWithdrawal) -> NoticeAck:
        return self._notice(self.exchange, withdrawal, withdrawal.withdrawal_number)

    def fetch_move_out_certificate(
        self, resident_code: str, requesting_municipality_code: str
    ) -> MoveOutCertificate:
        request = MoveOutCertificateRequest(resident_code, requesting_municipality_code)
        certificate = self.call(self.exchange, request, MoveOutCertificate)
        if certificate.resident_code != resident_code:
            raise LinkError("KJ-LINK-017")
        return certificate

    def send_move_in_notice(self, notice: MoveInNotice) -> NoticeAck:
        return self._notice(self.exchange, notice, notice.notice_number)

    def pending_move_in_notices(self, *, limit: int = 100) -> tuple[MoveInNotice, ...]:
        poll = MoveInNoticePoll(self.municipality_code, limit)
        return self.call(self.exchange, poll, MoveInNoticeBatch).notices

    def acknowledge_move_in_notice(self, notice_number: str) -> NoticeAck:
        receipt = MoveInNoticeReceipt(self.municipality_code, notice_number)
        return self._notice(self.exchange, receipt, notice_number)

    def _notice(self, route: Route, message: Message, number: str) -> NoticeAck:
        ack = self.call(route, message, NoticeAck)
        if ack.notice_number != number:
            raise LinkError("KJ-LINK-017")
        return ack
