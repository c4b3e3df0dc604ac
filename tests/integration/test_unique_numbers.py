"""No two living residents share a 住民票コード or 個人番号 across restarts and processes
(住基法30条の2; 番号法7条), and the register refuses a duplicate whatever its numbering says."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import kure_juki as kj
from kure_juki.domain.identifiers import is_valid_my_number, is_valid_resident_code
from kure_juki.service.stores import open_store
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

ADMIN = ("admin", "a-long-passphrase")


def living_numbers(reg: kj.Registry) -> tuple[list[str], list[str]]:
    """(住民票コード, 個人番号) of every living resident of *reg*."""
    with reg.store.unit_of_work() as uow:
        living = [r for r in uow.residents.iter_all() if r.is_living]
    return [r.resident_code for r in living], [r.my_number for r in living if r.my_number]


def assert_unique_among_the_living(reg: kj.Registry) -> int:
    codes, numbers = living_numbers(reg)
    assert not [c for c, k in Counter(codes).items() if k > 1], "shared 住民票コード"
    assert not [n for n, k in Counter(numbers).items() if k > 1], "shared 個人番号"
    return len(codes)


def household_without_codes(size: int) -> dict[str, object]:
    people = [person(codes=False)] + [
        person(codes=False, relationship="子", birth_date="2010-01-01", given=i)
        for i in range(size - 1)
    ]
    return move_in(people)


def _open(url: str) -> kj.Registry:
    return kj.open_registry(
        url, municipality_code="342025", clock=SettableClock("2026-11-26T10:00:00+09:00")
    )


def check_numbers_never_repeat_across_restarts(url: str) -> None:
    for round_ in range(3):
        reg = _open(url)
        if round_ == 0:
            reg.bootstrap_admin(*ADMIN)
        s = reg.login(*ADMIN, terminal_id="T-1", purpose="resident_records")
        for _ in range(3):
            s.submit(household_without_codes(2))
        assert assert_unique_among_the_living(reg) == 6 * (round_ + 1)
        reg.close()


def test_sqlite_numbers_never_repeat_after_a_restart(tmp_path: Path) -> None:
    check_numbers_never_repeat_across_restarts(f"sqlite:///{tmp_path / 'register.db'}")


@pytest.mark.postgres
def test_postgres_numbers_never_repeat_after_a_restart(fresh_postgres_url: str) -> None:
    check_numbers_never_repeat_across_restarts(fresh_postgres_url)


WRITER = """
import sys
import kure_juki as kj
from kure_juki.service.stores import open_store
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person
reg = kj.open_registry(sys.argv[1], municipality_code="342025",
                       clock=SettableClock("2026-11-26T10:00:00+09:00"))
s = reg.login("admin", "a-long-passphrase", terminal_id=sys.argv[2], purpose="resident_records")
done = 0
while done < int(sys.argv[3]):
    people = [person(codes=False)] + [
        person(codes=False, relationship="子", birth_date="2010-01-01", given=i) for i in range(3)]
    try:
        s.submit(move_in(people))
    except kj.ConflictError as exc:
        if exc.code != "KJ-CONFLICT-001":  # a concurrent writer got there first: retry
            raise
        continue
    done += 1
