"""Typed errors with stable codes, the item concerned and messages in Japanese and English.

Every rule of the register reports a :class:`Problem`; the service layer raises the error class
that matches the code's category with *all* problems found, never just the first. Messages are
fixed text from :mod:`kure_juki.domain.codes`: they never carry the value that failed, so an
error can be logged or shown without leaking a My Number or a name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Literal

import attrs

from kure_juki.domain.codes import CATALOGUE

Severity = Literal["error", "warning"]


@attrs.frozen
class Problem:
    """One failed rule (エラー) or one alert to acknowledge (アラート)."""

    code: str
    item: str | None = None
    where: str | None = None  # path of the item in the notification, e.g. "persons[1].my_number"
    severity: Severity = "error"
    # The record an alert points at (e.g. the candidate 除票 of a 再転入), when there is one.
    resident_id: str | None = None

    @property
    def message_ja(self) -> str:
        return CATALOGUE[self.code][0]

    @property
    def message_en(self) -> str:
        return CATALOGUE[self.code][1]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "item": self.item,
            "where": self.where,
            "severity": self.severity,
            "message_ja": self.message_ja,
            "message_en": self.message_en,
        }
        if self.resident_id is not None:
            out["resident_id"] = self.resident_id
        return out

    # Warnings are often handled as plain mappings by counter systems.
    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __str__(self) -> str:
        item = f" [{self.where or self.item}]" if (self.where or self.item) else ""
        about = f" (宛名番号 {self.resident_id})" if self.resident_id is not None else ""
        return f"{self.code}{item}{about} {self.message_ja} / {self.message_en}"


def problem(code: str, item: str | None = None, where: str | None = None) -> Problem:
    if code not in CATALOGUE:
        raise KeyError(code)
    severity: Severity = "warning" if code.startswith("KJ-WARN-") else "error"
    return Problem(code=code, item=item, where=where or item, severity=severity)


class RegistryError(Exception):
    """Base of every error the register raises (住民記録エラー)."""

    prefix: ClassVar[str] = "KJ-"

    def __init__(self, problems: Iterable[Problem] | Problem | str, item: str | None = None):
        if isinstance(problems, str):
            problems = [problem(problems, item)]
        elif isinstance(problems, Problem):
            problems = [problems]
        found = tuple(problems)
        if not found:
            raise ValueError("an error needs at least one problem")
        self.problems: tuple[Problem, ...] = found
        first = found[0]
        self.code: str = first.code
        self.item: str | None = first.item
        self.message_ja: str = first.message_ja
        self.message_en: str = first.message_en
        super().__init__(str(first) if len(found) == 1 else f"{first} (+{len(found) - 1} more)")

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "item": self.item,
            "message_ja": self.message_ja,
            "message_en": self.message_en,
            "problems": [p.to_dict() for p in self.problems],
        }


class FormatError(RegistryError):
    """An item has the wrong shape (形式チェックエラー): KJ-FMT-…"""


class LogicError(RegistryError):
    """A movement contradicts the register or the law (論理チェックエラー): KJ-LOGIC-…"""


class AccessDenied(RegistryError):
    """The policy refuses the operation (権限エラー): KJ-ACCESS-…"""


class ConflictError(RegistryError):
    """Someone else changed the record first (排他エラー): KJ-CONFLICT-…"""


class NotFound(RegistryError):
    """No such record (該当なし): KJ-NOTFOUND-…"""


class IntegrityError(RegistryError):
    """Stored data failed a consistency or authenticity check: KJ-INTEGRITY-…"""


class LinkError(RegistryError):
    """A peer or device link refused or failed (通信エラー): KJ-LINK-…, KJ-CARD-…"""


_BY_CATEGORY: Mapping[str, type[RegistryError]] = {
    "FMT": FormatError,
    "LOGIC": LogicError,
    "ACCESS": AccessDenied,
    "AUTH": AccessDenied,
    "CONFLICT": ConflictError,
    "NOTFOUND": NotFound,
    "INTEGRITY": IntegrityError,
    "LINK": LinkError,
    "CARD": LinkError,
}


def error_class(code: str) -> type[RegistryError]:
    category = code.split("-")[1]
    return _BY_CATEGORY.get(category, RegistryError)


def raise_problems(problems: Iterable[Problem]) -> None:
    """Raise the error for the errors among *problems* (warnings alone raise nothing).

    The class is that of the first error; format problems are reported before logic problems
    because a logic rule cannot be trusted on badly formed input.
    """
    errors = [p for p in problems if p.severity == "error"]
    if not errors:
        return
    order = ["FMT", "NOTFOUND", "ACCESS", "AUTH", "CONFLICT", "LOGIC"]
    errors.sort(
        key=lambda p: (
            order.index(p.code.split("-")[1]) if p.code.split("-")[1] in order else len(order)
        )
    )
    raise error_class(errors[0].code)(errors)
