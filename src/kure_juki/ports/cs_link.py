"""The CS link as the register needs it (市町村CS ↔ 都道府県サーバー / 全国サーバー / J-LIS).

One protocol per peer, and :class:`CsLink` for a CS that reaches them all. A link belongs to
one municipality: the messages it builds carry that municipality's code, and peers refuse a
sender acting for another (KJ-LINK-018).

Every method either returns the peer's answer or raises :class:`~kure_juki.domain.errors.
LinkError`:

- :class:`~kure_juki.domain.cs_messages.PeerRefused` (KJ-LINK-011 then the peer's own
  problems, e.g. KJ-LOGIC-001; ``expected_sequence`` after KJ-LINK-019): a definite answer —
  retrying the same message gets the same refusal;
- KJ-LINK-009 unreachable, KJ-LINK-010 timeout, KJ-LINK-016 closed without reply: the
  message may or may not have arrived; resending it is safe because every message the peers
  apply is idempotent by its 更新順番号 or notice number (a duplicate is acknowledged with
  status ``duplicate`` and not applied twice);
- KJ-LINK-001 … 008 when the peer's reply failed authentication, KJ-LINK-017 when it does not
  answer the request.

整合性確認 asks for the prefecture's digests from a worker thread while it may be reading a range
of the prefecture's records on its own: a link must take calls from two threads at once
(``CsClient`` serialises them per peer).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from kure_juki.domain.cs_messages import (
    CardStatusNotice,
    DeliveryInfoNotice,
    IdentityQuery,
    IdentityUpdate,
    MoveInNotice,
    MoveOutCertificate,
    MoveOutCertificateWithdrawal,
    NoticeAck,
    UpdateAck,
)
from kure_juki.domain.identity_file import IdentityRecord, RangeDigest

__all__ = [
    "CardManagementLink",
    "CsLink",
    "InterMunicipalLink",
    "NationalLink",
    "PrefectureLink",
]


@runtime_checkable
class PrefectureLink(Protocol):  # 都道府県サーバー
    municipality_code: str

    def send_identity_update(self, update: IdentityUpdate) -> UpdateAck:
        """本人確認情報の更新通知 (住基法30条の6), in 更新順番号 order without gaps.

        A gap is refused with KJ-LINK-019 and ``expected_sequence``; a number already applied
        is acknowledged again (``duplicate``) if the content is the same, refused with
        KJ-LINK-020 if not. A refused update (its checks failed at the prefecture) still uses
        up its number: resending it returns the same refusal, the stream moves on.
        """
        ...

    def reconciliation_records(
        self,
        *,
        page_size: int = 1000,
        after: str | None = None,
        through: str | None = None,
    ) -> Iterator[IdentityRecord]:
        """The prefecture's copy of this municipality's file (都道府県知事保存本人確認情報), in
        住民票コード order, fetched page by page: all of it, or the records whose code is in
        (``after``, ``through``]. Feed it to ``identity_file.reconcile``. A page out of order
        raises KJ-LINK-022."""
        ...

    def reconciliation_digests(
        self, key: bytes, after: str | None, bounds: Sequence[str], *, to_end: bool = False
    ) -> tuple[RangeDigest, ...]:
        """The count and digest of each range of the prefecture's copy (整合性確認, digest
        first): (``after``, ``bounds[0]``], (``bounds[0]``, ``bounds[1]``] … and, with
        ``to_end``, one range more to the end of the file. Digests are keyed with ``key`` (16
        to 64 bytes; see ``identity_file.range_digest``). Bounds out of order, a bad key or more
        than ``cs_messages.MAX_RANGES`` ranges are refused (KJ-LINK-015); a reply with another
        number of ranges is KJ-LINK-017."""
        ...


@runtime_checkable
class NationalLink(Protocol):  # 全国サーバー (機構保存本人確認情報)
    municipality_code: str

    def query_identity(self, query: IdentityQuery) -> tuple[IdentityRecord, ...]:
        """本人確認情報の照会 by 住民票コード, 個人番号 or the four items.

        A four-item query needs two of 氏名, 住所, 生年月日 (KJ-ACCESS-002, checked before
        anything is sent). Current records only; no match is an empty tuple.
        """
        ...

    def request_my_number(self, resident_code: str, request_number: str) -> str:
        """The 個人番号 generated for a person (a birth) holding ``resident_code``.

        Asking again for the same resident code returns the same number.
        """
        ...


@runtime_checkable
class CardManagementLink(Protocol):  # 個人番号カード管理システム (J-LIS)
    municipality_code: str

    def send_delivery_info(self, notice: DeliveryInfoNotice) -> NoticeAck:
        """送付先情報, unedited (the digest travels with it; J-LIS refuses a mismatch)."""
        ...

    def send_card_status(self, notice: CardStatusNotice) -> NoticeAck:
        """A card's state as the municipality changed it (交付, 一時停止, 廃止, 返納 …)."""
        ...

    def card_status(self, resident_code: str) -> CardStatusNotice | None:
        """The latest card state J-LIS holds for the person, None when it holds none."""
        ...


@runtime_checkable
class InterMunicipalLink(Protocol):  # 市町村CS間の連携 (転出証明書情報・転入通知)
    municipality_code: str

    def publish_move_out_certificate(self, certificate: MoveOutCertificate) -> NoticeAck:
        """Makes a 転出証明書情報 available to its destination municipality (特例転出)."""
        ...

    def fetch_move_out_certificate(
        self, resident_code: str, requesting_municipality_code: str
    ) -> MoveOutCertificate:
        """The 転出証明書情報 for 特例転入; only the destination it names may fetch it
        (otherwise, or when there is none, KJ-LINK-026 inside PeerRefused)."""
        ...

    def withdraw_move_out_certificate(self, withdrawal: MoveOutCertificateWithdrawal) -> NoticeAck:
        """Takes back the publisher's 転出証明書情報 for the person: fetching it is then
        answered as for one that never existed. Withdrawing twice is acknowledged as a
        duplicate; withdrawing what was never published is acknowledged all the same."""
        ...

    def send_move_in_notice(self, notice: MoveInNotice) -> NoticeAck:
        """転入通知 to the former municipality (住基法9条1項)."""
        ...

    def pending_move_in_notices(self, *, limit: int = 100) -> tuple[MoveInNotice, ...]:
        """転入通知 addressed to this municipality, oldest first, until acknowledged."""
        ...

    def acknowledge_move_in_notice(self, notice_number: str) -> NoticeAck:
        """Confirms a 転入通知 was processed (消除 recorded); it is not delivered again."""
        ...


@runtime_checkable
class CsLink(PrefectureLink, NationalLink, CardManagementLink, InterMunicipalLink, Protocol):
    """Everything the register asks of its 市町村CS."""
