"""Keeping the audit log (操作ログ) honest: signed checkpoints, full verification, and entries
that never carry a My Number.

The chain (BLAKE2b, :mod:`kure_juki.domain.audit`) shows an entry changed, removed, inserted or
reordered — unless whoever edits also recomputes every later hash. Checkpoints close that gap:
every N entries (policy ``audit_checkpoint_every``) and on demand, the municipality's Ed25519
key signs the sequence number and hash of the last entry, linked to the previous checkpoint.
A rewritten chain no longer matches a signature; a tail cut below a checkpoint leaves a
checkpoint pointing past the end. Entries after the last checkpoint are covered by the chain
and by the movement history (each movement has its audit entry); an integrator who keeps the
checkpoints it asks for outside the database (``anchors``) covers them completely.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import attrs
import nacl.encoding
import nacl.exceptions
import nacl.signing

from kure_juki.domain import audit as audit_chain
from kure_juki.domain.audit import AuditEntry
from kure_juki.ports.storage import UnitOfWork
from kure_juki.service.signing_keys import SigningKeys

KIND = "audit_checkpoint"  # document kind in the storage port, key = zero-padded seq
HEAD_KEY = "head"
HEAD_KIND = "audit_checkpoint_head"

# Anything shaped like a My Number (12 digits, separators allowed, full-width digits too).
_MY_NUMBER = re.compile(r"(?<!\d)\d{4}[ -]?\d{4}[ -]?\d{4}(?!\d)")
REDACTED = "[REDACTED]"


def scrub(value: Any) -> Any:
    """*value* with every My Number-shaped run masked: audit fields that come from callers
    (an id typed into the wrong field) must not carry one into the permanent log."""
    if isinstance(value, str):
        return _MY_NUMBER.sub(REDACTED, value)
    if isinstance(value, dict):
        return {str(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def clean_id(value: Any) -> str | None:
    return scrub(value) if isinstance(value, str) else None


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _signed_body(cp: dict[str, Any]) -> dict[str, Any]:
    return {k: cp[k] for k in ("seq", "hash", "at", "key_id", "prev", "trigger")}


def checkpoint_digest(cp: dict[str, Any]) -> str:
    """What the next checkpoint links to: a hash of this one, signature included."""
    return hashlib.blake2b(_canonical(cp), digest_size=32).hexdigest()


def make_checkpoint(
    uow: UnitOfWork, keys: SigningKeys, entry: AuditEntry, at: str, trigger: str
) -> dict[str, Any]:
    """Sign (seq, hash) of *entry* and store the checkpoint in *uow* (it commits with it)."""
    head = uow.documents.get(HEAD_KIND, HEAD_KEY)
    prev = head["digest"] if head else audit_chain.GENESIS
    if head and head["seq"] == entry.seq:  # already signed at this entry
        existing = uow.documents.get(KIND, f"{entry.seq:012d}")
        if existing is not None:
            return existing
    body = {
        "seq": entry.seq,
        "hash": entry.hash,
        "at": at,
        "key_id": keys.current_id,
        "prev": prev,
        "trigger": trigger,
    }
    signature = keys.current.sign(_canonical(body)).signature
    cp = {**body, "signature": nacl.encoding.Base64Encoder.encode(signature).decode("ascii")}
    uow.documents.put(KIND, f"{entry.seq:012d}", cp)
    uow.documents.put(HEAD_KIND, HEAD_KEY, {"seq": entry.seq, "digest": checkpoint_digest(cp)})
    return cp


def _signature_ok(cp: dict[str, Any], keys: SigningKeys) -> bool:
    verify = keys.public_keys().get(cp.get("key_id", ""))
    if verify is None:
        return False
    try:
        raw = nacl.encoding.Base64Encoder.decode(cp["signature"].encode("ascii"))
        # Lenient base64 lets the last character change; re-encode and compare.
        if nacl.encoding.Base64Encoder.encode(raw).decode("ascii") != cp["signature"]:
            return False
        verify.verify(_canonical(_signed_body(cp)), raw)
    except (nacl.exceptions.BadSignatureError, ValueError, KeyError, TypeError):
        return False
    return True


@attrs.frozen
class AuditReport:  # 操作ログの検証結果
    ok: bool
    entries: int  # entries read
    first_bad_seq: int | None = None  # first entry the chain rejects
    reason: str | None = None  # "sequence", "link" or "hash" (the chain), else a problem below
    checkpoints: int = 0  # signed checkpoints verified
    last_checkpoint_seq: int | None = None
    unanchored: int = 0  # entries after the last checkpoint (covered by the chain only)
    problems: tuple[str, ...] = ()  # every finding, one line each (no personal data)

    def __bool__(self) -> bool:
        return self.ok


def verify(
    uow: UnitOfWork, keys: SigningKeys, anchors: Iterable[dict[str, Any]] = ()
) -> AuditReport:
    """The chain, every checkpoint, the external *anchors* and the movement history."""
    checkpoints = list(uow.documents.iter_kind(KIND))
    wanted = {int(cp["seq"]) for cp in checkpoints} | {int(a["seq"]) for a in anchors}
    hashes: dict[int, str] = {}
    audited_movements: set[int] = set()

    def tap(entries: Iterator[AuditEntry]) -> Iterator[AuditEntry]:
        for e in entries:
            if e.seq in wanted:
                hashes[e.seq] = e.hash
            mid = e.detail.get("movement_id") if isinstance(e.detail, dict) else None
            if isinstance(mid, int) and e.outcome == "ok":
                audited_movements.add(mid)
            yield e

    stream = tap(uow.audit.iter_all())
    chain = audit_chain.verify_chain(stream)
    count = chain.entries + sum(1 for _ in stream)  # read on past a break: report it all
    problems: list[str] = []
    if not chain.ok:
        problems.append(f"chain broken at entry {chain.first_bad_seq} ({chain.reason})")

    prev = audit_chain.GENESIS
    verified = 0
    last_seq: int | None = None
    for cp in sorted(checkpoints, key=lambda c: int(c["seq"])):
        seq = int(cp["seq"])
        if not _signature_ok(cp, keys):
            problems.append(f"checkpoint {seq}: signature invalid or key unknown")
        elif cp["prev"] != prev:
            problems.append(f"checkpoint {seq}: not linked to the previous checkpoint")
        elif seq not in hashes:
            problems.append(f"checkpoint {seq}: the log ends before it (truncated)")
        elif hashes[seq] != cp["hash"]:
            problems.append(f"checkpoint {seq}: entry differs from the signed one")
        else:
            verified += 1
        prev = checkpoint_digest(cp)
        last_seq = seq
    head = uow.documents.get(HEAD_KIND, HEAD_KEY)
    if head is not None and (head["seq"] != last_seq or head["digest"] != prev):
        problems.append("checkpoint head does not match the last checkpoint (one was removed)")
    if head is None and checkpoints:
        problems.append("checkpoint head missing")

    for a in anchors:
        seq = int(a["seq"])
        if not _signature_ok(a, keys):
            problems.append(f"anchor {seq}: signature invalid or key unknown")
        elif hashes.get(seq) != a["hash"]:
            problems.append(f"anchor {seq}: the log no longer holds the anchored entry")

    missing = [
        m.movement_id for m in uow.movements.iter_all() if m.movement_id not in audited_movements
    ]
    if missing:
        problems.append(
            f"{len(missing)} movements without their audit entry "
            f"(first {missing[0]}): entries were removed"
        )

    return AuditReport(
        ok=not problems,
        entries=count,
        first_bad_seq=chain.first_bad_seq,
        reason=chain.reason if not chain.ok else (problems[0] if problems else None),
        checkpoints=verified,
        last_checkpoint_seq=last_seq,
        unanchored=max(0, count - (last_seq or 0)),
        problems=tuple(problems),
    )
