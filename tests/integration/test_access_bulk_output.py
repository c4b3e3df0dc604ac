"""Bulk output and copies of the file (seed controls 12, 13): a supervisor's prior approval,
single use, expiring, naming the operator and the count; never a My Number."""

from __future__ import annotations

import contextlib
import csv
import io
import json
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


def admin(reg: kj.Registry) -> kj.Session:
    return reg.login("admin", ADMIN, terminal_id="T-ADMIN", purpose="resident_records")


def login(reg: kj.Registry, oid: str, role: str, purpose: str = "resident_records") -> kj.Session:
    with contextlib.suppress(kj.ConflictError):
        admin(reg).add_operator(oid, password=PW, role=role)
    return reg.login(oid, PW, terminal_id=f"T-{oid}", purpose=purpose)


@pytest.fixture
def people(registry: kj.Registry) -> list[dict[str, Any]]:
    a = admin(registry)
    persons = [
        person(),
        person(relationship="妻", sex="female", family=0, given=1),
        person(family=3, given=2),
        person(foreign=True),
    ]
    a.submit(move_in(persons[:2]))
    a.submit(move_in([persons[2]], address="広島県呉市広古新開三丁目3番"))
    a.submit(move_in([persons[3]]))
    return persons


def lines(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(x) for x in content.decode("utf-8").splitlines()]


def test_without_a_token_nobody_exports(registry: kj.Registry, people: list[Any]) -> None:
    for s in (
        admin(registry),
        login(registry, "sup01", "supervisor"),
        login(registry, "c1", "clerk"),
    ):
        with pytest.raises(kj.AccessDenied) as e:
            s.export("residents")
        assert e.value.code == "KJ-ACCESS-006"
    with pytest.raises(kj.AccessDenied) as e:
        admin(registry).export("residents", approval="made-up-token")
    assert e.value.code == "KJ-ACCESS-007"


def test_an_approved_export_is_single_use_and_carries_no_my_number(
    registry: kj.Registry, people: list[dict[str, Any]]
) -> None:
    sup = login(registry, "sup01", "supervisor")
    clerk = login(registry, "clerk01", "clerk")
    token = sup.approve_bulk_output(operator_id="clerk01", max_records=5000)
    content = clerk.export("residents", approval=token, format="jsonl")
    rows = lines(content)
    assert len(rows) == len(people)
    text = content.decode("utf-8")
    for p in people:
        assert p["my_number"] not in text
        assert p["resident_code"] not in text  # not an export item of the shipped policy
    assert all("my_number" not in r and "resident_code" not in r for r in rows)
    assert {r["family_name"] for r in rows} == {p["family_name"] for p in people}
    with pytest.raises(kj.AccessDenied) as e:
        clerk.export("residents", approval=token)
    assert e.value.code == "KJ-ACCESS-007"
    record = sup.export_records()[-1]
    assert record["operator_id"] == "clerk01" and record["approved_by"] == "sup01"
    assert record["count"] == len(people) and "my_number" not in record["items"]
    exported = [e for e in sup.audit_trail(operator_id="clerk01") if e["operation"] == "export"]
    assert [e["outcome"] for e in exported] == ["ok", "refused"]  # the second use
    assert exported[0]["detail"]["count"] == len(people)
    assert set(exported[0]["subject_ids"]) == {r["resident_id"] for r in rows}


def test_the_token_names_its_operator(registry: kj.Registry, people: list[Any]) -> None:
    sup = login(registry, "sup01", "supervisor")
    login(registry, "clerk01", "clerk")
    token = sup.approve_bulk_output(operator_id="clerk01", max_records=100)
    for other in (admin(registry), login(registry, "clerk02", "clerk")):
        with pytest.raises(kj.AccessDenied) as e:
            other.export("residents", approval=token)
        assert e.value.code == "KJ-ACCESS-007"
    login(registry, "clerk01", "clerk").export("residents", approval=token)  # still unused


def test_the_count_may_not_exceed_the_approval(registry: kj.Registry, people: list[Any]) -> None:
    sup = login(registry, "sup01", "supervisor")
    clerk = login(registry, "clerk01", "clerk")
    token = sup.approve_bulk_output(operator_id="clerk01", max_records=len(people) - 1)
    with pytest.raises(kj.AccessDenied) as e:
        clerk.export("residents", approval=token)
    assert e.value.code == "KJ-ACCESS-010"
    refused = [e for e in sup.audit_trail(operator_id="clerk01") if e["operation"] == "export"]
    assert refused[-1]["outcome"] == "refused" and refused[-1]["code"] == "KJ-ACCESS-010"


