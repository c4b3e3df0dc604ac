"""The audit log (seed controls 9, 10; SPEC 2.5): every operation appended with who, where,
when, for what, whose record and the outcome; searchable both ways; never a My Number or a
name; and any change behind the library — on the store itself, with SQL or the sqlite3 tool —
found by ``verify_audit_log``."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import attrs
import nacl.pwhash
import pytest
import sqlalchemy as sa

import kure_juki as kj
from kure_juki.adapters.memory.store import MemoryStore
from kure_juki.domain import audit as chain
from kure_juki.service import passwords
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

ADMIN = "a-long-passphrase"
PW = "clerk-passphrase-01"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its lowest cost: these tests are about access, not password strength."""
    monkeypatch.setattr(passwords, "_OPS", nacl.pwhash.argon2id.OPSLIMIT_MIN)
    monkeypatch.setattr(passwords, "_MEM", nacl.pwhash.argon2id.MEMLIMIT_MIN)


FIELDS = {
    "seq",
    "at",
    "operator_id",
    "terminal_id",
    "purpose",
    "operation",
    "subject_ids",
    "outcome",
    "code",
    "detail",
    "hash",
}


def admin(reg: kj.Registry) -> kj.Session:
    return reg.login("admin", ADMIN, terminal_id="T-ADMIN", purpose="resident_records")


def clerk(reg: kj.Registry, purpose: str = "resident_records") -> kj.Session:
    with contextlib.suppress(kj.ConflictError):
        admin(reg).add_operator("clerk01", password=PW, role="clerk")
    return reg.login("clerk01", PW, terminal_id="T-101", purpose=purpose)


def a_day(reg: kj.Registry) -> dict[str, Any]:
    """A clerk's day: every kind of operation, refusals included."""
    people = [person(), person(relationship="妻", sex="female", given=1)]
    s = clerk(reg)
    r = s.submit(move_in(people))
    s.resident(r.resident_ids[0])
    s.household(str(r.household_id))
    s.search(family_name=people[0]["family_name"], birth_date=people[0]["birth_date"])
    with pytest.raises(kj.AccessDenied):
        s.search(family_name=people[0]["family_name"])
    with pytest.raises(kj.FormatError):
        s.submit({"type": "move_in", "persons": [dict(people[0], my_number="123")]})
    with pytest.raises(kj.AccessDenied):
        s.audit_trail(operator_id="admin")
    token = admin(reg).approve_bulk_output(operator_id="clerk01", max_records=10)
    s.export("residents", approval=token)
    s.transfer("elections")
    if hasattr(s, "issue_certificate"):
        s.issue_certificate("juminhyo", resident_ids=[r.resident_ids[0]])
    s.logout()
    with pytest.raises(kj.AccessDenied):
        reg.login("clerk01", "wrong-password!!", terminal_id="T-101", purpose="tax")
    return {"people": people, "ids": list(r.resident_ids), "household": r.household_id}


def everything(reg: kj.Registry) -> list[dict[str, Any]]:
    return admin(reg).audit_trail()


def test_every_operation_is_appended_with_its_context(registry: kj.Registry) -> None:
    day = a_day(registry)
    entries = everything(registry)
    assert all(set(e) == FIELDS for e in entries)
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    ops = {(e["operation"], e["outcome"]) for e in entries if e["operator_id"] == "clerk01"}
    expected = {
        ("login", "ok"),
        ("submit", "ok"),
        ("read", "ok"),
        ("read_household", "ok"),
        ("search", "ok"),
        ("search", "refused"),
        ("submit", "refused"),
        ("audit", "refused"),
        ("export", "ok"),
        ("transfer", "ok"),
        ("logout", "ok"),
        ("login", "refused"),
    }
    assert expected <= ops
    for e in entries:
        if e["operator_id"] == "clerk01":
            assert e["terminal_id"] == "T-101" and e["at"].endswith("+09:00")
            assert e["purpose"] in ("resident_records", "tax")
    read = next(e for e in entries if e["operation"] == "read")
    assert read["subject_ids"] == [day["ids"][0]]
    assert next(e for e in entries if e["operation"] == "approve_bulk_output")["operator_id"] == (
        "admin"
    )


def test_no_entry_carries_a_my_number_or_a_name(registry: kj.Registry) -> None:
    day = a_day(registry)
    text = json.dumps(everything(registry), ensure_ascii=False)
    for p in day["people"]:
        for value in (p["my_number"], p["family_name"], p["given_name"], p["given_name_kana"]):
            assert value not in text


