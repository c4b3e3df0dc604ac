"""Intra-agency transfer (庁内連携): recipients, the items their legal basis allows, and what
changed since the last transfer.

The seed (Ⅱ 5. 特定個人情報の提供・移転) lists 26 transfers (移転を行っている 26件): the departments
that use 住民票関係情報 for the affairs of 番号法第9条第1項 別表, and those of the city's own
ordinance (番号法第9条第2項 条例, 独自利用事務). Each recipient receives only its own item list;
a My Number only where its legal basis lets it use one. The recipients are data (a JSON file
shipped beside the policy, replaceable by the integrator), modelled here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from kure_juki.domain.mj_text import CHARSETS, Charset, degrade

BASIS_KINDS = ("act_table", "ordinance", "other_act")  # 番号法別表, 条例(独自利用事務), 他法令


@attrs.frozen
class Recipient:  # 移転先
    recipient_id: str
    name_ja: str  # 移転先の部署
    use_ja: str  # 移転先における用途
    legal_basis: str  # 法令上の根拠
    basis_kind: str  # act_table | ordinance | other_act
    purpose: str  # the policy purpose (事務) this recipient works for
    may_use_my_number: bool  # 特定個人情報として移転できるか
    items: frozenset[str]  # items its legal basis allows (個人番号 only if may_use_my_number)
    include_deleted: bool = True  # 除票 too (a tax office needs the persons who left)
    in_seed: bool = True  # one of the seed's 26 特定個人情報の移転
    # 標準7.2.3: MJ (文字情報基盤文字) unless the receiving system holds only JIS X 0213 or
    # JIS X 0208; then each character outside is degraded by the MJ縮退マップ and recorded.
    charset: str = "mj"

    def allowed_items(self) -> frozenset[str]:
        """The items a transfer to this recipient carries (never a My Number it may not use)."""
        items = self.items | {"resident_id"}
        return items if self.may_use_my_number else items - {"my_number"}


def parse_recipients(data: Mapping[str, Any], all_items: frozenset[str]) -> dict[str, Recipient]:
    """Recipients from their JSON form: ``{"item_sets": {...}, "recipients": {id: {...}}}``."""
    sets: Mapping[str, Iterable[str]] = data.get("item_sets", {})
    out: dict[str, Recipient] = {}
    for rid, r in data.get("recipients", {}).items():
        items: set[str] = set(r.get("items", ()))
        for name in r.get("item_sets", ()):
            if name not in sets:
                raise ValueError(f"recipient {rid}: unknown item set {name}")
            items |= set(sets[name])
        unknown = items - all_items
        if unknown:
            raise ValueError(f"recipient {rid}: unknown items {sorted(unknown)}")
        may_use = bool(r["may_use_my_number"])
        if "my_number" in items and not may_use:
            raise ValueError(f"recipient {rid}: lists my_number without a basis to use it")
        kind = r.get("basis_kind", "act_table")
        if kind not in BASIS_KINDS:
            raise ValueError(f"recipient {rid}: unknown basis kind {kind}")
        charset = r.get("charset", "mj")
        if charset not in CHARSETS:
            raise ValueError(f"recipient {rid}: unknown character set {charset}")
        out[rid] = Recipient(
            recipient_id=rid,
            name_ja=r["name_ja"],
            use_ja=r["use_ja"],
            legal_basis=r["legal_basis"],
            basis_kind=kind,
            purpose=r["purpose"],
            may_use_my_number=may_use,
            items=frozenset(items),
            include_deleted=bool(r.get("include_deleted", True)),
            in_seed=bool(r.get("in_seed", True)),
            charset=charset,
        )
    return out


def degrade_record(
    record: Mapping[str, Any], charset: Charset, where: str = ""
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """*record* (a projected view) with every text degraded for *charset*, and one entry per
    degraded character: ``{"item", "index", "original", "mj_id", "replacement", "map"}``."""
    out: dict[str, Any] = {}
    changes: list[dict[str, Any]] = []
    for key, value in record.items():
        path = f"{where}.{key}" if where else key
        if isinstance(value, str):
            out[key], degraded = degrade(value, charset)
            changes += [{"item": path, **d.to_dict()} for d in degraded]
        elif isinstance(value, Mapping):
            out[key], inner = degrade_record(value, charset, path)
            changes += inner
        elif isinstance(value, list):
            items = []
            for i, element in enumerate(value):
                if isinstance(element, Mapping):
                    element, inner = degrade_record(element, charset, f"{path}[{i}]")
                    changes += inner
                elif isinstance(element, str):
                    element, degraded = degrade(element, charset)
                    changes += [{"item": f"{path}[{i}]", **d.to_dict()} for d in degraded]
                items.append(element)
            out[key] = items
        else:
            out[key] = value
    return out, changes


def changed_since(
    movements: Iterable[Any], after_id: int
) -> tuple[list[str], dict[str, list[Any]]]:
    """The persons touched by the movements numbered above *after_id* (a difference transfer),
    in order of first change, and each person's movements."""
    order: list[str] = []
    by_person: dict[str, list[Any]] = {}
    for m in movements:
        if m.movement_id <= after_id:
            continue
        for rid in m.resident_ids:
            if rid not in by_person:
                by_person[rid] = []
                order.append(rid)
            by_person[rid].append(m)
    return order, by_person


def recipients_markdown(recipients: Mapping[str, Recipient]) -> str:
    """The recipients as a Markdown table (docs/policy.md)."""
    lines = [
        "## 庁内連携の移転先 (intra-agency transfer recipients)",
        "",
        f"{sum(r.in_seed for r in recipients.values())} of these are the seed's 特定個人情報の"
        "移転 (移転を行っている 26件); the others receive 住民票関係情報 without a My Number.",
        "",
        "| id | 移転先 | 用途 | 法令上の根拠 | 個人番号 | 除票 | items |",
        "|---|---|---|---|---|---|---|",
    ]
    for rid in sorted(recipients):
        r = recipients[rid]
        items = ", ".join(sorted(r.allowed_items()))
        lines.append(
            f"| {rid} | {r.name_ja} | {r.use_ja} | {r.legal_basis} | "
            f"{'○' if r.may_use_my_number else '×'} | {'○' if r.include_deleted else '×'} | "
            f"{items} |"
        )
    return "\n".join(lines) + "\n"
