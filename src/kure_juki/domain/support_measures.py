"""Support measures (支援措置): protecting victims of domestic violence, stalking, child abuse
and the like from those who would find them through the register.

Standard and 住民基本台帳事務処理要領: the applicant (申出者) and the persons accompanying them
(併せて支援を求める者) are protected from the perpetrator (加害者). The measure lasts one year
and can be extended, from one month before its end. A perpetrator obtains no copy of the
protected people's records and no read of them; the inspection list (閲覧用リスト, 住基法11条)
leaves the protected people out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs

from kure_juki.domain.errors import Problem, problem

KIND = "support_measure"  # document kind in the storage port
CATEGORIES = {
    "dv": "配偶者からの暴力",
    "stalker": "ストーカー行為等",
    "child_abuse": "児童虐待",
    "sexual_violence": "性暴力",
    "other": "その他これらに準ずる行為",
}


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the anniversary falls on 1 March
        return dt.date(day.year + years, 3, 1)


def _minus_one_month(day: dt.date) -> dt.date:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def period_end(starts_on: dt.date) -> dt.date:
    """The last day of a one-year period starting on *starts_on*."""
    return _add_years(starts_on, 1) - dt.timedelta(days=1)


@attrs.frozen
class SupportMeasure:  # 支援措置
    measure_id: str
    applicant_id: str  # 申出者 (宛名番号)
    accompanying_ids: tuple[str, ...]  # 併せて支援を求める者
    perpetrator_ids: tuple[str, ...]  # 加害者 (宛名番号; one living elsewhere is registered
    #                                    under a 住登外 宛名番号 by the integrator's 統合宛名)
    category: str
    starts_on: dt.date
    ends_on: dt.date
    set_by: str
    set_at: dt.datetime
    extended_on: tuple[dt.date, ...] = ()  # the days it was extended
    ended_on: dt.date | None = None  # 終了 (申出の撤回): the measure no longer applies after it
    ended_by: str | None = None

    @property
    def protected_ids(self) -> tuple[str, ...]:
        return (self.applicant_id, *self.accompanying_ids)

    def is_active(self, today: dt.date) -> bool:
        if self.ended_on is not None and today > self.ended_on:
            return False
        return self.starts_on <= today <= self.ends_on

    def extension_opens_on(self) -> dt.date:
        return _minus_one_month(self.ends_on)

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure_id": self.measure_id,
            "applicant_id": self.applicant_id,
            "accompanying_ids": list(self.accompanying_ids),
            "perpetrator_ids": list(self.perpetrator_ids),
            "category": self.category,
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "set_by": self.set_by,
            "set_at": self.set_at.isoformat(),
            "extended_on": [d.isoformat() for d in self.extended_on],
            "ended_on": self.ended_on.isoformat() if self.ended_on else None,
            "ended_by": self.ended_by,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SupportMeasure:
        return cls(
            measure_id=d["measure_id"],
            applicant_id=d["applicant_id"],
            accompanying_ids=tuple(d["accompanying_ids"]),
            perpetrator_ids=tuple(d["perpetrator_ids"]),
            category=d["category"],
            starts_on=dt.date.fromisoformat(d["starts_on"]),
            ends_on=dt.date.fromisoformat(d["ends_on"]),
            set_by=d["set_by"],
            set_at=dt.datetime.fromisoformat(d["set_at"]),
            extended_on=tuple(dt.date.fromisoformat(x) for x in d.get("extended_on", ())),
            ended_on=dt.date.fromisoformat(d["ended_on"]) if d.get("ended_on") else None,
            ended_by=d.get("ended_by"),
        )


def invalid_settings(
    applicant_id: Any, accompanying_ids: Any, perpetrator_ids: Any, category: Any
) -> list[Problem]:
    found = []
    if not isinstance(applicant_id, str) or not applicant_id:
        found.append(problem("KJ-FMT-404", "applicant_id"))
    for name, ids in (("accompanying_ids", accompanying_ids), ("perpetrator_ids", perpetrator_ids)):
        if not isinstance(ids, tuple) or not all(isinstance(i, str) and i for i in ids):
            found.append(problem("KJ-FMT-404", name))
    if not perpetrator_ids:
        found.append(problem("KJ-FMT-404", "perpetrator_ids"))
    if category not in CATEGORIES:
        found.append(problem("KJ-FMT-404", "category"))
    if not found and set(perpetrator_ids) & {applicant_id, *accompanying_ids}:
        found.append(problem("KJ-LOGIC-405", "perpetrator_ids"))
    return found


def extension_refusal(m: SupportMeasure, today: dt.date) -> Problem | None:
    """None when *m* can be extended today: active, from one month before its end."""
    if m.ended_on is not None or today > m.ends_on:
        return problem("KJ-LOGIC-403", "measure_id")
    if today < m.extension_opens_on():
        return problem("KJ-LOGIC-401", "measure_id")
    return None


def extended(m: SupportMeasure, today: dt.date) -> SupportMeasure:
    """A further year from the day after the current end."""
    return attrs.evolve(
        m,
        ends_on=period_end(m.ends_on + dt.timedelta(days=1)),
        extended_on=(*m.extended_on, today),
    )


def refusal_for_requester(
    measures: Iterable[SupportMeasure],
    resident_ids: Iterable[str],
    requester_id: str | None,
    today: dt.date,
) -> Problem | None:
    """KJ-ACCESS-009 when *requester_id* is the perpetrator named in an active measure that
    protects any of *resident_ids*."""
    if requester_id is None:
        return None
    wanted = set(resident_ids)
    for m in measures:
        if (
            m.is_active(today)
            and requester_id in m.perpetrator_ids
            and wanted & set(m.protected_ids)
        ):
            return problem("KJ-ACCESS-009", "requester_resident_id")
    return None


def alerts(measures: Iterable[SupportMeasure], resident_id: str, today: dt.date) -> list[Problem]:
    """What a clerk is told when handling a protected person's record."""
    found: list[Problem] = []
    for m in measures:
        if m.is_active(today) and resident_id in m.protected_ids:
            found.append(problem("KJ-WARN-403", "support_measure", m.measure_id))
            if today >= m.extension_opens_on():
                found.append(problem("KJ-WARN-405", "support_measure", m.measure_id))
    return found


def protected_today(measures: Iterable[SupportMeasure], today: dt.date) -> frozenset[str]:
    """Everyone an active measure protects (left out of the inspection list)."""
    return frozenset(rid for m in measures if m.is_active(today) for rid in m.protected_ids)
