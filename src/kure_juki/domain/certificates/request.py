"""What a certificate is built from: the records, the switches and the facts of the issue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Literal

import attrs

from kure_juki.domain.certificate_document import CertificateKind
from kure_juki.domain.certificates.municipality import Municipality
from kure_juki.domain.movement_record import MovementRecord
from kure_juki.domain.resident import Resident

Layout = Literal["household", "individual"]  # 世帯連記式 / 個人票
LAYOUTS: tuple[Layout, ...] = ("household", "individual")


def _movements(values: tuple[MovementRecord, ...] | list[MovementRecord]) -> tuple[
    MovementRecord, ...
]:
    return tuple(sorted(values, key=lambda m: m.movement_id))


@attrs.frozen
class PersonRecord:  # 証明の対象者: the record and its movement history (異動履歴)
    resident: Resident
    movements: tuple[MovementRecord, ...] = attrs.field(default=(), converter=_movements)


@attrs.frozen
class SealImpression:  # 登録印影 (印鑑登録原票の印影)
    registration_number: str  # 印鑑登録番号
    png: bytes = attrs.field(repr=False)
    registered_on: dt.date  # 登録年月日


def _heads(value: Mapping[str, Resident]) -> dict[str, Resident]:
    return dict(value)


@attrs.frozen
class CertificateRequest:  # 交付の内容
    kind: CertificateKind
    serial: str  # 発行番号
    today: dt.date  # 発行日 (a value: the domain reads no clock)
    municipality: Municipality
    persons: tuple[PersonRecord, ...]
    switches: frozenset[str]  # from items.parse_include
    heads: dict[str, Resident] = attrs.field(factory=dict, converter=_heads)  # 世帯番号 -> 世帯主
    layout: Layout = "household"
    whole_household: bool = False  # 世帯全員 (asked by household id)
    seal: SealImpression | None = None  # 印鑑登録証明書
    area: str | None = None  # 閲覧用の写しの対象地域
    protected: frozenset[str] = frozenset()  # 支援措置の対象者 (never on the 閲覧用の写し)
    issue_number: str = ""  # 発行番号 as printed (標準5.5), without the page
    certifier: Literal["mayor", "deputy"] = "mayor"  # 認証者 (標準5.6)
    official_seal: Literal["certifier", "mayor", "deputy", "certificate", "none"] = "certifier"
    phrases: tuple[str, ...] = ()  # 固定文言 printed under the certifier (公印省略 …)
    readings: bool = True  # フリガナ in katakana, in brackets after 氏名・旧氏・通称 (標準5.3)
    # 世帯員の並び順 (標準5.2), 世帯番号 -> 宛名番号 in order; a household not in it keeps the
    # order the persons were given in.
    member_order: dict[str, tuple[str, ...]] = attrs.field(factory=dict)

    def head_of(self, resident: Resident) -> Resident | None:
        return self.heads.get(resident.household_id)
