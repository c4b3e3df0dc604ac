"""Valid notifications of every type for a register, chosen among those possible there."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hypothesis import strategies as st

from kure_juki.domain.notifications import NOTIFICATION_TYPES
from kure_juki.testing.strategies.common import TypeStrategy
from kure_juki.testing.strategies.movements import MOVEMENTS
from kure_juki.testing.strategies.notices import NOTICES
from kure_juki.testing.strategies.register import RegisterState

_TYPES: dict[str, TypeStrategy] = {**MOVEMENTS, **NOTICES}
COVERED_TYPES = frozenset(_TYPES)  # checked against NOTIFICATION_TYPES by the tests


def available_types(state: RegisterState) -> list[str]:
    """The notification types a valid instance exists for on this register, sorted."""
    return sorted(kind for kind, (possible, _) in _TYPES.items() if possible(state))


def notification(
    kind: str, state: RegisterState | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid notifications of type *kind* for the register in *state* (empty by default):
    they pass every format and logic check there and are accepted by ``Session.submit``
    (warnings, such as a late notice, may come with them)."""
    state = state or RegisterState()
    if kind not in NOTIFICATION_TYPES:
        raise ValueError(f"unknown notification type: {kind}")
    if kind not in _TYPES:
        raise NotImplementedError(f"kure_juki.testing.strategies has no strategy for {kind}")
    possible, build = _TYPES[kind]
    if not possible(state):
        raise ValueError(
            f"no valid {kind} exists on this register; possible: {available_types(state)}"
        )
    return build(state)


def notifications(
    state: RegisterState | None = None, types: Iterable[str] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid notifications of any possible type (or of *types*) for the register in *state*."""
    state = state or RegisterState()
    possible = available_types(state)
    kinds = [k for k in possible if types is None or k in set(types)]
    if not kinds:
        raise ValueError(f"none of these types is possible here; possible: {possible}")
    return st.sampled_from(kinds).flatmap(lambda kind: notification(kind, state))
