"""A household lives at one address (住基法6条・23条1項5号; 標準4.0.2, 4.1.4.1).

The 世帯 is the unit of 居住と生計: its living members share one 住所. A movement that would
leave one 世帯番号 at two addresses is refused; persons who move form or join a household at
their new address (標準4.0.2 全部・一部), and 世帯変更等 never change an address (標準4.1.4.1).
"""

from __future__ import annotations

from collections.abc import Iterable

from kure_juki.domain.address import Address
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import Resident


def household_address(view: RegisterView, household_id: str) -> Address | None:
    """The address the household's living members share (the head's when they do not: only a
    register from before this rule can hold such a household); None without living members."""
    members = view.members(household_id)
    if not members:
        return None
    head = next((m for m in members if m.is_head), members[0])
    return head.address


def addresses_of(members: Iterable[Resident]) -> set[Address]:
    return {m.address for m in members if m.is_living}


def lives_at_one_address(view: RegisterView, household_id: str) -> bool:
    return len(addresses_of(view.members(household_id))) <= 1