def test_the_token_expires(registry: kj.Registry, people: list[Any], clock: SettableClock) -> None:
    sup = login(registry, "sup01", "supervisor")
    token = sup.approve_bulk_output(operator_id="sup01", max_records=10)
    clock.advance(minutes=registry.policy.approval_ttl_minutes)
    with pytest.raises(kj.AccessDenied) as e:
        login(registry, "sup01", "supervisor").export("residents", approval=token)
    assert e.value.code == "KJ-ACCESS-007"


def test_only_a_manager_approves(registry: kj.Registry, people: list[Any]) -> None:
    clerk = login(registry, "clerk01", "clerk")
    with pytest.raises(kj.AccessDenied) as e:
        clerk.approve_bulk_output(operator_id="clerk01", max_records=10)
    assert e.value.code == "KJ-ACCESS-001"
    sup = login(registry, "sup01", "supervisor")
    with pytest.raises(kj.NotFound):
        sup.approve_bulk_output(operator_id="nobody", max_records=10)
    with pytest.raises(kj.FormatError):
        sup.approve_bulk_output(operator_id="clerk01", max_records=0)
    admin(registry).deactivate_operator("clerk01")
    with pytest.raises(kj.LogicError):
        sup.approve_bulk_output(operator_id="clerk01", max_records=10)


def test_self_approval_can_be_forbidden(clock: SettableClock) -> None:
    data = kj.load_policy().to_mapping()
    data["settings"]["self_approval"] = False
    reg = kj.open_registry("memory://", municipality_code="342025", clock=clock, policy=data)
    reg.bootstrap_admin("admin", ADMIN)
    with pytest.raises(kj.AccessDenied) as e:
        admin(reg).approve_bulk_output(operator_id="admin", max_records=10)
    assert e.value.code == "KJ-ACCESS-013"


def test_csv_export_and_policy_export_items(
    registry: kj.Registry, people: list[dict[str, Any]]
) -> None:
    a = admin(registry)
    token = a.approve_bulk_output(operator_id="admin", max_records=10)
    rows = list(csv.DictReader(io.StringIO(a.export(approval=token, format="csv").decode())))
    assert len(rows) == len(people) and "my_number" not in rows[0]
    data = registry.policy.to_mapping()
    data["export_items"] = ["*"]  # the integrator lets 住民票コード out; My Number never
    a.replace_policy(data)
    token = a.approve_bulk_output(operator_id="admin", max_records=10)
    text = a.export(approval=token, format="csv").decode()
    assert all(p["resident_code"] in text and p["my_number"] not in text for p in people)


def test_unknown_kind_or_format_is_a_format_error(registry: kj.Registry) -> None:
    a = admin(registry)
    with pytest.raises(kj.FormatError):
        a.export("everything", approval="x")
    with pytest.raises(kj.FormatError):
        a.export("residents", approval="x", format="xlsx")


def test_the_inspection_list_leaves_out_protected_people(
    registry: kj.Registry, people: list[dict[str, Any]]
) -> None:
    a = admin(registry)
    ids = [r["resident_id"] for r in a.search(family_name=people[0]["family_name"], address="呉市")]
    victim = ids[1]
    a.set_support_measure(ids[1], perpetrator_ids=["1999999999"], category="dv")
    token = a.approve_bulk_output(operator_id="admin", max_records=10)
    rows = lines(a.export("inspection_list", approval=token))
    assert len(rows) == len(people) - 1
    assert set(rows[0]) == {"family_name", "given_name", "birth_date", "sex", "address"}
    protected = a.resident(victim)
    assert (protected["family_name"], protected["given_name"]) not in {
        (r["family_name"], r["given_name"]) for r in rows
    }


def test_an_output_without_a_session_spends_the_same_approval(registry: kj.Registry) -> None:
    from kure_juki.service.session_access import approval_check

    check = approval_check(registry.store, operator_id="sup01", clock=registry.now)
    sup = login(registry, "sup01", "supervisor")
    with pytest.raises(kj.AccessDenied) as e:
        check(None, 1)
    assert e.value.code == "KJ-ACCESS-006"
    token = sup.approve_bulk_output(operator_id="sup01", max_records=5)
    with pytest.raises(kj.AccessDenied) as e:
        check(token, 6)
    assert e.value.code == "KJ-ACCESS-010"
    check(token, 5)
    with pytest.raises(kj.AccessDenied) as e:
        check(token, 5)
    assert e.value.code == "KJ-ACCESS-007"
