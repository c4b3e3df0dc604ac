"""旧氏の記載・削除 (住基令30条の13・14): a Japanese resident's former surname, with history."""

from __future__ import annotations

from typing import Any

import attrs

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.movements.base import Allocation, Context
from kure_juki.domain.movements.one_person import OnePersonHandler
from kure_juki.domain.resident import FormerSurname, Resident


class FormerSurnameEntryHandler(OnePersonHandler):  # 旧氏記載
    kind = "japanese"

    def rules(self, n: Any, r: Resident, ctx: Context) -> list[Problem]:
        return [problem("KJ-LOGIC-051", "former_surname")] if r.former_surname else []

    def change(self, n: Any, r: Resident, ctx: Context, alloc: Allocation) -> Resident:
        assert n.occurred_on is not None
        return attrs.evolve(
            r,
            former_surname=FormerSurname(
                surname=n.former_surname.strip(),
                surname_kana=n.former_surname_kana.strip(),
                entered_on=n.occurred_on,
            ),
        )


class FormerSurnameDeletionHandler(OnePersonHandler):  # 旧氏削除
    kind = "japanese"

    def rules(self, n: Any, r: Resident, ctx: Context) -> list[Problem]:
        return [] if r.former_surname else [problem("KJ-LOGIC-052", "former_surname")]

    def change(self, n: Any, r: Resident, ctx: Context, alloc: Allocation) -> Resident:
        assert r.former_surname is not None and n.occurred_on is not None
        closed = attrs.evolve(r.former_surname, deleted_on=n.occurred_on)
        return attrs.evolve(
            r, former_surname=None, former_surname_history=(*r.former_surname_history, closed)
        )
