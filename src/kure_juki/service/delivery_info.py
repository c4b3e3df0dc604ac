"""Retention of the 送付先情報 (seed Ⅲ(3) 7: deleted one business day after it is sent; whatever
is past its retention deleted in a batch).

Business days are those the municipal offices open: not Saturday or Sunday, not a national
holiday (国民の祝日, 振替休日, 国民の休日: the ``holidays`` package's Japan calendar), and not the
year-end closure of 12月29日 to 1月3日 (行政機関の休日に関する法律 1条, which municipalities
follow by ordinance).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Final

import holidays

from kure_juki.ports.clock import JST
from kure_juki.service.cs_sync import outbox_of

if TYPE_CHECKING:
    from kure_juki.service.registry import Registry

__all__ = ["is_business_day", "next_business_day", "purge_delivery_info", "retention_deadline"]

_YEAR_END: Final = frozenset({(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)})


@functools.lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[dt.date]:
    calendar: dict[dt.date, str] = holidays.country_holidays("JP", years=year)
    return frozenset(calendar)


def is_business_day(day: dt.date) -> bool:
    """開庁日: a weekday that is neither a national holiday nor in the year-end closure."""
    return (
        day.weekday() < 5
        and (day.month, day.day) not in _YEAR_END
        and day not in _holidays(day.year)
    )


def next_business_day(day: dt.date) -> dt.date:
    """The first business day after ``day``."""
    candidate = day + dt.timedelta(days=1)
    while not is_business_day(candidate):
        candidate += dt.timedelta(days=1)
    return candidate


def retention_deadline(sent_at: dt.datetime) -> dt.datetime:
    """When a 送付先情報 sent at ``sent_at`` is to be deleted: the start (JST) of the first
    business day after the day it was sent — "one business day after sending"."""
    sent_day = sent_at.astimezone(JST).date()
    return dt.datetime.combine(next_business_day(sent_day), dt.time(0, 0), tzinfo=JST)


def purge_delivery_info(registry: Registry) -> int:
    """The batch: deletes every 送付先情報 past its retention; returns how many (audited)."""
    from kure_juki.service.registry import SYSTEM_OPERATOR

    with registry.store.unit_of_work() as uow:
        count = outbox_of(uow).purge_due(registry.now())
        registry.append_audit(
            uow,
            operation="batch",
            operator_id=SYSTEM_OPERATOR,
            terminal_id="BATCH",
            detail={"batch": "purge_delivery_info", "deleted": count},
        )
        uow.commit()
    return count
