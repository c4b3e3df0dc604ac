"""送付先情報 (SPEC 2.1 file 3, control 17): 67 items, built for new My Number recipients, sent
unedited, deleted one business day after sending; a batch deletes whatever is past retention."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kure_juki as kj
from kure_juki.adapters.cs.simulated_peers import SimulatedNetwork
from kure_juki.domain.cs_messages import DeliveryInfoNotice, decode_message, encode_message
from kure_juki.domain.delivery_info import DeliveryInfo, DeliveryOffice, substitute_gaiji
from kure_juki.ports.outbox import OutboxEntry
from kure_juki.service.cs_delivery import deliver
from kure_juki.service.cs_sync import configure_delivery_office, outbox_of
from kure_juki.service.delivery_info import (
    is_business_day,
    next_business_day,
    retention_deadline,
)
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in

KURE = "342025"
PASSWORD = "a-long-passphrase"
JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def network(clock: SettableClock) -> SimulatedNetwork:
    return SimulatedNetwork([KURE], clock=clock)


@pytest.fixture
def reg(store_url: str, clock: SettableClock, network: SimulatedNetwork) -> Iterator[kj.Registry]:
    clock.set("2027-01-08T10:00:00+09:00")  # a Friday; Monday 11 January is 成人の日
    registry = kj.open_registry(
        store_url, municipality_code=KURE, clock=clock, cs_link=network.link(KURE)
    )
    registry.bootstrap_admin("admin", PASSWORD)
    yield registry
    registry.close()


def _session(reg: kj.Registry) -> kj.Session:
    return reg.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")


def _birth(reg: kj.Registry, household_id: str, given_name: str = "翔") -> str:
    receipt = _session(reg).submit(
        {
            "type": "birth",
            "household_id": household_id,
            "occurred_on": "2027-01-07",
            "person": {
                "family_name": "佐藤",
                "given_name": given_name,
                "family_name_kana": "さとう",
                "given_name_kana": "しょう",
                "sex": "male",
                "relationship": "子",
            },
        }
    )
    return receipt.resident_ids[0]


def _delivery_entries(reg: kj.Registry) -> list[OutboxEntry]:
    with reg.store.unit_of_work() as uow:
        return [e for e in outbox_of(uow).entries() if e.kind == DeliveryInfoNotice.TAG]


def test_the_record_has_the_67_items_of_the_seed_in_order() -> None:
    fields = attrs.fields(DeliveryInfo)
    assert len(fields) == 67
    assert (fields[0].name, fields[49].name, fields[66].name) == (
        "delivery_number",  # 1 送付先管理番号
        "my_number",  # 50 個人番号
        "roman_former_surname",  # 67 ローマ字 旧氏
    )


def test_built_for_new_my_number_recipients_only(reg: kj.Registry) -> None:
    family = _session(reg).submit(move_in())  # numbers brought from elsewhere: no notice
    assert _delivery_entries(reg) == []
    child = _birth(reg, family.household_id)
    (entry,) = _delivery_entries(reg)
    notice = decode_message(entry.body)
    assert isinstance(notice, DeliveryInfoNotice) and notice.is_intact()
    record = DeliveryInfo.from_content(notice.content)
    view = _session(reg).resident(child)
    assert (record.resident_code, record.my_number) == (view["resident_code"], view["my_number"])
    assert record.destination_name == "佐藤　一郎"  # to the head of the household
    assert (record.municipality_name, record.persons_count, record.print_category) == (
        "呉市",
        1,
        "1",
    )
    assert record.my_number not in repr(record)
    _session(reg).submit({"type": "my_number_change", "resident_id": child})
    assert len(_delivery_entries(reg)) == 2


def test_the_office_items_come_from_the_configuration(reg: kj.Registry) -> None:
    office = DeliveryOffice(
        municipality_name="呉市",
        postal_code="737-8501",
        address="広島県呉市中央四丁目1番6号",
        phone="0823-25-3111",
        issuing_place_name="呉市役所 市民窓口課",
    )
    configure_delivery_office(reg, office)
    family = _session(reg).submit(move_in())
    _birth(reg, family.household_id)
    (entry,) = _delivery_entries(reg)
    notice = decode_message(entry.body)
    assert isinstance(notice, DeliveryInfoNotice)
    record = DeliveryInfo.from_content(notice.content)
    assert (record.municipality_postal_code, record.issuing_place_name) == (
        "737-8501",
        "呉市役所 市民窓口課",
    )
    assert record.municipality_address_length == len("広島県呉市中央四丁目1番6号")


def test_sent_unedited_and_deleted_one_business_day_later_across_a_holiday(
    reg: kj.Registry, clock: SettableClock, network: SimulatedNetwork
) -> None:
    family = _session(reg).submit(move_in())
    _birth(reg, family.household_id)
    built = _delivery_entries(reg)[0]
    report = deliver(reg)
    assert report.pending == 0
    (received,) = network.card_management.deliveries()
    assert encode_message(received) == built.body  # byte for byte what was built
    (sent,) = _delivery_entries(reg)
    assert sent.state == "sent"
    assert sent.purge_after == dt.datetime(2027, 1, 12, 0, 0, tzinfo=JST)  # Tuesday

    for moment in ("2027-01-09T12:00", "2027-01-10T12:00", "2027-01-11T23:59"):
        clock.set(f"{moment}:00+09:00")  # Saturday, Sunday, the Monday holiday
        assert reg.purge_delivery_info() == 0
    clock.set("2027-01-12T08:30:00+09:00")
    assert reg.purge_delivery_info() == 1
    (gone,) = _delivery_entries(reg)
    assert (gone.state, gone.body) == ("purged", b"")
    with reg.store.unit_of_work() as uow:
        batches = [e.detail for e in uow.audit.iter_all() if e.operation == "batch"]
    assert batches[-1] == {"batch": "purge_delivery_info", "deleted": 1}


def test_the_batch_deletes_whatever_is_past_retention_and_nothing_unsent(
    reg: kj.Registry, clock: SettableClock
) -> None:
    family = _session(reg).submit(move_in())
    _birth(reg, family.household_id, "一")
    deliver(reg)  # sent Friday 8 January
    clock.set("2027-01-12T10:00:00+09:00")
    _birth(reg, family.household_id, "二")
    deliver(reg)  # sent Tuesday 12 January: kept until Wednesday
    _birth(reg, family.household_id, "三")  # not sent: never deleted
    assert reg.purge_delivery_info() == 1
    assert [e.state for e in _delivery_entries(reg)] == ["purged", "sent", "pending"]
    clock.set("2027-01-20T10:00:00+09:00")
    assert reg.purge_delivery_info() == 1
    assert [e.state for e in _delivery_entries(reg)] == ["purged", "purged", "pending"]


def test_an_edited_record_is_refused_by_jlis(
    reg: kj.Registry, network: SimulatedNetwork
) -> None:
    family = _session(reg).submit(move_in())
    _birth(reg, family.household_id)
    (entry,) = _delivery_entries(reg)
    notice = decode_message(entry.body)
    assert isinstance(notice, DeliveryInfoNotice)
    edited = attrs.evolve(notice, content=notice.content.replace("佐藤", "左藤", 1))
    link = reg.cs_link
    assert link is not None
    reply = link.send_delivery_info
    with pytest.raises(kj.LinkError) as refused:
        reply(edited)
    assert "KJ-LINK-023" in [p.code for p in refused.value.problems]
    assert network.card_management.deliveries() == ()


@given(st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)))
def test_the_next_business_day_is_the_first_open_day_after(day: dt.date) -> None:
    after = next_business_day(day)
    assert after > day and is_business_day(after)
    between = [day + dt.timedelta(days=n) for n in range(1, (after - day).days)]
    assert not any(is_business_day(d) for d in between)
    deadline = retention_deadline(dt.datetime.combine(day, dt.time(15, 0), tzinfo=JST))
    assert deadline.date() == after and deadline.time() == dt.time(0, 0)


def test_holidays_and_the_year_end_are_not_business_days() -> None:
    assert next_business_day(dt.date(2026, 9, 18)) == dt.date(2026, 9, 24)  # シルバーウィーク
    assert next_business_day(dt.date(2026, 12, 28)) == dt.date(2027, 1, 4)  # 年末年始
    assert not is_business_day(dt.date(2026, 11, 23))  # 勤労感謝の日


def test_gaiji_are_replaced_with_geta_and_their_positions_listed() -> None:
    assert substitute_gaiji("髙橋　𠮷郎") == ("〓橋　〓郎", "1,4")
    assert substitute_gaiji("佐藤　一郎") is None


def test_the_content_round_trips_and_refuses_any_other_text(reg: kj.Registry) -> None:
    family = _session(reg).submit(move_in())
    _birth(reg, family.household_id)
    (entry,) = _delivery_entries(reg)
    notice = decode_message(entry.body)
    assert isinstance(notice, DeliveryInfoNotice)
    record = DeliveryInfo.from_content(notice.content)
    assert record.content() == notice.content
    items = json.loads(notice.content)
    for altered in (
        {**items, "extra": 1},
        {k: v for k, v in items.items() if k != "sex"},
        dict(reversed(items.items())),
    ):
        with pytest.raises(kj.FormatError) as bad:
            DeliveryInfo.from_content(json.dumps(altered, ensure_ascii=False))
        assert bad.value.code == "KJ-FMT-115"
    spaced = json.dumps(items, ensure_ascii=False, indent=1)  # same items, other text
    with pytest.raises(kj.FormatError):
        DeliveryInfo.from_content(spaced)
