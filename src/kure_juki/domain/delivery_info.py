"""送付先情報 (SPEC 2.1 file 3, seed 別添1 (3)): where J-LIS sends the 個人番号通知書 and the
card application form of a new My Number recipient.

One :class:`DeliveryInfo` per person, with the 67 items of the seed in the seed's order. It is
built once from the register (:func:`build_delivery_info`) and sent unedited: :meth:`content`
is its one canonical text, which travels with its SHA-256 digest
(:class:`~kure_juki.domain.cs_messages.DeliveryInfoNotice`); J-LIS refuses a mismatch.

項目長 (item lengths) are counted in characters. 代替文字 (substitute characters): each 外字
(outside JIS X 0208) of the name and address is replaced with 〓 (U+3013, in JIS X 0208) and its
1-based position listed, so a printer without the 外字 still prints a usable address.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Iterator
from typing import Any, Final, Literal

import attrs

from kure_juki.domain.errors import FormatError, Problem, problem
from kure_juki.domain.format_checks import is_clean_text
from kure_juki.domain.identifiers import (
    is_valid_local_gov_code,
    is_valid_my_number,
    is_valid_postal_code,
    is_valid_resident_code,
)
from kure_juki.domain.names import count_gaiji, is_gaiji
from kure_juki.domain.resident import Resident

__all__ = [
    "SUBSTITUTE",
    "DeliveryInfo",
    "DeliveryOffice",
    "build_delivery_info",
    "check_delivery_info",
    "substitute_gaiji",
]

SUBSTITUTE: Final = "\u3013"  # 〓 (ゲタ記号)
PRINT_NOTICE_AND_FORM: Final = "1"  # 印刷区分: 個人番号通知書及び交付申請書
_ID_CHARS: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-_:")
Sex = Literal["male", "female"]


@attrs.frozen(kw_only=True)
class DeliveryOffice:  # 市町村・交付場所・カード送付場所の情報
    """The municipality's own items of the 送付先情報; those not configured are left empty."""

    municipality_name: str  # 市町村名
    postal_code: str | None = None  # 市町村郵便番号
    address: str | None = None  # 市町村住所
    phone: str | None = None  # 市町村電話番号
    issuing_place_name: str | None = None  # 交付場所名
    issuing_place_postal_code: str | None = None  # 交付場所郵便番号
    issuing_place_address: str | None = None  # 交付場所住所
    issuing_place_phone: str | None = None  # 交付場所電話番号
    card_place_name: str | None = None  # カード送付場所名
    card_place_postal_code: str | None = None  # カード送付場所郵便番号
    card_place_address: str | None = None  # カード送付場所住所
    card_place_phone: str | None = None  # カード送付場所電話番号


