"""The messages the register exchanges with Juki-net through its 市町村CS (CS電文).

The real protocol is not public; these are ours. Each message is a frozen attrs class; the wire
form is compact JSON ``{"type": …, "body": …}`` made with a strict cattrs converter (no
coercion: a number where a string is expected is refused, not turned into one). Identity
records travel only in their whitelisted form (:func:`~kure_juki.domain.identity_file.
to_cs_payload`). Envelopes, keys and sockets live in ``adapters/cs``: this module is pure.

Idempotency keys: an identity update carries its 更新順番号 (per municipality, contiguous from
1); notices carry a notice or management number chosen by the sender. A peer receiving the same
key again with the same content answers as before without applying it twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
import typing
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Final, Literal, TypeVar

import attrs
import cattrs

from kure_juki.domain.codes import CATALOGUE
from kure_juki.domain.errors import LinkError, Problem, RegistryError, problem
from kure_juki.domain.format_checks import is_clean_text
from kure_juki.domain.identifiers import (
    is_valid_local_gov_code,
    is_valid_my_number,
    is_valid_resident_code,
)
from kure_juki.domain.identity_file import (
    DIGEST_KEY_SIZE,
    DIGEST_SIZE,
    IdentityRecord,
    RangeDigest,
    identity_record_from_payload,
    to_cs_payload,
)
from kure_juki.domain.mj_text import juki_codes

__all__ = [
    "MAX_RANGES",
    "CardStatusNotice",
    "CardStatusQuery",
    "CardStatusReply",
    "DeliveryInfoNotice",
    "IdentityQuery",
    "IdentityQueryResult",
    "IdentityUpdate",
    "Message",
    "MoveInNotice",
    "MoveInNoticeBatch",
    "MoveInNoticePoll",
    "MoveInNoticeReceipt",
    "MoveOutCertificate",
    "MoveOutCertificateRequest",
    "MoveOutCertificateWithdrawal",
    "MyNumberIssued",
    "MyNumberRequest",
    "NoticeAck",
    "PeerRefused",
    "QueryByFourItems",
    "QueryByMyNumber",
    "QueryByResidentCode",
    "ReconciliationDigestRequest",
    "ReconciliationDigests",
    "ReconciliationPage",
    "ReconciliationRequest",
    "Refusal",
    "UnifiedText",
    "UpdateAck",
    "check_digest_request",
    "check_query",
    "decode_message",
    "encode_message",
    "is_valid_message_number",
    "unified_texts",
]

AckStatus = Literal["applied", "duplicate"]
Sex = Literal["male", "female"]
CardKind = Literal["my_number_card", "juki_card"]  # 個人番号カード / 住基カード
# 交付, 受取, 一時停止, 一時停止解除, 廃止, 返納, 有効期限切れ
CardStatus = Literal[
    "issued", "delivered", "suspended", "resumed", "revoked", "returned", "expired"
]

_MESSAGE_NUMBER = re.compile(r"[0-9A-Za-z][0-9A-Za-z._:-]{0,39}")
_HEX = re.compile(r"[0-9a-f]+")
_MAX_KEY_HEX: Final = 2 * hashlib.blake2b.MAX_KEY_SIZE
MAX_RANGES: Final = 10_000
"""The most ranges one digest request may ask for."""

_T = TypeVar("_T")
MESSAGE_TYPES: dict[str, type] = {}
"""Wire tag -> message class."""


def _message(tag: str) -> Callable[[type[_T]], type[_T]]:
    def register(cls: type[_T]) -> type[_T]:
        cls.TAG = tag  # type: ignore[attr-defined]
        MESSAGE_TYPES[tag] = cls
        return cls

    return register


def is_valid_message_number(value: object) -> bool:
    """The shape of a notice, certificate, delivery or request number: 1–40 safe characters."""
    return isinstance(value, str) and _MESSAGE_NUMBER.fullmatch(value) is not None


# --- 住基ネット統一文字 (標準7.1.1.1) ------------------------------------------------------------


@attrs.frozen
class UnifiedText:  # 住基ネット統一文字による表記
    """One kanji item of a message (氏名, 住所, …) as 住基ネット統一文字コード, one per character
    of the item's Unicode text ("J+AEAC" for 𠮷): the CS takes the codes, the text travels
    beside them for reading (docs/characters.md)."""

    item: str
    codes: tuple[str, ...]


def unified_texts(
    items: Sequence[tuple[str, str | None]],
) -> tuple[tuple[UnifiedText, ...], list[Problem]]:
    """The 統一文字 form of each (item, text) given, and a KJ-LINK-901 problem for every
    character that has no 住基ネット統一文字コード: such a message is refused before it is
    enqueued, never sent with the character changed."""
    out: list[UnifiedText] = []
    found: list[Problem] = []
    for item, text in items:
        if not text:
            continue
        codes, missing = juki_codes(text, item)
        found += missing
        out.append(UnifiedText(item, codes))
    return tuple(out), found


# --- 本人確認情報の更新 (住基法30条の6) --------------------------------------------------------


@_message("identity_update")
@attrs.frozen
class IdentityUpdate:  # 本人確認情報更新通知
    """One change of a person's 本人確認情報, for the prefecture (市町村CS → 都道府県サーバー).

    For 住民票コード変更 the record carries the old code as ``old_resident_code``.
    """

    TAG: ClassVar[str]
    municipality_code: str
    reason: str  # 異動事由
    record: IdentityRecord
    unified: tuple[UnifiedText, ...] = ()  # 氏名・住所・転入前住所・旧氏 as 住基ネット統一文字

    @property
    def update_sequence(self) -> int:  # 更新順番号
        return self.record.update_sequence


@_message("update_ack")
@attrs.frozen
class UpdateAck:  # 更新通知の受領
    """``duplicate``: that 更新順番号 was applied before, with the same content."""

    TAG: ClassVar[str]
    municipality_code: str
    update_sequence: int
    status: AckStatus


# --- 転入通知 and 転出証明書情報 (特例転入) ------------------------------------------------------


@_message("move_in_notice")
@attrs.frozen
class MoveInNotice:  # 転入通知 (住基法9条1項)
    """From the new municipality to the former one, which then deletes (消除) the record."""

    TAG: ClassVar[str]
    notice_number: str  # 通知番号, unique per sending municipality
    from_municipality_code: str  # 転入地 (sender)
    to_municipality_code: str  # 転出地 (former municipality)
    resident_code: str  # 住民票コード
    name_kanji: str  # 氏名
    name_kana: str  # ふりがな
    birth_date: dt.date  # 生年月日
    sex: Sex  # 性別
    new_postal_code: str  # 転入先郵便番号
    new_address: str  # 転入先住所
    moved_in_on: dt.date  # 転入年月日
    notified_on: dt.date  # 届出年月日
    unified: tuple[UnifiedText, ...] = ()  # 氏名・転入先住所 as 住基ネット統一文字


@_message("notice_ack")
@attrs.frozen
class NoticeAck:  # 受領通知
    TAG: ClassVar[str]
    notice_number: str
    status: AckStatus


@_message("move_in_notice_poll")
@attrs.frozen
class MoveInNoticePoll:  # 転入通知の受信要求
    TAG: ClassVar[str]
    municipality_code: str
    limit: int = 100


@_message("move_in_notice_batch")
@attrs.frozen
class MoveInNoticeBatch:
    """Notices waiting for the former municipality; they stay until it sends a receipt."""

    TAG: ClassVar[str]
    notices: tuple[MoveInNotice, ...]


@_message("move_in_notice_receipt")
@attrs.frozen
class MoveInNoticeReceipt:  # 転入通知の受信確認
    TAG: ClassVar[str]
    municipality_code: str
    notice_number: str


@_message("move_out_certificate")
@attrs.frozen(kw_only=True)
class MoveOutCertificate:  # 転出証明書情報 (住基法24条の2, 施行令23条)
    """What the former municipality's 転出証明書 says, sent through the CS for 特例転入."""

    TAG: ClassVar[str]
    certificate_number: str  # 転出証明書情報の番号
    from_municipality_code: str  # 転出地市町村コード
    destination_municipality_code: str  # 転出先市町村コード
    destination_address: str  # 転出先住所
    planned_move_on: dt.date  # 転出予定年月日
    issued_on: dt.date  # 作成年月日
    resident_code: str  # 住民票コード
    my_number: str = attrs.field(repr=False)  # 個人番号
    name_kanji: str  # 氏名
    name_kana: str  # ふりがな
    birth_date: dt.date  # 生年月日
    sex: Sex  # 性別
    postal_code: str  # 郵便番号 (転出前)
    address: str  # 住所 (転出前)
    head_of_household: str  # 世帯主の氏名
    relationship: str  # 世帯主との続柄
    registered_domicile: str | None = None  # 本籍 (日本人住民)
    domicile_head: str | None = None  # 筆頭者 (日本人住民)
    nationality: str | None = None  # 国籍・地域 (外国人住民)
    category_30_45: str | None = None  # 法30条45規定区分
    residence_status: str | None = None  # 在留資格
    stay_expires_on: dt.date | None = None  # 在留期間の満了の日
    residence_card_number: str | None = None  # 在留カード等の番号
    alias: str | None = None  # 通称
    former_surname: str | None = None  # 旧氏
    former_surname_kana: str | None = None  # 旧氏 ふりがな
    unified: tuple[UnifiedText, ...] = ()  # the kanji items as 住基ネット統一文字


