"""Operators (操作者): individual ids, a role (操作資格), never deleted or reused."""

from __future__ import annotations

import datetime as dt

import attrs

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
