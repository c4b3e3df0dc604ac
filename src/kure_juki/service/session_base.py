"""The session mechanics every operation shares: who, where, for what, the guard, and the
restrictions (抑止, 支援措置) every read and issuance path applies.

Every public operation of a :class:`~kure_juki.service.session.Session` first calls
:meth:`SessionBase._guard` (session alive, operator still active, idle timeout, policy), and
audits its refusals. Mixins (access, certificates, card) subclass :class:`SessionBase`.

Restrictions for other modules (the certificates mixin calls this before issuing)::

    from kure_juki.service.session_base import check_issuance
    warnings = check_issuance(uow, resident_ids, requester_resident_id, now=reg.now())

raises :class:`AccessDenied` (KJ-ACCESS-008 an issuance block at error level, KJ-ACCESS-009 the
requester is the perpetrator named in a 支援措置 protecting one of them) and returns the
warnings (alert-level blocks, support-measure alerts) to hand back with the certificate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self, TypeVar

from kure_juki.domain import blocks as blocks_rules
from kure_juki.domain import support_measures as measures_rules
from kure_juki.domain.blocks import Block
from kure_juki.domain.errors import AccessDenied, FormatError, Problem, RegistryError, problem
from kure_juki.domain.operator import Operator
from kure_juki.domain.resident import Resident
from kure_juki.domain.support_measures import SupportMeasure
from kure_juki.logs import get_logger
from kure_juki.ports.storage import UnitOfWork
from kure_juki.service.entry_guard import guard_entry_points, persons_named

if TYPE_CHECKING:
    from kure_juki.service.registry import Registry

log = get_logger()
T = TypeVar("T")

MEASURE_INDEX = "support_measure_person"  # document kind: one per (measure, person named)


# -- restrictions (抑止・支援措置), read from the document repository -----------------------
def load_blocks(
    uow: UnitOfWork, resident_ids: Iterable[str], household_ids: Iterable[str]
) -> list[Block]:
    """Every block set on these persons or households, whatever its state."""
    found: dict[str, Block] = {}
    for subject in (*resident_ids, *household_ids):
        for d in uow.documents.by_subject(blocks_rules.KIND, subject):
            b = Block.from_dict(d)
            found[b.block_id] = b
    return [found[k] for k in sorted(found)]


def load_measures(uow: UnitOfWork, resident_ids: Iterable[str]) -> list[SupportMeasure]:
    """Every support measure that names one of these persons (protected or perpetrator)."""
    found: dict[str, SupportMeasure] = {}
    for rid in resident_ids:
        for ref in uow.documents.by_subject(MEASURE_INDEX, rid):
            mid = ref["measure_id"]
            if mid not in found:
                d = uow.documents.get(measures_rules.KIND, mid)
                if d is not None:
                    found[mid] = SupportMeasure.from_dict(d)
    return [found[k] for k in sorted(found)]


def _households_of(uow: UnitOfWork, resident_ids: Iterable[str]) -> list[str]:
    out: list[str] = []
    for rid in resident_ids:
        r = uow.residents.get(rid)
        if r is not None and r.household_id not in out:
            out.append(r.household_id)
    return out


def _split(problems: Iterable[Problem]) -> tuple[list[Problem], list[Problem]]:
    found = list(problems)
    return (
        [p for p in found if p.severity == "error"],
        [p for p in found if p.severity == "warning"],
    )


def check_issuance(
    uow: UnitOfWork,
    resident_ids: Sequence[str],
    requester_resident_id: str | None = None,
    *,
    now: dt.datetime,
) -> list[Problem]:
    """Before issuing a certificate (住民票の写し等) of *resident_ids*: raise AccessDenied for an
    issuance block (発行抑止) at error level or when the requester is the perpetrator of a
    support measure protecting any of them; return the warnings otherwise."""
    ids = list(resident_ids)
    measures = load_measures(uow, ids)
    refused = measures_rules.refusal_for_requester(measures, ids, requester_resident_id, now.date())
    if refused is not None:
        raise AccessDenied(refused)
    households = _households_of(uow, ids)
    found = blocks_rules.verdict(
        load_blocks(uow, ids, households), "issuance", ids, households, now
    )
    errors, warnings = _split(found)
    if errors:
        raise AccessDenied(errors)
    for rid in ids:
        warnings += measures_rules.alerts(measures, rid, now.date())
    return warnings


def check_movement(
    uow: UnitOfWork, resident_ids: Sequence[str], household_ids: Sequence[str], *, now: dt.datetime
) -> list[Problem]:
    """Before a movement touching these persons and households: raise AccessDenied for a
    movement block (異動抑止) at error level, return the alert-level warnings."""
    households = list(dict.fromkeys([*household_ids, *_households_of(uow, resident_ids)]))
    found = blocks_rules.verdict(
        load_blocks(uow, resident_ids, households), "movement", resident_ids, households, now
    )
    errors, warnings = _split(found)
    if errors:
        raise AccessDenied(errors)
    return warnings


def inquiry_problems(
    uow: UnitOfWork,
    residents: Sequence[Resident],
    requester_resident_id: str | None,
    *,
    now: dt.datetime,
) -> dict[str, list[Problem]]:
    """Per person, what an inquiry (照会) meets: inquiry blocks, the requester being a
    perpetrator (KJ-ACCESS-009, an error), support-measure alerts."""
    ids = [r.resident_id for r in residents]
    hids = list(dict.fromkeys(r.household_id for r in residents))
    blocks = load_blocks(uow, ids, hids)
    measures = load_measures(uow, ids)
    out: dict[str, list[Problem]] = {}
    for r in residents:
        found = blocks_rules.verdict(blocks, "inquiry", [r.resident_id], [r.household_id], now)
        refused = measures_rules.refusal_for_requester(
            measures, [r.resident_id], requester_resident_id, now.date()
        )
        if refused is not None:
            found.append(refused)
        found += measures_rules.alerts(measures, r.resident_id, now.date())
        out[r.resident_id] = found
    return out


class SessionBase:
    """A logged-in operator at a terminal, working for one purpose (事務)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Every public method of every session class — the mixins, Session, an integrator's
        # subclass — checks its arguments before anything else (service/entry_guard.py).
        super().__init_subclass__(**kwargs)
        guard_entry_points(cls)

    def __init__(
        self, registry: Registry, operator: Operator, *, terminal_id: str, purpose: str
    ) -> None:
        self._reg = registry
        self._op = operator
        self.terminal_id = terminal_id
        self.purpose = purpose
        self._last_activity = registry.now()
        self._ended: str | None = None  # "logout", "timeout" or "deactivated"

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

    def _refuse_input(
        self, operation: str, error: FormatError, arguments: Mapping[str, Any]
    ) -> None:
        """A call refused by the argument check (:mod:`kure_juki.service.entry_guard`),
        before anything was read: recorded with the items at fault and the persons named."""
        detail: dict[str, Any] = {
            "problems": [p.code for p in error.problems],
            "items": [p.where for p in error.problems],
        }
        notification = arguments.get("notification")
        if isinstance(notification, Mapping) and isinstance(notification.get("type"), str):
            detail["type"] = notification["type"]  # escaped by the audit write
        self._audit(
            operation,
            outcome="refused",
            code=error.code,
            subject_ids=persons_named(arguments),
            detail=detail,
        )
        log.info("refused", operation=operation, code=error.code, operator_id=self.operator_id)

    def _entry_problems(self, operation: str, arguments: Mapping[str, Any]) -> list[Problem]:
        """The method's own pure format checks, run with the argument check (none here)."""
        return []

    def _guard(self, operation: str, subject_ids: Iterable[str] = ()) -> None:
        now = self._reg.now()
        if self._ended == "timeout":
            raise AccessDenied(problem("KJ-AUTH-005"))
        if self._ended == "deactivated":
            raise AccessDenied(problem("KJ-AUTH-003"))
        if self._ended is not None:
            raise AccessDenied(problem("KJ-AUTH-006"))
        idle = dt.timedelta(minutes=self._reg.policy.idle_timeout_minutes)
        if now - self._last_activity > idle:
            self._ended = "timeout"
            self._audit("timeout", detail={"idle_minutes": self._reg.policy.idle_timeout_minutes})
            raise AccessDenied(problem("KJ-AUTH-005"))
        self._last_activity = now
        # The stored operator, not the one at login: a deactivation ends the session at once,
        # a changed role or display switch applies from the next operation.
        with self._reg.store.unit_of_work() as uow:
            current = uow.operators.get(self.operator_id)
        if current is None or not current.active:
            self._ended = "deactivated"
            error = AccessDenied(problem("KJ-AUTH-003"))
            self._refuse(operation, error, subject_ids)
            raise error
        self._op = current
        try:
            allowed = self._reg.policy.allows(self.role, self.purpose, operation)
        except AccessDenied as unknown:  # the role or purpose left the policy
            self._refuse(operation, unknown, subject_ids)
            raise
        if not allowed:
            error = AccessDenied(problem("KJ-ACCESS-001", operation))
            self._refuse(operation, error, subject_ids)
            raise error

    def _audited(
        self, operation: str, action: Callable[[], T], subject_ids: Iterable[str] = ()
    ) -> T:
        """Run *action*; a RegistryError it raises is audited as a refusal and re-raised, any
        other exception as an error (the log is never silent about a failed operation)."""
        try:
            return action()
        except RegistryError as error:
            self._refuse(operation, error, subject_ids)
            raise
        except Exception as failure:
            try:
                self._audit(
                    operation,
                    outcome="error",
                    subject_ids=tuple(subject_ids),
                    detail={"exception": type(failure).__name__},
                )
            except Exception:  # the store itself failed: say so where an operator will look
                log.error("audit_unavailable", operation=operation, operator_id=self.operator_id)
            raise

    def _items(self, *, list_view: bool = False) -> frozenset[str]:
        return self._reg.policy.visible_items(
            self.role, self.purpose, list_view=list_view, hidden=self._op.hidden_items
        )

    # -- restrictions -------------------------------------------------------------------
    def _check_issuance(
        self,
        uow: UnitOfWork,
        resident_ids: Sequence[str],
        requester_resident_id: str | None = None,
    ) -> list[Problem]:
        """:func:`check_issuance` at the registry's time (for the certificates mixin)."""
        return check_issuance(uow, resident_ids, requester_resident_id, now=self._reg.now())

    def _inquiry(
        self, uow: UnitOfWork, residents: Sequence[Resident], requester_resident_id: str | None
    ) -> dict[str, list[Problem]]:
        return inquiry_problems(uow, residents, requester_resident_id, now=self._reg.now())

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


def warnings_view(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    """Warnings as they travel in a view (``view["warnings"]``): code, item, messages."""
    return [
        {
            "code": p.code,
            "severity": p.severity,
            "message_ja": p.message_ja,
            "message_en": p.message_en,
        }
        for p in problems
        if p.severity == "warning"
    ]


def members_of(uow: UnitOfWork, household_ids: Iterable[str]) -> list[str]:
    """The 宛名番号 of the living members of *household_ids* (whom a refusal concerns)."""
    return [m.resident_id for hid in household_ids for m in uow.residents.members(hid)]
