"""通称の記載・削除 (住基令30条の26・27): a foreign resident's alias, with its history."""

from __future__ import annotations

from typing import Any

import attrs

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.movements.base import Allocation, Context
from kure_juki.domain.movements.one_person import OnePersonHandler
from kure_juki.domain.resident import AliasHistoryEntry, Resident


class AliasEntryHandler(OnePersonHandler):  # 通称記載
    kind = "foreign"

    def rules(self, n: Any, r: Resident, ctx: Context) -> list[Problem]:
        assert r.foreign is not None
        return [problem("KJ-LOGIC-049", "alias")] if r.foreign.alias else []

    def change(self, n: Any, r: Resident, ctx: Context, alloc: Allocation) -> Resident:
        assert r.foreign is not None and n.occurred_on is not None
        entry = AliasHistoryEntry(
            alias=n.alias.strip(),
            alias_kana=n.alias_kana,
            entered_on=n.occurred_on,
            municipality_code=ctx.municipality_code,
        )
        foreign = attrs.evolve(
            r.foreign,
            alias=entry.alias,
            alias_kana=n.alias_kana,
            alias_history=(*r.foreign.alias_history, entry),
        )
        return attrs.evolve(r, foreign=foreign)


class AliasDeletionHandler(OnePersonHandler):  # 通称削除
    kind = "foreign"

    def rules(self, n: Any, r: Resident, ctx: Context) -> list[Problem]:
        assert r.foreign is not None
        return [] if r.foreign.alias else [problem("KJ-LOGIC-050", "alias")]

    def change(self, n: Any, r: Resident, ctx: Context, alloc: Allocation) -> Resident:
        assert r.foreign is not None and n.occurred_on is not None
        history = list(r.foreign.alias_history)
        if history and history[-1].deleted_on is None:
            history[-1] = attrs.evolve(history[-1], deleted_on=n.occurred_on)
        foreign = attrs.evolve(r.foreign, alias=None, alias_kana=None, alias_history=tuple(history))
        return attrs.evolve(r, foreign=foreign)
