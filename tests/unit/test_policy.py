"""The declarative access policy: its file, its rules, and the transfer recipients beside it."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kure_juki as kj
from kure_juki.domain.codes import access, card, certificate, core, cs, storage
from kure_juki.domain.policy import (
    ALL_ITEMS,
    ALWAYS,
    EXPORT_FORBIDDEN,
    OPERATIONS,
    Policy,
)
from kure_juki.service.session_access import default_recipients


def shipped() -> dict[str, Any]:
    text = resources.files("kure_juki.policy").joinpath("default.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


POLICY = kj.load_policy()
ROLES = sorted(POLICY.roles)
PURPOSES = sorted(POLICY.purposes)


def test_the_shipped_policy_names_the_roles_and_purposes_of_the_contract() -> None:
    assert {"admin", "supervisor", "clerk", "viewer", "contractor"} <= set(POLICY.roles)
    assert {
        "resident_records",
        "tax",
        "national_health_insurance",
        "child_allowance",
        "welfare",
        "elections",
    } <= set(POLICY.purposes)
    assert all(p.legal_basis for p in POLICY.purposes.values())
    assert POLICY.lockout_after == 5 and POLICY.idle_timeout_minutes == 30


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("purpose", PURPOSES)
def test_visibility_rules_hold_for_every_cell(role: str, purpose: str) -> None:
    single = POLICY.visible_items(role, purpose)
    listed = POLICY.visible_items(role, purpose, list_view=True)
    exported = POLICY.export_visible(role, purpose)
    assert single >= ALWAYS and listed >= ALWAYS
    assert listed <= single and "my_number" not in listed
    assert "my_number" not in exported and not exported & EXPORT_FORBIDDEN
    assert exported <= single
    if not POLICY.purposes[purpose].may_use_my_number:
        assert "my_number" not in single
    assert single - ALWAYS <= POLICY.roles[role].items & POLICY.purposes[purpose].items


@given(hidden=st.sets(st.sampled_from(sorted(ALL_ITEMS - ALWAYS))))
def test_hidden_items_are_never_visible(hidden: set[str]) -> None:
    for role in ROLES:
        for list_view in (False, True):
            seen = POLICY.visible_items(
                role, "resident_records", list_view=list_view, hidden=hidden
            )
            assert not seen & hidden


def test_switches_name_the_four_items_of_the_standard() -> None:
    assert POLICY.hidden_items_for(["registered_domicile"]) == {
        "registered_domicile",
        "domicile_head",
    }
    assert POLICY.hidden_items_for(["my_number"]) == {"my_number"}
    assert "resident_code" in POLICY.hidden_items_for(["resident_code"])
    assert "residence_status" in POLICY.hidden_items_for(["residence_status"])
    assert POLICY.hidden_items_for(["alias"]) == {"alias"}  # an item name works too
    with pytest.raises(ValueError):
        POLICY.hidden_items_for(["resident_id"])  # a view always says whose it is
    with pytest.raises(ValueError):
        POLICY.hidden_items_for(["shoe_size"])


def test_a_typo_in_the_policy_file_is_refused() -> None:
    for path, value in (
        (("roles", "clerk", "operations"), ["reed"]),
        (("roles", "clerk", "items"), ["mynumber"]),
        (("purposes", "tax", "operations"), ["exprot"]),
    ):
        data = shipped()
        data[path[0]][path[1]][path[2]] = value
        with pytest.raises(ValueError):
            Policy.from_mapping(data)
    data = shipped()
    data["settings"]["lockout"] = 3
    with pytest.raises(TypeError):
        Policy.from_mapping(data)


def test_export_items_never_include_my_number_even_when_listed() -> None:
    data = shipped()
    data["export_items"] = ["*"]
    p = Policy.from_mapping(data)
    assert "my_number" not in p.export_visible("admin", "resident_records")
    assert "resident_code" in p.export_visible("admin", "resident_records")
    assert "resident_code" not in POLICY.export_visible("admin", "resident_records")


def test_list_forbidden_can_grow_but_my_number_stays() -> None:
    data = shipped()
    data["list_forbidden"] = ["registered_domicile"]
    p = Policy.from_mapping(data)
    listed = p.visible_items("admin", "resident_records", list_view=True)
    assert not listed & {"my_number", "registered_domicile"}


def test_an_integrator_can_add_a_role() -> None:
    data = shipped()
    data["roles"]["auditor"] = {"name_ja": "監査担当", "operations": ["audit"], "items": []}
    p = Policy.from_mapping(data)
    assert p.allows("auditor", "resident_records", "audit")
    assert not p.allows("auditor", "resident_records", "read")
    assert p.visible_items("auditor", "resident_records") == ALWAYS


def test_mapping_round_trip_keeps_the_policy() -> None:
    again = Policy.from_mapping(POLICY.to_mapping())
    assert again.digest() == POLICY.digest()
    assert again.matrix() == POLICY.matrix()
    changed = copy.deepcopy(POLICY.to_mapping())
    changed["roles"]["viewer"]["operations"].append("export")
    assert Policy.from_mapping(changed).digest() != POLICY.digest()


def test_matrix_covers_every_role_purpose_and_operation() -> None:
    m = POLICY.matrix()
    assert sorted(m) == ROLES
    for role in ROLES:
        assert sorted(m[role]) == PURPOSES
        for purpose in PURPOSES:
            ops = set(m[role][purpose]["operations"])
            assert ops <= set(OPERATIONS)
            assert ops == {o for o in OPERATIONS if POLICY.allows(role, purpose, o)}


def test_unknown_role_or_purpose_is_access_denied() -> None:
    with pytest.raises(kj.AccessDenied) as e:
        POLICY.visible_items("janitor", "tax")
    assert e.value.code == "KJ-ACCESS-004"
    with pytest.raises(kj.AccessDenied) as e:
        POLICY.allows("clerk", "fishing", "read")
    assert e.value.code == "KJ-ACCESS-003"


def test_every_view_key_is_an_item_the_policy_knows() -> None:
    """A view key outside ALL_ITEMS would be hidden from everyone, silently."""
    from kure_juki.service.views import full_view
    from kure_juki.testing.clock import SettableClock
    from kure_juki.testing.factories import move_in, person

    reg = kj.open_registry("memory://", municipality_code="342025", clock=SettableClock())
    reg.bootstrap_admin("admin", "a-long-passphrase")
    s = reg.login("admin", "a-long-passphrase", terminal_id="T", purpose="resident_records")
    jp = s.submit(move_in([person()])).resident_ids[0]
    fr = s.submit(move_in([person(foreign=True)])).resident_ids[0]
    s.submit(
        {
            "type": "alias_entry",
            "resident_id": fr,
            "alias": "山田太郎",
            "alias_kana": "やまだたろう",
        }
    )
    s.submit(
        {
            "type": "former_surname_entry",
            "resident_id": jp,
            "former_surname": "旧姓",
            "former_surname_kana": "きゅうせい",
        }
    )
    s.submit(
        {
            "type": "individual_entry",
            "resident_id": jp,
            "item": "elector",
            "fields": {"投票区": "第1"},
        }
    )
    s.submit({"type": "resident_code_change", "resident_id": jp})
    s.submit(
        {
            "type": "move_out",
            "occurred_on": "2026-12-05",
            "resident_ids": [jp],
            "destination": {"municipality_code": "131016", "text": "東京都千代田区"},
        }
    )
    with reg.store.unit_of_work() as uow:
        keys = set()
        for r in uow.residents.iter_all():
            keys |= set(full_view(r))
    assert keys | {"history"} <= ALL_ITEMS, sorted(keys - ALL_ITEMS)


def test_access_codes_do_not_collide_with_other_areas() -> None:
    others: set[str] = set()
    for module in (core, card, certificate, cs, storage):
        others |= set(module.CODES)
    assert not set(access.CODES) & others


# -- transfer recipients (庁内連携) -----------------------------------------------------------
RECIPIENTS = default_recipients()


def test_the_seeds_26_transfers_are_modelled_with_their_legal_basis() -> None:
    seed = [r for r in RECIPIENTS.values() if r.in_seed]
    assert len(seed) == 26
    assert all(r.may_use_my_number and r.legal_basis for r in seed)
    assert {r.basis_kind for r in seed} == {"act_table", "ordinance"}
    # the five ordinance affairs the seed names (移転先2〜6)
    ordinance = {r.use_ja for r in seed if r.basis_kind == "ordinance"}
    assert len(ordinance) == 5 and any("外国人" in u for u in ordinance)


@pytest.mark.parametrize("rid", sorted(RECIPIENTS))
def test_each_recipient_gets_only_what_its_basis_and_purpose_allow(rid: str) -> None:
    r = RECIPIENTS[rid]
    items = r.allowed_items()
    assert items <= ALL_ITEMS and "resident_id" in items
    assert ("my_number" in items) == r.may_use_my_number
    assert not items & {"registered_domicile", "domicile_head", "resident_code", "history"}
    assert r.purpose in POLICY.purposes
    purpose = POLICY.purposes[r.purpose]
    assert items <= purpose.items | ALWAYS
    assert purpose.may_use_my_number or not r.may_use_my_number
    assert POLICY.allows("clerk", r.purpose, "transfer")


def test_a_recipient_listing_my_number_without_basis_is_refused() -> None:
    from kure_juki.domain.transfers import parse_recipients

    bad = {
        "recipients": {
            "x": {
                "name_ja": "x",
                "use_ja": "x",
                "legal_basis": "x",
                "purpose": "elections",
                "may_use_my_number": False,
                "items": ["my_number"],
            }
        }
    }
    with pytest.raises(ValueError):
        parse_recipients(bad, ALL_ITEMS)


def test_an_integrators_policy_may_carry_its_own_recipients() -> None:
    data = shipped()
    data["transfer_recipients"] = {
        "item_sets": {"basic": ["family_name", "given_name", "address"]},
        "recipients": {
            "library": {
                "name_ja": "図書館",
                "use_ja": "利用者登録",
                "legal_basis": "条例",
                "basis_kind": "ordinance",
                "purpose": "elections",
                "may_use_my_number": False,
                "item_sets": ["basic"],
            }
        },
    }
    p = Policy.from_mapping(data)
    assert list(p.recipients) == ["library"]
    assert p.recipients["library"].allowed_items() == {
        "resident_id",
        "family_name",
        "given_name",
        "address",
    }
    assert POLICY.recipients == {}  # the shipped policy leaves them to transfer_recipients.json
