"""Keeping the audit log (操作ログ) honest: a signed head, signed checkpoints, full verification,
and entries that never carry a My Number.

The chain (BLAKE2b, :mod:`kure_juki.domain.audit`) shows an entry changed, removed, inserted or
reordered — unless whoever edits also recomputes every later hash, which needs no secret. The
municipality's Ed25519 key (:class:`~kure_juki.service.signing_keys.SigningKeys`) closes that:

* the *head*: with every append, the key signs the sequence number and hash of the last
  entry. An entry forged at the end, a rewritten chain or a cut tail no longer matches it.
* *checkpoints*: every N entries (policy ``audit_checkpoint_every``) and on demand, a signed
  (seq, hash) kept for good and linked to the previous checkpoint, so that even a database
  rolled back whole to an older head keeps the proof of what was logged up to each of them.
* *anchors*: checkpoints the integrator keeps outside the database, checked on request.

Verification also checks that every movement of the history has its audit entry.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import attrs
import nacl.encoding
import nacl.exceptions

from kure_juki.domain import audit as audit_chain
from kure_juki.domain.audit import AuditEntry
from kure_juki.domain.input_text import printable
from kure_juki.ports.storage import Store, UnitOfWork
from kure_juki.service.signing_keys import SigningKeys

KIND = "audit_checkpoint"  # document kind in the storage port, key = zero-padded seq
HEAD_KIND = "audit_head"  # one document, key HEAD_KEY: the signed end of the log
HEAD_KEY = "head"
GAP_KIND = "audit_gap"  # appends (or a cut) made without the keys, found at the next append

# Anything shaped like a My Number (12 digits, separators allowed, full-width digits too).
_MY_NUMBER = re.compile(r"(?<!\d)\d{4}[ -]?\d{4}[ -]?\d{4}(?!\d)")
REDACTED = "[REDACTED]"


def scrub(value: Any) -> Any:
    """*value* with every My Number-shaped run masked: audit fields that come from callers
    (an id typed into the wrong field) must not carry one into the permanent log. Control
    characters and lone surrogates are written as escapes, so that whatever a caller typed
    can be encoded, stored and chained (the refusal of bad text is itself recorded)."""
    if isinstance(value, str):
        return _MY_NUMBER.sub(REDACTED, printable(value))
    if isinstance(value, dict):
        return {scrub(str(k)): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def clean_id(value: Any) -> str | None:
    return scrub(value) if isinstance(value, str) else None


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _sign(keys: SigningKeys, body: dict[str, Any]) -> dict[str, Any]:
    signed = {**body, "key_id": keys.current_id}
    signature = keys.current.sign(_canonical(signed)).signature
    return {**signed, "signature": nacl.encoding.Base64Encoder.encode(signature).decode("ascii")}


def _signature_ok(doc: dict[str, Any], keys: SigningKeys) -> bool:
    verify = keys.public_keys().get(doc.get("key_id", ""))
    if verify is None or not isinstance(doc.get("signature"), str):
        return False
    body = {k: v for k, v in doc.items() if k != "signature"}
    try:
        raw = nacl.encoding.Base64Encoder.decode(doc["signature"].encode("ascii"))
        # Lenient base64 lets the last character change; re-encode and compare.
        if nacl.encoding.Base64Encoder.encode(raw).decode("ascii") != doc["signature"]:
            return False
        verify.verify(_canonical(body), raw)
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
        return False
    return True


def checkpoint_digest(cp: dict[str, Any]) -> str:
    """What the next checkpoint links to: a hash of this one, signature included."""
    return hashlib.blake2b(_canonical(cp), digest_size=32).hexdigest()


def _checkpoint(
    uow: UnitOfWork, keys: SigningKeys, entry: AuditEntry, at: str, trigger: str, prev: str
) -> dict[str, Any]:
    existing = uow.documents.get(KIND, f"{entry.seq:012d}")
    if existing is not None:  # already signed at this entry
        return existing
    cp = _sign(
        keys, {"seq": entry.seq, "hash": entry.hash, "at": at, "prev": prev, "trigger": trigger}
    )
    uow.documents.put(KIND, f"{entry.seq:012d}", cp)
    return cp


def _head(uow: UnitOfWork) -> dict[str, Any]:
    found = uow.documents.get(HEAD_KIND, HEAD_KEY)
    return found or {
        "seq": 0,
        "hash": audit_chain.GENESIS,
        "checkpoint_seq": None,
        "checkpoint_digest": audit_chain.GENESIS,
        "gaps": 0,
    }


def _put_head(uow: UnitOfWork, keys: SigningKeys, entry: AuditEntry, head: dict[str, Any]) -> None:
    body = {
        "seq": entry.seq,
        "hash": entry.hash,
        "checkpoint_seq": head["checkpoint_seq"],
        "checkpoint_digest": head["checkpoint_digest"],
        "gaps": head.get("gaps", 0),
    }
    uow.documents.put(HEAD_KIND, HEAD_KEY, _sign(keys, body))


def after_append(uow: UnitOfWork, keys: SigningKeys, entry: AuditEntry, every: int) -> None:
    """Sign the new end of the log; every *every* entries, a checkpoint too (same unit).

    When the entry before this one is not the one last signed, something appended to the log
    (or cut it back) without the keys since: a signed gap record says so for good.
    """
    head = dict(_head(uow))
    if head["seq"] != entry.seq - 1 or head["hash"] != entry.prev_hash:
        head["gaps"] = head.get("gaps", 0) + 1
        gap = {"signed_seq": head["seq"], "signed_hash": head["hash"], "resumed_at": entry.seq}
        uow.documents.put(GAP_KIND, f"{entry.seq:012d}", _sign(keys, gap))
    if every > 0 and entry.seq % every == 0:
        cp = _checkpoint(uow, keys, entry, entry.at, "periodic", head["checkpoint_digest"])
        head["checkpoint_seq"], head["checkpoint_digest"] = entry.seq, checkpoint_digest(cp)
    _put_head(uow, keys, entry, head)


def make_checkpoint(
    uow: UnitOfWork, keys: SigningKeys, entry: AuditEntry, at: str, trigger: str
) -> dict[str, Any]:
    """A checkpoint at *entry* (the last one) now, stored in *uow*; returns it."""
    head = dict(_head(uow))
    if head["checkpoint_seq"] == entry.seq:
        found = uow.documents.get(KIND, f"{entry.seq:012d}")
        if found is not None:
            return found
    if head["seq"] != entry.seq or head["hash"] != entry.hash:  # signing over a foreign tail
        head["gaps"] = head.get("gaps", 0) + 1
        gap = {"signed_seq": head["seq"], "signed_hash": head["hash"], "resumed_at": entry.seq + 1}
        uow.documents.put(GAP_KIND, f"{entry.seq + 1:012d}", _sign(keys, gap))
    cp = _checkpoint(uow, keys, entry, at, trigger, head["checkpoint_digest"])
    head["checkpoint_seq"], head["checkpoint_digest"] = entry.seq, checkpoint_digest(cp)
    _put_head(uow, keys, entry, head)
    return cp


@attrs.frozen
class AuditReport:  # 操作ログの検証結果
    ok: bool
    entries: int  # entries read
    first_bad_seq: int | None = None  # first entry the chain rejects
    reason: str | None = None  # "sequence", "link" or "hash" (the chain), else the first problem
    checkpoints: int = 0  # signed checkpoints verified
    last_checkpoint_seq: int | None = None
    # (first, last) of entries appended without the keys and signed over by a later append
    # (the command-line bulk import does this): covered by the chain only.
    unsigned: tuple[tuple[int, int], ...] = ()
    problems: tuple[str, ...] = ()  # every finding, one line each (no personal data)

    def __bool__(self) -> bool:
        return self.ok


def verify(
    uow: UnitOfWork, keys: SigningKeys, anchors: Iterable[dict[str, Any]] = ()
) -> AuditReport:
    """The chain, the signed head, every checkpoint, the external *anchors* and the movement
    history, read in one unit of work."""
    anchors = list(anchors)
    checkpoints = sorted(uow.documents.iter_kind(KIND), key=lambda c: int(c["seq"]))
    gaps = list(uow.documents.iter_kind(GAP_KIND))
    wanted = (
        {int(cp["seq"]) for cp in checkpoints}
        | {int(a["seq"]) for a in anchors}
        | {int(g["signed_seq"]) for g in gaps}
    )
    hashes: dict[int, str] = {}
    audited_movements: set[int] = set()
    last: list[AuditEntry] = []
    chained_subjects = hashlib.sha256()

    def tap(entries: Iterator[AuditEntry]) -> Iterator[AuditEntry]:
        for e in entries:
            if e.subject_ids:
                chained_subjects.update(_subject_line(e.seq, e.subject_ids))
            if e.seq in wanted:
                hashes[e.seq] = e.hash
            mid = e.detail.get("movement_id") if isinstance(e.detail, dict) else None
            if isinstance(mid, int) and e.outcome == "ok":
                audited_movements.add(mid)
            last[:] = [e]
            yield e

    stream = tap(uow.audit.iter_all())
    chain = audit_chain.verify_chain(stream)
    count = chain.entries + sum(1 for _ in stream)  # read on past a break: report it all
    problems: list[str] = []
    if not chain.ok:
        problems.append(f"chain broken at entry {chain.first_bad_seq} ({chain.reason})")

    head = uow.documents.get(HEAD_KIND, HEAD_KEY)
    end = last[0] if last else None
    if head is None:
        if end is not None:
            problems.append("signed head missing")
    elif not _signature_ok(head, keys):
        problems.append("signed head: signature invalid or key unknown")
    elif end is None or head["seq"] != end.seq or head["hash"] != end.hash:
        problems.append(
            "the end of the log differs from the signed head "
            "(entries appended, removed or rewritten behind the library)"
        )

    prev = audit_chain.GENESIS
    verified = 0
    last_seq: int | None = None
    for cp in checkpoints:
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
    if (
        head is not None
        and _signature_ok(head, keys)
        and (head.get("checkpoint_seq") != last_seq or head.get("checkpoint_digest", prev) != prev)
    ):
        problems.append("the last checkpoint differs from the one the head names (removed?)")

    unsigned: list[tuple[int, int]] = []
    for g in gaps:
        signed, resumed = int(g["signed_seq"]), int(g["resumed_at"])
        if not _signature_ok(g, keys):
            problems.append(f"gap record at {resumed}: signature invalid or key unknown")
        elif signed >= resumed:
            problems.append(
                f"the log was cut back from entry {signed} and continued at {resumed} "
                "(entries removed behind the library)"
            )
        elif signed and hashes.get(signed) != g["signed_hash"]:
            problems.append(f"entry {signed} differs from the one signed before {resumed}")
        else:
            unsigned.append((signed + 1, resumed - 1))
    if head is not None and _signature_ok(head, keys) and head.get("gaps", 0) != len(gaps):
        problems.append("a gap record was removed")

    for a in anchors:
        seq = int(a["seq"])
        if not _signature_ok(a, keys):
            problems.append(f"anchor {seq}: signature invalid or key unknown")
        elif hashes.get(seq) != a["hash"]:
            problems.append(f"anchor {seq}: the log no longer holds the anchored entry")

    problems += _subject_index_problems(uow, chained_subjects.digest())

    missing = [
        m.movement_id for m in uow.movements.iter_all() if m.movement_id not in audited_movements
    ]
    if missing:
        problems.append(f"{len(missing)} movements without their audit entry (first {missing[0]})")

    return AuditReport(
        ok=not problems,
        entries=count,
        first_bad_seq=chain.first_bad_seq,
        reason=chain.reason if not chain.ok else (problems[0] if problems else None),
        checkpoints=verified,
        last_checkpoint_seq=last_seq,
        unsigned=tuple(sorted(unsigned)),
        problems=tuple(problems),
    )


def _subject_line(seq: int, subject_ids: Iterable[str]) -> bytes:
    return json.dumps([seq, list(subject_ids)], ensure_ascii=False).encode("utf-8") + b"\n"


def _subject_index_problems(uow: UnitOfWork, chained: bytes) -> list[str]:
    """The index ``audit_trail(resident_id=…)`` answers from must hold exactly the subjects of
    the chained entries: a row removed there hides an access from the person concerned while
    the chain itself still verifies. One streaming pass; a second only to name the entry."""
    index = hashlib.sha256()
    for seq, ids in uow.audit.subject_index():
        index.update(_subject_line(seq, ids))
    if index.digest() == chained:
        return []
    entries = ((e.seq, tuple(e.subject_ids)) for e in uow.audit.iter_all() if e.subject_ids)
    first = next(
        (
            min(pair[0] for pair in (a, b) if pair is not None)
            for a, b in itertools.zip_longest(entries, uow.audit.subject_index())
            if a != b
        ),
        None,
    )
    return [
        f"the audit subject index differs from the chained entries at entry {first} "
        "(rows removed, added or changed behind the library)"
    ]


def checkpoint_store(
    store: Store, keys: SigningKeys, at: str, trigger: str = "on_demand"
) -> dict[str, Any] | None:
    """Sign the current end of *store*'s log as a checkpoint (None when the log is empty).

    For code that appends audit entries without a :class:`~kure_juki.service.registry.Registry`
    (the bulk import and export of the SQL adapter, run from the command line): call it right
    after, with the municipality's keys, or ``verify_audit_log`` reports the unsigned tail.
    """
    with store.unit_of_work() as uow:
        last = uow.audit.last()
        if last is None:
            return None
        cp = make_checkpoint(uow, keys, last, at, trigger)
        uow.commit()
    return cp
