"""Notification scenarios through the public API, on every storage adapter.

Each test states one rule of the register (SPEC 2.2, 2.3, 5) and checks it end to end.
"""

from __future__ import annotations

from typing import Any

import pytest

import kure_juki as kj
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person, unique_codes


def codes_of(err: kj.RegistryError) -> set[str]:
    return {p.code for p in err.problems}


def family(clerk: kj.Session, **kw: Any) -> kj.Receipt:
    return clerk.submit(move_in(**kw))


def test_move_in_creates_a_household_with_one_head(clerk: kj.Session) -> None:
    r = family(clerk)
    h = clerk.household(r.household_id)
    assert h["head_id"] == r.resident_ids[0]
    assert [m["relationship"] for m in h["members"]] == ["世帯主", "妻"]
    assert all("my_number" not in m for m in h["members"])  # a list view
    one = clerk.resident(r.resident_ids[0])
    assert one["status"] == "resident" and one["address"]["postal_code"] == "737-0045"
    assert one["history"][0]["type"] == "move_in"


def test_move_in_of_a_living_resident_is_a_logic_error(clerk: kj.Session) -> None:
    first = person()
    family(clerk, persons=[first])
    again = person(resident_code=first["resident_code"], my_number=first["my_number"])
    with pytest.raises(kj.LogicError) as e:
        clerk.submit(move_in([again]))
    assert {"KJ-LOGIC-001", "KJ-LOGIC-002"} <= codes_of(e.value)


def test_every_problem_is_reported_at_once(clerk: kj.Session) -> None:
    bad = person(
        my_number="123456789012", resident_code="12345678901", sex="x", family_name_kana="kure"
    )
    with pytest.raises(kj.FormatError) as e:
        clerk.submit(move_in([bad]))
    assert {"KJ-FMT-005", "KJ-FMT-006", "KJ-FMT-010", "KJ-FMT-011"} <= codes_of(e.value)
    assert e.value.message_ja and e.value.message_en
    assert bad["my_number"] not in str(e.value)


def test_unknown_keys_and_wrong_types_are_format_errors(clerk: kj.Session) -> None:
    n = move_in()
    n["colour"] = "blue"
    n["persons"][0]["birth_date"] = 19800401
    with pytest.raises(kj.FormatError) as e:
        clerk.submit(n)
    assert {("KJ-FMT-001", "colour"), ("KJ-FMT-003", "birth_date")} <= {
        (p.code, p.item) for p in e.value.problems
    }


def test_move_within_changing_more_than_the_address_is_a_logic_error(clerk: kj.Session) -> None:
    r = family(clerk)
    with pytest.raises(kj.LogicError) as e:
        clerk.submit(
            {
                "type": "move_within",
                "occurred_on": "2026-11-25",
                "resident_ids": list(r.resident_ids),
                "family_name": "別姓",
                "address": {"postal_code": "737-0046", "text": "広島県呉市中通二丁目2番"},
            }
        )
    assert e.value.code == "KJ-LOGIC-003" and e.value.item == "family_name"


def test_move_within_changes_the_address_only(clerk: kj.Session) -> None:
    r = family(clerk)
    before = clerk.resident(r.resident_ids[0])
    clerk.submit(
        {
            "type": "move_within",
            "occurred_on": "2026-11-25",
            "resident_ids": list(r.resident_ids),
            "address": {"postal_code": "7370046", "text": "広島県呉市中通二丁目2番"},
        }
    )
    after = clerk.resident(r.resident_ids[0])
    assert after["address"] == {"postal_code": "737-0046", "text": "広島県呉市中通二丁目2番"}
    changed = {k for k in before if before[k] != after[k]}
    # 住基法7条8号: the 転居 records its 従前の住所 (former_address) beside the new address.
    assert changed == {"address", "address_since", "history", "former_address"}
    assert after["former_address"]["text"] == before["address"]["text"]


def test_late_notice_is_accepted_with_a_warning(clerk: kj.Session) -> None:
    r = clerk.submit(move_in(occurred_on="2026-10-01", notified_on="2026-11-26"))
    assert r.late and "KJ-WARN-001" in {w.code for w in r.warnings}
    assert clerk.resident(r.resident_ids[0])["history"][0]["late"] is True


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"occurred_on": "2026-11-27"}, "KJ-LOGIC-007"),  # 異動日 in the future
        ({"notified_on": "2026-11-27"}, "KJ-LOGIC-005"),  # 届出日 in the future
        ({"occurred_on": "2026-11-20", "notified_on": "2026-11-19"}, "KJ-LOGIC-006"),
    ],
)
def test_date_rules(clerk: kj.Session, changes: dict[str, str], code: str) -> None:
    with pytest.raises(kj.LogicError) as e:
        clerk.submit({**move_in(), **changes})
    assert code in codes_of(e.value)


