"""異動抑止 (標準3.1) on every path that changes a record, checked on the persons the movement
WRITES, inside its own unit of work: a 取消, the daily batch, a 転入通知 taken in from the CS
and a head's death that makes a blocked member head ex officio. What is held back is said and
audited under the person concerned."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import kure_juki as kj
from kure_juki.adapters.card.simulated import SimulatedCardReader
from kure_juki.adapters.card.simulated_card import SimulatedMyNumberCard
from kure_juki.adapters.cs.simulated_peers import SimulatedNetwork
from kure_juki.domain.card import CardIdentity
from kure_juki.service.cs_delivery import deliver
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

ADMIN = "a-long-passphrase"


def admin(reg: kj.Registry) -> kj.Session:
    return reg.login("admin", ADMIN, terminal_id="T-1", purpose="resident_records")


def family(s: kj.Session, size: int = 2) -> list[str]:
    people = [person()] + [
        person(relationship="妻" if i == 0 else "子", sex="female", given=i + 1)
        for i in range(size - 1)
    ]
    return list(s.submit(move_in(people)).resident_ids)


def trail(reg: kj.Registry, rid: str) -> list[tuple[str, str, str | None]]:
    return [(e["operation"], e["outcome"], e["code"]) for e in admin(reg).audit_trail(rid)]


def planned_move_out(ids: list[str], on: str = "2026-12-05") -> dict[str, Any]:
    return {
        "type": "move_out",
        "occurred_on": on,
        "resident_ids": ids,
        "destination": {"municipality_code": "131016", "text": "東京都千代田区"},
    }


def test_a_cancellation_touching_a_blocked_person_is_refused(registry: kj.Registry) -> None:
    s = admin(registry)
    head, wife = family(s)
    moved = s.submit(
        {
            "type": "move_within",
            "occurred_on": "2026-11-25",
            "resident_ids": [head, wife],
            "address": {"postal_code": "737-0046", "text": "広島県呉市中通二丁目2番"},
        }
    )
    block = s.set_block(process="movement", resident_id=wife, reason="職権調査中")
    before = (s.resident(head), s.resident(wife))
    with pytest.raises(kj.AccessDenied) as refused:
        s.submit({"type": "cancellation", "movement_id": moved.movement_id, "reason": "誤入力"})
    assert refused.value.code == "KJ-ACCESS-008"
    assert (s.resident(head), s.resident(wife)) == before
    s.lift_block(block)
    s.submit({"type": "cancellation", "movement_id": moved.movement_id, "reason": "誤入力"})
    assert s.resident(wife)["address"] != before[1]["address"]


def test_the_daily_batch_holds_back_a_blocked_person_and_goes_on(
    registry: kj.Registry, clock: SettableClock
) -> None:
    s = admin(registry)
    free = family(s, 1)[0]
    blocked = family(s, 1)[0]
    head, wife = family(s)  # both leave; the wife is blocked
    for ids in ([free], [blocked], [head, wife]):
        s.submit(planned_move_out(ids))
    s.set_block(process="movement", resident_id=blocked, reason="職権調査中")
    s.set_block(process="movement", resident_id=wife, reason="職権調査中")
    clock.set("2026-12-05T09:00:00+09:00")
    done = registry.process_due_move_outs()
    assert [r.resident_ids for r in done] == [(free,)]
    held = {rid: h.codes for h in done.held_back for rid in h.resident_ids}
    # The head cannot go alone either: the wife left behind would become head ex officio.
    assert held == {blocked: ("KJ-ACCESS-008",), wife: ("KJ-ACCESS-008",),
                    head: ("KJ-ACCESS-008",)}  # fmt: skip
    s = admin(registry)
    assert s.resident(free)["status"] == "deleted"
    for rid in (blocked, head, wife):
        assert s.resident(rid)["status"] == "planned_move_out"
        assert ("batch", "refused", "KJ-ACCESS-008") in trail(registry, rid)


def test_a_heads_death_does_not_make_a_blocked_member_head_without_notice(
    registry: kj.Registry,
) -> None:
    s = admin(registry)
    head, wife = family(s)
    block = s.set_block(process="movement", resident_id=wife, reason="職権調査中")
    death = {
        "type": "death",
        "occurred_on": "2026-11-24",
        "notified_on": "2026-11-25",
        "resident_id": head,
    }
    with pytest.raises(kj.AccessDenied) as refused:
        s.submit(death)
    assert refused.value.code == "KJ-ACCESS-008"
    assert {p.where for p in refused.value.problems} == {f"person:{wife}"}
    assert s.resident(head)["status"] == "resident"
    assert s.resident(wife)["relationship"] == "妻"
    # At alert level the death goes through, and says so.
    s.lift_block(block)
    s.set_block(process="movement", resident_id=wife, level="alert", reason="確認事項あり")
    receipt = s.submit(death)
    assert "KJ-WARN-401" in {w.code for w in receipt.warnings}
    assert s.resident(wife)["relationship"] == "世帯主"
    assert ("block_alert", "ok", None) in trail(registry, head)


A, B = "342025", "341002"
NEW_ADDRESS = {"postal_code": "730-0011", "text": "広島県広島市中区基町10番52号"}


def test_a_move_in_notice_from_the_cs_is_held_for_a_blocked_person(
    store_url: str, clock: SettableClock, tmp_path: Any
) -> None:
    network = SimulatedNetwork([A, B], clock=clock)
    a = kj.open_registry(store_url, municipality_code=A, clock=clock, cs_link=network.link(A))
    other = "memory://" if store_url == "memory://" else f"sqlite:///{tmp_path / 'b.db'}"
    b = kj.open_registry(other, municipality_code=B, clock=clock, cs_link=network.link(B))
    for reg in (a, b):
        reg.bootstrap_admin("admin", ADMIN)
    s = admin(a)
    p = person()
    rid = s.submit(move_in([p])).resident_ids[0]
    s.submit(
        {
            "type": "move_out",
            "occurred_on": "2026-12-01",
            "resident_ids": [rid],
            "destination": {"municipality_code": B, "text": NEW_ADDRESS["text"]},
        }
    )
    assert deliver(a).pending == 0
    view = s.resident(rid)
    card = CardIdentity(
        my_number=p["my_number"],
        name=f"{view['family_name']}　{view['given_name']}",
        address=view["address"]["text"],
        birth_date=dt.date.fromisoformat(p["birth_date"]),
        sex="male",
    )
    block = s.set_block(process="movement", resident_id=rid, reason="職権調査中")
    clock.set("2026-12-02T09:30:00+09:00")
    counter = admin(b)
    read = counter.read_card(SimulatedCardReader(SimulatedMyNumberCard(card, pin="1234")), "1234")
    counter.special_move_in(
        read, address=NEW_ADDRESS, household={"new": True}, occurred_on="2026-12-01"
    )
    assert deliver(b).pending == 0  # the 転入通知 goes to A
    report = a.process_move_in_notices()
    assert report.confirmed == () and report.acknowledged == ()
    assert {p.code for _, p in report.problems} == {"KJ-ACCESS-008"}
    assert admin(a).resident(rid)["status"] == "planned_move_out"
    assert ("move_in_notice", "refused", "KJ-ACCESS-008") in trail(a, rid)
    admin(a).lift_block(block)
    assert a.process_move_in_notices().confirmed == (rid,)
    assert admin(a).resident(rid)["status"] == "deleted"
    a.close()
    b.close()
