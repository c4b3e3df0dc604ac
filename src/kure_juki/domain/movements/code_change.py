"""住民票コードの変更 (住基法30条の4; the old code is kept) and 個人番号の変更 (番号法7条2項)."""

from __future__ import annotations

from typing import Any

import attrs

from kure_juki.domain.movements.base import Allocation, Context, Needs
from kure_juki.domain.movements.one_person import OnePersonHandler
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import Resident


class ResidentCodeChangeHandler(OnePersonHandler):  # 住民票コード変更
    def needs(self, n: Any, view: RegisterView) -> Needs:
        return Needs(resident_codes=1)

    def change(self, n: Any, r: Resident, ctx: Context, alloc: Allocation) -> Resident:
        return attrs.evolve(
            r,
            resident_code=alloc.resident_codes[0],
            former_resident_codes=(*r.former_resident_codes, r.resident_code),
        )


class MyNumberChangeHandler(OnePersonHandler):  # 個人番号変更
    def needs(self, n: Any, view: RegisterView) -> Needs:
        return Needs(my_numbers=1)

    def number_requests(self, n: Any, codes: tuple[str, ...], view: RegisterView) -> list[str]:
        r = view.resident(n.resident_id)
        assert r is not None
        return [r.resident_code]

    def change(self, n: Any, r: Resident, ctx: Context, alloc: Allocation) -> Resident:
        return attrs.evolve(r, my_number=alloc.my_numbers[0])
