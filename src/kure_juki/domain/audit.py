"""The audit trail (アクセスログ・操作ログ): entries chained by BLAKE2b so that any change,
removal, insertion or reordering made behind the library breaks the chain.

An entry never carries a My Number or a name: subjects are named by 宛名番号 only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any, Literal

import attrs

Outcome = Literal["ok", "refused", "error"]
GENESIS = "0" * 64


@attrs.frozen
class AuditEntry:  # 操作ログ
    seq: int  # 通番, gap-free from 1
    at: str  # ISO 8601 time with offset (JST)
    operator_id: str | None  # 操作者ID
    terminal_id: str | None  # 端末ID
    purpose: str | None  # 事務
    operation: str  # login, logout, read, search, submit, print, export, refuse …
    subject_ids: tuple[str, ...] = ()  # 宛名番号 of the persons accessed
    outcome: Outcome = "ok"
    code: str | None = None  # error code on refusal
    detail: dict[str, Any] = attrs.field(factory=dict)  # non-personal facts (counts, kinds)
    prev_hash: str = GENESIS
    hash: str = ""

    def body(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "operator_id": self.operator_id,
            "terminal_id": self.terminal_id,
            "purpose": self.purpose,
            "operation": self.operation,
            "subject_ids": list(self.subject_ids),
            "outcome": self.outcome,
            "code": self.code,
            "detail": self.detail,
        }


def entry_hash(body: dict[str, Any], prev_hash: str) -> str:
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(
        prev_hash.encode("ascii") + canonical.encode("utf-8"), digest_size=32
    ).hexdigest()


def seal(entry: AuditEntry, prev_hash: str) -> AuditEntry:
    """*entry* linked to its predecessor."""
    return attrs.evolve(entry, prev_hash=prev_hash, hash=entry_hash(entry.body(), prev_hash))


@attrs.frozen
class ChainReport:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str | None = None


def verify_chain(entries: Iterable[AuditEntry]) -> ChainReport:
    """Walk the chain from the start: sequence gap-free, each link and each hash right."""
    prev = GENESIS
    count = 0
    for expected_seq, entry in enumerate(entries, start=1):
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(False, count, entry.seq, "sequence")
        if entry.prev_hash != prev:
            return ChainReport(False, count, entry.seq, "link")
        if entry_hash(entry.body(), prev) != entry.hash:
            return ChainReport(False, count, entry.seq, "hash")
        prev = entry.hash
    return ChainReport(True, count)
