"""Arguments checked up front (types, 64-bit ranges), blank search criteria, operator ids,
every format problem in one round, and refusals that name the persons they concern."""

from __future__ import annotations

import contextlib
from typing import Any

import nacl.pwhash
import pytest

import kure_juki as kj
from kure_juki.domain.operator import Operator
from kure_juki.service import passwords
from kure_juki.testing.factories import move_in, person

ADMIN = "a-long-passphrase"
PW = "clerk-passphrase-01"
BIG = 10**30


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_OPS", nacl.pwhash.argon2id.OPSLIMIT_MIN)
    monkeypatch.setattr(passwords, "_MEM", nacl.pwhash.argon2id.MEMLIMIT_MIN)


def admin(reg: kj.Registry) -> kj.Session:
    return reg.login("admin", ADMIN, terminal_id="T-ADMIN", purpose="resident_records")


def clerk(reg: kj.Registry, oid: str = "clerk01") -> kj.Session:
    with contextlib.suppress(kj.ConflictError):
        admin(reg).add_operator(oid, password=PW, role="clerk")
    return reg.login(oid, PW, terminal_id="T-001", purpose="resident_records")


def audit_count(reg: kj.Registry) -> int:
    with reg.store.unit_of_work() as uow:
        last = uow.audit.last()
        return last.seq if last else 0


def codes(error: kj.RegistryError) -> list[tuple[str, str | None]]:
    return [(p.code, p.where) for p in error.problems]


# -- types and ranges (every argument, up front) -----------------------------------------------
def test_wrong_types_and_huge_numbers_are_format_errors_naming_the_item(
    registry: kj.Registry,
) -> None:
    a = admin(registry)
    r = a.submit(move_in())
    attempts: list[tuple[Any, str, str]] = [
        (lambda: a.submit({"type": "cancellation", "movement_id": BIG, "reason": "誤入力"}),
         "KJ-FMT-805", "movement_id"),
        (lambda: a.municipal_notices(since_movement_id=BIG), "KJ-FMT-805", "since_movement_id"),
        (lambda: a.transfer("tax", since=-BIG), "KJ-FMT-805", "since"),
        (lambda: registry.login("admin", ADMIN, terminal_id="T", purpose=[]),
         "KJ-FMT-804", "purpose"),
        (lambda: a.add_operator("x1", password=PW, role=[]), "KJ-FMT-804", "role"),
        (lambda: a.deactivate_operator(["clerk01"]), "KJ-FMT-804", "operator_id"),
        (lambda: a.unlock_operator({}), "KJ-FMT-804", "operator_id"),
        (lambda: a.resident(r.resident_ids[0], requester_resident_id={"a"}),
         "KJ-FMT-804", "requester_resident_id"),
        (lambda: a.approve_bulk_output("admin", max_records=BIG), "KJ-FMT-805", "max_records"),
    ]
    for attempt, code, where in attempts:
        before = audit_count(registry)
        with pytest.raises(kj.FormatError) as e:
            attempt()
        assert (code, where) in codes(e.value)
        assert audit_count(registry) == before + 1  # the refusal is audited


# -- blank search criteria (本人特定: two of 氏名・住所・生年月日) ---------------------------------
@pytest.mark.parametrize(
    "blank",
    [" ", "\u3000", "\u3000 \u3000", "\u2003", "\u00a0", "\u2028", "\t", "\n", "\r\n", " \t\u3000"],
)
def test_a_blank_item_does_not_count_toward_the_two_items(
    registry: kj.Registry, blank: str
) -> None:
    s = clerk(registry)
    s.submit(move_in())
    with pytest.raises(kj.AccessDenied) as e:
        s.search(family_name="呉", address=blank)
    assert e.value.code == "KJ-ACCESS-002"
    with pytest.raises(kj.AccessDenied):
        s.search(family_name=blank, given_name=blank, address=blank, birth_date="1980-04-01")
    with pytest.raises(kj.AccessDenied):
        s.search(resident_code=blank, family_name="呉")
    # A blank item alongside two real ones is no criterion: it narrows nothing.
    hits = s.search(family_name="佐藤", birth_date="1980-04-01", given_name=blank)
    assert hits and all(h["birth_date"] == "1980-04-01" for h in hits)


@pytest.mark.parametrize(
    ("control", "code"), [("\x00", "KJ-FMT-801"), ("\ud800", "KJ-FMT-802"), ("\x1b", "KJ-FMT-803")]
)
def test_a_control_character_as_a_criterion_is_a_format_error(
    registry: kj.Registry, control: str, code: str
) -> None:
    s = clerk(registry)
    with pytest.raises(kj.FormatError) as e:
        s.search(family_name="呉", address=f"本通{control}")
    assert e.value.code == code and e.value.problems[0].where == "address"


