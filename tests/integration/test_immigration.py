"""Immigration agency notices (法30条の50), the municipality's notices and expired stays."""

from __future__ import annotations

import json

import kure_juki as kj
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person


def _family(clerk: kj.Session) -> str:
    r = clerk.submit(move_in([person(foreign=True)]))
    return r.resident_ids[0]


def test_notices_are_checked_before_they_are_applied(clerk: kj.Session) -> None:
    rid = _family(clerk)
    lines = [
        json.dumps(
            {
                "notice_id": "N-1",
                "kind": "stay_extension",
                "residence_card_number": "AB12345678CD",
                "before": {"stay_expires_on": "2029-03-31"},
                "after": {"stay_expires_on": "2032-03-31", "residence_card_number": "EF12345678GH"},
            }
        ),
        json.dumps(
            {
                "notice_id": "N-2",
                "kind": "residence_status_change",
                "residence_card_number": "EF12345678GH",
                "before": {"residence_status": "留学"},
                "after": {"residence_status": "定住者", "stay_expires_on": "2031-01-01"},
            }
        ),
        json.dumps(
            {
                "notice_id": "N-3",
                "kind": "stay_extension",
                "residence_card_number": "ZZ99999999ZZ",
                "before": {},
                "after": {"stay_expires_on": "2031-01-01"},
            }
        ),
        "{not json",
    ]
    report = clerk.import_immigration_notices(lines)
    assert [o.status for o in report.outcomes] == ["applied", "mismatch", "not_found", "malformed"]
    assert report.outcomes[1].checks == (("residence_status", False),)
    view = clerk.resident(rid)
    assert view["stay_expires_on"] == "2032-03-31"
    assert view["residence_card_number"] == "EF12345678GH"
    assert view["residence_status"] == "技術・人文知識・国際業務"  # the mismatch changed nothing


def test_expired_stay_report_and_municipal_notices(
    registry: kj.Registry, clerk: kj.Session, clock: SettableClock
) -> None:
    rid = _family(clerk)
    assert clerk.expired_stay_report() == []
    report = clerk.expired_stay_report(as_of="2029-04-01")
    assert [r["resident_id"] for r in report] == [rid]
    assert all("my_number" not in r for r in report)
    notices = clerk.municipal_notices()
    assert notices and notices[0]["residence_card_number"] == "AB12345678CD"
    assert "my_number" not in json.dumps(notices, ensure_ascii=False)
