"""抑止 (blocks) and 支援措置 (support measures) enforced on every path (SPEC 5; seed 2.4 last
point): movements, inquiries (read, household, search) and issuance."""

from __future__ import annotations

import contextlib
from typing import Any

import nacl.pwhash
import pytest

import kure_juki as kj
from kure_juki.service import passwords
from kure_juki.service.session_base import check_issuance
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

ADMIN = "a-long-passphrase"
PW = "clerk-passphrase-01"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its lowest cost: these tests are about access, not password strength."""
    monkeypatch.setattr(passwords, "_OPS", nacl.pwhash.argon2id.OPSLIMIT_MIN)
    monkeypatch.setattr(passwords, "_MEM", nacl.pwhash.argon2id.MEMLIMIT_MIN)


def login(reg: kj.Registry, oid: str = "clerk01", role: str = "clerk") -> kj.Session:
    a = reg.login("admin", ADMIN, terminal_id="T-ADMIN", purpose="resident_records")
    if oid == "admin":
        return a
    with contextlib.suppress(kj.ConflictError):
        a.add_operator(oid, password=PW, role=role)
    return reg.login(oid, PW, terminal_id=f"T-{oid}", purpose="resident_records")


@pytest.fixture
def household(registry: kj.Registry) -> tuple[str, list[str]]:
    r = login(registry).submit(
        move_in([person(), person(relationship="妻", sex="female", given=1)])
    )
    assert r.household_id is not None
    return r.household_id, list(r.resident_ids)


def move(ids: list[str], day: str = "2026-11-25", **extra: Any) -> dict[str, Any]:
    return {
        "type": "move_within",
        "occurred_on": day,
        "resident_ids": ids,
        "address": {"postal_code": "737-0046", "text": "広島県呉市中通二丁目2番"},
        **extra,
    }


def move_alone(rid: str) -> dict[str, Any]:
    """Part of a household moves into a household of its own (住基法6条: one address each)."""
    return move([rid], household={"new": True})


def issuance(reg: kj.Registry, ids: list[str], requester: str | None = None) -> list[str]:
    with reg.store.unit_of_work() as uow:
        return [p.code for p in check_issuance(uow, ids, requester, now=reg.now())]


def test_a_movement_block_refuses_the_notification_and_changes_nothing(
    registry: kj.Registry, household: tuple[str, list[str]]
) -> None:
    _hid, (head, wife) = household
    s = login(registry)
    block = s.set_block(process="movement", resident_id=wife, reason="職権調査中")
    before = s.resident(wife)
    with pytest.raises(kj.AccessDenied) as e:
        s.submit(move([head, wife]))
    assert e.value.code == "KJ-ACCESS-008"
    assert s.resident(wife) == before and s.resident(head)["address"] == before["address"]
    # The head leaving alone would make her head ex officio: the block holds on every person
    # the movement writes, not only on those it names.
    with pytest.raises(kj.AccessDenied) as e:
        s.submit(move_alone(head))
    assert e.value.code == "KJ-ACCESS-008"
    assert s.resident(wife) == before
    refused = [
        x
        for x in login(registry, "admin").audit_trail(operator_id="clerk01")
        if x["operation"] == "submit" and x["outcome"] == "refused"
    ]
    assert refused[-1]["code"] == "KJ-ACCESS-008"
    s.lift_block(block)
    s.submit(move_alone(head))
    s.submit(move([wife]))


def test_a_household_block_covers_every_member_and_the_household(
    registry: kj.Registry, household: tuple[str, list[str]]
) -> None:
    hid, (head, wife) = household
    s = login(registry)
    s.set_block(process="movement", household_id=hid, reason="世帯調査中")
    for n in (
        move([wife]),
        {"type": "death", "occurred_on": "2026-11-25", "resident_id": head},
        {
            "type": "birth",
            "occurred_on": "2026-11-25",
            "household_id": hid,
            "person": {
                "family_name": "佐藤",
                "given_name": "翔",
                "family_name_kana": "さとう",
                "given_name_kana": "しょう",
                "sex": "male",
                "relationship": "子",
            },
        },
    ):
        with pytest.raises(kj.AccessDenied):
            s.submit(n)


def test_an_alert_block_lets_the_movement_through_with_a_warning(
    registry: kj.Registry, household: tuple[str, list[str]]
) -> None:
    _, (head, _) = household
    s = login(registry)
    s.set_block(process="movement", resident_id=head, level="alert", reason="確認事項あり")
    receipt = s.submit(move_alone(head))
    assert "KJ-WARN-401" in {w.code for w in receipt.warnings}
    assert s.resident(head)["address"]["postal_code"] == "737-0046"


def test_an_inquiry_block_stops_reads_and_leaves_searches_out(
    registry: kj.Registry, household: tuple[str, list[str]]
) -> None:
    hid, (head, wife) = household
    s = login(registry)
    p = s.resident(wife)
    s.set_block(process="inquiry", resident_id=wife, reason="照会制限")
    with pytest.raises(kj.AccessDenied) as e:
        s.resident(wife)
    assert e.value.code == "KJ-ACCESS-008"
    with pytest.raises(kj.AccessDenied):
        s.household(hid)
    assert [h["resident_id"] for h in s.search(family_name=p["family_name"], address="呉市")] == [
        head
    ]
    assert s.resident(head)["resident_id"] == head
    search = [
        x
        for x in login(registry, "admin").audit_trail(operator_id="clerk01")
        if x["operation"] == "search"
    ][-1]
    assert search["detail"]["withheld"] == 1 and wife not in search["subject_ids"]


def test_an_alert_inquiry_block_is_shown_as_a_warning(
    registry: kj.Registry, household: tuple[str, list[str]]
) -> None:
    _, (head, _) = household
    s = login(registry)
    s.set_block(process="inquiry", resident_id=head, level="alert", reason="要確認")
    view = s.resident(head)
    assert [w["code"] for w in view["warnings"]] == ["KJ-WARN-401"]
    assert all(set(w) == {"code", "severity", "message_ja", "message_en"} for w in view["warnings"])


def test_blocks_do_not_lapse_and_a_temporary_release_reverts(
    registry: kj.Registry, household: tuple[str, list[str]], clock: SettableClock
) -> None:
    _, (head, _) = household
    s = login(registry)
    block = s.set_block(
        process="inquiry", resident_id=head, reason="照会制限", ends_on="2026-11-30"
    )
    clock.set("2026-12-10T09:00:00+09:00")  # past its period: still in force
    s = login(registry)
    with pytest.raises(kj.AccessDenied) as e:
        s.resident(head)
    assert {p.code for p in e.value.problems} == {"KJ-ACCESS-008"}
    assert login(registry, "admin").blocks(resident_id=head)[0]["state"] == "in_force"
    with pytest.raises(kj.AccessDenied):  # only a manager releases
        s.release_block(block)
    sup = login(registry, "sup01", "supervisor")
    released = sup.release_block(block, minutes=15)
    assert released["state"] == "released"
    view = s.resident(head)
    assert [w["code"] for w in view["warnings"]] == ["KJ-WARN-404"]
    clock.advance(minutes=16)
    s = login(registry)
    with pytest.raises(kj.AccessDenied):
        s.resident(head)
    lifted = sup.lift_block(block)
    assert lifted["state"] == "lifted" and s.resident(head)["resident_id"] == head
    with pytest.raises(kj.LogicError):
        sup.release_block(block)


def test_an_issuance_block_is_checked_before_issuing(
    registry: kj.Registry, household: tuple[str, list[str]]
) -> None:
    hid, (head, _wife) = household
    s = login(registry)
    s.set_block(process="issuance", household_id=hid, reason="交付制限")
    with registry.store.unit_of_work() as uow, pytest.raises(kj.AccessDenied) as e:
        check_issuance(uow, [head], None, now=registry.now())
    assert e.value.code == "KJ-ACCESS-008"
    assert s.resident(head)["resident_id"] == head  # an issuance block does not stop a read
    if hasattr(s, "issue_certificate"):
        with pytest.raises(kj.AccessDenied):
            s.issue_certificate("juminhyo", resident_ids=[head])


def test_invalid_blocks_are_refused(registry: kj.Registry, household: Any) -> None:
    hid, (head, _) = household
    s = login(registry)
    with pytest.raises(kj.FormatError):
        s.set_block(process="printing", resident_id=head, reason="x")
    with pytest.raises(kj.FormatError):
        s.set_block(process="inquiry", resident_id=head, household_id=hid, reason="x")
    with pytest.raises(kj.NotFound):
        s.set_block(process="inquiry", resident_id="1999999999", reason="x")
    with pytest.raises(kj.NotFound):
        s.lift_block("B99999999")
    viewer = login(registry, "view01", "viewer")
    with pytest.raises(kj.AccessDenied) as e:
        viewer.set_block(process="inquiry", resident_id=head, reason="x")
    assert e.value.code == "KJ-ACCESS-001"


# -- support measures --------------------------------------------------------------------------
@pytest.fixture
def protected(registry: kj.Registry) -> dict[str, str]:
    s = login(registry)
    victim = s.submit(
        move_in([person(sex="female", given=2), person(relationship="子", birth_date="2015-05-05")])
    )
    abuser = s.submit(move_in([person(family=5)], address="広島県呉市広古新開三丁目3番"))
    other = s.submit(move_in([person(family=6)]))
    return {
        "applicant": victim.resident_ids[0],
        "child": victim.resident_ids[1],
        "household": str(victim.household_id),
        "perpetrator": abuser.resident_ids[0],
        "other": other.resident_ids[0],
    }


def test_a_perpetrator_gets_no_copy_and_no_read(
    registry: kj.Registry, protected: dict[str, str]
) -> None:
    s = login(registry)
    m = s.set_support_measure(
        protected["applicant"],
        accompanying_ids=[protected["child"]],
        perpetrator_ids=[protected["perpetrator"]],
        category="dv",
    )
    assert m["ends_on"] == "2027-11-25"
    by = protected["perpetrator"]
    for target in (protected["applicant"], protected["child"]):
        with pytest.raises(kj.AccessDenied) as e:
            s.resident(target, requester_resident_id=by)
        assert e.value.code == "KJ-ACCESS-009"
        assert issuance_refused(registry, [target], by)
    with pytest.raises(kj.AccessDenied):
        s.household(protected["household"], requester_resident_id=by)
    view = s.resident(protected["applicant"])  # the clerk handling it is told
    assert "KJ-WARN-403" in [w["code"] for w in view["warnings"]]
    assert s.resident(protected["other"], requester_resident_id=by)["resident_id"]
    assert issuance(registry, [protected["other"]], by) == []
    assert "KJ-WARN-403" in issuance(registry, [protected["applicant"]], None)
    hits = s.search(family_name="佐藤", address="呉市", requester_resident_id=by)
    assert protected["applicant"] not in {h["resident_id"] for h in hits}
    if hasattr(s, "issue_certificate"):
        with pytest.raises(kj.AccessDenied) as e:
            s.issue_certificate(
                "juminhyo", resident_ids=[protected["applicant"]], requester_resident_id=by
            )
        assert e.value.code == "KJ-ACCESS-009"
    refused = [
        x
        for x in login(registry, "admin").audit_trail(resident_id=protected["child"])
        if x["outcome"] == "refused"
    ]
    assert {x["code"] for x in refused} >= {"KJ-ACCESS-009"}


def issuance_refused(reg: kj.Registry, ids: list[str], requester: str) -> bool:
    try:
        issuance(reg, ids, requester)
    except kj.AccessDenied as e:
        return e.code == "KJ-ACCESS-009"
    return False


def test_a_measure_lasts_a_year_and_extends_from_a_month_before(
    registry: kj.Registry, protected: dict[str, str], clock: SettableClock
) -> None:
    s = login(registry)
    m = s.set_support_measure(protected["applicant"], perpetrator_ids=[protected["perpetrator"]])
    with pytest.raises(kj.LogicError) as e:
        s.extend_support_measure(m["measure_id"])
    assert e.value.code == "KJ-LOGIC-401"
    clock.set("2027-10-25T09:00:00+09:00")
    s = login(registry)
    assert "KJ-WARN-405" in [w["code"] for w in s.resident(protected["applicant"])["warnings"]]
    assert s.support_measures(protected["applicant"])[0]["extendable"]
    longer = s.extend_support_measure(m["measure_id"])
    assert longer["ends_on"] == "2028-11-25"
    clock.set("2028-11-26T09:00:00+09:00")  # lapsed: no longer protected
    s = login(registry)
    assert s.resident(protected["applicant"], requester_resident_id=protected["perpetrator"])
    with pytest.raises(kj.LogicError):
        s.extend_support_measure(m["measure_id"])


def test_an_ended_measure_protects_no_more(
    registry: kj.Registry, protected: dict[str, str], clock: SettableClock
) -> None:
    s = login(registry)
    m = s.set_support_measure(protected["applicant"], perpetrator_ids=[protected["perpetrator"]])
    s.end_support_measure(m["measure_id"])
    clock.advance(days=1)
    s = login(registry)
    assert s.resident(protected["applicant"], requester_resident_id=protected["perpetrator"])
    with pytest.raises(kj.LogicError):
        s.end_support_measure(m["measure_id"])


def test_invalid_measures_are_refused(registry: kj.Registry, protected: dict[str, str]) -> None:
    s = login(registry)
    with pytest.raises(kj.FormatError):
        s.set_support_measure(protected["applicant"], perpetrator_ids=[])
    with pytest.raises(kj.LogicError):
        s.set_support_measure(protected["applicant"], perpetrator_ids=[protected["applicant"]])
    with pytest.raises(kj.NotFound):
        s.set_support_measure("1999999999", perpetrator_ids=[protected["perpetrator"]])
    with pytest.raises(kj.FormatError):
        s.set_support_measure(
            protected["applicant"], perpetrator_ids=[protected["perpetrator"]], category="x"
        )
