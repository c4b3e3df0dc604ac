"""The resident record (住民票) of one person.

A record is a frozen value: every movement produces a new version with :func:`attrs.evolve`, so
a rejected notification cannot have touched the old one and the history can be replayed.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import attrs

from kure_juki.domain.address import Address, OtherPlace
from kure_juki.domain.person_name import PersonName

Sex = Literal["male", "female"]
ResidentKind = Literal["japanese", "foreign"]  # 住民区分: 日本人住民 / 外国人住民
Status = Literal["resident", "planned_move_out", "deleted"]  # 住民 / 転出予定 / 消除(除票)

HEAD = "世帯主"


@attrs.frozen
class AliasHistoryEntry:  # 通称履歴 (住基法施行令30条の27)
    alias: str  # 通称
    alias_kana: str | None  # 通称のふりがな
    entered_on: dt.date  # 通称を記載した年月日
    deleted_on: dt.date | None = None  # 通称を削除した年月日
    municipality_code: str | None = None  # 記載・削除した市町村


@attrs.frozen
class FormerSurname:  # 旧氏 (住基令30条の13)
    surname: str  # 旧氏
    surname_kana: str  # 旧氏のふりがな
    entered_on: dt.date  # 記載した年月日
    deleted_on: dt.date | None = None  # 削除した年月日


@attrs.frozen
class IndividualEntry:  # 個別記載事項 (住基法7条: 選挙人名簿・国保・後期高齢・国民年金・児童手当)
    item: str  # elector | national_health_insurance | late_elderly_insurance | …
    fields: tuple[tuple[str, str], ...]  # the department's own items, as (name, value) pairs
    recorded_on: dt.date

    def as_dict(self) -> dict[str, str]:
        return dict(self.fields)


@attrs.frozen
class ForeignResidentItems:  # 外国人住民の記載事項 (住基法30条の45)
    nationality: str  # 国籍・地域
    category_30_45: str  # 法30条45の区分
    residence_status: str | None = None  # 在留資格
    stay_expires_on: dt.date | None = None  # 在留期間の満了の日
    residence_card_number: str | None = None  # 在留カード等の番号
    alias: str | None = None  # 通称
    became_foreign_resident_on: dt.date | None = None  # 外国人住民となった年月日
    alias_kana: str | None = None  # 通称のふりがな
    alias_history: tuple[AliasHistoryEntry, ...] = ()  # 通称履歴
    stay_period: str | None = None  # 在留期間 (the length granted: 3年, 6月, 5年3月)


@attrs.frozen
class JapaneseResidentItems:  # 日本人住民の記載事項
    registered_domicile: str  # 本籍
    domicile_head: str  # 筆頭者


@attrs.frozen
class PlannedMoveOut:  # 転出予定
    planned_on: dt.date  # 転出予定日
    notified_on: dt.date  # 届出日
    destination: OtherPlace  # 転出先
    ex_officio: bool = False  # 届出期間経過のため職権記載


@attrs.frozen
class MoveInNoticeFacts:  # 転入通知に記載された確定事項 (標準4.1.3.1.1)
    received_on: dt.date  # 転入通知年月日 (the day the register took it in)
    moved_in_on: dt.date  # 転入日: the 転出年月日（確定）
    destination: OtherPlace  # 転出先住所（確定）


@attrs.frozen
class Deletion:  # 消除
    deleted_on: dt.date  # 消除日 (異動日)
    reason: str  # 消除事由: 転出, 国外転出, 死亡, 職権消除
    destination: OtherPlace | None = None  # 転出先; a 転出's is the planned one (予定)
    # For a 転出: the 転出予定年月日 as notified, and what the 転入通知 then reported; the notice
    # never overwrites the planned items (標準1.1.5, 4.1.3.1.1).
    planned_on: dt.date | None = None
    confirmed: MoveInNoticeFacts | None = None
    deleted_on_as_recorded: str | None = None  # 死亡日 as the 戸籍 records it (標準1.1.8)


@attrs.frozen
class DatesAsRecorded:  # 戸籍の記載どおりの年月日 (標準1.1.8)
    """The items written as the 戸籍 records them; the record's date items hold their internal
    dates (内部日付, for sorting, ages and searches). ``None``: the date is a calendar day."""

    birth_date: str | None = None  # 生年月日
    became_resident_on: str | None = None  # 住民となった年月日
    address_since: str | None = None  # 住所を定めた年月日
    became_foreign_resident_on: str | None = None  # 外国人住民となった年月日

    @property
    def empty(self) -> bool:
        return not (
            self.birth_date
            or self.became_resident_on
            or self.address_since
            or self.became_foreign_resident_on
        )


@attrs.frozen
class Resident:  # 住民票
    resident_id: str  # 宛名番号
    household_id: str  # 世帯番号
    resident_code: str  # 住民票コード
    my_number: str | None = attrs.field(repr=False)  # 個人番号 (never in a repr or a log)
    name: PersonName  # 氏名・ふりがな
    birth_date: dt.date  # 生年月日
    sex: Sex  # 性別
    relationship: str  # 続柄 (relative to the head of household)
    kind: ResidentKind  # 住民区分
    address: Address  # 住所
    address_since: dt.date  # 住所を定めた年月日
    address_notified_on: dt.date  # 住所を定めた届出年月日
    became_resident_on: dt.date  # 住民となった年月日
    became_resident_reason: str  # 住民となった事由
    previous_address: OtherPlace | None = None  # 前住所・転入元 (転入前住所)
    japanese: JapaneseResidentItems | None = None
    foreign: ForeignResidentItems | None = None
    planned_move_out: PlannedMoveOut | None = None
    deletion: Deletion | None = None
    former_surname: FormerSurname | None = None  # 旧氏 (current)
    former_surname_history: tuple[FormerSurname, ...] = ()  # 旧氏の履歴 (deleted entries)
    individual_entries: tuple[IndividualEntry, ...] = ()  # 個別記載事項
    former_resident_codes: tuple[str, ...] = ()  # 旧住民票コード
    # 従前の住所 of the latest change of address when it was a 転居 (住基法7条8号): the 前住所
    # the 住民票 shows beside that change's 届出年月日. None: the latest change was the 転入.
    former_address: OtherPlace | None = None
    version: int = 1  # 排他制御 (optimistic lock)
    as_recorded: DatesAsRecorded | None = None  # 戸籍の記載どおりの年月日 (標準1.1.8)

    @property
    def status(self) -> Status:
        if self.deletion is not None:
            return "deleted"
        if self.planned_move_out is not None:
            return "planned_move_out"
        return "resident"

    @property
    def is_living(self) -> bool:
        """A living record (not a 除票): counts for uniqueness and household invariants."""
        return self.deletion is None

    @property
    def is_head(self) -> bool:
        return self.relationship == HEAD

    def written(self, item: str) -> str | None:
        """The text of a date item kept as the 戸籍 records it (``"birth_date"`` …), if any."""
        if self.as_recorded is None:
            return None
        text: str | None = getattr(self.as_recorded, item)
        return text

    def bump(self, **changes: object) -> Resident:
        """A new version of the record with *changes* applied."""
        return attrs.evolve(self, version=self.version + 1, **changes)  # type: ignore[arg-type]


def card_number_of(r: Resident) -> str | None:
    """The 在留カード等の番号 of a foreign resident's record."""
    return r.foreign.residence_card_number if r.foreign is not None else None

