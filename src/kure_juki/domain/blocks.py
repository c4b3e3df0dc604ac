"""Blocks (抑止): stop a process for a person or a household until someone lifts them.

Standard (住民記録システム標準仕様書): 抑止 per process (異動, 発行, 照会), per person or household,
at error level (the process is refused) or alert level (it proceeds with a warning to check).
A block has a period, but it does not lapse on its own: past the end of its period it stays in
force and asks for a review. A temporary release (一時解除) lets the process through until a set
time, after which the block is in force again without anyone acting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

import attrs

from kure_juki.domain.errors import Problem, problem

KIND = "block"  # document kind in the storage port
PROCESSES = {"movement": "異動", "issuance": "発行", "inquiry": "照会"}
LEVELS = ("error", "alert")
SCOPES = ("person", "household")
State = Literal["pending", "in_force", "released", "lifted"]
# What a block lets through with a warning: alert level, overdue review, temporary release.
ALERT_CODES = frozenset({"KJ-WARN-401", "KJ-WARN-402", "KJ-WARN-404"})


@attrs.frozen
class Block:  # 抑止
    block_id: str
    process: str  # movement (異動) | issuance (発行) | inquiry (照会)
    scope: str  # person (個人) | household (世帯)
    target_id: str  # 宛名番号 or 世帯番号
    level: str  # error (エラー) | alert (アラート)
    starts_on: dt.date  # 設定期間の始期
    ends_on: dt.date | None  # 設定期間の終期: a review date, not an expiry
    reason: str  # 抑止事由 (a category, never a name)
    set_by: str
    set_at: dt.datetime
    lifted_at: dt.datetime | None = None  # 解除
    lifted_by: str | None = None
    released_until: dt.datetime | None = None  # 一時解除: in force again from this moment
    released_by: str | None = None

    def state(self, now: dt.datetime) -> State:
        if self.lifted_at is not None:
            return "lifted"
        if now.date() < self.starts_on:
            return "pending"
        if self.released_until is not None and now < self.released_until:
            return "released"
        return "in_force"

    def applies_to(self, resident_ids: Iterable[str], household_ids: Iterable[str]) -> bool:
        targets = resident_ids if self.scope == "person" else household_ids
        return self.target_id in set(targets)

    def to_dict(self) -> dict[str, Any]:
        def iso(v: dt.date | dt.datetime | None) -> str | None:
            return v.isoformat() if v is not None else None

        return {
            "block_id": self.block_id,
            "process": self.process,
            "scope": self.scope,
            "target_id": self.target_id,
            "level": self.level,
            "starts_on": self.starts_on.isoformat(),
            "ends_on": iso(self.ends_on),
            "reason": self.reason,
            "set_by": self.set_by,
            "set_at": self.set_at.isoformat(),
            "lifted_at": iso(self.lifted_at),
            "lifted_by": self.lifted_by,
            "released_until": iso(self.released_until),
            "released_by": self.released_by,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Block:
        def when(v: str | None) -> dt.datetime | None:
            return dt.datetime.fromisoformat(v) if v else None

        set_at = when(d["set_at"])
        assert set_at is not None
        return cls(
            block_id=d["block_id"],
            process=d["process"],
            scope=d["scope"],
            target_id=d["target_id"],
            level=d["level"],
            starts_on=dt.date.fromisoformat(d["starts_on"]),
            ends_on=dt.date.fromisoformat(d["ends_on"]) if d.get("ends_on") else None,
            reason=d["reason"],
            set_by=d["set_by"],
            set_at=set_at,
            lifted_at=when(d.get("lifted_at")),
            lifted_by=d.get("lifted_by"),
            released_until=when(d.get("released_until")),
            released_by=d.get("released_by"),
        )


def invalid_settings(
    process: Any, scope: Any, level: Any, starts_on: Any, ends_on: Any, reason: Any
) -> list[Problem]:
    found = []
    if process not in PROCESSES:
        found.append(problem("KJ-FMT-403", "process"))
    if scope not in SCOPES:
        found.append(problem("KJ-FMT-403", "scope"))
    if level not in LEVELS:
        found.append(problem("KJ-FMT-403", "level"))
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 200:
        found.append(problem("KJ-FMT-403", "reason"))
    if isinstance(starts_on, dt.date) and isinstance(ends_on, dt.date) and ends_on < starts_on:
        found.append(problem("KJ-FMT-403", "ends_on"))
    return found


def verdict(
    blocks: Iterable[Block],
    process: str,
    resident_ids: Iterable[str],
    household_ids: Iterable[str],
    now: dt.datetime,
) -> list[Problem]:
    """The problems the blocks of *process* raise for these persons and households: an error
    for each error-level block in force, warnings for alerts, overdue reviews and releases."""
    rids, hids = list(resident_ids), list(household_ids)
    found: list[Problem] = []
    for b in blocks:
        if b.process != process or not b.applies_to(rids, hids):
            continue
        state = b.state(now)
        where = f"{b.scope}:{b.target_id}"
        if state == "released":
            found.append(problem("KJ-WARN-404", "block", where))
        elif state == "in_force":
            code = "KJ-ACCESS-008" if b.level == "error" else "KJ-WARN-401"
            found.append(problem(code, "block", where))
            if b.ends_on is not None and now.date() > b.ends_on:
                found.append(problem("KJ-WARN-402", "block", where))
    return found


_PERSON_FIELDS = frozenset({"resident_id", "new_head_id"})
_PERSON_LIST_FIELDS = frozenset({"resident_ids"})
_HOUSEHOLD_FIELDS = frozenset({"household_id", "into_household_id"})


def touched_ids(notification: Any) -> tuple[list[str], list[str]]:
    """The persons (宛名番号) and households (世帯番号) a notification names, whatever its type:
    the targets whose movement blocks (異動抑止) apply."""
    persons: list[str] = []
    households: list[str] = []

    def add(target: list[str], value: Any) -> None:
        if isinstance(value, str) and value not in target:
            target.append(value)

    def walk(obj: Any) -> None:
        if not attrs.has(type(obj)):
            return
        for f in attrs.fields(type(obj)):
            value = getattr(obj, f.name)
            if f.name in _PERSON_FIELDS:
                add(persons, value)
            elif f.name in _PERSON_LIST_FIELDS and isinstance(value, tuple | list):
                for v in value:
                    add(persons, v)
            elif f.name in _HOUSEHOLD_FIELDS:
                add(households, value)
            elif f.name == "relationships" and isinstance(value, dict):
                for v in value:
                    add(persons, v)
            elif isinstance(value, tuple | list):
                for v in value:
                    walk(v)
            else:
                walk(value)

    walk(notification)
    return persons, households
