"""Prior approval of a bulk output (大量出力の事前承認): a supervisor names the operator and the
maximum count; the token is single use and expires.

The seed (Ⅲ 3. リスク対策): 大量のデータ出力に際しては事前に管理責任者の承認を得る. The token
itself is never stored: only its digest, so a copy of the database grants nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import attrs

from kure_juki.domain.errors import Problem, problem

KIND = "bulk_output_approval"  # document kind in the storage port


def token_digest(token: str) -> str:
    """The key an approval is stored under: SHA-256 of the token (256 random bits)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@attrs.frozen
class Approval:  # 大量出力承認
    approval_id: str  # token digest
    operator_id: str  # 承認を受けた操作者 (the only one who may use it)
    max_records: int  # 出力件数の上限
    approved_by: str  # 承認者
    approved_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
    used_for: str | None = None  # export id it was used for

    def to_dict(self) -> dict[str, Any]:
        return {
            "approval_id": self.approval_id,
            "operator_id": self.operator_id,
            "max_records": self.max_records,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "used_at": self.used_at.isoformat() if self.used_at else None,
            "used_for": self.used_for,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Approval:
        return cls(
            approval_id=d["approval_id"],
            operator_id=d["operator_id"],
            max_records=int(d["max_records"]),
            approved_by=d["approved_by"],
            approved_at=dt.datetime.fromisoformat(d["approved_at"]),
            expires_at=dt.datetime.fromisoformat(d["expires_at"]),
            used_at=dt.datetime.fromisoformat(d["used_at"]) if d.get("used_at") else None,
            used_for=d.get("used_for"),
        )


def grant(
    approval_id: str,
    *,
    operator_id: str,
    max_records: int,
    approved_by: str,
    now: dt.datetime,
    ttl_minutes: int,
) -> Approval:
    return Approval(
        approval_id=approval_id,
        operator_id=operator_id,
        max_records=max_records,
        approved_by=approved_by,
        approved_at=now,
        expires_at=now + dt.timedelta(minutes=ttl_minutes),
    )


def refusal(
    approval: Approval | None, *, operator_id: str, now: dt.datetime, count: int
) -> Problem | None:
    """Why *approval* cannot cover *count* records for *operator_id* now, or None."""
    if approval is None or approval.operator_id != operator_id:
        return problem("KJ-ACCESS-007", "approval")
    if approval.used_at is not None or now >= approval.expires_at:
        return problem("KJ-ACCESS-007", "approval")
    if count > approval.max_records:
        return problem("KJ-ACCESS-010", "max_records")
    return None


def used(approval: Approval, *, now: dt.datetime, export_id: str) -> Approval:
    return attrs.evolve(approval, used_at=now, used_for=export_id)