@_message("move_out_certificate_request")
@attrs.frozen
class MoveOutCertificateRequest:  # 転出証明書情報の請求
    """Only the destination municipality named in the certificate may fetch it."""

    TAG: ClassVar[str]
    resident_code: str
    requesting_municipality_code: str


@_message("move_out_certificate_withdrawal")
@attrs.frozen
class MoveOutCertificateWithdrawal:  # 転出証明書情報の取下げ
    """The former municipality takes back the 転出証明書情報 it published for a person whose 転出
    no longer stands (取消 of the 転出, or its 予定 cleared): no 特例転入 may be made on it."""

    TAG: ClassVar[str]
    withdrawal_number: str  # 取下げの番号, unique per municipality
    from_municipality_code: str  # 転出地市町村コード (the publisher)
    resident_code: str  # 住民票コード


# --- 本人確認情報の照会 (全国サーバー) and 個人番号の生成 ----------------------------------------


@_message("query_by_resident_code")
@attrs.frozen
class QueryByResidentCode:  # 住民票コードによる照会
    TAG: ClassVar[str]
    resident_code: str


@_message("query_by_my_number")
@attrs.frozen
class QueryByMyNumber:  # 個人番号による照会
    TAG: ClassVar[str]
    my_number: str = attrs.field(repr=False)


