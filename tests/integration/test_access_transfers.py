"""庁内連携 (seed control 19): each recipient receives only the items its legal basis allows, in
full or as the differences since the last transfer, and each transfer is recorded."""

from __future__ import annotations

import contextlib
from typing import Any

import nacl.pwhash
import pytest

import kure_juki as kj
from kure_juki.service import passwords
from kure_juki.service.session_access import default_recipients
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


def clerk(reg: kj.Registry, purpose: str = "resident_records") -> kj.Session:
    with contextlib.suppress(kj.ConflictError):
        admin(reg).add_operator("clerk01", password=PW, role="clerk")
    return reg.login("clerk01", PW, terminal_id="T-LINK", purpose=purpose)


@pytest.fixture
def family(registry: kj.Registry) -> list[str]:
    r = admin(registry).submit(move_in([person(), person(relationship="妻", sex="female")]))
    return list(r.resident_ids)


@pytest.mark.parametrize("recipient", sorted(default_recipients()))
def test_each_recipient_gets_exactly_its_items(
    registry: kj.Registry, family: list[str], recipient: str
) -> None:
    r = default_recipients()[recipient]
    out = clerk(registry).transfer(recipient)
    assert out["mode"] == "full" and out["count"] == len(family)
    allowed = r.allowed_items()
    assert set(out["items"]) == allowed
    for rec in out["records"]:
        assert set(rec) <= allowed and "resident_id" in rec
        assert ("my_number" in rec) == r.may_use_my_number


def test_elections_get_no_my_number_even_from_a_number_purpose(
    registry: kj.Registry, family: list[str]
) -> None:
    out = clerk(registry).transfer("elections")
    assert all("my_number" not in rec for rec in out["records"])
    tax = clerk(registry).transfer("municipal_tax")
    assert all(len(rec["my_number"]) == 12 for rec in tax["records"])


def test_differences_since_the_last_transfer(
    registry: kj.Registry, family: list[str], clock: SettableClock
) -> None:
    s = clerk(registry)
    assert s.transfer("national_health_insurance", since="last")["mode"] == "full"
    nothing = s.transfer("national_health_insurance", since="last")
    assert nothing["mode"] == "difference" and nothing["records"] == []
    moved = s.submit(
        {
            "type": "move_within",
            "occurred_on": "2026-11-25",
            "resident_ids": [family[1]],
            "address": {"postal_code": "737-0046", "text": "広島県呉市中通二丁目2番"},
            "household": {"new": True},  # part of a household moves into one of its own
        }
    )
    newcomer = s.submit(move_in([person(family=4)])).resident_ids[0]
    diff = s.transfer("national_health_insurance", since="last")
    assert [rec["resident_id"] for rec in diff["records"]] == [family[1], newcomer]
    first = diff["records"][0]
    assert first["address"]["text"] == "広島県呉市中通二丁目2番"
    assert [c["movement_id"] for c in first["changes"]] == [moved.movement_id]
    assert diff["since_movement_id"] == nothing["until_movement_id"]
    # another recipient keeps its own mark: its first difference is everything
    assert s.transfer("municipal_tax", since="last")["mode"] == "full"
    by_id = s.transfer("national_health_insurance", since=moved.movement_id)
    assert [rec["resident_id"] for rec in by_id["records"]] == [newcomer]
    clock.set("2026-11-27T09:00:00+09:00")
    later = clerk(registry).submit(move_in([person(family=5)])).resident_ids[0]
    by_day = clerk(registry).transfer("national_health_insurance", since="2026-11-27")
    assert [rec["resident_id"] for rec in by_day["records"]] == [later]


def test_a_deletion_reaches_the_recipient_as_a_difference(
    registry: kj.Registry, family: list[str]
) -> None:
    s = clerk(registry)
    s.transfer("school_enrollment")
    s.submit({"type": "death", "occurred_on": "2026-11-25", "resident_id": family[1]})
    diff = s.transfer("school_enrollment", since="last")
    assert [rec["status"] for rec in diff["records"]] == ["deleted"]
    full = s.transfer("school_enrollment")  # this recipient takes no 除票 in a full transfer
    assert [rec["resident_id"] for rec in full["records"]] == [family[0]]


def test_each_transfer_is_recorded_and_audited(registry: kj.Registry, family: list[str]) -> None:
    out = clerk(registry).transfer("child_allowance")
    a = admin(registry)
    record = a.transfer_records("child_allowance")[-1]
    assert record["transfer_id"] == out["transfer_id"]
    assert record["operator_id"] == "clerk01" and record["terminal_id"] == "T-LINK"
    assert record["count"] == len(family) and record["items"] == out["items"]
    assert record["at"].startswith("2026-11-26")
    entry = [e for e in a.audit_trail(operator_id="clerk01") if e["operation"] == "transfer"][-1]
    assert entry["detail"]["recipient"] == "child_allowance"
    assert entry["detail"]["count"] == len(family)
    assert set(entry["subject_ids"]) == set(family)
    about = [e["operation"] for e in a.audit_trail(resident_id=family[0])]
    assert "transfer" in about


def test_a_department_transfers_only_to_itself(registry: kj.Registry, family: list[str]) -> None:
    tax_clerk = clerk(registry, purpose="tax")
    assert tax_clerk.transfer("municipal_tax")["count"] == len(family)
    with pytest.raises(kj.AccessDenied) as e:
        tax_clerk.transfer("public_assistance")
    assert e.value.code == "KJ-ACCESS-012"
    with pytest.raises(kj.NotFound):
        tax_clerk.transfer("the_press")
    with pytest.raises(kj.FormatError):
        clerk(registry).transfer("municipal_tax", since=["yesterday"])  # type: ignore[arg-type]


def test_viewers_do_not_transfer(registry: kj.Registry, family: list[str]) -> None:
    a = admin(registry)
    a.add_operator("view01", password=PW, role="viewer")
    v = registry.login("view01", PW, terminal_id="T", purpose="resident_records")
    with pytest.raises(kj.AccessDenied) as e:
        v.transfer("municipal_tax")
    assert e.value.code == "KJ-ACCESS-001"


def test_recipients_are_listed_with_their_basis(registry: kj.Registry) -> None:
    listed: list[dict[str, Any]] = clerk(registry).transfer_recipients()
    assert len([r for r in listed if r["may_use_my_number"]]) >= 26
    assert all(r["legal_basis"] for r in listed)