def test_future_birth_date_is_refused(clerk: kj.Session) -> None:
    with pytest.raises(kj.LogicError) as e:
        clerk.submit(move_in([person(birth_date="2027-01-01")]))
    assert "KJ-LOGIC-004" in codes_of(e.value)


def test_japanese_need_domicile_and_foreigners_nationality(clerk: kj.Session) -> None:
    jp = person()
    del jp["registered_domicile"]
    fr = person(relationship="妻", sex="female", foreign=True)
    del fr["category_30_45"]
    with pytest.raises(kj.LogicError) as e:
        clerk.submit(move_in([jp, fr]))
    assert {("KJ-LOGIC-009", "registered_domicile"), ("KJ-LOGIC-010", "category_30_45")} <= {
        (p.code, p.item) for p in e.value.problems
    }


def test_new_household_needs_exactly_one_head(clerk: kj.Session) -> None:
    with pytest.raises(kj.LogicError) as e:
        clerk.submit(move_in([person(relationship="子"), person(relationship="子")]))
    assert "KJ-LOGIC-008" in codes_of(e.value)
    with pytest.raises(kj.LogicError):
        clerk.submit(move_in([person(), person()]))


def test_birth_gets_codes_from_the_pool_and_the_cs(clerk: kj.Session) -> None:
    r = family(clerk)
    b = clerk.submit(
        {
            "type": "birth",
            "occurred_on": "2026-11-24",
            "household_id": r.household_id,
            "person": {
                "family_name": "佐藤",
                "given_name": "翔",
                "family_name_kana": "さとう",
                "given_name_kana": "しょう",
                "sex": "male",
                "relationship": "子",
            },
        }
    )
    child = clerk.resident(b.resident_ids[0])
    from kure_juki.domain.identifiers import is_valid_my_number, is_valid_resident_code

    assert is_valid_resident_code(child["resident_code"])
    assert is_valid_my_number(child["my_number"])
    assert child["registered_domicile"] == "広島県呉市中央四丁目1番"  # inherited
    assert child["address"] == clerk.resident(r.resident_ids[0])["address"]


def test_death_of_head_with_one_member_left_names_that_member(clerk: kj.Session) -> None:
    r = family(clerk)
    d = clerk.submit(
        {"type": "death", "occurred_on": "2026-11-25", "resident_id": r.resident_ids[0]}
    )
    assert "KJ-WARN-004" in {w.code for w in d.warnings}
    h = clerk.household(r.household_id)
    assert h["head_id"] == r.resident_ids[1]
    assert h["members"][0]["relationship"] == "世帯主"
    dead = clerk.resident(r.resident_ids[0])  # the 除票 stays readable
    assert dead["status"] == "deleted" and dead["deletion"]["reason"] == "死亡"


def test_death_of_head_with_several_left_asks_for_change_of_head(clerk: kj.Session) -> None:
    r = clerk.submit(
        move_in(
            [
                person(),
                person(relationship="妻", sex="female"),
                person(relationship="子", birth_date="2010-01-01"),
            ]
        )
    )
    head, wife, child = r.resident_ids
    d = clerk.submit({"type": "death", "occurred_on": "2026-11-25", "resident_id": head})
    assert "KJ-WARN-002" in {w.code for w in d.warnings}
    assert clerk.household(r.household_id)["head_id"] is None
    with pytest.raises(kj.LogicError) as e:  # every member's 続柄 must be restated
        clerk.submit(
            {
                "type": "change_head",
                "occurred_on": "2026-11-26",
                "household_id": r.household_id,
                "new_head_id": wife,
                "relationships": {},
            }
        )
    assert "KJ-LOGIC-016" in codes_of(e.value)
    clerk.submit(
        {
            "type": "change_head",
            "occurred_on": "2026-11-26",
            "household_id": r.household_id,
            "new_head_id": wife,
            "relationships": {child: "子"},
        }
    )
    h = clerk.household(r.household_id)
    assert h["head_id"] == wife
    assert {m["resident_id"]: m["relationship"] for m in h["members"]} == {
        wife: "世帯主",
        child: "子",
    }