@_message("query_by_four_items")
@attrs.frozen(kw_only=True)
class QueryByFourItems:  # 4情報(氏名・住所・性別・生年月日)による照会
    """Search discipline: two of 氏名, 住所, 生年月日 at least (sex alone narrows nothing)."""

    TAG: ClassVar[str]
    name: str | None = None  # 漢字氏名 or ふりがな
    address: str | None = None
    birth_date: dt.date | None = None
    sex: Sex | None = None


IdentityQuery = QueryByResidentCode | QueryByMyNumber | QueryByFourItems


@_message("identity_query_result")
@attrs.frozen
class IdentityQueryResult:
    TAG: ClassVar[str]
    records: tuple[IdentityRecord, ...]


@_message("my_number_request")
@attrs.frozen
class MyNumberRequest:  # 個人番号の生成要求 (番号法8条2項)
    """For a newborn (or anyone without one) already given a 住民票コード."""

    TAG: ClassVar[str]
    municipality_code: str
    resident_code: str
    request_number: str  # 依頼管理番号


@_message("my_number_issued")
@attrs.frozen
class MyNumberIssued:  # 個人番号とすべき番号の通知
    TAG: ClassVar[str]
    resident_code: str
    my_number: str = attrs.field(repr=False)


# --- 整合性確認 (住基法14条) ---------------------------------------------------------------------


