"""Search discipline (seed control 11), item visibility by qualification and purpose (2, 3, 4),
per-operator display switches (standard 10.4) and audited policy changes."""

from __future__ import annotations

import contextlib
from typing import Any

import nacl.pwhash
import pytest

import kure_juki as kj
from kure_juki.service import passwords
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

ADMIN = "a-long-passphrase"
PW = "clerk-passphrase-01"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its lowest cost: these tests are about access, not password strength."""
    monkeypatch.setattr(passwords, "_OPS", nacl.pwhash.argon2id.OPSLIMIT_MIN)
    monkeypatch.setattr(passwords, "_MEM", nacl.pwhash.argon2id.MEMLIMIT_MIN)


def admin(reg: kj.Registry, purpose: str = "resident_records") -> kj.Session:
    return reg.login("admin", ADMIN, terminal_id="T-ADMIN", purpose=purpose)


def login(reg: kj.Registry, oid: str, role: str, purpose: str = "resident_records") -> kj.Session:
    a = admin(reg)
    with contextlib.suppress(kj.ConflictError):
        a.add_operator(oid, password=PW, role=role)
    return reg.login(oid, PW, terminal_id=f"T-{oid}", purpose=purpose)


def refusals(reg: kj.Registry, oid: str) -> list[dict[str, Any]]:
    return [e for e in admin(reg).audit_trail(operator_id=oid) if e["outcome"] == "refused"]


@pytest.mark.parametrize(
    "criteria",
    [
        {"family_name": "佐藤"},
        {"family_name": "佐藤", "given_name": "一郎"},  # the name is one item
        {"family_name": "佐藤", "sex": "male"},  # sex does not count
        {"birth_date": "1980-04-01", "sex": "male"},
        {"address": "呉市"},
    ],
)
def test_a_search_without_two_items_or_a_code_is_refused_and_audited(
    registry: kj.Registry, criteria: dict[str, str]
) -> None:
    clerk = login(registry, "clerk01", "clerk")
    with pytest.raises(kj.AccessDenied) as e:
        clerk.search(**criteria)
    assert e.value.code == "KJ-ACCESS-002"
    last = refusals(registry, "clerk01")[-1]
    assert last["operation"] == "search" and last["code"] == "KJ-ACCESS-002"
    assert last["terminal_id"] == "T-clerk01" and last["purpose"] == "resident_records"


def test_two_items_or_a_code_find_the_person_in_a_list_view(registry: kj.Registry) -> None:
    clerk = login(registry, "clerk01", "clerk")
    p = person(family=2, given=1)
    clerk.submit(move_in([p]))
    for criteria in (
        {"family_name": p["family_name"], "birth_date": p["birth_date"]},
        {"family_name": p["family_name_kana"], "address": "本通"},
        {"address": "本通一丁目", "birth_date": "昭和55年4月1日"},
        {"resident_code": p["resident_code"]},
        {"my_number": p["my_number"]},
    ):
        hits = clerk.search(**criteria)
        assert [h["family_name"] for h in hits] == [p["family_name"]], criteria
        assert all("my_number" not in h for h in hits)  # a list view, whoever asks


def test_purposes_that_may_not_use_my_number_never_get_it(registry: kj.Registry) -> None:
    clerk = login(registry, "clerk01", "clerk")
    p = person()
    rid = clerk.submit(move_in([p])).resident_ids[0]
    tax = login(registry, "clerk01", "clerk", purpose="tax")
    assert tax.resident(rid)["my_number"] == p["my_number"]  # 番号法 別表 affair
    elections = login(registry, "clerk01", "clerk", purpose="elections")
    assert "my_number" not in elections.resident(rid)
    with pytest.raises(kj.AccessDenied) as e:
        elections.search(my_number=p["my_number"])
    assert e.value.code == "KJ-ACCESS-005"
    assert p["my_number"] not in str(e.value) and p["my_number"] not in str(e.value.to_dict())


def test_items_follow_the_qualification(registry: kj.Registry) -> None:
    clerk = login(registry, "clerk01", "clerk")
    p = person()
    rid = clerk.submit(move_in([p])).resident_ids[0]
    viewer = login(registry, "view01", "viewer")
    v = viewer.resident(rid)
    assert "my_number" not in v and "registered_domicile" not in v
    assert v["family_name"] == p["family_name"] and "resident_code" in v
    contractor = login(registry, "cont01", "contractor")
    c = contractor.resident(rid)
    assert "resident_code" not in c and "my_number" not in c
    with pytest.raises(kj.AccessDenied) as e:  # a code it may not see is no search key
        contractor.search(resident_code=p["resident_code"])
    assert e.value.code == "KJ-ACCESS-011"
    with pytest.raises(kj.AccessDenied):
        viewer.submit(move_in())


@pytest.mark.parametrize(
    ("switch", "items"),
    [
        ("registered_domicile", {"registered_domicile", "domicile_head"}),
        ("my_number", {"my_number"}),
        ("resident_code", {"resident_code"}),
        # 在留期間 goes with its 満了の日 (住基法30条の45 表).
        ("residence_status", {"residence_status", "stay_expires_on", "stay_period"}),
    ],
)
def test_display_switches_hide_their_items_for_that_operator_only(
    registry: kj.Registry, switch: str, items: set[str]
) -> None:
    a = admin(registry)
    jp = a.submit(move_in([person()])).resident_ids[0]
    fr = a.submit(move_in([person(foreign=True)])).resident_ids[0]
    clerk = login(registry, "clerk01", "clerk")
    other = login(registry, "clerk02", "clerk")
    before = set(clerk.resident(jp)) | set(clerk.resident(fr))
    assert items <= before
    assert a.set_operator_switches("clerk01", hide=[switch]) >= items
    after = set(clerk.resident(jp)) | set(clerk.resident(fr))  # the open session follows
    assert not after & items and before - after == items
    assert items <= set(other.resident(jp)) | set(other.resident(fr))
    change = [e for e in a.audit_trail(operator_id="admin") if e["operation"] == "policy_change"]
    assert change[-1]["detail"]["target_operator_id"] == "clerk01"
    assert set(change[-1]["detail"]["hidden"]) >= items
    if "my_number" in items:
        with pytest.raises(kj.AccessDenied) as e:
            clerk.search(my_number=person()["my_number"])
        assert e.value.code == "KJ-ACCESS-011"
    a.set_operator_switches("clerk01", hide=())
    assert items <= set(clerk.resident(jp)) | set(clerk.resident(fr))


def test_switches_given_when_the_operator_is_added(registry: kj.Registry) -> None:
    a = admin(registry)
    rid = a.submit(move_in([person()])).resident_ids[0]
    a.add_operator("clerk03", password=PW, role="clerk", hidden_items=["my_number"])
    s = registry.login("clerk03", PW, terminal_id="T", purpose="resident_records")
    assert "my_number" not in s.resident(rid)
    with pytest.raises(kj.FormatError) as e:
        a.add_operator("clerk04", password=PW, role="clerk", hidden_items=["nonsense"])
    assert e.value.code == "KJ-FMT-405"


def test_a_policy_change_is_audited_and_takes_effect(registry: kj.Registry) -> None:
    a = admin(registry)
    rid = a.submit(move_in([person()])).resident_ids[0]
    viewer = login(registry, "view01", "viewer")
    assert "history" in viewer.resident(rid)
    before = registry.policy.digest()
    data = registry.policy.to_mapping()
    data["roles"]["viewer"]["items"].remove("history")
    after = a.replace_policy(data)
    assert after != before and registry.policy.digest() == after
    assert "history" not in viewer.resident(rid)
    entry = [e for e in a.audit_trail(operator_id="admin") if e["operation"] == "policy_change"][-1]
    assert entry["detail"] == {"change": "policy", "before": before, "after": after}
    with pytest.raises(kj.FormatError):
        a.replace_policy({"roles": {"x": {"operations": ["fly"], "items": []}}, "purposes": {}})
    clerk = login(registry, "clerk01", "clerk")
    with pytest.raises(kj.AccessDenied) as e:
        clerk.replace_policy(data)
    assert e.value.code == "KJ-ACCESS-001"


def test_an_integrator_role_works_end_to_end(clock: SettableClock) -> None:
    data = kj.load_policy().to_mapping()
    data["roles"]["auditor"] = {"name_ja": "監査担当", "operations": ["audit"], "items": []}
    reg = kj.open_registry("memory://", municipality_code="342025", clock=clock, policy=data)
    reg.bootstrap_admin("admin", ADMIN)
    admin(reg).add_operator("aud01", password=PW, role="auditor")
    aud = reg.login("aud01", PW, terminal_id="T", purpose="resident_records")
    assert aud.audit_trail(operator_id="admin")
    with pytest.raises(kj.AccessDenied):
        aud.search(resident_code="12345678901")
