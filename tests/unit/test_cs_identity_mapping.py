"""Register → 本人確認情報: only whitelisted items leave, and every update the mapping plans
passes the CS-side checks the prefecture applies."""

from __future__ import annotations

import datetime as dt
import json

import attrs
from hypothesis import given
from hypothesis import strategies as st

from kure_juki.domain.address import Address, OtherPlace
from kure_juki.domain.identity_file import (
    WHITELIST,
    check_identity_record,
    check_update,
    to_cs_payload,
)
from kure_juki.domain.identity_mapping import UpdateFacts, identity_record, plan_update
from kure_juki.domain.person_name import PersonName
from kure_juki.domain.resident import (
    Deletion,
    ForeignResidentItems,
    FormerSurname,
    JapaneseResidentItems,
    PlannedMoveOut,
    Resident,
)
from kure_juki.testing.factories import unique_codes

JST = dt.timezone(dt.timedelta(hours=9))
NAMES = [("佐藤", "さとう"), ("髙橋", "たかはし"), ("𠮷田", "よしだ"), ("SMITH", "すみす")]
GIVEN = [("一郎", "いちろう"), ("花子", "はなこ"), ("JOHN", "じょん")]


def facts(sequence: int, on: dt.date = dt.date(2026, 11, 25)) -> UpdateFacts:
    return UpdateFacts(
        municipality_code="342025",
        changed_on=on,
        notified_on=on,
        operator_id="clerk01",
        terminal_id="T-001",
        request_number=f"342025-R{sequence}",
        update_sequence=sequence,
        timestamp=dt.datetime(2026, 11, 26, 10, 0, tzinfo=JST),
    )


@st.composite
def residents(draw: st.DrawFn) -> Resident:
    n = draw(st.integers(1, 10_000))
    code, number = unique_codes(n)
    family, family_kana = draw(st.sampled_from(NAMES))
    given_name, given_kana = draw(st.sampled_from(GIVEN))
    birth = draw(st.dates(dt.date(1920, 1, 1), dt.date(2020, 12, 31)))
    foreign = draw(st.booleans())
    previous = draw(
        st.sampled_from(
            [
                None,
                OtherPlace("広島県広島市中区基町10番52号", municipality_code="341002"),
                OtherPlace("Seattle, WA", country="アメリカ合衆国"),
            ]
        )
    )
    former = draw(st.sampled_from([None, FormerSurname("山田", "やまだ", dt.date(2021, 1, 1))]))
    return Resident(
        resident_id=f"1{n:09d}",
        household_id="5000000001",
        resident_code=code,
        my_number=number,
        name=PersonName(family, given_name, family_kana, given_kana),
        birth_date=birth,
        sex=draw(st.sampled_from(["male", "female"])),
        relationship=draw(st.sampled_from(["世帯主", "妻", "子"])),
        kind="foreign" if foreign else "japanese",
        address=Address(
            "737-0045", draw(st.sampled_from(["広島県呉市本通一丁目1番1号", "広島県呉市﨑町1番"]))
        ),
        address_since=dt.date(2021, 4, 1),
        address_notified_on=dt.date(2021, 4, 2),
        became_resident_on=dt.date(2021, 4, 1),
        became_resident_reason="転入",
        previous_address=previous,
        japanese=None
        if foreign
        else JapaneseResidentItems("広島県呉市中央四丁目1番", "佐藤　一郎"),
        foreign=ForeignResidentItems(
            "アメリカ合衆国", "中長期在留者", residence_card_number="AB12345678CD"
        )
        if foreign
        else None,
        former_surname=former,
    )


@given(residents())
def test_the_record_of_any_resident_is_well_formed_and_whitelisted(resident: Resident) -> None:
    record = identity_record(
        resident, "転入", facts(1), resident_code_used_from=dt.date(2021, 4, 1)
    )
    assert check_identity_record(record) == []
    payload = to_cs_payload(record)
    assert set(payload) == WHITELIST and len(payload) == 40
    text = json.dumps(payload, ensure_ascii=False)
    for held_back in (
        "広島県呉市中央四丁目1番",
        "アメリカ合衆国",
        "AB12345678CD",
        resident.resident_id,
    ):
        assert held_back not in text  # 本籍, 国籍, 在留カード, 宛名番号 stay in the register
    assert record.my_number not in repr(record)


@given(residents())
def test_each_planned_update_passes_the_prefecture_checks(resident: Resident) -> None:
    plan = plan_update(None, resident, movement_type="move_in", facts=facts(1))
    assert plan is not None and (plan.kind, plan.reason) == ("addition", "転入")
    held = plan.record
    assert check_update(None, held, plan.reason, last_applied_sequence=0) == []

    moved = attrs.evolve(
        resident,
        address=Address("737-0046", "広島県呉市中通二丁目2番"),
        address_since=dt.date(2026, 11, 25),
    )
    within = plan_update(held, moved, movement_type="move_within", facts=facts(2))
    assert within is not None and within.reason == "転居"
    assert check_update(held, within.record, "転居", last_applied_sequence=1) == []
    assert plan_update(within.record, moved, movement_type="correction", facts=facts(3)) is None

    destination = OtherPlace("広島県広島市中区基町1番", municipality_code="341002")
    planned = attrs.evolve(
        moved,
        planned_move_out=PlannedMoveOut(dt.date(2026, 12, 5), dt.date(2026, 11, 26), destination),
    )
    leaving = plan_update(within.record, planned, movement_type="move_out", facts=facts(3))
    assert leaving is not None and (leaving.kind, leaving.reason) == ("planned", "転出")
    assert check_update(within.record, leaving.record, "転出", last_applied_sequence=2) == []
    assert leaving.record.changed_on == dt.date(2026, 12, 5)

    gone = attrs.evolve(planned, deletion=Deletion(dt.date(2026, 12, 5), "転出", destination))
    removal = plan_update(
        leaving.record, gone, movement_type="confirm_move_out", facts=facts(4, dt.date(2026, 12, 6))
    )
    assert removal is not None and (removal.kind, removal.reason) == ("removal", "転出")
    assert check_update(leaving.record, removal.record, "転出", last_applied_sequence=3) == []
    assert plan_update(removal.record, gone, movement_type="death", facts=facts(5)) is None


@given(residents())
def test_a_code_change_names_the_old_code_and_a_deletion_keeps_the_items(
    resident: Resident,
) -> None:
    first = plan_update(None, resident, movement_type="move_in", facts=facts(1))
    assert first is not None
    new_code, _ = unique_codes(20_000 + int(resident.resident_id[1:]))
    renumbered = attrs.evolve(
        resident,
        resident_code=new_code,
        former_resident_codes=(resident.resident_code,),
    )
    change = plan_update(
        first.record,
        renumbered,
        movement_type="resident_code_change",
        facts=facts(2),
        before_code=resident.resident_code,
    )
    assert change is not None and change.replaces == resident.resident_code
    assert change.record.old_resident_code == resident.resident_code
    assert (
        check_update(first.record, change.record, "住民票コード変更", last_applied_sequence=1) == []
    )

    died = attrs.evolve(resident, deletion=Deletion(dt.date(2026, 11, 25), "帰化"))
    removal = plan_update(first.record, died, movement_type="naturalization", facts=facts(2))
    assert removal is not None and removal.reason == "職権消除"
    assert removal.record.change_reason_detail == "帰化"
    assert check_update(first.record, removal.record, "職権消除", last_applied_sequence=1) == []