def test_deleted_record_takes_only_a_correction(clerk: kj.Session) -> None:
    r = family(clerk)
    head = r.resident_ids[0]
    clerk.submit({"type": "death", "occurred_on": "2026-11-25", "resident_id": head})
    with pytest.raises(kj.LogicError) as e:
        clerk.submit(
            {
                "type": "move_within",
                "occurred_on": "2026-11-26",
                "resident_ids": [head],
                "address": {"postal_code": "737-0046", "text": "広島県呉市中通"},
            }
        )
    assert e.value.code == "KJ-LOGIC-011"
    clerk.submit(
        {
            "type": "correction",
            "resident_id": head,
            "reason": "誤記",
            "changes": {"given_name_kana": "いちろー"},
        }
    )
    assert clerk.resident(head)["given_name_kana"] == "いちろー"


def test_move_out_is_planned_then_confirmed(clerk: kj.Session) -> None:
    r = family(clerk)
    clerk.submit(
        {
            "type": "move_out",
            "occurred_on": "2026-12-05",
            "notified_on": "2026-11-26",
            "resident_ids": list(r.resident_ids),
            "destination": {"municipality_code": "131016", "text": "東京都千代田区"},
        }
    )
    assert clerk.resident(r.resident_ids[0])["status"] == "planned_move_out"
    with pytest.raises(kj.LogicError):  # no second move-out
        clerk.submit(
            {
                "type": "move_out",
                "occurred_on": "2026-12-06",
                "resident_ids": [r.resident_ids[0]],
                "destination": {"municipality_code": "011002", "text": "札幌市"},
            }
        )
    clerk.confirm_move_out(list(r.resident_ids), occurred_on="2026-11-26")
    view = clerk.resident(r.resident_ids[0])
    assert view["status"] == "deleted" and view["deletion"]["reason"] == "転出"
    assert clerk.household(r.household_id)["status"] == "dissolved"


def test_planned_move_out_is_deleted_by_the_batch_on_its_date(
    registry: kj.Registry, clerk: kj.Session, clock: SettableClock
) -> None:
    r = family(clerk)
    clerk.submit(
        {
            "type": "move_out",
            "occurred_on": "2026-12-05",
            "resident_ids": [r.resident_ids[1]],
            "destination": {"municipality_code": "131016", "text": "東京都千代田区"},
        }
    )
    assert registry.process_due_move_outs() == []
    clock.set("2026-12-05T09:00:00+09:00")
    done = registry.process_due_move_outs()
    assert len(done) == 1
    clerk2 = registry.login(
        "clerk01", "clerk-passphrase-01", terminal_id="T-9", purpose="resident_records"
    )
    assert clerk2.resident(r.resident_ids[1])["status"] == "deleted"
    assert clerk2.resident(r.resident_ids[0])["status"] == "resident"


def test_move_out_abroad_in_the_past_deletes_at_once(clerk: kj.Session) -> None:
    r = family(clerk)
    clerk.submit(
        {
            "type": "move_out_abroad",
            "occurred_on": "2026-11-25",
            "resident_ids": list(r.resident_ids),
            "destination": {"country": "アメリカ合衆国", "text": "ニューヨーク州"},
        }
    )
    assert clerk.resident(r.resident_ids[0])["deletion"]["reason"] == "国外転出"


def test_move_in_from_abroad_allocates_codes(clerk: kj.Session) -> None:
    p = person(codes=False, foreign=True)
    r = clerk.submit(
        {
            "type": "move_in_from_abroad",
            "occurred_on": "2026-11-20",
            "address": {"postal_code": "737-0045", "text": "広島県呉市本通"},
            "household": {"new": True},
            "persons": [p],
        }
    )
    v = clerk.resident(r.resident_ids[0])
    assert v["resident_kind"] == "foreign" and v["nationality"] == "アメリカ合衆国"
    assert len(v["resident_code"]) == 11 and len(v["my_number"]) == 12


def test_split_and_merge_households(clerk: kj.Session) -> None:
    r = clerk.submit(
        move_in(
            [
                person(),
                person(relationship="妻", sex="female"),
                person(relationship="子", birth_date="2000-01-01"),
                person(relationship="子の妻", sex="female", birth_date="2001-01-01"),
            ]
        )
    )
    _head, _wife, son, daughter_in_law = r.resident_ids
    s = clerk.submit(
        {
            "type": "split_household",
            "occurred_on": "2026-11-25",
            "resident_ids": [son, daughter_in_law],
            "new_head_id": son,
            "relationships": {daughter_in_law: "妻"},
        }
    )
    new = clerk.household(s.household_id)
    assert new["head_id"] == son and len(new["members"]) == 2
    assert len(clerk.household(r.household_id)["members"]) == 2
    clerk.submit(
        {
            "type": "merge_households",
            "occurred_on": "2026-11-26",
            "household_id": s.household_id,
            "into_household_id": r.household_id,
            "relationships": {son: "子", daughter_in_law: "子の妻"},
        }
    )
    assert len(clerk.household(r.household_id)["members"]) == 4
    assert clerk.household(s.household_id)["status"] == "dissolved"


