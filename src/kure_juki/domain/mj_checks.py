"""The character-set check of a notification's names and addresses (行政事務標準文字).

A character outside the register's set (neither MJ nor JIS X 0213, see
:attr:`~kure_juki.domain.mj_text.MjText.not_mj`) is refused (KJ-FMT-901) or accepted with an
alert (KJ-WARN-951), as the policy setting ``non_mj_characters`` says (``"refuse"`` or
``"alert"``, default alert: a counter must be able to register a name first and settle its
character with the resident later, 標準 5.8 未登録外字のアラート).
"""

from __future__ import annotations

from typing import Any, Final, Literal

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.mj_text import MjText
from kure_juki.domain.notifications import Notification
from kure_juki.domain.parsing import unstructure_notification

__all__ = ["MJ_TEXT_ITEMS", "NON_MJ_POLICIES", "NonMjPolicy", "mj_problems"]

NonMjPolicy = Literal["alert", "refuse"]
NON_MJ_POLICIES: Final[tuple[NonMjPolicy, ...]] = ("alert", "refuse")

# The items written in kanji: names (氏名, 通称, 旧氏, 筆頭者) and places (住所, 本籍).
MJ_TEXT_ITEMS: Final = frozenset(
    {
        "family_name",
        "given_name",
        "alias",
        "former_surname",
        "domicile_head",
        "registered_domicile",
        "text",  # the text of an address, a previous address or a destination
    }
)


def _texts(value: Any, where: str) -> list[tuple[str, str, str]]:
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            path = f"{where}.{key}" if where else key
            if isinstance(item, str) and key in MJ_TEXT_ITEMS:
                out.append((key, path, item))
            else:
                out += _texts(item, path)
        return out
    if isinstance(value, list):
        return [t for i, v in enumerate(value) for t in _texts(v, f"{where}[{i}]")]
    return []


def mj_problems(n: Notification, policy: str = "alert") -> list[Problem]:
    """One problem per name or address of *n* holding characters outside the set; *policy*
    is one of :data:`NON_MJ_POLICIES`."""
    code = "KJ-FMT-901" if policy == "refuse" else "KJ-WARN-951"
    found: list[Problem] = []
    for item, where, text in _texts(unstructure_notification(n), ""):
        if MjText(text).not_mj:
            found.append(problem(code, "address" if item == "text" else item, where))
    return found
