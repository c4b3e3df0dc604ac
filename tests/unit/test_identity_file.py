"""The 本人確認情報 record, its whitelist, the CS-side checks and 整合性確認."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import tracemalloc
import types
import typing
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kure_juki.domain.errors import FormatError, LinkError, LogicError, Problem, raise_problems
from kure_juki.domain.identifiers import complete_my_number, complete_resident_code
from kure_juki.domain.identity_file import (
    ADDITIONS,
    ADDRESS_ITEMS,
    ITEM_NAMES_JA,
    REMOVALS,
    WHITELIST,
    Difference,
    IdentityRecord,
    canonical_payload,
    check_identity_record,
    check_update,
    cut_ranges,
    fingerprint,
    identity_record_from_payload,
    range_digest,
    reconcile,
    to_cs_payload,
)
from kure_juki.domain.names import seion_kana
from kure_juki.testing.cs import JST, identity_record, updated, with_derived_items

# 別添1 (2) 本人確認情報ファイル, in the seed's order.
SEED_ITEMS = [
    "住民票コード",
    "漢字氏名",
    "外字数(氏名)",
    "ふりがな氏名",
    "清音化かな氏名",
    "生年月日",
    "性別",
    "市町村コード",
    "大字・字コード",
    "郵便番号",
    "住所",
    "外字数(住所)",
    "個人番号",
    "住民となった日",
    "住所を定めた日",
    "届出の年月日",
    "市町村コード(転入前)",
    "転入前住所",
    "外字数(転入前住所)",
    "続柄",
    "異動事由",
    "異動年月日",
    "異動事由詳細",
    "旧住民票コード",
    "住民票コード使用年月日",
    "依頼管理番号",
    "操作者ID",
    "操作端末ID",
    "更新順番号",
    "異常時更新順番号",
    "更新禁止フラグ",
    "予定者フラグ",
    "排他フラグ",
    "外字フラグ",
    "レコード状況フラグ",
    "タイムスタンプ",
    "旧氏 漢字",
    "旧氏 外字数",
    "旧氏 ふりがな",
    "旧氏 外字変更連番",
]

people = st.integers(min_value=1, max_value=10**6)
WHITELIST_ORDER = [f.name for f in attrs.fields(IdentityRecord)]


def codes(problems: list[Problem]) -> set[tuple[str, str | None]]:
    return {(p.code, p.item) for p in problems}


# --- the record and its whitelist ------------------------------------------------------------


def test_the_record_has_the_forty_items_of_the_seed_in_order() -> None:
    assert list(ITEM_NAMES_JA.values()) == SEED_ITEMS
    assert WHITELIST == frozenset(ITEM_NAMES_JA) == {f.name for f in attrs.fields(IdentityRecord)}


@given(people)
def test_the_payload_carries_exactly_the_whitelist_and_reads_back(n: int) -> None:
    record = identity_record(n)
    payload = to_cs_payload(record)
    assert set(payload) == WHITELIST
    assert identity_record_from_payload(payload) == record


def test_my_number_is_not_in_the_repr() -> None:
    record = identity_record(3)
    assert record.my_number not in repr(record)


def test_a_record_carrying_more_than_the_whitelist_is_refused_item_by_item() -> None:
    @attrs.frozen(kw_only=True)
    class WithDomicile(IdentityRecord):
        registered_domicile: str  # 本籍: in the register, never at the CS
        domicile_head: str

    base = identity_record(4)
    extended = WithDomicile(
        **attrs.asdict(base, recurse=False), registered_domicile="広島県", domicile_head="呉"
    )
    with pytest.raises(LinkError) as refused:
        to_cs_payload(extended)
    assert codes(list(refused.value.problems)) == {
        ("KJ-LINK-012", "registered_domicile"),
        ("KJ-LINK-012", "domicile_head"),
    }


def test_an_attribute_smuggled_onto_an_instance_is_refused() -> None:
    class Loose(IdentityRecord):  # no slots: instances get a __dict__
        pass

    record = Loose(**attrs.asdict(identity_record(5), recurse=False))
    object.__setattr__(record, "seal_image", b"...")  # 印影
    with pytest.raises(LinkError) as refused:
        to_cs_payload(record)
    assert codes(list(refused.value.problems)) == {("KJ-LINK-012", "seal_image")}


def test_something_that_is_not_a_record_is_refused() -> None:
    with pytest.raises(LinkError) as refused:
        to_cs_payload(attrs.asdict(identity_record(6)))  # type: ignore[arg-type]
    assert refused.value.code == "KJ-LINK-012"


def test_a_payload_with_an_unknown_key_is_refused() -> None:
    payload = to_cs_payload(identity_record(7)) | {"registered_domicile": "広島県"}
    with pytest.raises(LinkError) as refused:
        identity_record_from_payload(payload)
    assert codes(list(refused.value.problems)) == {("KJ-LINK-012", "registered_domicile")}


@pytest.mark.parametrize(
    ("item", "value", "code"),
    [
        ("update_sequence", "1", "KJ-FMT-003"),
        ("update_sequence", True, "KJ-FMT-003"),
        ("planned", 0, "KJ-FMT-003"),
        ("resident_code", 12345678901, "KJ-FMT-003"),
        ("birth_date", "19800102", "KJ-FMT-004"),
        ("birth_date", "1980-02-30", "KJ-FMT-004"),
        ("timestamp", "20240101T100000+09:00", "KJ-FMT-004"),
        ("sex", "m", "KJ-FMT-010"),
        ("record_state", "alive", "KJ-FMT-104"),
        ("name_kanji", None, "KJ-FMT-003"),
    ],
)
def test_payload_values_are_typed_strictly(item: str, value: object, code: str) -> None:
    payload = to_cs_payload(identity_record(8)) | {item: value}
    with pytest.raises(FormatError) as refused:
        identity_record_from_payload(payload)
    assert codes(list(refused.value.problems)) == {(code, item)}


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


def _read_both(payload: dict[str, Any]) -> tuple[object, object]:
    """The result of the generated reader (plain dict) and of the item-by-item one (proxy)."""
    results: list[object] = []
    for given_payload in (payload, types.MappingProxyType(payload)):
        try:
            results.append(identity_record_from_payload(given_payload))
        except (FormatError, LinkError) as error:
            results.append(error.problems)
    return results[0], results[1]


@settings(max_examples=300)
@given(people, st.sampled_from(WHITELIST_ORDER), JSON_VALUES | st.sampled_from(
    ["2024-02-29", "2023-02-29", "2024-W01-1", "20240101", "2024-01-01T10:00:00+09:00",
     "2024-01-01T10:00:00", "male", "female", "current", "deleted", "alive"]
))  # fmt: skip
def test_the_fast_reader_agrees_with_the_item_by_item_reader(
    n: int, item: str, value: object
) -> None:
    payload = to_cs_payload(identity_record(n)) | {item: value}
    fast, reference = _read_both(payload)
    assert fast == reference


@given(people, st.sets(st.sampled_from(WHITELIST_ORDER), min_size=1, max_size=3))
def test_the_fast_reader_agrees_on_missing_items(n: int, missing: set[str]) -> None:
    payload = to_cs_payload(identity_record(n))
    for item in missing:
        del payload[item]
    fast, reference = _read_both(payload)
    assert fast == reference


def test_a_naive_timestamp_reads_but_fails_the_format_check() -> None:
    payload = to_cs_payload(identity_record(8)) | {"timestamp": "2024-01-01T10:00:00"}
    record = identity_record_from_payload(payload)
    assert codes(check_identity_record(record)) == {("KJ-FMT-107", "timestamp")}


def test_every_missing_required_item_is_reported_at_once() -> None:
    payload = to_cs_payload(identity_record(9))
    for item in ("resident_code", "my_number", "timestamp"):
        del payload[item]
    del payload["oaza_code"]  # optional: may be left out
    with pytest.raises(FormatError) as refused:
        identity_record_from_payload(payload)
    assert codes(list(refused.value.problems)) == {
        ("KJ-FMT-002", "resident_code"),
        ("KJ-FMT-002", "my_number"),
        ("KJ-FMT-002", "timestamp"),
    }


# --- format checks -----------------------------------------------------------------------------


@settings(max_examples=200)
@given(people)
def test_synthetic_records_are_well_formed(n: int) -> None:
    assert check_identity_record(identity_record(n)) == []


BAD_ITEMS: list[tuple[dict[str, Any], str, str]] = [
    ({"resident_code": "12345678901"}, "KJ-FMT-006", "resident_code"),
    ({"resident_code": "１２３４５６７８９０３"}, "KJ-FMT-006", "resident_code"),
    ({"old_resident_code": "00000000001"}, "KJ-FMT-006", "old_resident_code"),
    ({"my_number": "123456789012"}, "KJ-FMT-005", "my_number"),
    ({"municipality_code": "342026"}, "KJ-FMT-007", "municipality_code"),
    ({"previous_municipality_code": "341001"}, "KJ-FMT-007", "previous_municipality_code"),
    ({"postal_code": "737-045"}, "KJ-FMT-008", "postal_code"),
    ({"oaza_code": "12a"}, "KJ-FMT-106", "oaza_code"),
    ({"name_kanji": "\u3000"}, "KJ-FMT-012", "name_kanji"),
    ({"relationship": ""}, "KJ-FMT-014", "relationship"),
    ({"address": "呉市\x00本通"}, "KJ-FMT-015", "address"),
    ({"change_reason": "引越し"}, "KJ-FMT-103", "change_reason"),
    ({"operator_id": "clerk 01"}, "KJ-FMT-112", "operator_id"),
    ({"terminal_id": ""}, "KJ-FMT-112", "terminal_id"),
    ({"update_sequence": 0}, "KJ-FMT-105", "update_sequence"),
    ({"abnormal_update_sequence": -1}, "KJ-FMT-105", "abnormal_update_sequence"),
    ({"former_surname_gaiji_serial": -1}, "KJ-FMT-113", "former_surname_gaiji_serial"),
    ({"timestamp": dt.datetime(2024, 1, 1, 10, 0)}, "KJ-FMT-107", "timestamp"),
    ({"sex": "unknown"}, "KJ-FMT-010", "sex"),
    ({"record_state": "alive"}, "KJ-FMT-104", "record_state"),
    ({"birth_date": dt.datetime(1980, 1, 2, tzinfo=JST)}, "KJ-FMT-004", "birth_date"),
    ({"update_sequence": "7"}, "KJ-FMT-003", "update_sequence"),
    ({"previous_address": None}, "KJ-FMT-109", "previous_municipality_code"),
]


@pytest.mark.parametrize(("changes", "code", "item"), BAD_ITEMS)
def test_each_bad_item_has_its_code(changes: dict[str, Any], code: str, item: str) -> None:
    record = attrs.evolve(identity_record(10), **changes)
    assert (code, item) in codes(check_identity_record(record))


def test_the_old_resident_code_cannot_be_the_current_one() -> None:
    record = identity_record(11)
    same = attrs.evolve(record, old_resident_code=record.resident_code)
    assert codes(check_identity_record(same)) == {("KJ-FMT-111", "old_resident_code")}


def test_derived_items_must_agree_with_their_text() -> None:
    record = identity_record(12)
    assert codes(check_identity_record(attrs.evolve(record, name_seion_kana="サトウ"))) == {
        ("KJ-FMT-101", "name_seion_kana")
    }
    assert codes(check_identity_record(attrs.evolve(record, address_gaiji_count=1))) == {
        ("KJ-FMT-102", "address_gaiji_count"),
    }
    assert codes(check_identity_record(attrs.evolve(record, gaiji_flag=True))) == {
        ("KJ-FMT-110", "gaiji_flag")
    }
    with_gaiji = with_derived_items(attrs.evolve(record, name_kanji="髙橋　𠮷男"))
    assert with_gaiji.name_gaiji_count == 2 and with_gaiji.gaiji_flag
    assert check_identity_record(with_gaiji) == []


def test_a_former_surname_needs_its_kana() -> None:
    record = with_derived_items(attrs.evolve(identity_record(13), former_surname="山田"))
    assert codes(check_identity_record(record)) == {("KJ-FMT-108", "former_surname_kana")}
    fixed = attrs.evolve(record, former_surname_kana="やまだ")
    assert check_identity_record(fixed) == []


@given(
    st.text(
        alphabet="あいうえおかがきぎぱぴゃゅょっアイウエオカガパッャー　", min_size=1, max_size=12
    )
)
def test_seion_kana_must_be_derived_from_the_kana(kana: str) -> None:
    record = attrs.evolve(identity_record(14), name_kana=kana, name_seion_kana=seion_kana(kana))
    problems = codes(check_identity_record(record))
    kana_ok = ("KJ-FMT-011", "name_kana") not in problems
    assert ("KJ-FMT-101", "name_seion_kana") not in problems
    if kana_ok:
        wrong = attrs.evolve(record, name_seion_kana=seion_kana(kana) + "ア")
        assert ("KJ-FMT-101", "name_seion_kana") in codes(check_identity_record(wrong))


def test_a_record_of_wrong_types_is_reported_not_raised() -> None:
    wrong: dict[str, Any] = {"name_kana": None, "address_gaiji_count": "0"}
    broken = attrs.evolve(identity_record(15), **wrong)
    found = codes(check_identity_record(broken))
    assert {("KJ-FMT-003", "name_kana"), ("KJ-FMT-003", "address_gaiji_count")} <= found


# --- logic checks of an update -----------------------------------------------------------------


def alive(n: int = 21) -> IdentityRecord:  # odd: male
    return identity_record(n)


def test_move_in_of_a_record_held_alive_is_refused() -> None:  # the seed's first example
    held = alive()
    again = updated(held, "転入", 2)
    assert codes(check_update(held, again, "転入")) == {("KJ-LOGIC-001", "resident_code")}
    for reason in ADDITIONS - {"出生"}:
        assert ("KJ-LOGIC-001", "resident_code") in codes(
            check_update(held, updated(held, reason, 2), reason)
        )


def test_move_in_of_a_new_or_deleted_record_is_accepted() -> None:
    record = alive()
    assert check_update(None, record, "転入") == []
    deleted = updated(record, "転出", 2, record_state="deleted")
    assert check_update(deleted, updated(deleted, "転入", 3, record_state="current"), "転入") == []


def test_a_birth_needs_a_new_code_and_its_own_day() -> None:
    born = dt.date(2024, 5, 1)
    baby = updated(
        alive(), "出生", 1, on=born, birth_date=born, became_resident_on=born, address_set_on=born
    )
    assert check_update(None, baby, "出生") == []
    gone = attrs.evolve(baby, record_state="deleted", change_reason="死亡")
    assert ("KJ-LOGIC-001", "resident_code") in codes(check_update(gone, baby, "出生"))
    other_day = attrs.evolve(baby, changed_on=dt.date(2024, 5, 2), notified_on=dt.date(2024, 5, 2))
    assert ("KJ-LOGIC-035", "birth_date") in codes(check_update(None, other_day, "出生"))


def test_a_move_within_may_change_the_address_items_only() -> None:  # the seed's second example
    held = alive()
    moved = updated(held, "転居", 2, address="広島県呉市中央4丁目1番1号", postal_code="737-0041")
    assert check_update(held, moved, "転居") == []


OTHER_ITEMS: dict[str, Any] = {
    "name_kanji": "佐藤　次郎",
    "name_kana": "さとう　じろう",
    "birth_date": dt.date(1970, 1, 1),
    "sex": "female",
    "municipality_code": "341002",
    "relationship": "妻",
    "became_resident_on": dt.date(2021, 1, 1),
    "previous_address": "東京都千代田区永田町1丁目",
    "former_surname": "山田",
    "update_prohibited": True,
}


@pytest.mark.parametrize("item", sorted(OTHER_ITEMS))
def test_a_move_within_that_changes_anything_else_is_refused(item: str) -> None:
    held = alive()
    moved = updated(
        held, "転居", 2, address="広島県呉市中央4丁目1番1号", **{item: OTHER_ITEMS[item]}
    )
    assert ("KJ-LOGIC-003", item) in codes(check_update(held, moved, "転居"))


@given(st.sets(st.sampled_from(sorted(ADDRESS_ITEMS - {"address_gaiji_count"})), min_size=1))
def test_any_address_change_is_a_valid_move_within(items: set[str]) -> None:
    held = alive()
    values: dict[str, Any] = {
        "oaza_code": "9990000",
        "postal_code": "737-0001",
        "address": "広島県呉市阿賀北1丁目1番1号",
        "address_set_on": dt.date(2024, 6, 3),
    }
    changes = {item: values[item] for item in items}
    if set(changes) == {"address_set_on"}:  # a date alone moves nobody
        changes["address"] = values["address"]
    assert check_update(held, updated(held, "転居", 2, **changes), "転居") == []


def test_a_move_within_to_the_same_address_is_refused() -> None:
    held = alive()
    assert codes(check_update(held, updated(held, "転居", 2), "転居")) == {
        ("KJ-LOGIC-032", "address")
    }


def test_an_update_of_an_unknown_record_is_refused() -> None:
    record = alive()
    for reason in ("死亡", "職権消除", "転居", "職権修正"):
        state = "deleted" if reason in REMOVALS else "current"
        new = updated(record, reason, 2, record_state=state)
        assert ("KJ-LOGIC-101", "resident_code") in codes(check_update(None, new, reason))


def test_removals_remove_and_change_nothing_else() -> None:
    held = alive()
    assert check_update(held, updated(held, "死亡", 2, record_state="deleted"), "死亡") == []
    assert check_update(held, updated(held, "転出", 2, planned=True), "転出") == []
    assert codes(check_update(held, updated(held, "死亡", 2), "死亡")) == {
        ("KJ-LOGIC-109", "record_state")
    }
    renamed = updated(held, "職権消除", 2, record_state="deleted", name_kanji="佐藤　次郎")
    assert ("KJ-LOGIC-110", "name_kanji") in codes(check_update(held, renamed, "職権消除"))
    gone = updated(held, "死亡", 2, record_state="deleted")
    assert codes(check_update(gone, updated(gone, "職権消除", 3), "職権消除")) == {
        ("KJ-LOGIC-037", "record_state")
    }


def test_a_planned_move_out_is_notified_before_its_date() -> None:
    held = alive()
    planned = updated(held, "転出", 2, planned=True, changed_on=dt.date(2024, 6, 20))
    assert check_update(held, planned, "転出") == []
    late = updated(held, "転居", 2, address="広島県呉市中央1丁目", changed_on=dt.date(2024, 6, 20))
    assert ("KJ-LOGIC-006", "notified_on") in codes(check_update(held, late, "転居"))


def test_the_resident_code_changes_only_with_its_reason() -> None:
    held = alive()
    new_code = complete_resident_code("9876543210")
    changed = updated(held, "住民票コード変更", 2, resident_code=new_code,
                      old_resident_code=held.resident_code)  # fmt: skip
    assert check_update(held, changed, "住民票コード変更") == []
    silently = updated(held, "職権修正", 2, resident_code=new_code)
    assert ("KJ-LOGIC-102", "resident_code") in codes(check_update(held, silently, "職権修正"))
    unchanged = updated(held, "住民票コード変更", 2)
    assert ("KJ-LOGIC-114", "resident_code") in codes(
        check_update(held, unchanged, "住民票コード変更")
    )
    wrong_old = attrs.evolve(changed, old_resident_code=complete_resident_code("1111111111"))
    assert ("KJ-LOGIC-113", "old_resident_code") in codes(
        check_update(held, wrong_old, "住民票コード変更")
    )


def test_my_number_changes_only_with_its_reason() -> None:
    held = alive()
    new_number = complete_my_number("99999999999")
    assert (
        check_update(held, updated(held, "個人番号変更", 2, my_number=new_number), "個人番号変更")
        == []
    )
    assert codes(
        check_update(held, updated(held, "職権修正", 2, my_number=new_number), "職権修正")
    ) == {("KJ-LOGIC-103", "my_number")}


def test_update_sequences() -> None:
    held = alive()
    assert codes(check_update(held, updated(held, "職権修正", 1), "職権修正")) == {
        ("KJ-LOGIC-104", "update_sequence")
    }
    later = updated(held, "職権修正", 9)
    assert check_update(held, later, "職権修正") == []
    assert check_update(held, later, "職権修正", last_applied_sequence=8) == []
    assert codes(check_update(held, later, "職権修正", last_applied_sequence=7)) == {
        ("KJ-LOGIC-105", "update_sequence")
    }


def test_the_reason_must_be_known_and_be_the_records_own() -> None:
    held = alive()
    assert codes(check_update(held, updated(held, "職権修正", 2), "引越し")) == {
        ("KJ-FMT-103", "change_reason")
    }
    assert ("KJ-LOGIC-108", "change_reason") in codes(
        check_update(held, updated(held, "職権修正", 2), "氏名変更")
    )


def test_prohibited_and_locked_records() -> None:
    prohibited = attrs.evolve(alive(), update_prohibited=True)
    assert ("KJ-LOGIC-106", "update_prohibited") in codes(
        check_update(prohibited, updated(prohibited, "続柄変更", 2, relationship="子"), "続柄変更")
    )
    lifted = updated(prohibited, "職権修正", 2, update_prohibited=False)
    assert check_update(prohibited, lifted, "職権修正") == []
    locked = attrs.evolve(alive(), exclusive_lock=True)
    assert ("KJ-LOGIC-107", "exclusive_lock") in codes(
        check_update(locked, updated(locked, "職権修正", 2, exclusive_lock=False), "職権修正")
    )


def test_flags_and_state_change_only_with_their_movements() -> None:
    held = alive()
    assert ("KJ-LOGIC-116", "planned") in codes(
        check_update(held, updated(held, "職権修正", 2, planned=True), "職権修正")
    )
    planned = updated(held, "転出", 2, planned=True)
    assert check_update(planned, updated(planned, "転出取消", 3, planned=False), "転出取消") == []
    assert ("KJ-LOGIC-117", "record_state") in codes(
        check_update(held, updated(held, "職権修正", 2, record_state="deleted"), "職権修正")
    )
    gone = updated(held, "死亡", 2, record_state="deleted")
    assert ("KJ-LOGIC-011", "record_state") in codes(
        check_update(gone, updated(gone, "転居", 3, address="呉市中央1丁目"), "転居")
    )
    assert check_update(gone, updated(gone, "職権修正", 3, relationship="子"), "職権修正") == []
    assert ("KJ-LOGIC-112", "planned") in codes(
        check_update(held, updated(held, "死亡", 2, record_state="deleted", planned=True), "死亡")
    )
    assert ("KJ-LOGIC-111", "record_state") in codes(
        check_update(None, updated(held, "転入", 1, record_state="deleted"), "転入")
    )


def test_dates_before_birth_are_refused() -> None:
    record = attrs.evolve(alive(), became_resident_on=dt.date(1900, 1, 1))
    assert ("KJ-LOGIC-115", "became_resident_on") in codes(check_update(None, record, "転入"))


def test_problems_raise_as_the_registers_errors() -> None:
    held = alive()
    with pytest.raises(LogicError) as raised:
        raise_problems(check_update(held, updated(held, "転入", 2), "転入"))
    assert raised.value.code == "KJ-LOGIC-001"


# --- 整合性確認 ----------------------------------------------------------------------------


VARIANTS = st.sampled_from(["same", "name", "older", "newer"])


def variant(record: IdentityRecord, kind: str) -> IdentityRecord:
    if kind == "name":
        return with_derived_items(attrs.evolve(record, name_kanji="佐藤　改"))
    if kind == "older":
        return attrs.evolve(record, update_sequence=record.update_sequence - 1)
    if kind == "newer":
        return updated(record, "転居", record.update_sequence + 1, address="呉市中央1丁目")
    return attrs.evolve(record, exclusive_lock=not record.exclusive_lock)  # ignored item


@settings(max_examples=150)
@given(
    st.dictionaries(
        st.integers(1, 400),
        st.tuples(st.booleans(), st.booleans(), VARIANTS),
        max_size=40,
    )
)
def test_reconcile_reports_every_difference_by_kind(
    plan: dict[int, tuple[bool, bool, str]],
) -> None:
    ours: dict[str, IdentityRecord] = {}
    theirs: dict[str, IdentityRecord] = {}
    for n, (here, there, kind) in plan.items():
        record = identity_record(n, update_sequence=5)
        if here:
            ours[record.resident_code] = record
        if there:
            theirs[record.resident_code] = variant(record, kind)
    found = list(reconcile([ours[c] for c in sorted(ours)], [theirs[c] for c in sorted(theirs)]))

    assert [d.resident_code for d in found] == sorted(d.resident_code for d in found)
    by_code = {d.resident_code: d for d in found}
    assert len(by_code) == len(found)
    for code in ours.keys() | theirs.keys():
        difference = by_code.get(code)
        if code not in theirs:
            assert difference == Difference("missing_there", code, (), 5)
        elif code not in ours:
            assert difference == Difference(
                "missing_here", code, (), None, theirs[code].update_sequence
            )
        else:
            mine, peer = ours[code], theirs[code]
            differing = tuple(
                f
                for f in WHITELIST_ORDER
                if f != "exclusive_lock" and getattr(mine, f) != getattr(peer, f)
            )
            if not differing:
                assert difference is None
                continue
            assert difference is not None and difference.items == differing
            expected_kind = (
                "sequence_gap" if peer.update_sequence < mine.update_sequence
                else "sequence_behind" if peer.update_sequence > mine.update_sequence
                else "differing_items"
            )  # fmt: skip
            assert difference.kind == expected_kind
            assert (difference.ours_sequence, difference.theirs_sequence) == (
                mine.update_sequence,
                peer.update_sequence,
            )


def test_reported_items_are_names_never_values() -> None:
    record = identity_record(30)
    other = with_derived_items(
        attrs.evolve(record, name_kanji="佐藤　改", my_number=complete_my_number("11111111111"))
    )
    (difference,) = reconcile([record], [other])
    assert set(difference.items) <= WHITELIST
    assert record.my_number not in repr(difference) and other.my_number not in repr(difference)


@pytest.mark.parametrize("side", ["ours", "theirs"])
def test_an_unsorted_or_repeated_stream_is_refused(side: str) -> None:
    a, b = sorted((identity_record(1), identity_record(2)), key=lambda r: r.resident_code)
    for bad in ([b, a], [a, a]):
        streams = {"ours": [a, b], "theirs": [a, b], side: bad}
        with pytest.raises(LinkError) as refused:
            list(reconcile(streams["ours"], streams["theirs"]))
        assert (refused.value.code, refused.value.item) == ("KJ-LINK-022", side)


def _stream(count: int, *, skip_every: int = 0, offset: int = 0) -> Iterator[IdentityRecord]:
    base = identity_record(1)
    for i in range(count):
        if skip_every and i % skip_every == 0:
            continue
        code = complete_resident_code(f"{i + offset:010d}")
        yield attrs.evolve(base, resident_code=code)


def test_reconcile_is_lazy() -> None:
    consumed = itertools.count()

    def counting(records: Iterator[IdentityRecord]) -> Iterator[IdentityRecord]:
        for record in records:
            next(consumed)
            yield record

    differences = reconcile(counting(_stream(10_000)), counting(_stream(10_000, skip_every=5)))
    first = next(differences)
    assert first.kind == "missing_there"
    assert next(consumed) < 10  # read a handful, not the files


def _peak_bytes(count: int) -> int:
    tracemalloc.start()
    try:
        found = 0
        for _ in reconcile(_stream(count), _stream(count, skip_every=97, offset=1)):
            found += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found > count // 100  # the streams did differ, and were walked to the end
    return peak


def test_reconcile_memory_stays_flat() -> None:
    small, large = _peak_bytes(2_000), _peak_bytes(40_000)
    assert large < small * 1.5 + 64 * 1024


# --- range digests (整合性確認, digest first) ------------------------------------------------

KEY = bytes(range(16))
COMPARED = [name for name in WHITELIST_ORDER if name != "exclusive_lock"]


@settings(max_examples=50)
@given(people)
def test_the_canonical_payload_is_the_json_array_of_the_compared_items(n: int) -> None:
    record = identity_record(n, former_surname="山田", former_surname_kana="やまだ")
    payload = to_cs_payload(record)
    expected = json.dumps(
        [payload[name] for name in COMPARED], ensure_ascii=False, separators=(",", ":")
    )
    assert canonical_payload(record) == expected.encode("utf-8")


def _another(record: IdentityRecord, name: str) -> object:
    """A value of the item's own type other than the record's."""
    value = getattr(record, name)
    if value is None:
        kind = typing.get_args(attrs.fields_dict(IdentityRecord)[name].type)[0]
        return {str: "1", int: 1, dt.date: dt.date(2001, 2, 3)}[kind]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, dt.datetime):
        return value + dt.timedelta(seconds=1)
    if isinstance(value, dt.date):
        return value + dt.timedelta(days=1)
    return {"male": "female", "female": "male", "current": "deleted"}.get(value, value + "x")


@pytest.mark.parametrize("name", WHITELIST_ORDER)
def test_a_fingerprint_changes_with_every_compared_item_and_not_with_the_lock(name: str) -> None:
    record = identity_record(7)
    other = attrs.evolve(record, **{name: _another(record, name)})
    assert getattr(other, name) != getattr(record, name)
    same = name == "exclusive_lock"  # the CS's own transient lock is not compared
    assert (fingerprint(other) == fingerprint(record)) is same
    assert (list(reconcile([record], [other])) == []) is same


def test_a_timestamp_in_another_offset_is_its_own_text() -> None:
    """Days' texts are remembered; timestamps' are not, so equal instants written in other
    offsets keep their own text (two equal datetimes must not share one)."""
    record = identity_record(8)
    utc = attrs.evolve(record, timestamp=record.timestamp.astimezone(dt.UTC))
    assert utc.timestamp == record.timestamp
    assert canonical_payload(record) != canonical_payload(utc)
    assert record.timestamp.isoformat().encode() in canonical_payload(record)
    assert utc.timestamp.isoformat().encode() in canonical_payload(utc)


def _sorted(records: list[IdentityRecord]) -> list[IdentityRecord]:
    return sorted(records, key=lambda r: r.resident_code)


@settings(max_examples=60)
@given(st.integers(0, 40), st.integers(1, 9))
def test_ranges_cover_the_file_once_and_end_open(count: int, size: int) -> None:
    records = _sorted([identity_record(n) for n in range(1, count + 1)])
    ranges = list(cut_ranges(records, KEY, size))
    assert [r for found in ranges for r in found.records] == records
    assert ranges[0].after is None and ranges[-1].through is None and not ranges[-1].records
    for before, after in itertools.pairwise(ranges):
        assert after.after == before.through is not None
    for found in ranges:
        assert len(found.records) <= size and found.digest.count == len(found.records)
        assert found.digest == range_digest(KEY, [fingerprint(r) for r in found.records])
        for record in found.records:
            assert found.after is None or record.resident_code > found.after
            assert found.through is not None and record.resident_code <= found.through


def test_a_range_digest_depends_on_the_key_and_on_every_record() -> None:
    records = _sorted([identity_record(n) for n in range(1, 6)])
    fingerprints = [fingerprint(r) for r in records]
    digest = range_digest(KEY, fingerprints)
    assert range_digest(KEY, list(fingerprints)) == digest
    assert range_digest(bytes(16), fingerprints).digest != digest.digest
    assert range_digest(KEY, fingerprints[:-1]) != digest
    assert range_digest(KEY, fingerprints[::-1]).digest != digest.digest
    changed = attrs.evolve(records[2], relationship="子")
    fingerprints[2] = fingerprint(changed)
    assert range_digest(KEY, fingerprints).digest != digest.digest


def test_cutting_an_unsorted_or_repeated_file_is_refused() -> None:
    a, b = _sorted([identity_record(1), identity_record(2)])
    for bad in ([b, a], [a, a]):
        with pytest.raises(LinkError) as refused:
            list(cut_ranges(bad, KEY, 5))
        assert (refused.value.code, refused.value.item) == ("KJ-LINK-022", "ours")


@settings(max_examples=150)
@given(
    st.dictionaries(
        st.integers(1, 400),
        st.tuples(st.booleans(), st.booleans(), VARIANTS),
        max_size=40,
    ),
    st.integers(1, 6),
)
def test_reconciling_range_by_range_is_reconciling_the_whole_files(
    plan: dict[int, tuple[bool, bool, str]], size: int
) -> None:
    """What the register does with the peer's digests: a range whose count and digest agree
    has no difference, and the others reconciled one by one give the whole files' differences,
    in the same order."""
    ours: list[IdentityRecord] = []
    theirs: list[IdentityRecord] = []
    for n, (here, there, kind) in plan.items():
        record = identity_record(n, update_sequence=5)
        if here:
            ours.append(record)
        if there:
            theirs.append(variant(record, kind))
    ours, theirs = _sorted(ours), _sorted(theirs)
    found: list[Difference] = []
    for mine in cut_ranges(ours, KEY, size):
        peer = [
            r
            for r in theirs
            if (mine.after is None or r.resident_code > mine.after)
            and (mine.through is None or r.resident_code <= mine.through)
        ]
        differences = list(reconcile(mine.records, peer))
        if range_digest(KEY, [fingerprint(r) for r in peer]) == mine.digest:
            assert differences == []
        found += differences
    assert found == list(reconcile(ours, theirs))