def test_split_cannot_take_every_member(clerk: kj.Session) -> None:
    r = family(clerk)
    with pytest.raises(kj.LogicError) as e:
        clerk.submit(
            {
                "type": "split_household",
                "occurred_on": "2026-11-25",
                "resident_ids": list(r.resident_ids),
                "new_head_id": r.resident_ids[1],
                "relationships": {r.resident_ids[0]: "夫"},
            }
        )
    assert "KJ-LOGIC-020" in codes_of(e.value)


def test_failed_submit_changes_nothing(clerk: kj.Session) -> None:
    r = family(clerk)
    before = clerk.household(r.household_id)
    with pytest.raises(kj.RegistryError):
        clerk.submit(
            {
                "type": "change_head",
                "occurred_on": "2026-11-26",
                "household_id": r.household_id,
                "new_head_id": r.resident_ids[1],
                "relationships": {r.resident_ids[0]: "世帯主"},
            }
        )
    assert clerk.household(r.household_id) == before


def test_codes_are_unique_among_the_living(clerk: kj.Session) -> None:
    a = person()
    family(clerk, persons=[a])
    b = person(relationship="世帯主")
    b["my_number"] = a["my_number"]
    with pytest.raises(kj.LogicError) as e:
        clerk.submit(move_in([b]))
    assert "KJ-LOGIC-002" in codes_of(e.value)


def test_re_move_in_after_move_out_is_allowed(clerk: kj.Session) -> None:
    p = person()
    r = family(clerk, persons=[p])
    clerk.submit(
        {
            "type": "move_out",
            "occurred_on": "2026-11-25",
            "resident_ids": list(r.resident_ids),
            "destination": {"municipality_code": "131016", "text": "東京都千代田区"},
        }
    )
    clerk.confirm_move_out(list(r.resident_ids))
    again = clerk.submit(move_in([dict(p)], occurred_on="2026-11-26", notified_on="2026-11-26"))
    # 標準4.1.1.2: a 再転入者 (the 除票's codes) continues under the former 宛名番号
    assert again.resident_ids == r.resident_ids
    record = clerk.resident(r.resident_ids[0])
    assert record["status"] == "resident"
    assert [h["type"] for h in record["history"]][-1] == "move_in"


def test_search_needs_two_items_or_a_code(clerk: kj.Session) -> None:
    p = person()
    family(clerk, persons=[p])
    with pytest.raises(kj.AccessDenied) as e:
        clerk.search(family_name=p["family_name"], sex="male")
    assert e.value.code == "KJ-ACCESS-002"
    hits = clerk.search(family_name=p["family_name_kana"], birth_date=p["birth_date"])
    assert [h["family_name"] for h in hits] == [p["family_name"]]
    assert all("my_number" not in h for h in hits)
    assert len(clerk.search(my_number=p["my_number"])) == 1
    assert len(clerk.search(resident_code=p["resident_code"])) == 1


def test_fuzzy_kana_search_ignores_voicing_and_small_kana(clerk: kj.Session) -> None:
    p = person(
        family_name="後藤", family_name_kana="ごとう", given_name="健", given_name_kana="けん"
    )
    family(clerk, persons=[p])
    assert clerk.search(family_name="コトウ", birth_date=p["birth_date"])
    assert clerk.search(family_name="ｺﾞﾄｳ", given_name="ケン", birth_date=p["birth_date"])


def test_purpose_without_my_number_never_sees_it(registry: kj.Registry) -> None:
    clerk = registry.login(
        "admin", "a-long-passphrase", terminal_id="T", purpose="resident_records"
    )
    r = clerk.submit(move_in())
    elections = registry.login("admin", "a-long-passphrase", terminal_id="T", purpose="elections")
    assert "my_number" not in elections.resident(r.resident_ids[0])
    assert "my_number" in clerk.resident(r.resident_ids[0])
    with pytest.raises(kj.AccessDenied):
        elections.submit(move_in())


def test_unique_codes_helper_is_valid() -> None:
    from kure_juki.domain.identifiers import is_valid_my_number, is_valid_resident_code

    code, number = unique_codes(42)
    assert is_valid_resident_code(code) and is_valid_my_number(number)