@_message("reconciliation_request")
@attrs.frozen
class ReconciliationRequest:  # 整合性確認用本人確認情報の要求
    """One page of the peer's copy for a municipality, after ``after_resident_code``."""

    TAG: ClassVar[str]
    municipality_code: str
    after_resident_code: str | None = None
    limit: int = 1000


@_message("reconciliation_page")
@attrs.frozen
class ReconciliationPage:
    """Records in 住民票コード order; ``complete`` when there is nothing after them."""

    TAG: ClassVar[str]
    records: tuple[IdentityRecord, ...]
    complete: bool


@_message("reconciliation_digest_request")
@attrs.frozen
class ReconciliationDigestRequest:  # 整合性確認用ダイジェストの要求
    """The count and digest (:func:`~kure_juki.domain.identity_file.range_digest`) of each range
    of the peer's copy for a municipality.

    The ranges are (``after_resident_code``, ``bounds[0]``], (``bounds[0]``, ``bounds[1]``] …
    and, with ``to_end``, one more after the last of them to the end of the file. ``key`` (hex)
    keys the digests: the requester picks a fresh one for each reconciliation, so no answer can
    be replayed from an earlier one.
    """

    TAG: ClassVar[str]
    municipality_code: str
    key: str = attrs.field(repr=False)
    after_resident_code: str | None
    bounds: tuple[str, ...]
    to_end: bool


@_message("reconciliation_digests")
@attrs.frozen
class ReconciliationDigests:
    """One count and one digest (hex) per range asked for, in the same order."""

    TAG: ClassVar[str]
    counts: tuple[int, ...]
    digests: tuple[str, ...]

    def ranges(self) -> tuple[RangeDigest, ...]:
        """The digests as values; KJ-LINK-015 when a count or digest is malformed."""
        if len(self.counts) != len(self.digests):
            raise LinkError(problem("KJ-LINK-015", "digests"))
        found: list[RangeDigest] = []
        for count, digest in zip(self.counts, self.digests, strict=True):
            if count < 0:
                raise LinkError(problem("KJ-LINK-015", "counts"))
            if len(digest) != 2 * DIGEST_SIZE or _HEX.fullmatch(digest) is None:
                raise LinkError(problem("KJ-LINK-015", "digests"))
            found.append(RangeDigest(count, bytes.fromhex(digest)))
        return tuple(found)


# --- 個人番号カード管理システム (J-LIS) -------------------------------------------------------


@_message("delivery_info")
@attrs.frozen
class DeliveryInfoNotice:  # 送付先情報の送信
    """送付先情報 sent unedited: ``content`` is the record exactly as built, with its digest.

    The receiving side recomputes the SHA-256 and refuses a mismatch (KJ-LINK-023).
    """

    TAG: ClassVar[str]
    municipality_code: str
    delivery_number: str  # 送付先管理番号
    content: str = attrs.field(repr=False)
    content_sha256: str

    @classmethod
    def build(
        cls, municipality_code: str, delivery_number: str, content: str
    ) -> DeliveryInfoNotice:
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
        return cls(municipality_code, delivery_number, content, digest)

    def is_intact(self) -> bool:
        return hashlib.sha256(self.content.encode("utf-8")).hexdigest() == self.content_sha256


@_message("card_status")
@attrs.frozen(kw_only=True)
class CardStatusNotice:  # カード状態の通知
    TAG: ClassVar[str]
    notice_number: str
    municipality_code: str
    resident_code: str
    card_kind: CardKind
    status: CardStatus
    changed_on: dt.date


@_message("card_status_query")
@attrs.frozen
class CardStatusQuery:  # カード状態の照会
    TAG: ClassVar[str]
    municipality_code: str
    resident_code: str


