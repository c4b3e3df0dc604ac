"""Operators (操作者): individual ids, a role (操作資格), never deleted or reused."""

from __future__ import annotations

import datetime as dt
import unicodedata

import attrs

from kure_juki.domain.errors import Problem, problem

ROLES = ("admin", "supervisor", "clerk", "viewer", "contractor")


@attrs.frozen
class Operator:  # 操作者
    operator_id: str  # 操作者ID (individual, never reused)
    role: str  # 操作資格
    password_hash: str = attrs.field(repr=False)  # argon2id (never the password)
    created_at: dt.datetime
    active: bool = True  # False once deactivated (退職・異動): kept, never deleted
    failed_attempts: int = 0
    locked: bool = False
    deactivated_at: dt.datetime | None = None
    # Per-operator switches of the standard (10.4): items this operator never sees.
    hidden_items: frozenset[str] = frozenset()
    version: int = 1


# Ids the register itself writes into the audit log as the operator (its batches): a person
# holding one could pass their actions off as the system's.
RESERVED_OPERATOR_IDS = frozenset({"SYSTEM"})
MAX_OPERATOR_ID = 64


def normalise_operator_id(value: str) -> str:
    """The form an operator id is kept and looked up in: NFKC (full-width letters and digits
    become ASCII: ``ｃｌｅｒｋ01`` is ``clerk01``), without surrounding whitespace."""
    return unicodedata.normalize("NFKC", value).strip()


def operator_key(value: str) -> str:
    """What two ids may not share: normalised and case-folded (``Clerk01`` is ``clerk01``)."""
    return normalise_operator_id(value).casefold()


def operator_id_problems(value: str) -> list[Problem]:
    """What makes *value* (already normalised) unusable as a new operator id."""
    if not value or len(value) > MAX_OPERATOR_ID or not value.isprintable():
        return [problem("KJ-FMT-806", "operator_id")]
    if operator_key(value) in {operator_key(r) for r in RESERVED_OPERATOR_IDS}:
        return [problem("KJ-ACCESS-801", "operator_id")]
    return []
