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


@attrs.frozen
class HeldBack:  # 保留 (a batch left these persons as they were)
    resident_ids: tuple[str, ...]
    problems: tuple[Problem, ...]  # why: a block (KJ-ACCESS-008, where "person:…"), …

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.problems)


class BatchReceipts(list[Receipt]):
    """The receipts of a batch's movements, in order, and ``held_back``: the persons it left
    unchanged and why (a movement block on someone the movement would write, …), each also
    in the audit log under the persons concerned."""

    def __init__(self, receipts: list[Receipt], held_back: list[HeldBack]) -> None:
        super().__init__(receipts)
        self.held_back: tuple[HeldBack, ...] = tuple(held_back)
