"""The household (世帯): the unit a resident record is filed in."""

from __future__ import annotations

import datetime as dt

import attrs


@attrs.frozen
class Household:  # 世帯
    household_id: str  # 世帯番号
    head_id: str | None  # 世帯主の宛名番号; None only while a 世帯主変更 is awaited
    formed_on: dt.date  # 世帯を構成した日
    dissolved_on: dt.date | None = None  # 世帯消滅日 (all members left or merged away)
    version: int = 1  # 排他制御

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None

    def bump(self, **changes: object) -> Household:
        return attrs.evolve(self, version=self.version + 1, **changes)  # type: ignore[arg-type]