@attrs.frozen(kw_only=True)
class DeliveryInfo:  # 送付先情報 (別添1 (3), items 1–67)
    delivery_number: str  # 1 送付先管理番号
    destination_postal_code: str  # 2 送付先郵便番号
    destination_address_length: int  # 3 送付先住所 漢字項目長
    destination_address: str  # 4 送付先住所 漢字
    destination_address_gaiji_count: int  # 5 送付先住所 漢字外字数
    destination_name_length: int  # 6 送付先氏名 漢字項目長
    destination_name: str  # 7 送付先氏名 漢字
    destination_name_gaiji_count: int  # 8 送付先氏名 漢字 外字数
    municipality_code: str  # 9 市町村コード
    municipality_name_length: int  # 10 市町村名 項目長
    municipality_name: str  # 11 市町村名
    municipality_postal_code: str | None  # 12 市町村郵便番号
    municipality_address_length: int  # 13 市町村住所 項目長
    municipality_address: str | None  # 14 市町村住所
    municipality_address_gaiji_count: int  # 15 市町村住所 外字数
    municipality_phone: str | None  # 16 市町村電話番号
    issuing_place_name_length: int  # 17 交付場所名 項目長
    issuing_place_name: str | None  # 18 交付場所名
    issuing_place_name_gaiji_count: int  # 19 交付場所名 外字数
    issuing_place_postal_code: str | None  # 20 交付場所郵便番号
    issuing_place_address_length: int  # 21 交付場所住所 項目長
    issuing_place_address: str | None  # 22 交付場所住所
    issuing_place_address_gaiji_count: int  # 23 交付場所住所 外字数
    issuing_place_phone: str | None  # 24 交付場所電話番号
    card_place_name_length: int  # 25 カード送付場所名 項目長
    card_place_name: str | None  # 26 カード送付場所名
    card_place_name_gaiji_count: int  # 27 カード送付場所名 外字数
    card_place_postal_code: str | None  # 28 カード送付場所郵便番号
    card_place_address_length: int  # 29 カード送付場所住所 項目長
    card_place_address: str | None  # 30 カード送付場所住所
    card_place_address_gaiji_count: int  # 31 カード送付場所住所 外字数
    card_place_phone: str | None  # 32 カード送付場所電話番号
    persons_count: int  # 33 対象となる人数
    processed_on: dt.date  # 34 処理年月日
    operator_id: str  # 35 操作者ID
    terminal_id: str  # 36 操作端末ID
    print_category: str  # 37 印刷区分
    resident_code: str  # 38 住民票コード
    name_length: int  # 39 氏名 漢字項目長
    name: str  # 40 氏名 漢字
    name_gaiji_count: int  # 41 氏名 漢字 外字数
    name_kana_length: int  # 42 氏名 かな項目長
    name_kana: str  # 43 氏名 かな
    postal_code: str  # 44 郵便番号
    address_length: int  # 45 住所 項目長
    address: str  # 46 住所
    address_gaiji_count: int  # 47 住所 外字数
    birth_date: dt.date  # 48 生年月日
    sex: Sex  # 49 性別
    my_number: str = attrs.field(repr=False)  # 50 個人番号
    category_30_45: str | None  # 51 第30条の45に規定する区分
    stay_expires_on: dt.date | None  # 52 在留期間の満了の日
    substituted: bool  # 53 代替文字変換結果
    substitute_name_length: int  # 54 代替文字氏名 項目長
    substitute_name: str | None  # 55 代替文字氏名
    substitute_address_length: int  # 56 代替文字住所 項目長
    substitute_address: str | None  # 57 代替文字住所
    substitute_name_positions: str | None  # 58 代替文字氏名位置情報
    substitute_address_positions: str | None  # 59 代替文字住所位置情報
    gaiji_flag: bool  # 60 外字フラグ
    gaiji_pattern: str | None  # 61 外字パターン (glyph data: the register keeps none)
    former_surname: str | None  # 62 旧氏 漢字
    former_surname_gaiji_count: int  # 63 旧氏 外字数
    former_surname_kana: str | None  # 64 旧氏 ふりがな
    former_surname_gaiji_serial: int  # 65 旧氏 外字変更連番
    roman_name: str | None  # 66 ローマ字 氏名
    roman_former_surname: str | None  # 67 ローマ字 旧氏

    def content(self) -> str:
        """The one canonical text of the record: what is sent, unedited, and digested."""
        items: dict[str, Any] = {}
        for field in attrs.fields(DeliveryInfo):
            value = getattr(self, field.name)
            items[field.name] = value.isoformat() if isinstance(value, dt.date) else value
        return json.dumps(items, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_content(cls, content: str) -> DeliveryInfo:
        """The record a content text holds (FormatError KJ-FMT-115 when it holds another)."""
        try:
            items = json.loads(content)
            names = [f.name for f in attrs.fields(cls)]
            if not isinstance(items, dict) or list(items) != names:
                raise ValueError("items")
            for key in ("processed_on", "birth_date", "stay_expires_on"):
                if items[key] is not None:
                    items[key] = dt.date.fromisoformat(items[key])
            record = cls(**items)
        except (ValueError, TypeError) as error:
            raise FormatError(problem("KJ-FMT-115", "content")) from error
        if record.content() != content:
            raise FormatError(problem("KJ-FMT-115", "content"))
        return record


def _clusters(text: str) -> Iterator[str]:
    """Characters with the combining marks and variation selectors that follow them."""
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not (
            unicodedata.combining(text[index])
            or 0xFE00 <= ord(text[index]) <= 0xFE0F
            or 0xE0100 <= ord(text[index]) <= 0xE01EF
        ):
            yield text[start:index]
            start = index


def substitute_gaiji(text: str) -> tuple[str, str] | None:
    """(text with each 外字 replaced by 〓, its 1-based positions "3,7"), or None without 外字."""
    out: list[str] = []
    positions: list[str] = []
    for index, cluster in enumerate(_clusters(text), start=1):
        if is_gaiji(cluster):
            out.append(SUBSTITUTE)
            positions.append(str(index))
        else:
            out.append(cluster)
    if not positions:
        return None
    return "".join(out), ",".join(positions)


def _length(text: str | None) -> int:
    return len(text) if text else 0


def _gaiji(text: str | None) -> int:
    return count_gaiji(text) if text else 0


def _joined(*parts: str) -> str:
    return "\u3000".join(p for p in parts if p)


def _roman(text: str) -> str | None:
    """The name as written in Latin letters (a foreign resident's), else None."""
    plain = text.replace("\u3000", " ")
    return plain if plain.isascii() and any(c.isalpha() for c in plain) else None


def build_delivery_info(
    resident: Resident,
    *,
    delivery_number: str,
    addressee: Resident,
    persons_count: int,
    municipality_code: str,
    office: DeliveryOffice,
    processed_on: dt.date,
    operator_id: str,
    terminal_id: str,
) -> DeliveryInfo:
    """The 送付先情報 of a new My Number recipient, addressed to ``addressee`` (the head of the
    household, to whom the notice goes) at the recipient's address."""
    name = _joined(resident.name.family_name, resident.name.given_name)
    kana = _joined(resident.name.family_name_kana, resident.name.given_name_kana)
    to_name = _joined(addressee.name.family_name, addressee.name.given_name)
    address = resident.address.text
    name_sub = substitute_gaiji(name)
    address_sub = substitute_gaiji(address)
    former = resident.former_surname
    if former is not None and former.deleted_on is not None:
        former = None
    foreign = resident.foreign
    gaiji_counts = (_gaiji(name), _gaiji(address), _gaiji(former.surname if former else None))
    return DeliveryInfo(
        delivery_number=delivery_number,
        destination_postal_code=resident.address.postal_code,
        destination_address_length=_length(address),
        destination_address=address,
        destination_address_gaiji_count=_gaiji(address),
        destination_name_length=_length(to_name),
        destination_name=to_name,
        destination_name_gaiji_count=_gaiji(to_name),
        municipality_code=municipality_code,
        municipality_name_length=_length(office.municipality_name),
        municipality_name=office.municipality_name,
        municipality_postal_code=office.postal_code,
        municipality_address_length=_length(office.address),
        municipality_address=office.address,
        municipality_address_gaiji_count=_gaiji(office.address),
        municipality_phone=office.phone,
        issuing_place_name_length=_length(office.issuing_place_name),
        issuing_place_name=office.issuing_place_name,
        issuing_place_name_gaiji_count=_gaiji(office.issuing_place_name),
        issuing_place_postal_code=office.issuing_place_postal_code,
        issuing_place_address_length=_length(office.issuing_place_address),
        issuing_place_address=office.issuing_place_address,
        issuing_place_address_gaiji_count=_gaiji(office.issuing_place_address),
        issuing_place_phone=office.issuing_place_phone,
        card_place_name_length=_length(office.card_place_name),
        card_place_name=office.card_place_name,
        card_place_name_gaiji_count=_gaiji(office.card_place_name),
        card_place_postal_code=office.card_place_postal_code,
        card_place_address_length=_length(office.card_place_address),
        card_place_address=office.card_place_address,
        card_place_address_gaiji_count=_gaiji(office.card_place_address),
        card_place_phone=office.card_place_phone,
        persons_count=persons_count,
        processed_on=processed_on,
        operator_id=operator_id,
        terminal_id=terminal_id,
        print_category=PRINT_NOTICE_AND_FORM,
        resident_code=resident.resident_code,
        name_length=_length(name),
        name=name,
        name_gaiji_count=_gaiji(name),
        name_kana_length=_length(kana),
        name_kana=kana,
        postal_code=resident.address.postal_code,
        address_length=_length(address),
        address=address,
        address_gaiji_count=_gaiji(address),
        birth_date=resident.birth_date,
        sex=resident.sex,
        my_number=resident.my_number or "",
        category_30_45=foreign.category_30_45 if foreign else None,
        stay_expires_on=foreign.stay_expires_on if foreign else None,
        substituted=bool(name_sub or address_sub),
        substitute_name_length=_length(name_sub[0]) if name_sub else 0,
        substitute_name=name_sub[0] if name_sub else None,
        substitute_address_length=_length(address_sub[0]) if address_sub else 0,
        substitute_address=address_sub[0] if address_sub else None,
        substitute_name_positions=name_sub[1] if name_sub else None,
        substitute_address_positions=address_sub[1] if address_sub else None,
        gaiji_flag=any(gaiji_counts),
        gaiji_pattern=None,
        former_surname=former.surname if former else None,
        former_surname_gaiji_count=gaiji_counts[2],
        former_surname_kana=former.surname_kana if former else None,
        former_surname_gaiji_serial=0,
        roman_name=_roman(name),
        roman_former_surname=_roman(former.surname) if former else None,
    )


def check_delivery_info(record: DeliveryInfo) -> list[Problem]:
    """Format problems of a 送付先情報 before it is stored for sending; empty when well formed."""
    found: list[Problem] = []
    if not record.delivery_number or not set(record.delivery_number) <= _ID_CHARS:
        found.append(problem("KJ-FMT-115", "delivery_number"))
    if not is_valid_resident_code(record.resident_code):
        found.append(problem("KJ-FMT-006", "resident_code"))
    if not is_valid_my_number(record.my_number):
        found.append(problem("KJ-FMT-005", "my_number"))
    if not is_valid_local_gov_code(record.municipality_code):
        found.append(problem("KJ-FMT-007", "municipality_code"))
    for item in ("destination_postal_code", "postal_code"):
        if not is_valid_postal_code(getattr(record, item)):
            found.append(problem("KJ-FMT-008", item))
    for item in ("destination_address", "destination_name", "name", "address"):
        if not is_clean_text(getattr(record, item)):
            found.append(problem("KJ-FMT-115", item))
    if record.persons_count < 1:
        found.append(problem("KJ-FMT-115", "persons_count"))
    return found
