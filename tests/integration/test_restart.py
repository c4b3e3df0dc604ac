"""Data written by one process is there for the next, signatures included."""

from __future__ import annotations

from pathlib import Path

import pytest

import kure_juki as kj
from kure_juki.service.signing_keys import SigningKeys
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in


@pytest.fixture(params=["sqlite", "postgres"])
def durable_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'register.db'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


def test_a_new_process_with_a_new_key_still_verifies_the_old_signatures(
    durable_url: str, clock: SettableClock
) -> None:
    first = kj.open_registry(
        durable_url, municipality_code="342025", clock=clock, signing_keys=SigningKeys.generate()
    )
    first.bootstrap_admin("admin", "a-long-passphrase")
    s = first.login("admin", "a-long-passphrase", terminal_id="T", purpose="resident_records")
    r = s.submit(move_in())
    cert = s.issue_certificate("juminhyo", resident_ids=list(r.resident_ids), format="text")
    s.logout()
    first.close()

    # Another process, another key (PostgreSQL has no key file beside the database).
    second = kj.open_registry(
        durable_url, municipality_code="342025", clock=clock, signing_keys=SigningKeys.generate()
    )
    s2 = second.login("admin", "a-long-passphrase", terminal_id="T", purpose="resident_records")
    assert s2.resident(r.resident_ids[0])["resident_id"] == r.resident_ids[0]
    assert second.verify_audit_log().ok
    assert second.verify_certificate(cert.content)
    second.close()


def test_two_processes_with_their_own_keys_verify_each_others_signatures(
    durable_url: str, clock: SettableClock
) -> None:
    one = kj.open_registry(durable_url, municipality_code="342025", clock=clock,
                           signing_keys=SigningKeys.generate())
    one.bootstrap_admin("admin", "a-long-passphrase")
    other = kj.open_registry(durable_url, municipality_code="342025", clock=clock,
                             signing_keys=SigningKeys.generate())
    for reg in (one, other, one):  # each signs the head in turn
        s = reg.login("admin", "a-long-passphrase", terminal_id="T", purpose="resident_records")
        s.submit(move_in())
    assert one.verify_audit_log().ok
    assert other.verify_audit_log().ok
    one.close()
    other.close()