# -- operator ids ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "reserved", ["SYSTEM", "system", "ＳＹＳＴＥＭ", " SYSTEM ", "System\u3000"]
)
def test_reserved_operator_ids_are_refused(registry: kj.Registry, reserved: str) -> None:
    a = admin(registry)
    with pytest.raises(kj.AccessDenied) as e:
        a.add_operator(reserved, password=PW, role="clerk")
    assert e.value.code == "KJ-ACCESS-801"


def test_bootstrap_refuses_a_reserved_id(clock: Any) -> None:
    reg = kj.open_registry("memory://", municipality_code="342025", clock=clock)
    with pytest.raises(kj.AccessDenied) as e:
        reg.bootstrap_admin("ＳＹＳＴＥＭ", ADMIN)
    assert e.value.code == "KJ-ACCESS-801"
    reg.bootstrap_admin(" ａｄｍｉｎ ", ADMIN)  # kept normalised
    assert reg.login("admin", ADMIN, terminal_id="T", purpose="resident_records").operator_id == (
        "admin"
    )


@pytest.mark.parametrize(
    "look_alike", ["ｃｌｅｒｋ01", "clerk０１", " clerk01", "clerk01 ", "Clerk01"]
)
def test_look_alikes_of_an_existing_id_are_refused(registry: kj.Registry, look_alike: str) -> None:
    clerk(registry)
    with pytest.raises(kj.ConflictError) as e:
        admin(registry).add_operator(look_alike, password=PW, role="clerk")
    assert e.value.code == "KJ-CONFLICT-002"


@pytest.mark.parametrize("bad", ["", "   ", "\u3000", "x" * 65])
def test_empty_or_overlong_operator_ids_are_refused(registry: kj.Registry, bad: str) -> None:
    with pytest.raises(kj.FormatError) as e:
        admin(registry).add_operator(bad, password=PW, role="clerk")
    assert e.value.code == "KJ-FMT-806"


def test_ids_are_kept_normalised_and_found_as_typed(registry: kj.Registry) -> None:
    a = admin(registry)
    a.add_operator(" ｃｌｅｒｋ02 ", password=PW, role="clerk")
    s = registry.login("clerk02", PW, terminal_id="T-002", purpose="resident_records")
    assert s.operator_id == "clerk02"
    assert registry.login("ｃｌｅｒｋ02", PW, terminal_id="T", purpose="resident_records")
    a.set_operator_switches("ｃｌｅｒｋ02", hide=["my_number"])
    assert any(e["operator_id"] == "clerk02" for e in a.audit_trail(operator_id=" clerk02"))
    supervisor = clerk(registry, "sup01")
    a.deactivate_operator("ｃｌｅｒｋ02 ")
    with pytest.raises(kj.AccessDenied):
        registry.login("clerk02", PW, terminal_id="T", purpose="resident_records")
    assert supervisor.operator_id == "sup01"


def test_a_stored_id_from_before_normalisation_keeps_working(
    registry: kj.Registry,
) -> None:
    with registry.store.unit_of_work() as uow:
        uow.operators.put(
            Operator(
                operator_id=" legacy ",
                role="clerk",
                password_hash=passwords.hash_password(PW),
                created_at=registry.now(),
            )
        )
        uow.commit()
    s = registry.login(" legacy ", PW, terminal_id="T", purpose="resident_records")
    assert s.operator_id == " legacy "
    admin(registry).unlock_operator(" legacy ")


def test_self_approval_cannot_hide_behind_a_full_width_id(clock: Any) -> None:
    data = kj.load_policy().to_mapping()
    data["settings"]["self_approval"] = False
    reg = kj.open_registry("memory://", municipality_code="342025", clock=clock, policy=data)
    reg.bootstrap_admin("admin", ADMIN)
    admin(reg).add_operator("sup02", password=PW, role="supervisor")
    sup = reg.login("sup02", PW, terminal_id="T-SUP", purpose="resident_records")
    for spelling in ("sup02", "ｓｕｐ02 ", "\u3000sup０２"):
        with pytest.raises(kj.AccessDenied) as e:
            sup.approve_bulk_output(spelling, max_records=10)
        assert e.value.code == "KJ-ACCESS-013"


# -- every format problem in one round -------------------------------------------------------
def test_a_malformed_date_and_a_nul_in_a_name_come_back_together(registry: kj.Registry) -> None:
    s = clerk(registry)
    n = move_in([person(given_name="太\x00郎")], occurred_on="2026-13-45")
    with pytest.raises(kj.FormatError) as e:
        s.submit(n)
    found = codes(e.value)
    assert ("KJ-FMT-004", "occurred_on") in found
    assert ("KJ-FMT-801", "persons[0].given_name") in found


