"""The register's committed content in memory, and one unit of work's changes to it.

The journal file holds one line per committed unit of work (its :class:`Changes`); replaying the
lines in order rebuilds the :class:`State`.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

import attrs

from kure_juki.domain.audit import AuditEntry
from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.household import Household
from kure_juki.domain.movement_record import MovementRecord
from kure_juki.domain.operator import Operator
from kure_juki.domain.resident import Resident
from kure_juki_jsonl.codec import from_json, to_json

Document = tuple[dict[str, Any], str | None]  # (data, subject)


@attrs.define
class Changes:
    """What one unit of work wrote, in the order the store applies it."""

    residents: dict[str, Resident] = attrs.Factory(dict)
    households: dict[str, Household] = attrs.Factory(dict)
    movements: list[MovementRecord] = attrs.Factory(list)
    audit: list[AuditEntry] = attrs.Factory(list)
    operators: dict[str, Operator] = attrs.Factory(dict)
    codes_taken: list[str] = attrs.Factory(list)  # 住民票コード taken from the pool
    codes_added: list[str] = attrs.Factory(list)
    sequences: dict[str, int] = attrs.Factory(dict)  # counter name -> its new value
    documents: dict[tuple[str, str], Document] = attrs.Factory(dict)

    def is_empty(self) -> bool:
        return not any(attrs.astuple(self, recurse=False))

    def to_line(self) -> dict[str, Any]:
        return {
            "residents": [to_json(r) for r in self.residents.values()],
            "households": [to_json(h) for h in self.households.values()],
            "movements": [to_json(m) for m in self.movements],
            "audit": [to_json(e) for e in self.audit],
            "operators": [to_json(o) for o in self.operators.values()],
            "codes_taken": len(self.codes_taken),
            "codes_added": self.codes_added,
            "sequences": self.sequences,
            "documents": [
                {"kind": kind, "key": key, "data": data, "subject": subject}
                for (kind, key), (data, subject) in self.documents.items()
            ],
        }

    @classmethod
    def from_line(cls, line: dict[str, Any]) -> Changes:
        residents = [from_json(r, Resident) for r in line["residents"]]
        households = [from_json(h, Household) for h in line["households"]]
        operators = [from_json(o, Operator) for o in line["operators"]]
        return cls(
            residents={r.resident_id: r for r in residents},
            households={h.household_id: h for h in households},
            movements=[from_json(m, MovementRecord) for m in line["movements"]],
            audit=[from_json(e, AuditEntry) for e in line["audit"]],
            operators={o.operator_id: o for o in operators},
            codes_taken=[""] * line["codes_taken"],  # only their number matters on replay
            codes_added=list(line["codes_added"]),
            sequences=dict(line["sequences"]),
            documents={
                (d["kind"], d["key"]): (d["data"], d["subject"]) for d in line["documents"]
            },
        )


class State:
    """The committed register, with the indexes its reads need."""

    def __init__(self) -> None:
        self.residents: dict[str, Resident] = {}
        self.households: dict[str, Household] = {}
        self.movements: dict[int, MovementRecord] = {}  # in processing order
        self.movements_by_resident: dict[str, list[int]] = defaultdict(list)
        self.audit: list[AuditEntry] = []
        self.operators: dict[str, Operator] = {}
        self.code_pool: list[str] = []
        self.sequences: dict[str, int] = defaultdict(int)
        self.documents: dict[str, dict[str, Document]] = defaultdict(dict)
        self.living_by_code: dict[str, str] = {}
        self.living_by_number: dict[str, str] = {}

    def shared_numbers(self, changes: Changes) -> list[Problem]:
        """What this commit would make two living residents share: a 住民票コード
        (KJ-CONFLICT-801) or a 個人番号 (KJ-CONFLICT-802), whatever the numbering returned."""
        found = []
        for attr, index, code in (
            ("resident_code", self.living_by_code, "KJ-CONFLICT-801"),
            ("my_number", self.living_by_number, "KJ-CONFLICT-802"),
        ):
            holders: dict[str, set[str]] = {}
            for r in changes.residents.values():
                value = getattr(r, attr)
                if r.is_living and value:
                    holders.setdefault(value, set()).add(r.resident_id)
            for value, ids in holders.items():
                stored = index.get(value)
                if stored is not None and stored not in changes.residents:
                    ids.add(stored)
                if len(ids) > 1:
                    found.append(problem(code, attr))
        return found

    def stale(self, changes: Changes) -> bool:
        """Whether a record was changed since the unit read it: each version written must be
        the stored one plus one (1 for a new record)."""
        for r in changes.residents.values():
            stored = self.residents.get(r.resident_id)
            if r.version != (stored.version + 1 if stored else 1):
                return True
        for h in changes.households.values():
            stored_h = self.households.get(h.household_id)
            if h.version != (stored_h.version + 1 if stored_h else 1):
                return True
        return False

    def apply(self, changes: Changes) -> None:
        for r in changes.residents.values():
            self._index(r)
        self.households.update(changes.households)
        for m in changes.movements:
            self.movements[m.movement_id] = m
            for rid in m.resident_ids:
                self.movements_by_resident[rid].append(m.movement_id)
        self.audit.extend(changes.audit)
        self.operators.update(changes.operators)
        self.code_pool = (self.code_pool + changes.codes_added)[len(changes.codes_taken) :]
        self.sequences.update(changes.sequences)
        for (kind, key), (data, subject) in changes.documents.items():
            self.documents[kind][key] = (copy.deepcopy(data), subject)

    def _index(self, new: Resident) -> None:
        old = self.residents.get(new.resident_id)
        if old is not None:
            if self.living_by_code.get(old.resident_code) == old.resident_id:
                del self.living_by_code[old.resident_code]
            if old.my_number and self.living_by_number.get(old.my_number) == old.resident_id:
                del self.living_by_number[old.my_number]
        self.residents[new.resident_id] = new
        if new.is_living:
            self.living_by_code[new.resident_code] = new.resident_id
            if new.my_number:
                self.living_by_number[new.my_number] = new.resident_id
