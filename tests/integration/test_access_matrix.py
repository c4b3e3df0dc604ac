"""The authorization matrix: every role × purpose × operation × item of the shipped policy,
checked against what the real session methods do.

``data/access_matrix.json`` is the matrix the policy file produces, committed: a change to the
policy shows up as a diff of that file (regenerate it with
``.venv/bin/python tests/integration/test_access_matrix.py`` and review the diff).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nacl.pwhash
import pytest

import kure_juki as kj
from kure_juki.domain.policy import ALL_ITEMS
from kure_juki.service import passwords
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

SNAPSHOT = Path(__file__).parent / "data" / "access_matrix.json"
POLICY = kj.load_policy()
PW = "matrix-passphrase-01"
NOBODY = "1999999999"

# One call per operation: the guard runs first, so a refusal by the policy is KJ-ACCESS-001;
# anything else (a result, NotFound, a FormatError, KJ-ACCESS-006 …) means the policy let it in.
PROBES: dict[str, Callable[[kj.Session], Any]] = {
    "submit": lambda s: s.submit({"type": "move_in"}),
    "read": lambda s: s.resident(NOBODY),
    "search": lambda s: s.search(family_name="無名", birth_date="2000-01-01"),
    "certificate": lambda s: s.issue_certificate("juminhyo", resident_ids=[NOBODY]),
    "export": lambda s: s.export("residents"),
    "approve_bulk_output": lambda s: s.approve_bulk_output(operator_id="nobody", max_records=1),
    "manage_operators": lambda s: s.unlock_operator("nobody"),
    "manage_policy": lambda s: s.replace_policy({}),
    "audit": lambda s: s.audit_trail(operator_id="nobody"),
    "transfer": lambda s: s.transfer("no_such_recipient"),
    "batch": lambda s: s.process_due_move_outs(),
    "manage_blocks": lambda s: s.lift_block("B99999999"),
    "release_block": lambda s: s.release_block("B99999999"),
    "manage_support_measures": lambda s: s.support_measures(NOBODY),
    "character_report": lambda s: s.character_overflow_report(),
}


class Register:
    """A register holding one record of every shape, so that every item can be observed."""

    def __init__(self) -> None:
        self.reg = kj.open_registry("memory://", municipality_code="342025", clock=SettableClock())
        self.reg.bootstrap_admin("admin", "a-long-passphrase")
        a = self.admin()
        jp = person(family=1)
        fr = person(foreign=True)
        gone = person(family=2, given=3)
        self.people = [jp, fr, gone]
        ids = [a.submit(move_in([p])).resident_ids[0] for p in self.people]
        self.ids = ids
        a.submit({"type": "resident_code_change", "resident_id": ids[0]})
        for kind in ("former_surname_entry", "former_surname_deletion", "former_surname_entry"):
            n: dict[str, Any] = {"type": kind, "resident_id": ids[0]}
            if kind.endswith("entry"):
                n.update(former_surname="旧姓", former_surname_kana="きゅうせい")
            a.submit(n)
        a.submit(
            {
                "type": "individual_entry",
                "resident_id": ids[0],
                "item": "elector",
                "fields": {"投票区": "第1投票区"},
            }
        )
        a.submit(
            {
                "type": "move_out",
                "occurred_on": "2026-12-20",
                "resident_ids": [ids[0]],
                "destination": {"municipality_code": "131016", "text": "東京都千代田区"},
            }
        )
        a.submit(
            {
                "type": "alias_entry",
                "resident_id": ids[1],
                "alias": "山田太郎",
                "alias_kana": "やまだたろう",
            }
        )
        a.submit({"type": "death", "occurred_on": "2026-11-25", "resident_id": ids[2]})
        for role in POLICY.roles:
            if role != "admin":
                a.add_operator(f"op_{role}", password=PW, role=role)

    def admin(self) -> kj.Session:
        return self.reg.login(
            "admin", "a-long-passphrase", terminal_id="T-ADMIN", purpose="resident_records"
        )

    def login(self, role: str, purpose: str) -> kj.Session:
        if role == "admin":
            return self.reg.login("admin", "a-long-passphrase", terminal_id="T-M", purpose=purpose)
        return self.reg.login(f"op_{role}", PW, terminal_id="T-M", purpose=purpose)

    def operator_id(self, role: str) -> str:
        return "admin" if role == "admin" else f"op_{role}"


@pytest.fixture(scope="module")
def register() -> Iterator[Register]:
    with pytest.MonkeyPatch.context() as mp:  # cheap argon2id: this is about access
        mp.setattr(passwords, "_OPS", nacl.pwhash.argon2id.OPSLIMIT_MIN)
        mp.setattr(passwords, "_MEM", nacl.pwhash.argon2id.MEMLIMIT_MIN)
        r = Register()
    yield r
    r.reg.close()


def observed(register: Register, role: str, purpose: str) -> dict[str, list[str]]:
    s = register.login(role, purpose)
    allowed = []
    for operation, probe in PROBES.items():
        try:
            probe(s)
        except kj.AccessDenied as e:
            if e.code == "KJ-ACCESS-001":
                continue
        except kj.RegistryError:
            pass
        allowed.append(operation)
    items: set[str] = set()
    if "read" in allowed:
        for rid in register.ids:
            items |= set(s.resident(rid)) - {"warnings"}
    list_items: set[str] = set()
    if "search" in allowed:
        for p in register.people:
            for hit in s.search(
                family_name=p["family_name"], birth_date=p["birth_date"], include_deleted=True
            ):
                list_items |= set(hit) - {"warnings"}
    export_items: set[str] = set()
    if "export" in allowed:
        token = register.admin().approve_bulk_output(
            operator_id=register.operator_id(role), max_records=100
        )
        for line in s.export("residents", approval=token).decode().splitlines():
            export_items |= set(json.loads(line))
    return {
        "operations": sorted(allowed),
        "items": sorted(items),
        "list_items": sorted(list_items),
        "export_items": sorted(export_items),
    }


def test_the_committed_matrix_is_the_one_the_policy_file_gives() -> None:
    assert json.loads(SNAPSHOT.read_text("utf-8")) == POLICY.matrix(), (
        "the policy changed: regenerate tests/integration/data/access_matrix.json and review"
    )


def test_every_operation_of_the_policy_has_a_probe() -> None:
    assert set(PROBES) == set(POLICY.operations)


def test_the_register_shows_every_item(register: Register) -> None:
    s = register.admin()
    shown: set[str] = set()
    for rid in register.ids:
        shown |= set(s.resident(rid))
    assert shown == ALL_ITEMS


@pytest.mark.parametrize("role", sorted(POLICY.roles))
def test_behaviour_matches_the_matrix(register: Register, role: str) -> None:
    expected = json.loads(SNAPSHOT.read_text("utf-8"))[role]
    got = {purpose: observed(register, role, purpose) for purpose in sorted(POLICY.purposes)}
    for purpose in sorted(POLICY.purposes):
        assert got[purpose] == expected[purpose], (role, purpose)


if __name__ == "__main__":
    SNAPSHOT.parent.mkdir(exist_ok=True)
    SNAPSHOT.write_text(
        json.dumps(POLICY.matrix(), ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8"
    )
    print(f"wrote {SNAPSHOT}")