reg.close()
print("ok")
"""


def check_two_writers_share_no_number(url: str, each: int = 8) -> None:
    reg = _open(url)
    reg.bootstrap_admin(*ADMIN)
    s = reg.login(*ADMIN, terminal_id="T-0", purpose="resident_records")
    s.submit(household_without_codes(1))  # the store's counters exist before the race
    reg.close()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, f"T-{i}", str(each)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in (1, 2)
    ]
    for w in writers:
        out, err = w.communicate(timeout=300)
        assert w.returncode == 0, err
        assert out.strip().endswith("ok")
    reg = _open(url)
    assert assert_unique_among_the_living(reg) == 1 + 2 * each * 4
    assert reg.verify_audit_log().ok
    reg.close()


def test_sqlite_two_processes_never_share_a_number(tmp_path: Path) -> None:
    check_two_writers_share_no_number(f"sqlite:///{tmp_path / 'register.db'}")


@pytest.mark.postgres
def test_postgres_two_processes_never_share_a_number(fresh_postgres_url: str) -> None:
    check_two_writers_share_no_number(fresh_postgres_url)


class _Stuck:
    """A numbering service that answers the same every time (a broken vendor adapter)."""

    def __init__(self, code: str, number: str) -> None:
        self.code, self.number = code, number

    def request_my_number(self, resident_code: str) -> str:
        return self.number

    def allot_resident_codes(self, count: int) -> list[str]:
        return [self.code] * count


def test_the_register_refuses_a_duplicate_whatever_the_numbering_says(
    store_url: str, clock: SettableClock
) -> None:
    first = person(codes=False)
    code, number = "12345678903", "123456789018"
    assert is_valid_resident_code(code) and is_valid_my_number(number)
    reg = kj.Registry(
        open_store(store_url),
        municipality_code="342025",
        clock=clock,
        numbering=_Stuck(code, number),
        code_pool_batch=3,
        code_pool_low=0,
    )
    reg.bootstrap_admin(*ADMIN)
    s = reg.login(*ADMIN, terminal_id="T-1", purpose="resident_records")
    s.submit(move_in([first]))
    before = living_numbers(reg)
    # The pool hands out only codes no living resident holds: it runs dry (KJ-LOGIC-025).
    with pytest.raises(kj.LogicError) as no_code:
        s.submit(move_in([person(codes=False)]))
    assert no_code.value.code == "KJ-LOGIC-025"
    # A fresh code, the stuck number: the store refuses the second holder of the number.
    reg.allot_resident_codes(["23456789013"])
    with pytest.raises(kj.ConflictError) as refused:
        s.submit(move_in([person(codes=False)]))
    assert refused.value.code == "KJ-CONFLICT-802"
    assert living_numbers(reg) == before
    reg.close()


def test_an_upgrade_over_shared_codes_is_refused_naming_the_residents(tmp_path: Path) -> None:
    """A store written by the old numbering may already hold duplicates: the migration that
    adds the unique index refuses, names the 宛名番号s, and changes nothing."""
    import sqlalchemy as sa

    from kure_juki.adapters.sqlalchemy import schema
    from kure_juki.adapters.sqlalchemy.engine import make_engine

    url = f"sqlite:///{tmp_path / 'register.db'}"
    reg = _open(url)
    reg.bootstrap_admin(*ADMIN)
    s = reg.login(*ADMIN, terminal_id="T-1", purpose="resident_records")
    ids = s.submit(household_without_codes(3)).resident_ids
    reg.close()
    engine = make_engine(url)
    with engine.begin() as conn:  # the state an old library left behind
        conn.exec_driver_sql("DROP INDEX uq_residents_living_code")
        conn.execute(
            sa.text("UPDATE alembic_version SET version_num = 'm0002' WHERE version_num = :head"),
            {"head": schema.head("main")},
        )
        conn.execute(
            sa.text(
                "UPDATE residents SET resident_code = "
                "(SELECT resident_code FROM residents WHERE resident_id = :a) "
                "WHERE resident_id = :b"
            ),
            {"a": ids[0], "b": ids[2]},
        )
    with pytest.raises(kj.RegistryError) as refused:
        schema.upgrade(engine, ["main"])
    assert {p.code for p in refused.value.problems} == {"KJ-STORE-801"}
    assert [p.where for p in refused.value.problems] == [ids[0], ids[2]]
    with engine.connect() as conn:
        assert schema.current(conn, "main") == "m0002"
        assert conn.execute(sa.text("SELECT COUNT(*) FROM residents")).scalar_one() == 3
    engine.dispose()
