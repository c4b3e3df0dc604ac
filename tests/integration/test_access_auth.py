"""Authentication (SPEC 2.4; seed controls 6-9): individual ids, argon2id, lockout after
repeated failures (audited each), admin unlock, idle timeout, terminal ids, deactivation."""

from __future__ import annotations

from typing import Any

import pytest

import kure_juki as kj
from kure_juki.testing.clock import SettableClock

ADMIN = "a-long-passphrase"
PW = "clerk-passphrase-01"


def admin(reg: kj.Registry) -> kj.Session:
    return reg.login("admin", ADMIN, terminal_id="T-ADMIN", purpose="resident_records")


def add(reg: kj.Registry, oid: str, role: str = "clerk", **kw: Any) -> None:
    a = admin(reg)
    a.add_operator(oid, password=PW, role=role, **kw)
    a.logout()


def trail(reg: kj.Registry, **kw: Any) -> list[dict[str, Any]]:
    return admin(reg).audit_trail(**kw)


def test_passwords_are_stored_as_argon2id_hashes(registry: kj.Registry) -> None:
    add(registry, "clerk01")
    with registry.store.unit_of_work() as uow:
        op = uow.operators.get("clerk01")
    assert op is not None and op.password_hash.startswith("$argon2id$")
    assert PW not in op.password_hash and PW not in repr(op)


def test_lockout_after_the_policy_number_of_failures(registry: kj.Registry) -> None:
    add(registry, "clerk01")
    n = registry.policy.lockout_after
    assert n == 5
    for _ in range(n - 1):
        with pytest.raises(kj.AccessDenied) as e:
            registry.login("clerk01", "wrong-password!!", terminal_id="T-9", purpose="tax")
        assert e.value.code == "KJ-AUTH-001"
    with pytest.raises(kj.AccessDenied) as e:
        registry.login("clerk01", "wrong-password!!", terminal_id="T-9", purpose="tax")
    assert e.value.code == "KJ-AUTH-002"
    with pytest.raises(kj.AccessDenied) as e:  # even the right password now
        registry.login("clerk01", PW, terminal_id="T-9", purpose="tax")
    assert e.value.code == "KJ-AUTH-002"
    failures = [e for e in trail(registry, operator_id="clerk01") if e["operation"] == "login"]
    assert [e["outcome"] for e in failures] == ["refused"] * (n + 1)
    assert {e["terminal_id"] for e in failures} == {"T-9"}
    assert [e["code"] for e in failures][-2:] == ["KJ-AUTH-002", "KJ-AUTH-002"]


def test_an_administrator_unlocks(registry: kj.Registry) -> None:
    add(registry, "clerk01")
    for _ in range(registry.policy.lockout_after):
        with pytest.raises(kj.AccessDenied):
            registry.login("clerk01", "wrong-password!!", terminal_id="T-9", purpose="tax")
    a = admin(registry)
    a.unlock_operator("clerk01")
    s = registry.login("clerk01", PW, terminal_id="T-9", purpose="tax")
    assert s.active
    ops = [e["operation"] for e in trail(registry, operator_id="admin")]
    assert "unlock_operator" in ops


def test_a_success_resets_the_failure_count(registry: kj.Registry) -> None:
    add(registry, "clerk01")
    n = registry.policy.lockout_after
    for _ in range(n - 1):
        with pytest.raises(kj.AccessDenied):
            registry.login("clerk01", "wrong-password!!", terminal_id="T", purpose="tax")
    registry.login("clerk01", PW, terminal_id="T", purpose="tax").logout()
    for _ in range(n - 1):
        with pytest.raises(kj.AccessDenied) as e:
            registry.login("clerk01", "wrong-password!!", terminal_id="T", purpose="tax")
        assert e.value.code == "KJ-AUTH-001"


def test_lockout_threshold_comes_from_the_policy(clock: SettableClock) -> None:
    policy = kj.load_policy().to_mapping()
    policy["settings"]["lockout_after"] = 2
    reg = kj.open_registry("memory://", municipality_code="342025", clock=clock, policy=policy)
    reg.bootstrap_admin("admin", ADMIN)
    for expected in ("KJ-AUTH-001", "KJ-AUTH-002"):
        with pytest.raises(kj.AccessDenied) as e:
            reg.login("admin", "wrong-password!!", terminal_id="T", purpose="resident_records")
        assert e.value.code == expected


