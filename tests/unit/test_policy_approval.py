"""Prior approval of bulk output (大量出力の事前承認) as pure rules."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kure_juki.domain import approval
from kure_juki.ports.clock import JST

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=JST)


def grant(max_records: int = 100) -> approval.Approval:
    return approval.grant(
        approval.token_digest("token"),
        operator_id="clerk01",
        max_records=max_records,
        approved_by="sup01",
        now=NOW,
        ttl_minutes=60,
    )


def code(found: object) -> str | None:
    return getattr(found, "code", None)


@given(count=st.integers(0, 1000), minutes=st.integers(0, 120))
def test_an_approval_covers_its_operator_count_and_time_only(count: int, minutes: int) -> None:
    a = grant(max_records=500)
    when = NOW + dt.timedelta(minutes=minutes)
    found = approval.refusal(a, operator_id="clerk01", now=when, count=count)
    if minutes >= 60:
        assert code(found) == "KJ-ACCESS-007"
    elif count > 500:
        assert code(found) == "KJ-ACCESS-010"
    else:
        assert found is None
    assert code(approval.refusal(a, operator_id="clerk02", now=NOW, count=1)) == "KJ-ACCESS-007"


def test_a_used_approval_is_spent() -> None:
    a = approval.used(grant(), now=NOW, export_id="E00000001")
    assert code(approval.refusal(a, operator_id="clerk01", now=NOW, count=1)) == "KJ-ACCESS-007"
    assert code(approval.refusal(None, operator_id="clerk01", now=NOW, count=1)) == "KJ-ACCESS-007"


def test_only_the_digest_is_kept() -> None:
    a = grant()
    assert "token" not in str(a.to_dict().values())
    assert a.approval_id == approval.token_digest("token") != approval.token_digest("token2")
    assert approval.Approval.from_dict(a.to_dict()) == a
