"""The movement history (異動履歴): one entry per accepted notification, append-only.

An entry holds what is needed to replay it: the notification as data, the identifiers
allocated, the processing date. My Numbers are lifted out into ``secrets`` so that storage can
keep them apart and encrypted (特定個人情報の分離), like every other My Number at rest.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

import attrs

_SECRET_KEYS = frozenset({"my_number", "my_numbers"})
_PATH = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@attrs.frozen
class MovementRecord:  # 異動履歴
    movement_id: int  # 異動の通番 (order of processing)
    type: str  # 届出の種別
    reason_ja: str  # 異動事由
    occurred_on: dt.date | None  # 異動日
    notified_on: dt.date  # 届出日
    processed_on: dt.date  # 処理日
    operator_id: str  # 操作者ID
    terminal_id: str  # 操作端末ID
    resident_ids: tuple[str, ...]  # 対象者
    household_ids: tuple[str, ...]  # 関係する世帯
    notification: dict[str, Any]  # the notification without My Numbers
    allocation: dict[str, Any]  # allocated identifiers without My Numbers
    secrets: dict[str, str] = attrs.field(factory=dict, repr=False)  # path -> 個人番号
    warnings: tuple[str, ...] = ()  # codes of the alerts acknowledged
    late: bool = False  # 届出期間経過


def split_secrets(data: dict[str, Any], root: str) -> tuple[dict[str, Any], dict[str, str]]:
    """*data* with every My Number removed, and the removed values by path."""
    secrets: dict[str, str] = {}

    def walk(value: Any, path: str) -> Any:
        # Only containers are walked: scalars are copied as they are (the hot path of large
        # before-images).
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for k, v in value.items():
                if k in _SECRET_KEYS and v is not None:
                    sub = f"{path}.{k}"
                    if isinstance(v, list | tuple):
                        for i, item in enumerate(v):
                            secrets[f"{sub}[{i}]"] = item
                        out[k] = [None for _ in v]
                    else:
                        secrets[sub] = v
                        out[k] = None
                elif isinstance(v, dict | list | tuple):
                    out[k] = walk(v, f"{path}.{k}")
                else:
                    out[k] = v
            return out
        return [
            walk(v, f"{path}[{i}]") if isinstance(v, dict | list | tuple) else v
            for i, v in enumerate(value)
        ]

    cleaned: dict[str, Any] = walk(data, root)
    return cleaned, secrets


def join_secrets(data: dict[str, Any], root: str, secrets: dict[str, str]) -> dict[str, Any]:
    """The inverse of :func:`split_secrets` for the secrets under *root*."""

    out = copy.deepcopy(data)
    for path, value in secrets.items():
        parts = [(m.group(1), m.group(2)) for m in _PATH.finditer(path)]
        if not parts or parts[0][0] != root:
            continue
        node: Any = out
        steps = parts[1:]
        for i, (key, index) in enumerate(steps):
            last = i == len(steps) - 1
            if key is not None:
                if last:
                    node[key] = value
                else:
                    node = node[key]
            else:
                idx = int(index)
                if last:
                    node[idx] = value
                else:
                    node = node[idx]
    return out
