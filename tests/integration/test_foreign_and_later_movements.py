"""Foreign residents, 通称, 旧氏, nationality changes, individual entries, code changes, 取消."""

from __future__ import annotations

from typing import Any

import pytest

import kure_juki as kj
from kure_juki.domain.identifiers import is_valid_my_number, is_valid_resident_code
from kure_juki.testing.factories import move_in, person


def codes_of(err: kj.RegistryError) -> set[str]:
    return {p.code for p in err.problems}


def foreigner(**kw: Any) -> dict[str, Any]:
    return person(foreign=True, **kw)


@pytest.mark.parametrize(
    ("category", "missing", "code"),
    [
        ("中長期在留者", "residence_status", "KJ-LOGIC-040"),
        ("中長期在留者", "stay_expires_on", "KJ-LOGIC-041"),
        ("中長期在留者", "residence_card_number", "KJ-LOGIC-042"),
        ("特別永住者", "residence_card_number", "KJ-LOGIC-043"),
        ("一時庇護許可者", "stay_expires_on", "KJ-LOGIC-044"),
        ("仮滞在許可者", "stay_expires_on", "KJ-LOGIC-045"),
    ],
)
def test_each_category_requires_its_items(
    clerk: kj.Session, category: str, missing: str, code: str
) -> None:
    p = foreigner(category_30_45=category)
    del p[missing]
    with pytest.raises(kj.LogicError) as e:
        clerk.submit(move_in([p]))
    assert (code, missing) in {(x.code, x.item) for x in e.value.problems}


def test_transitional_categories_need_no_status(clerk: kj.Session) -> None:
    p = foreigner(category_30_45="出生による経過滞在者")
    for item in ("residence_status", "stay_expires_on", "residence_card_number"):
        del p[item]
    clerk.submit(move_in([p]))


def test_expired_stay_at_move_in_is_refused(clerk: kj.Session) -> None:
    with pytest.raises(kj.LogicError) as e:
        clerk.submit(move_in([foreigner(stay_expires_on="2026-01-01")]))
    assert "KJ-LOGIC-046" in codes_of(e.value)


def test_alias_entry_and_deletion_keep_history(clerk: kj.Session) -> None:
    r = clerk.submit(move_in([foreigner()]))
    rid = r.resident_ids[0]
    clerk.submit(
        {
            "type": "alias_entry",
            "resident_id": rid,
            "alias": "山田太郎",
            "alias_kana": "やまだたろう",
        }
    )
    with pytest.raises(kj.LogicError):  # one alias at a time
        clerk.submit({"type": "alias_entry", "resident_id": rid, "alias": "山田次郎"})
    view = clerk.resident(rid)
    assert view["alias"] == "山田太郎" and view["alias_history"][0]["deleted_on"] is None
    clerk.submit({"type": "alias_deletion", "resident_id": rid})
    view = clerk.resident(rid)
    assert view["alias"] is None
    assert view["alias_history"][0]["deleted_on"] == "2026-11-26"


def test_alias_is_for_foreign_residents_only(clerk: kj.Session) -> None:
    r = clerk.submit(move_in([person()]))
    with pytest.raises(kj.LogicError) as e:
        clerk.submit({"type": "alias_entry", "resident_id": r.resident_ids[0], "alias": "x"})
    assert e.value.code == "KJ-LOGIC-033"


def test_former_surname_entry_and_deletion(clerk: kj.Session) -> None:
    r = clerk.submit(move_in([person()]))
    rid = r.resident_ids[0]
    clerk.submit(
        {
            "type": "former_surname_entry",
            "resident_id": rid,
            "former_surname": "山田",
            "former_surname_kana": "やまだ",
        }
    )
    assert clerk.resident(rid)["former_surname"]["surname"] == "山田"
    clerk.submit({"type": "former_surname_deletion", "resident_id": rid})
    view = clerk.resident(rid)
    assert "former_surname" not in view and view["former_surname_history"][0]["surname"] == "山田"


def test_immigration_notice_checks_before_values(clerk: kj.Session) -> None:
    r = clerk.submit(move_in([foreigner()]))
    rid = r.resident_ids[0]
    with pytest.raises(kj.LogicError) as e:
        clerk.submit(
            {
                "type": "stay_extension",
                "resident_id": rid,
                "stay_expires_on": "2032-03-31",
                "before": {"stay_expires_on": "2030-01-01"},
            }
        )
    assert e.value.code == "KJ-LOGIC-047"
    clerk.submit(
        {
            "type": "stay_extension",
            "resident_id": rid,
            "stay_expires_on": "2032-03-31",
            "residence_card_number": "XY87654321ZW",
            "before": {"stay_expires_on": "2029-03-31"},
        }
    )
    v = clerk.resident(rid)
    assert v["stay_expires_on"] == "2032-03-31" and v["residence_card_number"] == "XY87654321ZW"
    clerk.submit(
        {
            "type": "residence_status_change",
            "resident_id": rid,
            "residence_status": "永住者",
            "stay_expires_on": "2099-12-31",
        }
    )
    assert clerk.resident(rid)["residence_status"] == "永住者"