def test_six_mistakes_come_back_in_one_round(registry: kj.Registry) -> None:
    s = clerk(registry)
    p = person(birth_date="1980/04/01", sex="x", my_number="123", family_name="")
    p["unknown_item"] = 1
    n = move_in([p], notified_on="yesterday")
    n["address"]["postal_code"] = "73-0045"
    before = audit_count(registry)
    with pytest.raises(kj.FormatError) as e:
        s.submit(n)
    assert set(codes(e.value)) >= {
        ("KJ-FMT-004", "persons[0].birth_date"),
        ("KJ-FMT-004", "notified_on"),
        ("KJ-FMT-001", "persons[0].unknown_item"),
        ("KJ-FMT-010", "persons[0].sex"),
        ("KJ-FMT-005", "persons[0].my_number"),
        ("KJ-FMT-012", "persons[0].family_name"),
        ("KJ-FMT-008", "address.postal_code"),
    }
    # Corrected as told, it goes through: nothing was left for a second round.
    p.update(birth_date="1980-04-01", sex="male", family_name="呉")
    del p["my_number"], p["unknown_item"]
    n["notified_on"] = "2026-11-25"
    n["address"]["postal_code"] = "737-0045"
    assert s.submit(n).resident_ids
    assert audit_count(registry) > before


def test_a_missing_part_does_not_hide_problems_elsewhere(registry: kj.Registry) -> None:
    s = clerk(registry)
    n = move_in([person(sex="unknown")])
    del n["address"]
    with pytest.raises(kj.FormatError) as e:
        s.submit(n)
    assert set(codes(e.value)) == {("KJ-FMT-002", "address"), ("KJ-FMT-010", "persons[0].sex")}


# -- refusals findable by the person concerned -----------------------------------------------
def refusals_about(reg: kj.Registry, rid: str, operation: str) -> list[dict[str, Any]]:
    return [
        e
        for e in admin(reg).audit_trail(resident_id=rid)
        if e["operation"] == operation and e["outcome"] == "refused"
    ]


def test_a_submit_refused_by_a_block_names_every_person_concerned(registry: kj.Registry) -> None:
    s = clerk(registry)
    r = s.submit(move_in())
    head, wife = r.resident_ids
    s.set_block(process="movement", household_id=r.household_id, reason="職権調査中")
    with pytest.raises(kj.AccessDenied):
        s.submit({"type": "birth", "household_id": r.household_id,
                  "person": person(relationship="子", birth_date="2026-11-20")})
    for rid in (head, wife):
        assert refusals_about(registry, rid, "submit"), rid


def test_a_household_read_refused_names_its_members(registry: kj.Registry) -> None:
    s = clerk(registry)
    r = s.submit(move_in())
    other = s.submit(move_in([person(family=1)], address="広島県呉市中通一丁目1番"))
    s.set_support_measure(r.resident_ids[1], perpetrator_ids=[other.resident_ids[0]])
    with pytest.raises(kj.AccessDenied):
        s.household(r.household_id, requester_resident_id=other.resident_ids[0])
    assert refusals_about(registry, r.resident_ids[1], "read_household")
    s.set_block(process="inquiry", resident_id=r.resident_ids[0], reason="照会抑止")
    with pytest.raises(kj.AccessDenied):
        s.household(r.household_id)
    assert len(refusals_about(registry, r.resident_ids[0], "read_household")) == 2


def test_a_certificate_refused_for_a_household_names_its_members(registry: kj.Registry) -> None:
    s = clerk(registry)
    r = s.submit(move_in())
    s.set_block(process="issuance", resident_id=r.resident_ids[1], reason="発行抑止")
    with pytest.raises(kj.AccessDenied):
        s.issue_certificate("juminhyo", household_id=r.household_id)
    for rid in r.resident_ids:
        assert refusals_about(registry, rid, "print"), rid


def test_a_format_refusal_names_the_well_formed_ids_it_was_given(registry: kj.Registry) -> None:
    s = clerk(registry)
    r = s.submit(move_in())
    with pytest.raises(kj.FormatError):
        s.resident(r.resident_ids[0], requester_resident_id="\x00")
    assert refusals_about(registry, r.resident_ids[0], "resident")


def test_refused_changes_of_blocks_and_measures_name_their_persons(
    registry: kj.Registry,
) -> None:
    s = clerk(registry)
    r = s.submit(move_in())
    head, wife = r.resident_ids
    block = s.set_block(process="inquiry", resident_id=head, reason="照会抑止")
    s.lift_block(block)
    with pytest.raises(kj.LogicError):
        s.lift_block(block)  # already lifted
    assert refusals_about(registry, head, "lift_block")
    other = s.submit(move_in([person(family=1)], address="広島県呉市中通一丁目1番"))
    measure = s.set_support_measure(wife, perpetrator_ids=[other.resident_ids[0]])
    s.end_support_measure(measure["measure_id"])
    with pytest.raises(kj.LogicError):
        s.end_support_measure(measure["measure_id"])  # already ended
    assert refusals_about(registry, wife, "end_support_measure")
