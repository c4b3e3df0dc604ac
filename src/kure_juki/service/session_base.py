"""The session mechanics every operation shares: who, where, for what, and the guard.

Every public operation of a :class:`~kure_juki.service.session.Session` first calls
:meth:`SessionBase._guard` (session alive, idle timeout, policy), and audits its refusals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Self, TypeVar

from kure_juki.domain.errors import AccessDenied, RegistryError, problem
from kure_juki.domain.operator import Operator
from kure_juki.logs import get_logger

if TYPE_CHECKING:
    from kure_juki.service.registry import Registry

log = get_logger()
T = TypeVar("T")


class SessionBase:
    """A logged-in operator at a terminal, working for one purpose (事務)."""

    def __init__(
        self, registry: Registry, operator: Operator, *, terminal_id: str, purpose: str
    ) -> None:
        self._reg = registry
        self._op = operator
        self.terminal_id = terminal_id
        self.purpose = purpose
        self._last_activity = registry.now()
        self._ended: str | None = None  # "logout" or "timeout"

    @property
    def operator_id(self) -> str:
        return self._op.operator_id

    @property
    def role(self) -> str:
        return self._op.role

    @property
    def active(self) -> bool:
        return self._ended is None

    # -- the guard ----------------------------------------------------------------------
    def _audit(self, operation: str, **fields: Any) -> None:
        self._reg.audit_now(
            operation=operation,
            operator_id=self.operator_id,
            terminal_id=self.terminal_id,
            purpose=self.purpose,
            **fields,
        )

    def _refuse(
        self, operation: str, error: RegistryError, subject_ids: Iterable[str] = ()
    ) -> None:
        self._audit(operation, outcome="refused", code=error.code, subject_ids=tuple(subject_ids))
        log.info("refused", operation=operation, code=error.code, operator_id=self.operator_id)

    def _guard(self, operation: str, subject_ids: Iterable[str] = ()) -> None:
        now = self._reg.now()
        if self._ended == "timeout":
            raise AccessDenied(problem("KJ-AUTH-005"))
        if self._ended is not None:
            raise AccessDenied(problem("KJ-AUTH-006"))
        idle = dt.timedelta(minutes=self._reg.policy.idle_timeout_minutes)
        if now - self._last_activity > idle:
            self._ended = "timeout"
            self._audit("timeout", detail={"idle_minutes": self._reg.policy.idle_timeout_minutes})
            raise AccessDenied(problem("KJ-AUTH-005"))
        self._last_activity = now
        if not self._reg.policy.allows(self.role, self.purpose, operation):
            error = AccessDenied(problem("KJ-ACCESS-001", operation))
            self._refuse(operation, error, subject_ids)
            raise error

    def _audited(
        self, operation: str, action: Callable[[], T], subject_ids: Iterable[str] = ()
    ) -> T:
        """Run *action*; a RegistryError it raises is audited as a refusal and re-raised."""
        try:
            return action()
        except RegistryError as error:
            self._refuse(operation, error, subject_ids)
            raise

    def _items(self, *, list_view: bool = False) -> frozenset[str]:
        return self._reg.policy.visible_items(
            self.role, self.purpose, list_view=list_view, hidden=self._op.hidden_items
        )

    def logout(self) -> None:
        if self._ended is not None:
            return
        self._ended = "logout"
        self._audit("logout")
        log.info("logout", operator_id=self.operator_id, terminal_id=self.terminal_id)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.logout()
