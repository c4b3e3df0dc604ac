"""The access policy (アクセス制御): roles (操作資格) × purposes (事務) × operations × items.

Declarative: built from a plain mapping (the JSON file shipped in ``kure_juki/policy/`` or the
integrator's own). The decisions are pure functions of the policy, the role, the purpose and the
operator's own switches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from kure_juki.domain.errors import AccessDenied, problem

# Items of a resident view. Views carry an item only when the policy lets the operator see it.
ALL_ITEMS = frozenset(
    {
        "resident_id",
        "household_id",
        "status",
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "birth_date",
        "sex",
        "relationship",
        "address",
        "resident_code",
        "my_number",
        "registered_domicile",
        "domicile_head",
        "nationality",
        "category_30_45",
        "residence_status",
        "stay_expires_on",
        "residence_card_number",
        "alias",
        "resident_kind",
        "became_resident_on",
        "became_resident_reason",
        "address_since",
        "previous_address",
        "planned_move_out",
        "deletion",
        "history",
        "gaiji_count",
    }
)
# Items that never appear in a list view (一覧画面・一覧帳票), whatever the policy says.
LIST_FORBIDDEN = frozenset({"my_number"})
# Items always shown: a view must say whose record it is.
ALWAYS = frozenset({"resident_id"})


@attrs.frozen
class Role:  # 操作資格
    name: str
    operations: frozenset[str]
    items: frozenset[str]


@attrs.frozen
class Purpose:  # 事務
    name: str
    name_ja: str
    may_use_my_number: bool  # 番号法 別表 / 条例で個人番号を利用できる事務か
    operations: frozenset[str]
    items: frozenset[str]
    legal_basis: str = ""


@attrs.frozen
class Policy:
    roles: Mapping[str, Role]
    purposes: Mapping[str, Purpose]
    idle_timeout_minutes: int = 30
    lockout_after: int = 5
    min_password_length: int = 12
    approval_ttl_minutes: int = 60

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Policy:
        def items(values: Iterable[str]) -> frozenset[str]:
            chosen = frozenset(values)
            if "*" in chosen:
                return ALL_ITEMS
            unknown = chosen - ALL_ITEMS
            if unknown:
                raise ValueError(f"unknown items in policy: {sorted(unknown)}")
            return chosen

        roles = {
            name: Role(name, frozenset(r["operations"]), items(r["items"]))
            for name, r in data["roles"].items()
        }
        purposes = {
            name: Purpose(
                name=name,
                name_ja=p.get("name_ja", name),
                may_use_my_number=bool(p["may_use_my_number"]),
                operations=frozenset(p["operations"]),
                items=items(p["items"]),
                legal_basis=p.get("legal_basis", ""),
            )
            for name, p in data["purposes"].items()
        }
        settings = data.get("settings", {})
        return cls(roles=roles, purposes=purposes, **settings)

    def role(self, name: str) -> Role:
        if name not in self.roles:
            raise AccessDenied(problem("KJ-ACCESS-004", "role"))
        return self.roles[name]

    def purpose(self, name: str) -> Purpose:
        if name not in self.purposes:
            raise AccessDenied(problem("KJ-ACCESS-003", "purpose"))
        return self.purposes[name]

    def allows(self, role: str, purpose: str, operation: str) -> bool:
        return (
            operation in self.role(role).operations
            and operation in self.purpose(purpose).operations
        )

    def visible_items(
        self,
        role: str,
        purpose: str,
        *,
        list_view: bool = False,
        hidden: Iterable[str] = (),
    ) -> frozenset[str]:
        """Items the operator may see, for a single record or a list view."""
        p = self.purpose(purpose)
        seen = self.role(role).items & p.items
        if not p.may_use_my_number:
            seen -= {"my_number"}
        if list_view:
            seen -= LIST_FORBIDDEN
        seen -= frozenset(hidden)
        return seen | ALWAYS