@_message("card_status_reply")
@attrs.frozen
class CardStatusReply:
    TAG: ClassVar[str]
    resident_code: str
    latest: CardStatusNotice | None


# --- refusals -----------------------------------------------------------------------------------


@_message("refusal")
@attrs.frozen
class Refusal:  # 拒否応答
    """A peer's no, with every problem it found; ``expected_sequence`` after a sequence gap."""

    TAG: ClassVar[str]
    problems: tuple[Problem, ...]
    expected_sequence: int | None = None

    @classmethod
    def of(cls, error: RegistryError, expected_sequence: int | None = None) -> Refusal:
        return cls(error.problems, expected_sequence)


class PeerRefused(LinkError):
    """KJ-LINK-011, followed by the peer's own problems (those whose codes we know).

    A code unknown to our catalogue (a vendor's peer) is kept as KJ-LINK-011 with the peer's
    code in ``where``, so nothing the peer said is lost.
    """

    def __init__(self, refusal: Refusal):
        own = [problem("KJ-LINK-011")]
        for found in refusal.problems:
            if found.code in CATALOGUE:
                own.append(found)
            else:
                own.append(problem("KJ-LINK-011", found.item, f"peer:{found.code}"))
        super().__init__(own)
        self.refusal = refusal
        self.expected_sequence = refusal.expected_sequence

    @property
    def peer_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.refusal.problems)


Message = (
    IdentityUpdate
    | UpdateAck
    | MoveInNotice
    | NoticeAck
    | MoveInNoticePoll
    | MoveInNoticeBatch
    | MoveInNoticeReceipt
    | MoveOutCertificate
    | MoveOutCertificateRequest
    | MoveOutCertificateWithdrawal
    | QueryByResidentCode
    | QueryByMyNumber
    | QueryByFourItems
    | IdentityQueryResult
    | MyNumberRequest
    | MyNumberIssued
    | ReconciliationRequest
    | ReconciliationPage
    | ReconciliationDigestRequest
    | ReconciliationDigests
    | DeliveryInfoNotice
    | CardStatusNotice
    | CardStatusQuery
    | CardStatusReply
    | Refusal
)


# --- checks ------------------------------------------------------------------------------------


def check_query(query: IdentityQuery) -> list[Problem]:
    """Format of the key, and the search discipline for a four-item query (KJ-ACCESS-002)."""
    if isinstance(query, QueryByResidentCode):
        ok = is_valid_resident_code(query.resident_code)
        return [] if ok else [problem("KJ-FMT-006", "resident_code")]
    if isinstance(query, QueryByMyNumber):
        return [] if is_valid_my_number(query.my_number) else [problem("KJ-FMT-005", "my_number")]
    found: list[Problem] = []
    given = 0
    for item in ("name", "address"):
        value = getattr(query, item)
        if value is not None:
            given += 1
            if not is_clean_text(value):
                found.append(problem("KJ-FMT-015", item))
    if query.birth_date is not None:
        given += 1
    if given < 2:
        found.append(problem("KJ-ACCESS-002"))
    return found


def check_digest_request(request: ReconciliationDigestRequest) -> list[Problem]:
    """The key (hex of 16 to 64 bytes, as BLAKE2b takes), and bounds strictly ascending after
    ``after_resident_code``, at most :data:`MAX_RANGES` ranges in all (KJ-LINK-015)."""
    found: list[Problem] = []
    key = request.key
    sized = 2 * DIGEST_KEY_SIZE <= len(key) <= _MAX_KEY_HEX and len(key) % 2 == 0
    if not sized or _HEX.fullmatch(key) is None:
        found.append(problem("KJ-LINK-015", "key"))
    bounds = request.bounds
    ascending = all(a < b for a, b in itertools.pairwise(bounds))
    after = request.after_resident_code
    if not ascending or (after is not None and bounds and bounds[0] <= after):
        found.append(problem("KJ-LINK-015", "bounds"))
    if len(bounds) + request.to_end > MAX_RANGES:
        found.append(problem("KJ-LINK-015", "bounds"))
    return found


