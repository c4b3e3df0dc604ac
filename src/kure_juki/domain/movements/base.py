"""The shape every movement (異動) shares: check, needs, apply.

``check`` returns the logic problems; ``needs`` says which identifiers the service layer must
allocate (new 宛名番号, 世帯番号, 住民票コード, 個人番号); ``apply`` returns the new versions of
the records touched. ``apply`` is deterministic in its inputs, so the history (notification +
allocation + processing date) replays into the same register.
"""

from __future__ import annotations

import datetime as dt
from typing import Generic, Protocol, TypeVar

import attrs

from kure_juki.domain.errors import Problem
from kure_juki.domain.household import Household
from kure_juki.domain.notifications import Notification
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import Resident

N = TypeVar("N", bound=Notification, contravariant=True)


@attrs.frozen
class Context:
    """Facts from outside the domain, passed in as values."""

    today: dt.date  # 処理日 (JST)
    municipality_code: str  # 全国地方公共団体コード of this register


@attrs.frozen
class Needs:
    resident_ids: int = 0  # new 宛名番号
    household: bool = False  # a new 世帯番号
    resident_codes: int = 0  # 住民票コード from the allotted pool
    my_numbers: int = 0  # 個人番号 generated through the CS


@attrs.frozen
class Allocation:
    """Identifiers allocated for one movement; kept in its history entry for replay."""

    resident_ids: tuple[str, ...] = ()
    household_id: str | None = None
    resident_codes: tuple[str, ...] = ()
    my_numbers: tuple[str, ...] = attrs.field(default=(), repr=False)


@attrs.frozen
class Outcome:
    residents: tuple[Resident, ...] = ()  # new versions or new records
    households: tuple[Household, ...] = ()
    warnings: tuple[Problem, ...] = ()
    resident_ids: tuple[str, ...] = ()  # whom the movement concerns (for the receipt, history)
    household_id: str | None = None  # the household the receipt names
    reason_ja: str | None = None  # 異動事由 when it depends on the case (異動取消（増） …)


class Handler(Protocol, Generic[N]):
    def check(self, n: N, view: RegisterView, ctx: Context) -> list[Problem]: ...

    def needs(self, n: N, view: RegisterView) -> Needs: ...

    def apply(self, n: N, view: RegisterView, ctx: Context, alloc: Allocation) -> Outcome: ...
