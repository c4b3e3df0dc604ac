"""A household lives at one address (住基法6条・23条1項5号; 標準4.0.2, 4.1.4.1), the direction of
a 取消 (標準4.6.0.1, 1.2.2), and the alert when the head leaves (標準4.0.4), through the public
API on memory, a SQLite file and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

import kure_juki as kj
from kure_juki.testing.factories import move_in, person

pytestmark = pytest.mark.kj_store("memory", "sqlite", "postgresql")

HOME = "広島県呉市本通一丁目1番1号"
ELSEWHERE = {"postal_code": "737-0046", "text": "広島県呉市中通二丁目2番2号"}
CORRECTED = "広島県呉市本通一丁目1番2号"
THIRD = {"postal_code": "737-0051", "text": "広島県呉市中央三丁目3番3号"}


def family_of_four(clerk: kj.Session, address: str = HOME) -> kj.Receipt:
    return clerk.submit(
        move_in(
            [
                person(),
                person(relationship="妻", sex="female", birth_date="1982-05-02"),
                person(relationship="子", birth_date="2005-06-03", given=1),
                person(relationship="子", sex="female", birth_date="2008-07-04", given=1),
            ],
            address=address,
        )
    )


def within(ids: list[str], address: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "type": "move_within",
        "occurred_on": "2026-11-25",
        "resident_ids": ids,
        "address": address,
        **extra,
    }


def addresses(clerk: kj.Session, household_id: str) -> set[str]:
    members = clerk.household(household_id)["members"]
    return {clerk.resident(m["resident_id"])["address"]["text"] for m in members}


def warned(receipt: kj.Receipt) -> set[str]:
    return {w.code for w in receipt.warnings}


def problems(err: kj.RegistryError) -> set[tuple[str, str | None]]:
    return {(p.code, p.item) for p in err.problems}


# -- 転居 ---------------------------------------------------------------------------------
def test_a_partial_move_within_without_a_household_is_refused(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    with pytest.raises(kj.LogicError) as e:
        kj_clerk.submit(within(list(r.resident_ids[2:]), ELSEWHERE))
    assert ("KJ-LOGIC-501", "household") in problems(e.value)
    assert e.value.message_ja and e.value.message_en
    assert addresses(kj_clerk, r.household_id) == {HOME}  # nothing changed


def test_the_whole_household_moves_without_naming_a_household(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    done = kj_clerk.submit(within(list(r.resident_ids), ELSEWHERE))
    assert done.household_id == r.household_id
    assert addresses(kj_clerk, r.household_id) == {ELSEWHERE["text"]}


def test_a_partial_move_within_forms_a_new_household(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    son, daughter = r.resident_ids[2:]
    done = kj_clerk.submit(
        within(
            [son, daughter],
            ELSEWHERE,
            household={"new": True},
            relationships={son: "世帯主", daughter: "妹"},
        )
    )
    assert done.household_id != r.household_id
    new = kj_clerk.household(done.household_id)
    assert new["head_id"] == son
    assert {m["resident_id"]: m["relationship"] for m in new["members"]} == {
        son: "世帯主",
        daughter: "妹",
    }
    assert addresses(kj_clerk, done.household_id) == {ELSEWHERE["text"]}
    old = kj_clerk.household(r.household_id)
    assert [m["resident_id"] for m in old["members"]] == list(r.resident_ids[:2])
    assert addresses(kj_clerk, r.household_id) == {HOME}


def test_one_person_moving_alone_heads_the_new_household(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    son = r.resident_ids[2]
    done = kj_clerk.submit(within([son], ELSEWHERE, household={"new": True}))
    assert kj_clerk.household(done.household_id)["head_id"] == son
    assert kj_clerk.resident(son)["relationship"] == "世帯主"


def test_the_head_named_by_new_head_id(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    son, daughter = r.resident_ids[2:]
    done = kj_clerk.submit(
        within(
            [son, daughter],
            ELSEWHERE,
            household={"new": True},
            new_head_id=daughter,
            relationships={son: "兄"},
        )
    )
    assert kj_clerk.household(done.household_id)["head_id"] == daughter


def test_the_one_mover_without_a_relationship_heads_the_new_household(
    kj_clerk: kj.Session,
) -> None:
    r = family_of_four(kj_clerk)
    son, daughter = r.resident_ids[2:]
    done = kj_clerk.submit(
        within([son, daughter], ELSEWHERE, household={"new": True}, relationships={son: "兄"})
    )
    assert kj_clerk.household(done.household_id)["head_id"] == daughter


def test_a_new_household_needs_one_head_and_every_relationship(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    son, daughter = r.resident_ids[2:]
    with pytest.raises(kj.LogicError) as e:
        kj_clerk.submit(within([son, daughter], ELSEWHERE, household={"new": True}))
    assert "KJ-LOGIC-008" in {p.code for p in e.value.problems}
    with pytest.raises(kj.LogicError) as e:
        kj_clerk.submit(
            within([son, daughter], ELSEWHERE, household={"new": True}, new_head_id=son)
        )
    assert ("KJ-LOGIC-016", "relationships") in problems(e.value)


def test_a_partial_move_within_joins_a_household_at_the_address(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    grandparents = kj_clerk.submit(
        move_in([person(birth_date="1950-01-01", family=1)]) | {"address": ELSEWHERE}
    )
    son = r.resident_ids[2]
    done = kj_clerk.submit(
        within(
            [son],
            ELSEWHERE,
            household={"household_id": grandparents.household_id},
            relationships={son: "同居人"},
        )
    )
    assert done.household_id == grandparents.household_id
    joined = kj_clerk.household(grandparents.household_id)
    assert son in [m["resident_id"] for m in joined["members"]]
    assert kj_clerk.resident(son)["relationship"] == "同居人"
    assert addresses(kj_clerk, grandparents.household_id) == {ELSEWHERE["text"]}
    assert addresses(kj_clerk, r.household_id) == {HOME}


def test_joining_a_household_that_lives_elsewhere_is_refused(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    other = kj_clerk.submit(
        move_in([person(birth_date="1950-01-01", family=1)]) | {"address": ELSEWHERE}
    )
    son = r.resident_ids[2]
    with pytest.raises(kj.LogicError) as e:
        kj_clerk.submit(
            within(
                [son],
                THIRD,
                household={"household_id": other.household_id},
                relationships={son: "同居人"},
            )
        )
    assert ("KJ-LOGIC-502", "address") in problems(e.value)


def test_part_of_a_household_cannot_keep_its_household(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    with pytest.raises(kj.LogicError) as e:
        kj_clerk.submit(
            within([r.resident_ids[3]], ELSEWHERE, household={"household_id": r.household_id})
        )
    assert ("KJ-LOGIC-503", "household_id") in problems(e.value)


def test_relationships_without_a_household_are_refused(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    with pytest.raises(kj.LogicError) as e:
        kj_clerk.submit(
            within(list(r.resident_ids), ELSEWHERE, relationships={r.resident_ids[1]: "妻"})
        )
    assert ("KJ-LOGIC-505", "relationships") in problems(e.value)


def test_the_head_moving_away_from_several_leaves_the_household_awaiting_a_head(
    kj_clerk: kj.Session,
) -> None:
    r = family_of_four(kj_clerk)
    head = r.resident_ids[0]
    done = kj_clerk.submit(within([head], ELSEWHERE, household={"new": True}))
    assert "KJ-WARN-002" in warned(done)
    assert kj_clerk.household(r.household_id)["head_id"] is None
    assert addresses(kj_clerk, r.household_id) == {HOME}


# -- 転入 ---------------------------------------------------------------------------------
def test_a_move_in_into_a_household_must_name_its_address(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    joining = move_in(
        [person(relationship="同居人", birth_date="1999-09-09", family=2)],
        household={"household_id": r.household_id},
        address=ELSEWHERE["text"],
    )
    with pytest.raises(kj.LogicError) as e:
        kj_clerk.submit(joining)
    assert ("KJ-LOGIC-502", "address") in problems(e.value)
    done = kj_clerk.submit(joining | {"address": {"postal_code": "737-0045", "text": HOME}})
    assert done.household_id == r.household_id
    assert addresses(kj_clerk, r.household_id) == {HOME}


@pytest.mark.parametrize("kind", ["move_in_from_abroad", "foreign_registration_30_46"])
def test_an_arrival_from_abroad_into_a_household_elsewhere_is_refused(
    kj_clerk: kj.Session, kind: str
) -> None:
    r = family_of_four(kj_clerk)
    n = move_in(
        [person(relationship="同居人", birth_date="1999-09-09", foreign=True)],
        household={"household_id": r.household_id},
    )
    n.update(type=kind, address=ELSEWHERE)
    n.pop("previous_address")
    with pytest.raises(kj.LogicError) as e:
        kj_clerk.submit(n)
    assert ("KJ-LOGIC-502", "address") in problems(e.value)
    n["address"] = {"postal_code": "737-0045", "text": HOME}
    assert kj_clerk.submit(n).household_id == r.household_id


def test_a_move_in_into_a_household_whose_members_all_left_is_refused(
    kj_clerk: kj.Session,
) -> None:
    single = kj_clerk.submit(move_in([person()]))
    kj_clerk.submit(
        {"type": "death", "occurred_on": "2026-11-25", "resident_id": single.resident_ids[0]}
    )
    with pytest.raises(kj.NotFound) as e:
        kj_clerk.submit(
            move_in(
                [person(relationship="同居人", birth_date="1999-09-09", family=2)],
                household={"household_id": single.household_id},
            )
        )
    assert e.value.code == "KJ-NOTFOUND-002"


# -- 世帯合併 ------------------------------------------------------------------------------
def test_households_at_different_addresses_cannot_merge(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    other = kj_clerk.submit(
        move_in([person(birth_date="1950-01-01", family=1)]) | {"address": ELSEWHERE}
    )
    merge = {
        "type": "merge_households",
        "household_id": other.household_id,
        "into_household_id": r.household_id,
        "relationships": {other.resident_ids[0]: "父"},
    }
    with pytest.raises(kj.LogicError) as e:
        kj_clerk.submit(merge)
    assert ("KJ-LOGIC-504", "into_household_id") in problems(e.value)
    # At one address the same merge goes through.
    kj_clerk.submit(within(list(other.resident_ids), {"postal_code": "737-0045", "text": HOME}))
    done = kj_clerk.submit(merge)
    assert addresses(kj_clerk, done.household_id) == {HOME}


# -- 世帯分離・職権修正 ----------------------------------------------------------------------
def test_a_split_keeps_the_address(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    son = r.resident_ids[2]
    done = kj_clerk.submit(
        {"type": "split_household", "resident_ids": [son], "new_head_id": son}
    )
    assert addresses(kj_clerk, done.household_id) == {HOME}


def test_correcting_the_address_corrects_the_household(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    kj_clerk.submit(
        {
            "type": "correction",
            "resident_id": r.resident_ids[1],
            "reason": "誤記修正",
            "changes": {"address": {"postal_code": "737-0045", "text": CORRECTED}},
        }
    )
    assert addresses(kj_clerk, r.household_id) == {CORRECTED}


# -- 取消 ---------------------------------------------------------------------------------
def cancel(clerk: kj.Session, movement_id: int) -> kj.Receipt:
    return clerk.submit({"type": "cancellation", "movement_id": movement_id, "reason": "誤入力"})


def last_reason(clerk: kj.Session, resident_id: str) -> str:
    reason: str = clerk.resident(resident_id)["history"][-1]["reason"]
    return reason


def test_cancelling_a_move_in_is_a_cancellation_decrease(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    cancel(kj_clerk, r.movement_id)
    one = kj_clerk.resident(r.resident_ids[0])
    assert last_reason(kj_clerk, r.resident_ids[0]) == "異動取消（減）"
    assert one["status"] == "deleted" and one["deletion"]["reason"] == "異動取消（減）"


def test_cancelling_a_birth_is_a_cancellation_decrease(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    born = kj_clerk.submit(
        {
            "type": "birth",
            "occurred_on": "2026-11-24",
            "household_id": r.household_id,
            "person": {
                "family_name": "呉",
                "given_name": "花子",
                "family_name_kana": "くれ",
                "given_name_kana": "はなこ",
                "sex": "female",
                "relationship": "子",
            },
        }
    )
    cancel(kj_clerk, born.movement_id)
    assert last_reason(kj_clerk, born.resident_ids[0]) == "異動取消（減）"


def test_cancelling_a_death_or_a_move_out_is_a_cancellation_increase(
    kj_clerk: kj.Session,
) -> None:
    r = family_of_four(kj_clerk)
    died = kj_clerk.submit(
        {"type": "death", "occurred_on": "2026-11-25", "resident_id": r.resident_ids[3]}
    )
    cancel(kj_clerk, died.movement_id)
    assert last_reason(kj_clerk, r.resident_ids[3]) == "異動取消（増）"
    assert kj_clerk.resident(r.resident_ids[3])["status"] == "resident"
    out = kj_clerk.submit(
        {
            "type": "move_out",
            "occurred_on": "2026-12-10",
            "resident_ids": [r.resident_ids[2]],
            "destination": {"municipality_code": "131016", "text": "東京都千代田区霞が関一丁目1番"},
        }
    )
    cancel(kj_clerk, out.movement_id)
    assert last_reason(kj_clerk, r.resident_ids[2]) == "異動取消（増）"


def test_cancelling_a_move_within_is_a_cancellation_correction(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    moved = kj_clerk.submit(within(list(r.resident_ids), ELSEWHERE))
    cancel(kj_clerk, moved.movement_id)
    assert last_reason(kj_clerk, r.resident_ids[0]) == "異動取消（修正）"
    assert addresses(kj_clerk, r.household_id) == {HOME}


def test_cancelling_a_partial_move_returns_the_movers_to_their_household(
    kj_clerk: kj.Session,
) -> None:
    r = family_of_four(kj_clerk)
    son, daughter = r.resident_ids[2:]
    moved = kj_clerk.submit(
        within([son, daughter], ELSEWHERE, household={"new": True},
               relationships={son: "世帯主", daughter: "妹"})
    )
    cancel(kj_clerk, moved.movement_id)
    assert {m["resident_id"] for m in kj_clerk.household(r.household_id)["members"]} == set(
        r.resident_ids
    )
    assert addresses(kj_clerk, r.household_id) == {HOME}


def test_a_cancellation_that_would_split_a_household_across_addresses_is_refused(
    kj_clerk: kj.Session,
) -> None:
    r = family_of_four(kj_clerk)
    son = r.resident_ids[2]
    alone = kj_clerk.submit(within([son], ELSEWHERE, household={"new": True}))
    rest = [i for i in r.resident_ids if i != son]
    kj_clerk.submit(within(rest, THIRD))  # the household he left moves on as a whole
    with pytest.raises(kj.LogicError) as e:
        cancel(kj_clerk, alone.movement_id)
    assert ("KJ-LOGIC-506", "movement_id") in problems(e.value)
    assert addresses(kj_clerk, r.household_id) == {THIRD["text"]}


# -- 世帯主の転出 (標準4.0.4) -----------------------------------------------------------------
def move_out(ids: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "type": "move_out",
        "occurred_on": "2026-12-10",
        "resident_ids": ids,
        "destination": {"municipality_code": "131016", "text": "東京都千代田区霞が関一丁目1番"},
        **extra,
    }


def test_the_heads_move_out_from_two_or_more_gives_the_alert_at_once(
    kj_clerk: kj.Session,
) -> None:
    r = family_of_four(kj_clerk)
    receipt = kj_clerk.submit(move_out([r.resident_ids[0]]))
    assert "KJ-WARN-501" in warned(receipt)
    assert kj_clerk.household(r.household_id)["head_id"] == r.resident_ids[0]  # still head


def test_the_heads_move_abroad_from_two_or_more_gives_the_alert_at_once(
    kj_clerk: kj.Session,
) -> None:
    r = family_of_four(kj_clerk)
    planned = move_out([r.resident_ids[0]], type="move_out_abroad",
                       destination={"country": "大韓民国", "text": "ソウル特別市"})
    assert "KJ-WARN-501" in warned(kj_clerk.submit(planned))


def test_the_heads_move_out_with_one_remaining_gives_no_alert(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    receipt = kj_clerk.submit(move_out([r.resident_ids[0], *r.resident_ids[2:]]))
    assert "KJ-WARN-501" not in warned(receipt)
    assert "KJ-WARN-002" not in warned(receipt)


def test_a_members_move_out_gives_no_alert(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    assert "KJ-WARN-501" not in warned(kj_clerk.submit(move_out([r.resident_ids[3]])))


def test_the_heads_death_from_two_or_more_gives_the_alert(kj_clerk: kj.Session) -> None:
    r = family_of_four(kj_clerk)
    receipt = kj_clerk.submit(
        {"type": "death", "occurred_on": "2026-11-25", "resident_id": r.resident_ids[0]}
    )
    assert "KJ-WARN-002" in warned(receipt)
    assert kj_clerk.household(r.household_id)["head_id"] is None
