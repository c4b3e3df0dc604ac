"""Who a person is, through the public API on memory, a SQLite file and PostgreSQL.

- 再転入 (標準4.1.1.2): a move-in matching a 除票 by 個人番号, 住民票コード or 在留カード番号
  continues the former 宛名番号; 3情報 alone raise an alert naming the 除票; the codes of a
  deceased or another person's 除票 are refused (番号法8条2項, 住基法30条の3).
- 続柄 (標準1.1.11) in every notification that carries one.
- 宛名番号・世帯番号 check digits (標準1.1.13).
"""

from __future__ import annotations

from typing import Any

import pytest

import kure_juki as kj
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

pytestmark = pytest.mark.kj_store("memory", "sqlite", "postgresql")

TOKYO = {"municipality_code": "131016", "text": "東京都千代田区霞が関一丁目1番"}


def _m11_ok(number: str) -> bool:
    """標準1.1.13, computed here independently: weights 2〜7 from the right, 11 - remainder."""
    body, check = number[:-1], int(number[-1])
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(body)))
    remainder = total % 11
    return check == (0 if remainder == 0 else 11 - remainder)


def _moved_out(s: kj.Session, p: dict[str, Any]) -> str:
    """A person who moved in, then out (転出確定): the record is a 除票."""
    rid = s.submit(move_in([p], occurred_on="2026-10-01", notified_on="2026-10-02")).resident_ids[0]
    s.submit(
        {
            "type": "move_out",
            "resident_ids": [rid],
            "destination": TOKYO,
            "occurred_on": "2026-10-20",
            "notified_on": "2026-10-15",
        }
    )
    s.submit({"type": "confirm_move_out", "resident_ids": [rid], "occurred_on": "2026-10-20"})
    assert s.resident(rid)["status"] == "deleted"
    return rid


# -- 再転入 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("matched_by", ["resident_code", "my_number", "both"])
def test_a_re_entry_by_code_keeps_the_former_resident_id(
    kj_admin: kj.Session, matched_by: str
) -> None:
    first = person(family=2, birth_date="1979-03-03")
    rid = _moved_out(kj_admin, first)
    again = person(family=5, birth_date="1979-03-03", codes=False)  # 氏 changed since
    if matched_by in ("resident_code", "both"):
        again["resident_code"] = first["resident_code"]
    if matched_by in ("my_number", "both"):
        again["my_number"] = first["my_number"]
    receipt = kj_admin.submit(move_in([again], occurred_on="2026-11-20", notified_on="2026-11-24"))
    assert receipt.resident_ids == (rid,)
    assert [w.resident_id for w in receipt.warnings if w.code == "KJ-WARN-602"] == [rid]
    view = kj_admin.resident(rid)
    assert view["status"] == "resident"
    assert view["family_name"] == again["family_name"]
    assert view["household_id"] == receipt.household_id
    # one person, one number: the codes stay the person's own
    assert view["resident_code"] == first["resident_code"]
    assert view["my_number"] == first["my_number"]
    # the history goes on under the same 宛名番号: first stay, 転出, 転入 again
    kinds = [h["type"] for h in view["history"]]
    assert kinds == ["move_in", "move_out", "confirm_move_out", "move_in"]
    assert kj_admin.search(resident_code=first["resident_code"])[0]["resident_id"] == rid


@pytest.mark.parametrize(
    "kind", ["move_in", "move_in_from_abroad", "foreign_registration_30_46"]
)
def test_a_foreign_re_entry_by_residence_card_number(kj_admin: kj.Session, kind: str) -> None:
    first = person(foreign=True, birth_date="1990-07-07", residence_card_number="AB98765432CD")
    rid = _moved_out(kj_admin, first)
    again = person(
        foreign=True, birth_date="1990-07-07", residence_card_number="AB98765432CD", codes=False
    )
    n = move_in([again], occurred_on="2026-11-20", notified_on="2026-11-24")
    if kind != "move_in":
        n["type"] = kind
        n["previous_address"] = {"country": "アメリカ合衆国", "text": "ニューヨーク州"}
    receipt = kj_admin.submit(n)
    assert receipt.resident_ids == (rid,)
    view = kj_admin.resident(rid)
    assert view["status"] == "resident"
    assert view["resident_code"] == first["resident_code"]  # the 除票's, carried over


def test_a_match_on_name_sex_and_birth_date_only_alerts_and_names_the_deleted_record(
    kj_admin: kj.Session,
) -> None:
    first = person(family=3, given=2, birth_date="1965-12-12")
    rid = _moved_out(kj_admin, first)
    namesake = person(family=3, given=2, birth_date="1965-12-12")  # other codes
    receipt = kj_admin.submit(
        move_in([namesake], occurred_on="2026-11-20", notified_on="2026-11-24")
    )
    assert receipt.resident_ids != (rid,)
    alerts = [w for w in receipt.warnings if w.code == "KJ-WARN-601"]
    assert [a.resident_id for a in alerts] == [rid]
    assert alerts[0].to_dict()["resident_id"] == rid and rid in str(alerts[0])