def check_municipality(code: object, item: str = "municipality_code") -> list[Problem]:
    return [] if is_valid_local_gov_code(code) else [problem("KJ-FMT-007", item)]


# --- wire form ---------------------------------------------------------------------------------


def _strict(kind: type) -> Callable[[Any, Any], Any]:
    def structure(value: Any, _: Any) -> Any:
        if kind is int and isinstance(value, bool):
            raise TypeError("bool is not an int")
        if not isinstance(value, kind):
            raise TypeError(f"expected {kind.__name__}")
        return value

    return structure


def _structure_date(value: Any, _: Any) -> dt.date:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("expected a YYYY-MM-DD date")
    return dt.date.fromisoformat(value)


def _structure_datetime(value: Any, _: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("expected an ISO datetime")
    parsed = dt.datetime.fromisoformat(value)
    if parsed.isoformat() != value or parsed.utcoffset() is None:
        raise ValueError("expected an aware ISO datetime in canonical form")
    return parsed


def _is_variadic_tuple(tp: Any) -> bool:
    args = typing.get_args(tp)
    return typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)
    for kind in (str, int, bool):
        converter.register_structure_hook(kind, _strict(kind))
    converter.register_structure_hook(dt.datetime, _structure_datetime)
    converter.register_structure_hook(dt.date, _structure_date)
    converter.register_unstructure_hook(dt.datetime, lambda v: v.isoformat())
    converter.register_unstructure_hook(dt.date, lambda v: v.isoformat())
    converter.register_structure_hook(IdentityRecord, lambda v, _: identity_record_from_payload(v))
    converter.register_unstructure_hook(IdentityRecord, to_cs_payload)

    def structure_tuple(value: Any, tp: Any) -> tuple[Any, ...]:
        # cattrs would take any iterable, so a string would become a tuple of characters.
        if not isinstance(value, list):
            raise TypeError("expected a list")
        item_type = typing.get_args(tp)[0]
        return tuple(converter.structure(item, item_type) for item in value)

    converter.register_structure_hook_func(_is_variadic_tuple, structure_tuple)
    return converter


CONVERTER: Final = _make_converter()


def encode_message(message: Message) -> bytes:
    """Compact UTF-8 JSON of ``{"type": tag, "body": …}``.

    Deterministic without sorting: keys come in the classes' field order, so equal messages
    encode to equal bytes (peers compare digests to tell a duplicate from a reused number).
    """
    body = CONVERTER.unstructure(message)
    document = {"type": type(message).TAG, "body": body}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


def _no_duplicate_keys(pairs: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise ValueError("duplicate key")
    return document


def _refuse_constant(_: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


def _registry_problems(error: BaseException) -> list[Problem]:
    """The problems of every RegistryError inside a cattrs validation error tree."""
    if isinstance(error, RegistryError):
        return list(error.problems)
    found: list[Problem] = []
    for inner in getattr(error, "exceptions", ()):
        found += _registry_problems(inner)
    return found


def decode_message(data: bytes) -> Message:
    """The message ``data`` encodes, or LinkError: KJ-LINK-015 malformed, KJ-LINK-014 unknown.

    When the body held an identity record with bad items, their own problems (KJ-FMT-…,
    KJ-LINK-012) follow KJ-LINK-015.
    """
    try:
        document = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_refuse_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise LinkError("KJ-LINK-015") from error
    if not isinstance(document, dict) or set(document) != {"type", "body"}:
        raise LinkError("KJ-LINK-015")
    cls = MESSAGE_TYPES.get(document["type"]) if isinstance(document["type"], str) else None
    if cls is None:
        raise LinkError("KJ-LINK-014")
    try:
        message: Message = CONVERTER.structure(document["body"], cls)
    except Exception as error:  # cattrs raises many kinds; all mean the body is malformed
        raise LinkError([problem("KJ-LINK-015"), *_registry_problems(error)]) from error
    return message
