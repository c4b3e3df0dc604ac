"""個別記載事項 (住基法7条10号〜11号の2): entries the departments record on the 住民票."""

from __future__ import annotations

from typing import Any

import attrs

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.movements.base import Allocation, Context
from kure_juki.domain.movements.one_person import OnePersonHandler
from kure_juki.domain.resident import IndividualEntry, Resident

# item -> (Japanese name, the purpose (事務) that records it)
INDIVIDUAL_ITEMS: dict[str, tuple[str, str]] = {
    "elector": ("選挙人名簿への登録", "elections"),
    "national_health_insurance": ("国民健康保険の被保険者", "national_health_insurance"),
    "late_elderly_insurance": ("後期高齢者医療の被保険者", "late_elderly_insurance"),
    "nursing_care_insurance": ("介護保険の被保険者", "nursing_care_insurance"),
    "national_pension": ("国民年金の被保険者", "national_pension"),
    "child_allowance": ("児童手当の支給", "child_allowance"),
}


class IndividualEntryHandler(OnePersonHandler):  # 個別記載事項
    def rules(self, n: Any, r: Resident, ctx: Context) -> list[Problem]:
        if n.item not in INDIVIDUAL_ITEMS:
            return [problem("KJ-LOGIC-055", "item")]
        return []

    def change(self, n: Any, r: Resident, ctx: Context, alloc: Allocation) -> Resident:
        assert n.occurred_on is not None
        kept = tuple(e for e in r.individual_entries if e.item != n.item)
        if n.fields is not None:
            kept = (
                *kept,
                IndividualEntry(
                    item=n.item, fields=tuple(sorted(n.fields.items())), recorded_on=n.occurred_on
                ),
            )
        return attrs.evolve(r, individual_entries=tuple(sorted(kept, key=lambda e: e.item)))
