"""Property: whoever the residents are, a My Number never appears in a list view (search
results, household members), an export, a transfer to a recipient that may not use it, a read
by a purpose that may not use it, a log line, an audit entry or an error message."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from typing import Any

import nacl.pwhash
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kure_juki as kj
from kure_juki.service import passwords
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

ADMIN = "a-long-passphrase"
PW = "viewer-passphrase-1"
KANJI = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA0)
HIRAGANA = st.characters(min_codepoint=0x3042, max_codepoint=0x3093)


@st.composite
def residents(draw: st.DrawFn) -> dict[str, Any]:
    foreign = draw(st.booleans())
    sex = draw(st.sampled_from(["male", "female"]))
    birth = draw(
        st.dates(
            min_value=dt.date(1920, 1, 1),
            max_value=dt.date(2025, 12, 31),
        )
    )
    p = person(sex=sex, birth_date=birth.isoformat(), foreign=foreign)
    p["family_name"] = draw(st.text(KANJI, min_size=2, max_size=4))
    p["given_name"] = draw(st.text(KANJI, min_size=2, max_size=4))
    p["family_name_kana"] = draw(st.text(HIRAGANA, min_size=2, max_size=6))
    p["given_name_kana"] = draw(st.text(HIRAGANA, min_size=2, max_size=6))
    return p


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class World:
    def __init__(self) -> None:
        self.reg = kj.open_registry("memory://", municipality_code="342025", clock=SettableClock())
        self.reg.bootstrap_admin("admin", ADMIN)
        self.admin = self.login("admin", ADMIN, "resident_records")
        self.admin.add_operator("view01", password=PW, role="viewer")
        self.admin.add_operator("cont01", password=PW, role="contractor")
        self.viewer = self.login("view01", PW, "resident_records")
        self.contractor = self.login("cont01", PW, "resident_records")
        self.elections = self.login("admin", ADMIN, "elections")
        self.log = Capture()

    def login(self, oid: str, pw: str, purpose: str) -> kj.Session:
        return self.reg.login(oid, pw, terminal_id="T-P", purpose=purpose)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with pytest.MonkeyPatch.context() as mp:  # cheap argon2id: this is about access
        mp.setattr(passwords, "_OPS", nacl.pwhash.argon2id.OPSLIMIT_MIN)
        mp.setattr(passwords, "_MEM", nacl.pwhash.argon2id.MEMLIMIT_MIN)
        w = World()
    logger = logging.getLogger("kure_juki")
    old = logger.level
    logger.addHandler(w.log)
    logger.setLevel(logging.DEBUG)
    yield w
    logger.removeHandler(w.log)
    logger.setLevel(old)


def errors_of(call: Any) -> str:
    try:
        call()
    except kj.RegistryError as e:
        return str(e) + json.dumps(e.to_dict(), ensure_ascii=False) + repr(e)
    return ""


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=st.lists(residents(), min_size=1, max_size=4))
def test_a_my_number_never_leaks_on_any_read_path(
    world: World, people: list[dict[str, Any]]
) -> None:
    people[0]["relationship"] = "世帯主"
    for p in people[1:]:
        p["relationship"] = "同居人"
    a = world.admin
    receipt = a.submit(move_in(people))
    hid = str(receipt.household_id)
    numbers = [p["my_number"] for p in people]
    seen: list[str] = []  # everything a list view, a copy or a restricted read showed

    for p, rid in zip(people, receipt.resident_ids, strict=True):
        for s in (a, world.viewer, world.contractor, world.elections):
            seen.append(
                json.dumps(
                    s.search(family_name=p["family_name"], birth_date=p["birth_date"]),
                    ensure_ascii=False,
                )
            )
        seen.append(json.dumps(a.search(my_number=p["my_number"]), ensure_ascii=False))
        seen.append(json.dumps(a.search(resident_code=p["resident_code"]), ensure_ascii=False))
        for s in (world.viewer, world.contractor, world.elections):
            seen.append(json.dumps(s.resident(rid), ensure_ascii=False))
        assert a.resident(rid)["my_number"] == p["my_number"]  # the one place it may show
        seen.append(errors_of(lambda p=p: world.elections.search(my_number=p["my_number"])))
        seen.append(errors_of(lambda p=p: a.resident(p["my_number"])))
        seen.append(errors_of(lambda p=p: a.submit(move_in([dict(p)]))))
        seen.append(
            errors_of(lambda p=p: a.submit(move_in([dict(p, my_number=p["my_number"][:11])])))
        )
        seen.append(
            errors_of(
                lambda p=p: world.reg.login(
                    p["my_number"], "x" * 12, terminal_id="T", purpose="tax"
                )
            )
        )
    for s in (a, world.viewer, world.elections):
        seen.append(json.dumps(s.household(hid), ensure_ascii=False))
    for kind in ("residents", "inspection_list"):
        token = a.approve_bulk_output(operator_id="admin", max_records=100_000)
        seen.append(a.export(kind, approval=token).decode("utf-8"))
    token = a.approve_bulk_output(operator_id="admin", max_records=100_000)
    seen.append(a.export("residents", approval=token, format="csv").decode("utf-8"))
    for recipient in ("elections", "school_enrollment"):
        seen.append(json.dumps(a.transfer(recipient, since="last"), ensure_ascii=False))
    seen.append(json.dumps(a.audit_trail(), ensure_ascii=False))
    seen.append("\n".join(world.log.lines))

    text = "\n".join(seen)
    for number in numbers:
        assert number not in text
    assert any(p["family_name"] in text for p in people)  # the views did show the people
    audit_and_logs = seen[-2] + seen[-1]
    for p in people:
        assert p["family_name"] + p["given_name"] not in audit_and_logs
        assert p["given_name"] not in audit_and_logs
