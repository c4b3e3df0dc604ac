"""Notifications (届出) as typed values: what a counter or e-application system hands in.

The dict form is documented in ARCHITECTURE.md; :mod:`kure_juki.domain.parsing` turns a dict
into one of these classes. Optional dates default in the service layer (届出日 = today).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import attrs

from kure_juki.domain.relationship import normalize_relationship, normalize_relationships


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
    relationship: str | None = attrs.field(default=None, converter=normalize_relationship)  # 続柄
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
    # 生年月日 as the 戸籍 records it (標準1.1.8); birth_date is then its internal date. The dict
    # form carries both in one item: {"as_recorded": "昭和55年2月30日", "sort_date": …}.
    birth_date_as_recorded: str | None = None
    stay_period: str | None = None  # 在留期間 (3年, 6月, 5年3月 …)
    former_resident_id: str | None = None  # 再転入者として選択した除票の宛名番号 (標準4.1.1.2)

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
    # 出生・死亡の異動日 as the 戸籍 records it (標準1.1.8); occurred_on is its internal date.
    occurred_on_as_recorded: str | None = None


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
    # 異動先世帯 (標準4.0.2): a new household ({"new": true}) or one living at the new address
    # ({"household_id": …}); None only when every living member of the household moves.
    household: HouseholdEntry | None = None
    new_head_id: str | None = None  # 世帯主 of a new household (else the mover named 世帯主)
    relationships: dict[str, str] = attrs.field(factory=dict)  # 続柄 in the 異動先世帯


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
    relationships: dict[str, str] = attrs.field(factory=dict, converter=normalize_relationships)


@attrs.frozen(kw_only=True)
class SplitHousehold(Notification):  # 世帯分離
    type: ClassVar[str] = "split_household"
    reason_ja: ClassVar[str] = "世帯分離"
    resident_ids: tuple[str, ...]
    new_head_id: str
    relationships: dict[str, str] = attrs.field(factory=dict, converter=normalize_relationships)


@attrs.frozen(kw_only=True)
class MergeHouseholds(Notification):  # 世帯合併
    type: ClassVar[str] = "merge_households"
    reason_ja: ClassVar[str] = "世帯合併"
    household_id: str
    into_household_id: str
    relationships: dict[str, str] = attrs.field(factory=dict, converter=normalize_relationships)


@attrs.frozen(kw_only=True)
class Correction(Notification):  # 職権修正
    type: ClassVar[str] = "correction"
    reason_ja: ClassVar[str] = "職権修正"
    resident_id: str
    changes: dict[str, Any]
    reason: str


@attrs.frozen
class StatusSnapshot:  # 変更前の在留情報: the notice's "before", checked against the register
    residence_status: str | None = None
    stay_expires_on: dt.date | None = None
    residence_card_number: str | None = None


@attrs.frozen(kw_only=True)
class ForeignRegistration3046(MoveInFromAbroad):  # 法30条の46: 中長期在留者等の住所を定めた届出
    type: ClassVar[str] = "foreign_registration_30_46"
    reason_ja: ClassVar[str] = "法30条46届出"


@attrs.frozen(kw_only=True)
class ForeignRegistration3047(
    MoveInFromAbroad
):  # 法30条の47: 住所を有する者が中長期在留者等となった
    type: ClassVar[str] = "foreign_registration_30_47"
    reason_ja: ClassVar[str] = "法30条47届出"


@attrs.frozen(kw_only=True)
class ResidenceStatusChange(Notification):  # 在留資格変更 (入管庁からの通知 法30条の50)
    type: ClassVar[str] = "residence_status_change"
    reason_ja: ClassVar[str] = "在留資格変更"
    resident_id: str
    residence_status: str
    stay_expires_on: dt.date
    residence_card_number: str | None = None
    stay_period: str | None = None  # 在留期間 granted with the new 満了の日
    before: StatusSnapshot | None = None


@attrs.frozen(kw_only=True)
class StayExtension(Notification):  # 在留期間更新
    type: ClassVar[str] = "stay_extension"
    reason_ja: ClassVar[str] = "在留期間更新"
    resident_id: str
    stay_expires_on: dt.date
    residence_card_number: str | None = None
    stay_period: str | None = None  # 在留期間 granted with the new 満了の日
    before: StatusSnapshot | None = None


@attrs.frozen(kw_only=True)
class AliasEntry(Notification):  # 通称の記載
    type: ClassVar[str] = "alias_entry"
    reason_ja: ClassVar[str] = "通称記載"
    resident_id: str
    alias: str
    alias_kana: str | None = None


@attrs.frozen(kw_only=True)
class AliasDeletion(Notification):  # 通称の削除
    type: ClassVar[str] = "alias_deletion"
    reason_ja: ClassVar[str] = "通称削除"
    resident_id: str


@attrs.frozen(kw_only=True)
class FormerSurnameEntry(Notification):  # 旧氏の記載
    type: ClassVar[str] = "former_surname_entry"
    reason_ja: ClassVar[str] = "旧氏記載"
    resident_id: str
    former_surname: str
    former_surname_kana: str


@attrs.frozen(kw_only=True)
class FormerSurnameDeletion(Notification):  # 旧氏の削除
    type: ClassVar[str] = "former_surname_deletion"
    reason_ja: ClassVar[str] = "旧氏削除"
    resident_id: str


@attrs.frozen(kw_only=True)
class Naturalization(Notification):  # 帰化: the foreign record is deleted, a Japanese one made
    type: ClassVar[str] = "naturalization"
    reason_ja: ClassVar[str] = "帰化"
    resident_id: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    registered_domicile: str
    domicile_head: str


@attrs.frozen(kw_only=True)
class NationalityAcquisition(Naturalization):  # 国籍取得 (国籍法3条・17条)
    type: ClassVar[str] = "nationality_acquisition"
    reason_ja: ClassVar[str] = "国籍取得"


@attrs.frozen(kw_only=True)
class NationalityLoss(Notification):  # 国籍喪失: the Japanese record is deleted, a foreign one made
    type: ClassVar[str] = "nationality_loss"
    reason_ja: ClassVar[str] = "国籍喪失"
    resident_id: str
    nationality: str
    category_30_45: str = "国籍喪失による経過滞在者"
    family_name: str | None = None
    given_name: str | None = None
    family_name_kana: str | None = None
    given_name_kana: str | None = None


@attrs.frozen(kw_only=True)
class IndividualEntryNotice(Notification):  # 個別記載事項の記載・消除 (by the department)
    type: ClassVar[str] = "individual_entry"
    reason_ja: ClassVar[str] = "個別記載事項"
    resident_id: str
    item: str
    fields: dict[str, str] | None = None  # None removes the entry


@attrs.frozen(kw_only=True)
class ResidentCodeChange(Notification):  # 住民票コードの変更請求 (住基法30条の4)
    type: ClassVar[str] = "resident_code_change"
    reason_ja: ClassVar[str] = "住民票コード変更"
    resident_id: str


@attrs.frozen(kw_only=True)
class MyNumberChange(Notification):  # 個人番号の変更 (番号法7条2項)
    type: ClassVar[str] = "my_number_change"
    reason_ja: ClassVar[str] = "個人番号変更"
    resident_id: str


@attrs.frozen(kw_only=True)
class Cancellation(Notification):  # 取消: a mistaken movement undone by an appended movement
    type: ClassVar[str] = "cancellation"
    reason_ja: ClassVar[str] = "取消"
    movement_id: int
    reason: str
    # Resolved by the service from the cancelled entry (never taken from the caller): the
    # before-images and type of the cancelled movement. Kept in history for replay.
    target: dict[str, Any] | None = None


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
        ForeignRegistration3046,
        ForeignRegistration3047,
        ResidenceStatusChange,
        StayExtension,
        AliasEntry,
        AliasDeletion,
        FormerSurnameEntry,
        FormerSurnameDeletion,
        Naturalization,
        NationalityAcquisition,
        NationalityLoss,
        IndividualEntryNotice,
        ResidentCodeChange,
        MyNumberChange,
        Cancellation,
    )
}