@pytest.mark.parametrize(
    ("operator", "password", "terminal", "purpose", "code"),
    [
        ("nobody", PW, "T-1", "tax", "KJ-AUTH-001"),
        ("clerk01", "wrong-password!!", "T-1", "tax", "KJ-AUTH-001"),
        ("clerk01", PW, "", "tax", "KJ-AUTH-008"),
        ("clerk01", PW, "T-1", "fishing", "KJ-ACCESS-003"),
    ],
)
def test_every_failure_is_audited_with_terminal_and_code(
    registry: kj.Registry, operator: str, password: str, terminal: str, purpose: str, code: str
) -> None:
    add(registry, "clerk01")
    with pytest.raises(kj.AccessDenied) as e:
        registry.login(operator, password, terminal_id=terminal, purpose=purpose)
    assert e.value.code == code
    last = [x for x in trail(registry, operator_id=operator) if x["operation"] == "login"][-1]
    assert last["outcome"] == "refused" and last["code"] == code
    assert last["terminal_id"] == terminal and last["purpose"] == purpose
    assert password not in str(last)


def test_sessions_end_after_the_idle_timeout(registry: kj.Registry, clock: SettableClock) -> None:
    add(registry, "clerk01")
    s = registry.login("clerk01", PW, terminal_id="T-7", purpose="resident_records")
    clock.advance(minutes=29)
    s.search(resident_code="12345678901")  # activity keeps it alive
    clock.advance(minutes=29)
    s.search(resident_code="12345678901")
    clock.advance(minutes=31)
    with pytest.raises(kj.AccessDenied) as e:
        s.search(resident_code="12345678901")
    assert e.value.code == "KJ-AUTH-005" and not s.active
    with pytest.raises(kj.AccessDenied) as e:  # and it stays ended
        s.search(resident_code="12345678901")
    assert e.value.code == "KJ-AUTH-005"
    entries = trail(registry, operator_id="clerk01")
    timeout = [x for x in entries if x["operation"] == "timeout"]
    assert len(timeout) == 1 and timeout[0]["terminal_id"] == "T-7"


def test_logout_ends_the_session_and_is_audited(registry: kj.Registry) -> None:
    add(registry, "clerk01")
    with registry.login("clerk01", PW, terminal_id="T-3", purpose="tax") as s:
        pass
    assert not s.active
    with pytest.raises(kj.AccessDenied) as e:
        s.search(resident_code="12345678901")
    assert e.value.code == "KJ-AUTH-006"
    ops = [(x["operation"], x["terminal_id"]) for x in trail(registry, operator_id="clerk01")]
    assert ops[:2] == [("login", "T-3"), ("logout", "T-3")]


def test_deactivated_operators_are_kept_and_refused(registry: kj.Registry) -> None:
    add(registry, "clerk01")
    s = registry.login("clerk01", PW, terminal_id="T-1", purpose="resident_records")
    admin(registry).deactivate_operator("clerk01")
    with pytest.raises(kj.AccessDenied) as e:  # an open session ends at once
        s.search(resident_code="12345678901")
    assert e.value.code == "KJ-AUTH-003" and not s.active
    with pytest.raises(kj.AccessDenied) as e:
        registry.login("clerk01", PW, terminal_id="T-1", purpose="resident_records")
    assert e.value.code == "KJ-AUTH-003"
    with registry.store.unit_of_work() as uow:
        op = uow.operators.get("clerk01")
    assert op is not None and not op.active and op.deactivated_at is not None
    with pytest.raises(kj.ConflictError):  # an id is never reused
        admin(registry).add_operator("clerk01", password=PW, role="clerk")


def test_only_administrators_manage_operators(registry: kj.Registry) -> None:
    add(registry, "sup01", role="supervisor")
    sup = registry.login("sup01", PW, terminal_id="T", purpose="resident_records")
    with pytest.raises(kj.AccessDenied) as e:
        sup.add_operator("clerk99", password=PW, role="clerk")
    assert e.value.code == "KJ-ACCESS-001"
    refused = [x for x in trail(registry, operator_id="sup01") if x["outcome"] == "refused"]
    assert refused[-1]["operation"] == "manage_operators"


def test_bootstrap_only_while_no_operator_exists(registry: kj.Registry) -> None:
    with pytest.raises(kj.AccessDenied) as e:
        registry.bootstrap_admin("intruder", "another-passphrase")
    assert e.value.code == "KJ-AUTH-007"
    last = trail(registry, operator_id="intruder")[-1]
    assert last["operation"] == "bootstrap_admin" and last["outcome"] == "refused"


def test_short_passwords_are_refused(registry: kj.Registry) -> None:
    with pytest.raises(kj.AccessDenied) as e:
        admin(registry).add_operator("clerk02", password="short", role="clerk")
    assert e.value.code == "KJ-AUTH-004"
