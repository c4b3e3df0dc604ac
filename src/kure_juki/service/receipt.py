"""What submit() returns: the movement's number, whom it concerned, and the alerts."""

from __future__ import annotations

import attrs

from kure_juki.domain.errors import Problem


@attrs.frozen
class Receipt:  # 受付結果
    movement_id: int
    type: str
    resident_ids: tuple[str, ...]
    household_id: str | None
    warnings: tuple[Problem, ...] = ()

    @property
    def late(self) -> bool:
        """届出期間経過: notified more than 14 days after the move."""
        return any(w.code in ("KJ-WARN-001", "KJ-WARN-003") for w in self.warnings)