def test_the_clerk_may_choose_the_alerted_record_as_a_re_entry(kj_admin: kj.Session) -> None:
    first = person(family=4, birth_date="1971-01-15")
    rid = _moved_out(kj_admin, first)
    chosen = person(family=4, birth_date="1971-01-15", codes=False, former_resident_id=rid)
    receipt = kj_admin.submit(move_in([chosen], occurred_on="2026-11-20", notified_on="2026-11-24"))
    assert receipt.resident_ids == (rid,)
    assert kj_admin.resident(rid)["resident_code"] == first["resident_code"]
    wrong = person(family=4, birth_date="1971-01-16", codes=False, former_resident_id=rid)
    with pytest.raises(kj.LogicError) as refused:
        kj_admin.submit(move_in([wrong], occurred_on="2026-11-20", notified_on="2026-11-24"))
    assert "KJ-LOGIC-605" in [p.code for p in refused.value.problems]


def test_a_deceased_persons_codes_are_never_accepted(kj_admin: kj.Session) -> None:
    first = person(family=1, birth_date="1950-05-05")
    rid = kj_admin.submit(
        move_in([first], occurred_on="2026-10-01", notified_on="2026-10-02")
    ).resident_ids[0]
    kj_admin.submit(
        {
            "type": "death",
            "resident_id": rid,
            "occurred_on": "2026-10-10",
            "notified_on": "2026-10-11",
        }
    )
    for key in ("resident_code", "my_number"):
        other = person(family=1, birth_date="1950-05-05")
        other[key] = first[key]
        with pytest.raises(kj.LogicError) as refused:
            kj_admin.submit(move_in([other], occurred_on="2026-11-20", notified_on="2026-11-24"))
        assert [p.code for p in refused.value.problems] == ["KJ-LOGIC-601"]
    assert kj_admin.resident(rid)["status"] == "deleted"


def test_a_deleted_persons_code_is_not_given_to_somebody_else(kj_admin: kj.Session) -> None:
    first = person(family=6, birth_date="1982-02-02")
    _moved_out(kj_admin, first)
    for key in ("resident_code", "my_number"):
        stranger = person(family=7, birth_date="1999-09-09")
        stranger[key] = first[key]
        with pytest.raises(kj.LogicError) as refused:
            kj_admin.submit(move_in([stranger], occurred_on="2026-11-20", notified_on="2026-11-24"))
        assert [p.code for p in refused.value.problems] == ["KJ-LOGIC-602"]
    # two codes of two different persons
    second = person(family=0, birth_date="1983-03-03")
    _moved_out(kj_admin, second)
    mixed = person(family=6, birth_date="1982-02-02", codes=False)
    mixed.update(resident_code=first["resident_code"], my_number=second["my_number"])
    with pytest.raises(kj.LogicError) as refused:
        kj_admin.submit(move_in([mixed], occurred_on="2026-11-20", notified_on="2026-11-24"))
    assert [p.code for p in refused.value.problems] == ["KJ-LOGIC-603"]


def test_a_newborn_never_takes_a_deleted_persons_code(kj_admin: kj.Session) -> None:
    first = person(family=2, birth_date="1960-06-06")
    _moved_out(kj_admin, first)
    home = kj_admin.submit(move_in(occurred_on="2026-11-01", notified_on="2026-11-02"))
    child = {
        "family_name": "佐藤",
        "given_name": "陽菜",
        "family_name_kana": "さとう",
        "given_name_kana": "ひな",
        "sex": "female",
        "relationship": "子",
        "resident_code": first["resident_code"],
    }
    with pytest.raises(kj.LogicError) as refused:
        kj_admin.submit(
            {"type": "birth", "household_id": home.household_id, "occurred_on": "2026-11-25",
             "person": child}
        )
    assert [p.code for p in refused.value.problems] == ["KJ-LOGIC-606"]


def test_cancelling_a_re_entry_restores_the_deleted_record(kj_admin: kj.Session) -> None:
    first = person(family=3, birth_date="1977-07-17")
    rid = _moved_out(kj_admin, first)
    deleted = kj_admin.resident(rid)
    receipt = kj_admin.submit(
        move_in([dict(first)], occurred_on="2026-11-20", notified_on="2026-11-24")
    )
    assert receipt.resident_ids == (rid,)
    kj_admin.submit(
        {"type": "cancellation", "movement_id": receipt.movement_id, "reason": "誤入力"}
    )
    restored = kj_admin.resident(rid)
    assert restored["status"] == "deleted"
    assert {k: v for k, v in restored.items() if k != "history"} == {
        k: v for k, v in deleted.items() if k != "history"
    }


