"""The access policy (アクセス制御): roles (操作資格) × purposes (事務) × operations × items.

Declarative: built from a plain mapping (the JSON file shipped in ``kure_juki/policy/`` or the
integrator's own). The decisions are pure functions of the policy, the role, the purpose and the
operator's own switches (表示切替: 本籍, 個人番号, 住民票コード, 在留資格; standard 10.4).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from kure_juki.domain.errors import AccessDenied, problem
from kure_juki.domain.transfers import Recipient, parse_recipients

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
        "former_surname",
        "former_surname_history",
        "alias_kana",
        "alias_history",
        "individual_entries",
        "former_resident_codes",
        "stay_period",
        "became_foreign_resident_on",
        "former_address",
    }
)
# Items that go with another: a policy (or a switch) naming the one names the other, so that a
# policy written before they existed shows and hides them with the item they belong to.
COMPANION_ITEMS: Mapping[str, str] = {
    "stay_period": "stay_expires_on",  # 在留期間, beside its 満了の日
    "became_foreign_resident_on": "became_resident_on",  # 外国人住民となった年月日
    "former_address": "previous_address",  # 転居の従前の住所, beside the 転入前住所
}


def with_companions(items: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(items)
    return chosen | {k for k, v in COMPANION_ITEMS.items() if v in chosen}
# Items that never appear in a list view (一覧画面・一覧帳票), whatever the policy says (the
# movement history is shown with a single record only).
LIST_FORBIDDEN = frozenset({"my_number", "history"})
# Items that never leave in a copy of the file (export), whatever the policy says.
EXPORT_FORBIDDEN = frozenset({"my_number", "history"})
# Items always shown: a view must say whose record it is.
ALWAYS = frozenset({"resident_id"})

# The operations the library guards; a policy naming another is a typo, refused on load.
OPERATIONS: Mapping[str, str] = {
    "submit": "異動届の登録",
    "read": "住民票の照会",
    "search": "本人特定の検索",
    "certificate": "証明書の発行",
    "export": "ファイルの複製・大量出力",
    "approve_bulk_output": "大量出力の事前承認",
    "manage_operators": "操作者の管理",
    "manage_policy": "アクセス方針の変更",
    "audit": "操作ログの検索・検証",
    "transfer": "庁内連携",
    "batch": "一括処理",
    "manage_blocks": "抑止の設定・解除",
    "release_block": "抑止の一時解除",
    "manage_support_measures": "支援措置の管理",
    "character_report": "文字溢れ・縮退リストの出力",
}

# Per-operator display switches (standard 10.4): switch name -> items it hides.
DEFAULT_SWITCHES: Mapping[str, tuple[str, frozenset[str]]] = {
    "registered_domicile": ("本籍・筆頭者", frozenset({"registered_domicile", "domicile_head"})),
    "my_number": ("個人番号", frozenset({"my_number"})),
    "resident_code": ("住民票コード", frozenset({"resident_code", "former_resident_codes"})),
    "residence_status": (
        "在留資格・在留期間",
        frozenset({"residence_status", "stay_expires_on", "stay_period"}),
    ),
}


@attrs.frozen
class Role:  # 操作資格
    name: str
    operations: frozenset[str]
    items: frozenset[str]
    name_ja: str = ""


@attrs.frozen
class Purpose:  # 事務
    name: str
    name_ja: str
    may_use_my_number: bool  # 番号法 別表 / 条例で個人番号を利用できる事務か
    operations: frozenset[str]
    items: frozenset[str]
    legal_basis: str = ""


@attrs.frozen
class Switch:  # 表示切替 (per operator)
    name: str
    name_ja: str
    items: frozenset[str]


@attrs.frozen
class Policy:
    roles: Mapping[str, Role]
    purposes: Mapping[str, Purpose]
    idle_timeout_minutes: int = 30
    lockout_after: int = 5
    min_password_length: int = 12
    approval_ttl_minutes: int = 60  # a bulk-output approval expires after this
    audit_checkpoint_every: int = 100  # a signed checkpoint every N audit entries
    block_release_minutes: int = 30  # a temporary release of a 抑止 reverts after this
    audit_subject_limit: int = 1000  # bulk operations name at most this many subjects
    self_approval: bool = True  # may an approver approve their own bulk output?
    # A name or address character outside MJ and JIS X 0213: "alert" (KJ-WARN-951) or "refuse"
    # (KJ-FMT-901), docs/characters.md.
    non_mj_characters: str = attrs.field(
        default="alert", validator=attrs.validators.in_(("alert", "refuse"))
    )
    operations: Mapping[str, str] = attrs.field(factory=lambda: dict(OPERATIONS))
    switches: Mapping[str, Switch] = attrs.field(
        factory=lambda: {k: Switch(k, ja, items) for k, (ja, items) in DEFAULT_SWITCHES.items()}
    )
    list_forbidden: frozenset[str] = LIST_FORBIDDEN
    export_items: frozenset[str] = (
        ALL_ITEMS
        - EXPORT_FORBIDDEN
        - {
            "resident_code",
            "former_resident_codes",
        }
    )
    recipients: Mapping[str, Recipient] = attrs.field(factory=dict)
    description: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Policy:
        def items(values: Iterable[str], where: str) -> frozenset[str]:
            chosen = frozenset(values)
            if "*" in chosen:
                return ALL_ITEMS
            unknown = chosen - ALL_ITEMS
            if unknown:
                raise ValueError(f"unknown items in policy ({where}): {sorted(unknown)}")
            return with_companions(chosen)

        operations = dict(OPERATIONS)
        operations.update(data.get("operations", {}))

        def ops(values: Iterable[str], where: str) -> frozenset[str]:
            chosen = frozenset(values)
            unknown = chosen - set(operations)
            if unknown:
                raise ValueError(f"unknown operations in policy ({where}): {sorted(unknown)}")
            return chosen

        roles = {
            name: Role(
                name,
                ops(r["operations"], name),
                items(r["items"], name),
                r.get("name_ja", name),
            )
            for name, r in data["roles"].items()
        }
        purposes = {
            name: Purpose(
                name=name,
                name_ja=p.get("name_ja", name),
                may_use_my_number=bool(p["may_use_my_number"]),
                operations=ops(p["operations"], name),
                items=items(p["items"], name),
                legal_basis=p.get("legal_basis", ""),
            )
            for name, p in data["purposes"].items()
        }
        extra: dict[str, Any] = {}
        if "switches" in data:
            extra["switches"] = {
                k: Switch(k, s.get("name_ja", k), items(s["items"], f"switch {k}"))
                for k, s in data["switches"].items()
            }
        if "list_forbidden" in data:
            extra["list_forbidden"] = LIST_FORBIDDEN | items(data["list_forbidden"], "list")
        if "export_items" in data:
            extra["export_items"] = items(data["export_items"], "export") - EXPORT_FORBIDDEN
        if "transfer_recipients" in data:
            extra["recipients"] = parse_recipients(data["transfer_recipients"], ALL_ITEMS)
        settings = data.get("settings", {})
        return cls(
            roles=roles,
            purposes=purposes,
            operations=operations,
            description=data.get("description", ""),
            **extra,
            **settings,
        )

    def to_mapping(self) -> dict[str, Any]:
        """The policy as plain data (the JSON form, items spelled out, recipients left out)."""
        return {
            "description": self.description,
            "settings": {
                "idle_timeout_minutes": self.idle_timeout_minutes,
                "lockout_after": self.lockout_after,
                "min_password_length": self.min_password_length,
                "approval_ttl_minutes": self.approval_ttl_minutes,
                "audit_checkpoint_every": self.audit_checkpoint_every,
                "block_release_minutes": self.block_release_minutes,
                "audit_subject_limit": self.audit_subject_limit,
                "self_approval": self.self_approval,
                "non_mj_characters": self.non_mj_characters,
            },
            "operations": dict(sorted(self.operations.items())),
            "switches": {
                k: {"name_ja": s.name_ja, "items": sorted(s.items)}
                for k, s in sorted(self.switches.items())
            },
            "list_forbidden": sorted(self.list_forbidden),
            "export_items": sorted(self.export_items),
            "roles": {
                k: {
                    "name_ja": r.name_ja,
                    "operations": sorted(r.operations),
                    "items": sorted(r.items),
                }
                for k, r in sorted(self.roles.items())
            },
            "purposes": {
                k: {
                    "name_ja": p.name_ja,
                    "may_use_my_number": p.may_use_my_number,
                    "legal_basis": p.legal_basis,
                    "operations": sorted(p.operations),
                    "items": sorted(p.items),
                }
                for k, p in sorted(self.purposes.items())
            },
        }

    def digest(self) -> str:
        """A short fingerprint of the policy, recorded in the audit when it changes."""
        canonical = json.dumps(self.to_mapping(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

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
            seen -= self.list_forbidden
        seen -= frozenset(hidden)
        return seen | ALWAYS

    def may_see_my_number(self, role: str, purpose: str, hidden: Iterable[str] = ()) -> bool:
        return "my_number" in self.visible_items(role, purpose, hidden=hidden)

    def hidden_items_for(self, names: Iterable[str]) -> frozenset[str]:
        """Items hidden by switch names (or item names given directly)."""
        out: set[str] = set()
        for name in names:
            if name in self.switches:
                out |= self.switches[name].items
            elif name in ALL_ITEMS - ALWAYS:
                out |= with_companions({name})
            else:
                raise ValueError(name)
        return frozenset(out)

    def export_visible(self, role: str, purpose: str, hidden: Iterable[str] = ()) -> frozenset[str]:
        """Items a copy of the file carries for this operator: never a My Number."""
        seen = self.visible_items(role, purpose, hidden=hidden) & (self.export_items | ALWAYS)
        return seen - EXPORT_FORBIDDEN

    def matrix(self) -> dict[str, dict[str, dict[str, list[str]]]]:
        """Every role × purpose: the operations allowed and the items visible (single record,
        list view, export). The authorization matrix test compares this with behaviour."""
        out: dict[str, dict[str, dict[str, list[str]]]] = {}
        for r in sorted(self.roles):
            out[r] = {}
            for p in sorted(self.purposes):
                allowed = sorted(o for o in self.operations if self.allows(r, p, o))
                reads = "read" in allowed
                out[r][p] = {
                    "operations": allowed,
                    "items": sorted(self.visible_items(r, p)) if reads else [],
                    "list_items": (
                        sorted(self.visible_items(r, p, list_view=True))
                        if "search" in allowed
                        else []
                    ),
                    "export_items": (
                        sorted(self.export_visible(r, p)) if "export" in allowed else []
                    ),
                }
        return out


def policy_markdown(policy: Policy) -> str:
    """The policy as Markdown tables (docs/policy.md is generated from this)."""
    ops = sorted(policy.operations)
    lines = [
        "# Access policy (アクセス制御方針)",
        "",
        "Generated from `src/kure_juki/policy/default.json` by "
        "`kure_juki.domain.policy.policy_markdown` (and the recipients table by "
        "`kure_juki.domain.transfers.recipients_markdown`); `tests/unit/test_policy_doc.py` "
        "fails when this page and the file differ. Regenerate with "
        "`.venv/bin/python tests/unit/test_policy_doc.py`.",
        "",
        "An operation is allowed when both the operator's role and the session's purpose allow "
        "it; an item is visible when both list it, except that a purpose that may not use My "
        "Number never sees it, a list view never shows "
        + ", ".join(sorted(policy.list_forbidden))
        + ", and an operator's own switches hide more.",
        "",
        "## Settings",
        "",
        "| setting | value |",
        "|---|---|",
    ]
    for k, v in policy.to_mapping()["settings"].items():
        lines.append(f"| {k} | {json.dumps(v)} |")
    lines += [
        "",
        "## Operations by role",
        "",
        "| operation | "
        + " | ".join(f"{r} ({policy.roles[r].name_ja})" for r in sorted(policy.roles))
        + " |",
        "|---|" + "---|" * len(policy.roles),
    ]
    for o in ops:
        marks = ["○" if o in policy.roles[r].operations else "" for r in sorted(policy.roles)]
        lines.append(f"| {o} ({policy.operations[o]}) | " + " | ".join(marks) + " |")
    lines += [
        "",
        "## Purposes (事務)",
        "",
        "| purpose | 事務 | 個人番号 | legal basis | operations |",
        "|---|---|---|---|---|",
    ]
    for name in sorted(policy.purposes):
        p = policy.purposes[name]
        lines.append(
            f"| {name} | {p.name_ja} | {'○' if p.may_use_my_number else '×'} | "
            f"{p.legal_basis} | {', '.join(sorted(p.operations))} |"
        )
    columns = sorted(policy.roles) + sorted(policy.purposes)
    lines += [
        "",
        "## Items by role and purpose",
        "",
        "○ visible. A cell of a purpose marked × for 個人番号 never shows my_number.",
        "",
        "| item | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for item in sorted(ALL_ITEMS):
        marks = ["○" if item in policy.roles[c].items else "" for c in sorted(policy.roles)] + [
            "○" if item in policy.purposes[c].items else "" for c in sorted(policy.purposes)
        ]
        lines.append(f"| {item} | " + " | ".join(marks) + " |")
    lines += [
        "",
        "## Per-operator switches (表示切替)",
        "",
        "| switch | 項目 | hides |",
        "|---|---|---|",
    ]
    for k, s in sorted(policy.switches.items()):
        lines.append(f"| {k} | {s.name_ja} | {', '.join(sorted(s.items))} |")
    lines += [
        "",
        "## Copies of the file (export)",
        "",
        "Items an export may carry (intersected with what the operator may see; never "
        + ", ".join(sorted(EXPORT_FORBIDDEN))
        + "): "
        + ", ".join(sorted(policy.export_items))
        + ".",
        "",
    ]
    return "\n".join(lines)
