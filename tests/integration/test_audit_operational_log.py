"""The operational log (structlog): a My Number or a name bound into a log call never reaches
the output, and the library's own log lines carry neither, on any path."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import nacl.pwhash
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kure_juki as kj
from kure_juki.domain.identifiers import complete_my_number
from kure_juki.logs import SENSITIVE_KEYS, get_logger
from kure_juki.service import passwords
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

my_numbers = st.from_regex(r"\A[0-9]{11}\Z").map(complete_my_number)
names = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=2, max_size=6
)
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its lowest cost: these tests are about access, not password strength."""
    monkeypatch.setattr(passwords, "_OPS", nacl.pwhash.argon2id.OPSLIMIT_MIN)
    monkeypatch.setattr(passwords, "_MEM", nacl.pwhash.argon2id.MEMLIMIT_MIN)


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def captured() -> Iterator[Capture]:
    logger = logging.getLogger("kure_juki")
    handler = Capture()
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old)


def spellings(number: str) -> list[str]:
    return [number, f"{number[:4]}-{number[4:8]}-{number[8:]}", number.translate(FULL_WIDTH)]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=my_numbers, name=names, key=st.sampled_from(sorted(SENSITIVE_KEYS)))
def test_bound_my_numbers_and_names_never_reach_the_output(
    captured: Capture, number: str, name: str, key: str
) -> None:
    captured.lines.clear()
    log = get_logger()
    for spelled in spellings(number):
        log.info("event", **{key: name}, note=f"番号 {spelled} を受付", items=[spelled])
        log.warning(f"free text {spelled}", nested={"person": {key: name, "n": spelled}})
        log.bind(**{key: name}, other=spelled).error("bound")
    out = "\n".join(captured.lines)
    assert len(captured.lines) == 9
    assert name not in out
    assert all(s not in out for s in spellings(number))
    assert "[REDACTED]" in out


def day_of_work(reg: kj.Registry, people: list[dict[str, Any]]) -> None:
    reg.bootstrap_admin("admin", "a-long-passphrase")
    s = reg.login("admin", "a-long-passphrase", terminal_id="T", purpose="resident_records")
    r = s.submit(move_in(people))
    s.resident(r.resident_ids[0])
    s.household(str(r.household_id))
    s.search(my_number=people[0]["my_number"])
    s.search(family_name=people[0]["family_name"], birth_date=people[0]["birth_date"])
    with pytest.raises(kj.AccessDenied):
        s.search(family_name=people[0]["family_name"])
    with pytest.raises(kj.LogicError):
        s.submit(move_in([dict(people[0])]))
    with pytest.raises(kj.NotFound):
        s.resident(people[0]["my_number"])
    token = s.approve_bulk_output(operator_id="admin", max_records=10)
    s.export("residents", approval=token)
    s.transfer("municipal_tax")
    with pytest.raises(kj.AccessDenied):
        reg.login(people[1]["my_number"], "x" * 12, terminal_id="T", purpose="tax")
    reg.checkpoint_audit_log()
    s.logout()


def test_the_librarys_own_log_lines_carry_no_my_number_or_name(
    captured: Capture, clock: SettableClock
) -> None:
    people = [person(), person(relationship="妻", sex="female", given=1)]
    reg = kj.open_registry("memory://", municipality_code="342025", clock=clock)
    day_of_work(reg, people)
    out = "\n".join(captured.lines)
    assert captured.lines  # the library did log
    for p in people:
        for value in (p["my_number"], p["family_name"] + p["given_name"], p["given_name"]):
            assert value not in out
