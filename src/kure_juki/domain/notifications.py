"""Notifications (届出) as typed values: what a counter or e-application system hands in.

The dict form is documented in ARCHITECTURE.md; :mod:`kure_juki.domain.parsing` turns a dict
into one of these classes. Optional dates default in the service layer (届出日 = today).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import attrs


@attrs.frozen
class AddressEntry:
    postal_code: str
    text: str


@attrs.frozen
class OtherPlaceEntry:  # 前住所・転入元 / 転出先
    text: str
    municipality_code: str | None = None
    country: str | None = None


@attrs.frozen
class HouseholdEntry:
    """Either a new household ({"new": true}) or an existing one ({"household_id": …})."""

    new: bool = False
    household_id: str | None = None


@attrs.frozen
class PersonEntry:  # 届出の対象者
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: dt.date | None = None
    sex: str | None = None
    relationship: str | None = None  # 続柄
    resident_code: str | None = None  # 住民票コード (from the 転出証明書)
    my_number: str | None = attrs.field(default=None, repr=False)  # 個人番号
    registered_domicile: str | None = None  # 本籍 (Japanese)
    domicile_head: str | None = None  # 筆頭者 (Japanese)
    nationality: str | None = None  # 国籍 (foreign)
    category_30_45: str | None = None  # 法30条45区分 (foreign)
    residence_status: str | None = None  # 在留資格
    stay_expires_on: dt.date | None = None  # 在留期間満了日
    residence_card_number: str | None = None  # 在留カード等番号
    alias: str | None = None  # 通称

    @property
    def is_foreign(self) -> bool:
        return self.nationality is not None or self.category_30_45 is not None


@attrs.frozen(kw_only=True)
class Notification:
    """Common items of every notification: 異動日, 届出日."""

    type: ClassVar[str]
    reason_ja: ClassVar[str]  # 異動事由
    occurred_on: dt.date | None = None  # 異動日
    notified_on: dt.date | None = None  # 届出日


@attrs.frozen(kw_only=True)
class MoveIn(Notification):  # 転入
    type: ClassVar[str] = "move_in"
    reason_ja: ClassVar[str] = "転入"
    address: AddressEntry
    previous_address: OtherPlaceEntry
    household: HouseholdEntry
    persons: tuple[PersonEntry, ...]


@attrs.frozen(kw_only=True)
class MoveInFromAbroad(Notification):  # 国外からの転入
    type: ClassVar[str] = "move_in_from_abroad"
    reason_ja: ClassVar[str] = "国外転入"
    address: AddressEntry
    household: HouseholdEntry
    persons: tuple[PersonEntry, ...]
    previous_address: OtherPlaceEntry | None = None


@attrs.frozen(kw_only=True)
class MoveWithin(Notification):  # 転居
    type: ClassVar[str] = "move_within"
    reason_ja: ClassVar[str] = "転居"
    resident_ids: tuple[str, ...]
    address: AddressEntry


@attrs.frozen(kw_only=True)
class MoveOut(Notification):  # 転出 (occurred_on is the planned date, 転出予定日)
    type: ClassVar[str] = "move_out"
    reason_ja: ClassVar[str] = "転出"
    resident_ids: tuple[str, ...]
    destination: OtherPlaceEntry


@attrs.frozen(kw_only=True)
class MoveOutAbroad(Notification):  # 国外転出
    type: ClassVar[str] = "move_out_abroad"
    reason_ja: ClassVar[str] = "国外転出"
    resident_ids: tuple[str, ...]
    destination: OtherPlaceEntry


@attrs.frozen(kw_only=True)
class ConfirmMoveOut(Notification):  # 転出確定 (転入通知受理 or the planned date passed)
    type: ClassVar[str] = "confirm_move_out"
    reason_ja: ClassVar[str] = "転出確定"
    resident_ids: tuple[str, ...]
    source: str = "move_in_notice"  # "move_in_notice" (転入通知) | "planned_date" (予定日経過)
    destination: OtherPlaceEntry | None = None  # the address the 転入通知 reports


@attrs.frozen(kw_only=True)
class Birth(Notification):  # 出生 (occurred_on is the date of birth)
    type: ClassVar[str] = "birth"
    reason_ja: ClassVar[str] = "出生"
    household_id: str
    person: PersonEntry


@attrs.frozen(kw_only=True)
class Death(Notification):  # 死亡 (occurred_on is the date of death)
    type: ClassVar[str] = "death"
    reason_ja: ClassVar[str] = "死亡"
    resident_id: str


@attrs.frozen(kw_only=True)
class ChangeHead(Notification):  # 世帯主変更
    type: ClassVar[str] = "change_head"
    reason_ja: ClassVar[str] = "世帯主変更"
    household_id: str
    new_head_id: str
    relationships: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class SplitHousehold(Notification):  # 世帯分離
    type: ClassVar[str] = "split_household"
    reason_ja: ClassVar[str] = "世帯分離"
    resident_ids: tuple[str, ...]
    new_head_id: str
    relationships: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class MergeHouseholds(Notification):  # 世帯合併
    type: ClassVar[str] = "merge_households"
    reason_ja: ClassVar[str] = "世帯合併"
    household_id: str
    into_household_id: str
    relationships: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class Correction(Notification):  # 職権修正
    type: ClassVar[str] = "correction"
    reason_ja: ClassVar[str] = "職権修正"
    resident_id: str
    changes: dict[str, Any]
    reason: str


NOTIFICATION_TYPES: dict[str, type[Notification]] = {
    cls.type: cls
    for cls in (
        MoveIn,
        MoveInFromAbroad,
        MoveWithin,
        MoveOut,
        MoveOutAbroad,
        ConfirmMoveOut,
        Birth,
        Death,
        ChangeHead,
        SplitHousehold,
        MergeHouseholds,
        Correction,
    )
}