def test_two_persons_of_one_notification_cannot_continue_the_same_record(
    kj_admin: kj.Session,
) -> None:
    first = person(family=1, birth_date="1988-08-08")
    _moved_out(kj_admin, first)
    a = person(family=1, birth_date="1988-08-08", codes=False, resident_code=first["resident_code"])
    b = person(
        relationship="妻", sex="female", birth_date="1988-08-08", codes=False,
        my_number=first["my_number"],
    )
    with pytest.raises(kj.LogicError) as refused:
        kj_admin.submit(move_in([a, b], occurred_on="2026-11-20", notified_on="2026-11-24"))
    assert "KJ-LOGIC-604" in [p.code for p in refused.value.problems]


# -- 続柄 -----------------------------------------------------------------------------------
@pytest.mark.parametrize("wrong", ["長男", "孫", "祖父", "家事使用人"])
def test_relationships_outside_the_standard_are_refused_everywhere(
    kj_admin: kj.Session, wrong: str
) -> None:
    home = kj_admin.submit(move_in(occurred_on="2026-11-01", notified_on="2026-11-02"))
    head, wife = home.resident_ids
    child = {
        "family_name": "佐藤", "given_name": "陽菜", "family_name_kana": "さとう",
        "given_name_kana": "ひな", "sex": "female",
    }
    tries: list[dict[str, Any]] = [
        move_in([person(), person(relationship=wrong, birth_date="2001-01-01")]),
        {**move_in([person(relationship=wrong, foreign=True)]), "type": "move_in_from_abroad"},
        {"type": "birth", "household_id": home.household_id, "occurred_on": "2026-11-25",
         "person": {**child, "relationship": wrong}},
        {"type": "change_head", "household_id": home.household_id, "new_head_id": wife,
         "occurred_on": "2026-11-25", "relationships": {head: wrong}},
        {"type": "split_household", "resident_ids": [head, wife], "new_head_id": head,
         "occurred_on": "2026-11-25", "relationships": {wife: wrong}},
        {"type": "correction", "resident_id": wife, "reason": "誤記修正",
         "changes": {"relationship": wrong}},
    ]
    for n in tries:
        with pytest.raises(kj.FormatError) as refused:
            kj_admin.submit(n)
        assert "KJ-FMT-601" in [p.code for p in refused.value.problems], n["type"]
    assert kj_admin.resident(wife)["relationship"] == "妻"


def test_five_generations_are_refused_four_accepted(kj_admin: kj.Session) -> None:
    with pytest.raises(kj.FormatError) as refused:
        kj_admin.submit(move_in([person(), person(relationship="子の子の子の子の子")]))
    assert [p.code for p in refused.value.problems] == ["KJ-FMT-602"]
    receipt = kj_admin.submit(
        move_in([person(), person(relationship="子の子の子の子", birth_date="2010-01-01"),
                 person(relationship="妻の父の母", birth_date="1930-01-01", sex="female")])
    )
    rels = [kj_admin.resident(r)["relationship"] for r in receipt.resident_ids]
    assert rels == ["世帯主", "子の子の子の子", "妻の父の母"]


def test_ascii_parentheses_are_recorded_as_the_standards(kj_admin: kj.Session) -> None:
    receipt = kj_admin.submit(
        move_in([person(), person(relationship="妻(未届)", sex="female", birth_date="1985-01-01")])
    )
    assert kj_admin.resident(receipt.resident_ids[1])["relationship"] == "妻（未届）"
    merged_into = kj_admin.submit(move_in([person(family=4)], address="広島県呉市本通一丁目1番1号"))
    kj_admin.submit(
        {"type": "merge_households", "household_id": receipt.household_id,
         "into_household_id": merged_into.household_id, "occurred_on": "2026-11-25",
         "relationships": {receipt.resident_ids[0]: "同居人", receipt.resident_ids[1]: "縁故者"}}
    )
    assert kj_admin.resident(receipt.resident_ids[1])["relationship"] == "縁故者"


# -- 宛名番号・世帯番号 -------------------------------------------------------------------------
def test_new_numbers_carry_the_modulus_11_check_digit(
    kj_admin: kj.Session, kj_clock: SettableClock
) -> None:
    seen_ids: set[str] = set()
    for i in range(12):
        receipt = kj_admin.submit(
            move_in([person(family=i), person(relationship="子", birth_date="2010-01-01")])
        )
        assert receipt.household_id is not None and _m11_ok(receipt.household_id)
        for rid in receipt.resident_ids:
            assert rid.isdigit() and _m11_ok(rid), rid
        seen_ids.update(receipt.resident_ids)
    assert len(seen_ids) == 24


def test_numbers_given_before_check_digits_are_still_accepted(kj_admin: kj.Session) -> None:
    # An id without a check digit (numbered before 標準1.1.13 applied) keeps its shape check:
    # unknown, not malformed.
    with pytest.raises(kj.NotFound):
        kj_admin.submit({"type": "death", "resident_id": "1000000001", "occurred_on": "2026-11-25"})