def test_naturalization_makes_a_japanese_record_with_the_same_codes(clerk: kj.Session) -> None:
    r = clerk.submit(
        move_in(
            [
                foreigner(),
                foreigner(relationship="妻", sex="female", residence_card_number="CD12345678EF"),
            ]
        )
    )
    head = clerk.resident(r.resident_ids[0])
    n = clerk.submit(
        {
            "type": "naturalization",
            "occurred_on": "2026-11-25",
            "resident_id": head["resident_id"],
            "family_name": "鈴木",
            "given_name": "譲",
            "family_name_kana": "すずき",
            "given_name_kana": "じょう",
            "registered_domicile": "広島県呉市",
            "domicile_head": "鈴木　譲",
        }
    )
    old, new = (clerk.resident(i) for i in n.resident_ids)
    assert old["status"] == "deleted" and old["deletion"]["reason"] == "帰化"
    assert new["resident_kind"] == "japanese" and new["relationship"] == "世帯主"
    assert (new["resident_code"], new["my_number"]) == (head["resident_code"], head["my_number"])
    assert clerk.household(r.household_id)["head_id"] == new["resident_id"]


def test_individual_entries_by_their_department(registry: kj.Registry, clerk: kj.Session) -> None:
    rid = clerk.submit(move_in([person()])).resident_ids[0]
    clerk.submit(
        {
            "type": "individual_entry",
            "resident_id": rid,
            "item": "national_health_insurance",
            "fields": {"記号番号": "呉01-2345", "資格取得日": "2026-11-20"},
        }
    )
    assert clerk.resident(rid)["individual_entries"]["national_health_insurance"]["記号番号"] == (
        "呉01-2345"
    )
    with pytest.raises(kj.LogicError) as e:
        clerk.submit(
            {"type": "individual_entry", "resident_id": rid, "item": "horoscope", "fields": {}}
        )
    assert e.value.code == "KJ-LOGIC-055"


def test_resident_code_and_my_number_change(clerk: kj.Session) -> None:
    rid = clerk.submit(move_in([person()])).resident_ids[0]
    before = clerk.resident(rid)
    clerk.submit({"type": "resident_code_change", "resident_id": rid})
    clerk.submit({"type": "my_number_change", "resident_id": rid})
    after = clerk.resident(rid)
    assert after["former_resident_codes"] == [before["resident_code"]]
    assert is_valid_resident_code(after["resident_code"])
    assert after["resident_code"] != before["resident_code"]
    assert is_valid_my_number(after["my_number"]) and after["my_number"] != before["my_number"]


def _living(clerk: kj.Session, household_id: str) -> list[dict[str, Any]]:
    members = clerk.household(household_id)["members"]
    return sorted((m for m in members if m["status"] != "deleted"), key=lambda m: m["resident_id"])


def test_cancelled_movement_returns_the_register_to_before(clerk: kj.Session) -> None:
    r = clerk.submit(move_in())
    before = _living(clerk, r.household_id)
    moved = clerk.submit(
        {
            "type": "move_within",
            "occurred_on": "2026-11-26",
            "resident_ids": list(r.resident_ids),
            "address": {"postal_code": "737-0046", "text": "広島県呉市中通"},
        }
    )
    c = clerk.submit(
        {"type": "cancellation", "movement_id": moved.movement_id, "reason": "住所の誤入力"}
    )
    assert _living(clerk, r.household_id) == before
    history = clerk.resident(r.resident_ids[0])["history"]
    assert [h["reason"] for h in history] == ["転入", "転居", "異動取消（修正）"]  # both kept
    assert c.movement_id > moved.movement_id


def test_cancelled_move_in_and_death(clerk: kj.Session) -> None:
    r = clerk.submit(move_in())
    d = clerk.submit(
        {"type": "death", "occurred_on": "2026-11-25", "resident_id": r.resident_ids[0]}
    )
    clerk.submit({"type": "cancellation", "movement_id": d.movement_id, "reason": "誤記"})
    h = clerk.household(r.household_id)
    assert h["head_id"] == r.resident_ids[0] and len(h["members"]) == 2
    clerk.submit({"type": "cancellation", "movement_id": r.movement_id, "reason": "誤記"})
    assert clerk.resident(r.resident_ids[0])["deletion"]["reason"] == "異動取消（減）"
    assert clerk.household(r.household_id)["status"] == "dissolved"


def test_cancellation_refused_when_a_later_movement_touched_the_records(
    clerk: kj.Session,
) -> None:
    r = clerk.submit(move_in())
    moved = clerk.submit(
        {
            "type": "move_within",
            "occurred_on": "2026-11-25",
            "resident_ids": list(r.resident_ids),
            "address": {"postal_code": "737-0046", "text": "広島県呉市中通"},
        }
    )
    clerk.submit(
        {
            "type": "correction",
            "resident_id": r.resident_ids[0],
            "reason": "誤記",
            "changes": {"given_name_kana": "いちろー"},
        }
    )
    with pytest.raises(kj.LogicError) as e:
        clerk.submit({"type": "cancellation", "movement_id": moved.movement_id, "reason": "x"})
    assert e.value.code == "KJ-LOGIC-053"
    with pytest.raises(kj.LogicError):  # the caller cannot supply the images
        clerk.submit(
            {
                "type": "cancellation",
                "movement_id": moved.movement_id,
                "reason": "x",
                "target": {"type": "move_in", "residents": {}, "households": {}},
            }
        )


def test_cancellation_that_would_leave_one_member_without_a_head_is_refused(
    clerk: kj.Session,
) -> None:
    r = clerk.submit(move_in())
    joined = clerk.submit(move_in([person(relationship="同居人", birth_date="1990-01-01")],
                                  household={"household_id": r.household_id}))
    clerk.submit({"type": "death", "occurred_on": "2026-11-25",
                  "resident_id": r.resident_ids[0]})  # two remain: a 世帯主変更 is awaited
    with pytest.raises(kj.LogicError) as e:
        clerk.submit({"type": "cancellation", "movement_id": joined.movement_id,
                      "reason": "誤記"})
    assert e.value.code == "KJ-LOGIC-053"