def test_an_id_typed_in_the_wrong_field_does_not_carry_a_my_number_into_the_log(
    registry: kj.Registry,
) -> None:
    p = person()
    s = clerk(registry)
    s.submit(move_in([p]))
    with pytest.raises(kj.NotFound):
        s.resident(p["my_number"])
    with pytest.raises(kj.AccessDenied):
        registry.login(p["my_number"], "whatever-password", terminal_id="T", purpose="tax")
    assert p["my_number"] not in json.dumps(everything(registry))


def test_the_trail_is_searched_by_person_and_by_operator(registry: kj.Registry) -> None:
    day = a_day(registry)
    a = admin(registry)
    about = a.audit_trail(resident_id=day["ids"][1])
    assert about and all(day["ids"][1] in e["subject_ids"] for e in about)
    assert {"submit", "read_household"} <= {e["operation"] for e in about}
    by = a.audit_trail(operator_id="clerk01")
    assert by and {e["operator_id"] for e in by} == {"clerk01"}
    both = a.audit_trail(resident_id=day["ids"][0], operator_id="clerk01")
    assert both and all(
        e["operator_id"] == "clerk01" and day["ids"][0] in e["subject_ids"] for e in both
    )
    sup = registry.login("admin", ADMIN, terminal_id="T", purpose="tax")  # purpose lacks audit
    with pytest.raises(kj.AccessDenied):
        sup.audit_trail(operator_id="clerk01")
    looked = a.audit_trail(operator_id="admin")
    assert any(e["operation"] == "audit_search" for e in looked)  # searching is audited too


def test_a_supervisor_may_search_the_trail_a_clerk_may_not(registry: kj.Registry) -> None:
    admin(registry).add_operator("sup01", password=PW, role="supervisor")
    sup = registry.login("sup01", PW, terminal_id="T", purpose="resident_records")
    assert sup.audit_trail(operator_id="admin")
    with pytest.raises(kj.AccessDenied) as e:
        clerk(registry).audit_trail(operator_id="admin")
    assert e.value.code == "KJ-ACCESS-001"


