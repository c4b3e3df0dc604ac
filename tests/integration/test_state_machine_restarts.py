"""The state machine on a SQLite FILE, closing and reopening the register as a rule, and
writing through a second register opened on the same file (another process's numbering and
connections): no two living residents share a 住民票コード or 個人番号, ever; a refused
notification changes nothing; the audit log verifies after every step.

Move-ins mostly come without codes, so the numbering allots them (the case that repeated
numbers after a restart); some carry codes already held, which must be refused.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import kure_juki as kj
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import person

ADMIN = ("admin", "a-long-passphrase")


class RestartingRegisterMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.mkdtemp(prefix="kj-sm-")
        self.url = f"sqlite:///{self.dir}/register.db"
        self.clock = SettableClock("2026-04-01T09:00:00+09:00")
        self.reg = self._open()
        self.reg.bootstrap_admin(*ADMIN)
        self.other: kj.Registry | None = None  # a second writer on the same file
        self.held: list[tuple[str, str]] = []  # (code, number) ever handed to someone

    def _open(self) -> kj.Registry:
        return kj.open_registry(self.url, municipality_code="342025", clock=self.clock)

    def session(self, reg: kj.Registry | None = None) -> kj.Session:
        return (reg or self.reg).login(*ADMIN, terminal_id="T-SM", purpose="resident_records")

    def residents(self) -> list[Any]:
        with self.reg.store.unit_of_work() as uow:
            return list(uow.residents.iter_all())

    def living_ids(self) -> list[str]:
        return sorted(r.resident_id for r in self.residents() if r.is_living)

    def state(self) -> tuple[Any, ...]:
        with self.reg.store.unit_of_work() as uow:
            return (
                tuple((r.resident_id, r.version) for r in uow.residents.iter_all()),
                uow.movements.last_id(),
                uow.code_pool.remaining(),
            )

    def submit(self, n: dict[str, Any], via: kj.Registry | None = None) -> kj.Receipt | None:
        before = self.state()
        try:
            receipt = self.session(via).submit(n)
        except kj.RegistryError as e:
            event(f"refused {n['type']}: {e.code}")
            assert self.state() == before, "a refused notification changed the register"
            return None
        event(f"accepted {n['type']}")
        return receipt

    def household(self, data: st.DataObject, size: int, reuse: bool) -> dict[str, Any]:
        people = [person(codes=False)] + [
            person(codes=False, relationship="子", birth_date="2010-01-01", given=i)
            for i in range(size - 1)
        ]
        if reuse and self.held:
            code, number = data.draw(st.sampled_from(self.held), label="codes held before")
            people[0].update(resident_code=code, my_number=number)
        return {
            "type": "move_in",
            "occurred_on": self.clock.today.isoformat(),
            "address": {"postal_code": "737-0045", "text": "広島県呉市本通一丁目1番1号"},
            "previous_address": {"municipality_code": "131016", "text": "東京都千代田区"},
            "household": {"new": True},
            "persons": people,
        }

    # -- rules --------------------------------------------------------------------------
    @rule(data=st.data(), size=st.integers(1, 4), reuse=st.integers(0, 5), other=st.booleans())
    def move_in(self, data: st.DataObject, size: int, reuse: int, other: bool) -> None:
        via = self.other if other and self.other is not None else None
        receipt = self.submit(self.household(data, size, reuse == 0), via)
        if receipt is not None:
            with self.reg.store.unit_of_work() as uow:
                for rid in receipt.resident_ids:
                    r = uow.residents.get(rid)
                    assert r is not None and r.my_number is not None
                    self.held.append((r.resident_code, r.my_number))

    @precondition(lambda self: self.living_ids())
    @rule(data=st.data())
    def death(self, data: st.DataObject) -> None:
        rid = data.draw(st.sampled_from(self.living_ids()), label="rid")
        self.submit({"type": "death", "occurred_on": self.clock.today.isoformat(),
                     "resident_id": rid})  # fmt: skip

    @rule()
    def cancel_the_last_movement(self) -> None:
        last = self.state()[1]
        if last:
            self.submit({"type": "cancellation", "movement_id": last, "reason": "誤入力"})

    @rule()
    def restart(self) -> None:
        self.reg.close()
        self.reg = self._open()

    @rule()
    def open_a_second_writer(self) -> None:
        if self.other is not None:
            self.other.close()
        self.other = self._open()

    @rule(days=st.integers(1, 5))
    def next_day(self, days: int) -> None:
        self.clock.advance(days=days)

    # -- invariants ---------------------------------------------------------------------
    @invariant()
    def no_two_living_share_a_code_or_number(self) -> None:
        living = [r for r in self.residents() if r.is_living]
        codes = Counter(r.resident_code for r in living)
        numbers = Counter(r.my_number for r in living if r.my_number)
        assert max(codes.values(), default=1) == 1, "two living residents share a 住民票コード"
        assert max(numbers.values(), default=1) == 1, "two living residents share a 個人番号"

    @invariant()
    def the_audit_log_verifies(self) -> None:
        assert self.reg.verify_audit_log().ok

    def teardown(self) -> None:
        for reg in (self.reg, self.other):
            if reg is not None:
                reg.close()
        shutil.rmtree(self.dir, ignore_errors=True)


RestartingRegisterMachine.TestCase.settings = settings(
    max_examples=8,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestRestartingRegister = RestartingRegisterMachine.TestCase