def test_checkpoints_are_signed_periodically_and_on_demand(registry: kj.Registry) -> None:
    registry.policy = attrs.evolve(registry.policy, audit_checkpoint_every=10)
    a_day(registry)
    report = registry.verify_audit_log()
    assert report.ok, report.problems
    assert report.checkpoints == report.entries // 10
    assert report.last_checkpoint_seq == (report.entries // 10) * 10
    anchor = registry.checkpoint_audit_log()
    assert (
        anchor["seq"] == report.entries and anchor["key_id"] in registry.signing_keys.public_keys()
    )
    clerk(registry).search(resident_code="12345678901")
    again = registry.verify_audit_log(anchors=[anchor])
    assert again.ok and again.checkpoints == again.entries // 10 + 1  # periodic + on demand


def test_keys_can_rotate(registry: kj.Registry) -> None:
    registry.policy = attrs.evolve(registry.policy, audit_checkpoint_every=5)
    a_day(registry)
    registry.signing_keys.rotate()
    a_day(registry)
    assert registry.verify_audit_log().ok


# -- tampering behind the library ---------------------------------------------------------------
Log = list[dict[str, Any]]


class Backdoor:
    """Edits the stored log directly: the memory store's state, or the SQL tables."""

    def __init__(self, registry: kj.Registry, url: str) -> None:
        self.reg = registry
        self.url = url

    def rows(self) -> tuple[Log, Log]:
        if isinstance(self.reg.store, MemoryStore):
            return [attrs.asdict(e, recurse=False) for e in self.reg.store.state.audit], []
        engine = sa.create_engine(self.url)
        with engine.connect() as c:
            log = [
                dict(r._mapping) for r in c.execute(sa.text("SELECT * FROM audit_log ORDER BY seq"))
            ]
            subjects = [
                dict(r._mapping) for r in c.execute(sa.text("SELECT * FROM audit_subjects"))
            ]
        engine.dispose()
        return log, subjects

    def write(self, log: Log, subjects: Log) -> None:
        if isinstance(self.reg.store, MemoryStore):
            state = self.reg.store.state
            state.audit[:] = [chain.AuditEntry(**row) for row in log]
            return
        engine = sa.create_engine(self.url)
        with engine.begin() as c:
            c.execute(sa.text("DELETE FROM audit_subjects"))
            c.execute(sa.text("DELETE FROM audit_log"))
            for table, rows in (("audit_log", log), ("audit_subjects", subjects)):
                for row in rows:
                    names = ", ".join(row)
                    values = ", ".join(f":{k}" for k in row)
                    c.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({values})"), row)
        engine.dispose()

    def edit(self, change: Callable[[Log, Log], None]) -> None:
        log, subjects = self.rows()
        change(log, subjects)
        self.write(log, subjects)

    def reseal_from(self, seq: int) -> None:
        """What an informed attacker does next: recompute every hash from *seq* on."""
        with self.reg.store.unit_of_work() as uow:
            entries = list(uow.audit.iter_all())
        prev = entries[seq - 2].hash if seq > 1 else chain.GENESIS
        fixed = {}
        for e in entries[seq - 1 :]:
            sealed = chain.seal(e, prev)
            fixed[e.seq] = (sealed.prev_hash, sealed.hash)
            prev = sealed.hash

        def apply(log: Log, _: Log) -> None:
            for row in log:
                if row["seq"] in fixed:
                    row["prev_hash"], row["hash"] = fixed[row["seq"]]

        self.edit(apply)


def renumber(log: Log, subjects: Log, mapping: dict[int, int]) -> None:
    for row in (*log, *subjects):
        if row["seq"] in mapping:
            row["seq"] = mapping[row["seq"]]
    log.sort(key=lambda r: r["seq"])


def change_outcome(log: Log, _: Log) -> None:
    refused = next(r for r in log if r["outcome"] == "refused")
    refused["outcome"] = "ok"


def change_operator(log: Log, _: Log) -> None:
    log[3]["operator_id"] = "someone-else"


def remove(log: Log, subjects: Log) -> None:
    gone = log.pop(4)["seq"]
    subjects[:] = [s for s in subjects if s["seq"] != gone]


def remove_and_close_the_gap(log: Log, subjects: Log) -> None:
    remove(log, subjects)
    renumber(log, subjects, {r["seq"]: r["seq"] - 1 for r in log if r["seq"] > 5})


def insert(log: Log, subjects: Log) -> None:
    renumber(log, subjects, {r["seq"]: r["seq"] + 1 for r in log if r["seq"] >= 5})
    copy = dict(log[2], seq=5)
    log.insert(4, copy)


def reorder(log: Log, subjects: Log) -> None:
    renumber(log, subjects, {4: 5, 5: 4})


def truncate(log: Log, subjects: Log) -> None:
    keep = len(log) - 3
    cut = {r["seq"] for r in log[keep:]}
    del log[keep:]
    subjects[:] = [s for s in subjects if s["seq"] not in cut]


@pytest.mark.parametrize(
    "tamper",
    [change_outcome, change_operator, remove, remove_and_close_the_gap, insert, reorder, truncate],
)
def test_tampering_behind_the_library_is_found(
    registry: kj.Registry, store_url: str, tamper: Callable[[Log, Log], None]
) -> None:
    a_day(registry)
    assert registry.verify_audit_log().ok
    Backdoor(registry, store_url).edit(tamper)
    report = registry.verify_audit_log()
    assert not report.ok and report.problems


def test_a_rewritten_chain_is_caught_by_the_signatures(
    registry: kj.Registry, store_url: str
) -> None:
    registry.policy = attrs.evolve(registry.policy, audit_checkpoint_every=5)
    a_day(registry)
    door = Backdoor(registry, store_url)
    door.edit(change_operator)
    door.reseal_from(4)
    with registry.store.unit_of_work() as uow:  # the chain alone now looks whole
        assert chain.verify_chain(uow.audit.iter_all()).ok
    report = registry.verify_audit_log()
    assert not report.ok
    assert any("checkpoint 5" in p for p in report.problems)
    assert any("signed head" in p for p in report.problems)


def test_a_forged_entry_appended_with_a_valid_hash_is_caught(
    registry: kj.Registry, store_url: str
) -> None:
    a_day(registry)

    def forge(log: Log, subjects: Log) -> None:
        last = dict(log[-1])
        last["seq"] += 1
        log.append(last)

    door = Backdoor(registry, store_url)
    door.edit(forge)
    door.reseal_from(len(door.rows()[0]))
    report = registry.verify_audit_log()
    assert not report.ok and any("signed head" in p for p in report.problems)


def test_a_tail_cut_below_a_checkpoint_is_caught(registry: kj.Registry, store_url: str) -> None:
    registry.policy = attrs.evolve(registry.policy, audit_checkpoint_every=5)
    a_day(registry)
    door = Backdoor(registry, store_url)

    def cut(log: Log, subjects: Log) -> None:
        last_cp = (len(log) // 5) * 5
        kept = {r["seq"] for r in log if r["seq"] < last_cp}
        log[:] = [r for r in log if r["seq"] in kept]
        subjects[:] = [s for s in subjects if s["seq"] in kept]

    door.edit(cut)
    report = registry.verify_audit_log()
    assert not report.ok and any("truncated" in p for p in report.problems)


def test_a_removed_movement_entry_is_missed_by_the_history(
    registry: kj.Registry, store_url: str
) -> None:
    a_day(registry)

    def drop_submit(log: Log, subjects: Log) -> None:
        gone = next(r["seq"] for r in log if r["operation"] == "submit" and r["outcome"] == "ok")
        log[:] = [r for r in log if r["seq"] != gone]
        subjects[:] = [s for s in subjects if s["seq"] != gone]
        renumber(log, subjects, {r["seq"]: r["seq"] - 1 for r in log if r["seq"] > gone})

    door = Backdoor(registry, store_url)
    door.edit(drop_submit)
    door.reseal_from(1)
    report = registry.verify_audit_log()
    assert not report.ok
    assert any("movements without their audit entry" in p for p in report.problems)


def test_an_external_anchor_outlives_a_rolled_back_database(
    clock: SettableClock, tmp_path: Any
) -> None:
    db = tmp_path / "register.db"
    url = f"sqlite:///{db}"
    reg = kj.open_registry(url, municipality_code="342025", clock=clock)
    reg.bootstrap_admin("admin", ADMIN)
    a_day(reg)
    reg.close()
    shutil.copy(db, tmp_path / "old.db")
    reg = kj.open_registry(url, municipality_code="342025", clock=clock)
    a_day(reg)
    anchor = reg.checkpoint_audit_log()  # kept outside the database
    reg.close()
    shutil.copy(tmp_path / "old.db", db)  # the whole database rolled back
    reg = kj.open_registry(url, municipality_code="342025", clock=clock)
    assert reg.verify_audit_log().ok  # consistent in itself...
    report = reg.verify_audit_log(anchors=[anchor])
    assert not report.ok and any("anchor" in p for p in report.problems)  # ...but not the anchor
    reg.close()


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 tool is not installed")
def test_a_row_edited_with_the_sqlite3_tool_is_found(clock: SettableClock, tmp_path: Any) -> None:
    db = tmp_path / "register.db"
    reg = kj.open_registry(f"sqlite:///{db}", municipality_code="342025", clock=clock)
    reg.bootstrap_admin("admin", ADMIN)
    a_day(reg)
    reg.close()
    subprocess.run(
        ["sqlite3", str(db), "UPDATE audit_log SET outcome = 'ok' WHERE outcome = 'refused';"],
        check=True,
    )
    reg = kj.open_registry(f"sqlite:///{db}", municipality_code="342025", clock=clock)
    report = reg.verify_audit_log()
    assert not report.ok and report.reason == "hash"
    reg.close()


def test_entries_appended_without_the_keys_count_once_signed(
    registry: kj.Registry, store_url: str
) -> None:
    """The command-line bulk import appends its entries without a Registry; it signs the new
    end with ``checkpoint_store`` right after, and the log verifies again."""
    from kure_juki.service.audit_checkpoints import checkpoint_store

    a_day(registry)

    def append(log: Log, subjects: Log) -> None:
        log.append(dict(log[-1], seq=log[-1]["seq"] + 1, operation="import"))

    door = Backdoor(registry, store_url)
    door.edit(append)
    door.reseal_from(len(door.rows()[0]))
    assert not registry.verify_audit_log().ok
    cp = checkpoint_store(registry.store, registry.signing_keys, registry.now().isoformat())
    n = len(door.rows()[0])
    assert cp is not None and cp["seq"] == n
    report = registry.verify_audit_log()
    assert report.ok and report.unsigned == ((n, n),)  # signed over, and said so


def test_a_forged_entry_signed_over_by_a_later_append_stays_on_record(
    registry: kj.Registry, store_url: str
) -> None:
    a_day(registry)

    def forge(log: Log, subjects: Log) -> None:
        log.append(dict(log[-1], seq=log[-1]["seq"] + 1, operation="read", outcome="ok"))

    door = Backdoor(registry, store_url)
    door.edit(forge)
    forged = len(door.rows()[0])
    door.reseal_from(forged)
    clerk(registry).search(resident_code="12345678901")  # the library appends on top of it
    report = registry.verify_audit_log()
    assert report.unsigned == ((forged, forged),)


def test_a_log_cut_back_and_continued_is_caught(registry: kj.Registry, store_url: str) -> None:
    a_day(registry)
    Backdoor(registry, store_url).edit(truncate)
    clerk(registry).search(resident_code="12345678901")  # the library carries on after the cut
    report = registry.verify_audit_log()
    assert not report.ok and any("cut back" in p for p in report.problems)
