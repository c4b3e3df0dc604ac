"""A logged-in operator at a terminal, working for one purpose (事務).

Every public method goes through :meth:`Session._guard`: session alive, idle timeout, policy.
Successes and refusals are audited alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from kure_juki.domain.blocks import ALERT_CODES, touched_ids
from kure_juki.domain.errors import (
    AccessDenied,
    ConflictError,
    FormatError,
    NotFound,
    Problem,
    RegistryError,
    problem,
)
from kure_juki.domain.operator import (
    ROLES,
    Operator,
    normalise_operator_id,
    operator_id_problems,
    operator_key,
)
from kure_juki.domain.parsing import (
    checked_notification,
    notification_problems,
    parse_date,
    parse_notification,
)
from kure_juki.domain.recorded_date import parse_recorded_date
from kure_juki.domain.search import SearchCriteria, check_discipline, given
from kure_juki.domain.wareki import parse_wareki
from kure_juki.logs import get_logger
from kure_juki.service.entry_guard import persons_named
from kure_juki.service.operators import find_operator
from kure_juki.service.passwords import hash_password
from kure_juki.service.receipt import BatchReceipts, Receipt
from kure_juki.service.session_access import AccessOps
from kure_juki.service.session_base import (
    SessionBase,
    check_movement,
    members_of,
    warnings_view,
)
from kure_juki.service.session_card import CardOps
from kure_juki.service.session_certificates import CertificateOps
from kure_juki.service.session_characters import CharacterOps
from kure_juki.service.session_cs import CsOps
from kure_juki.service.session_foreign import ForeignOps
from kure_juki.service.session_seals import SealOps
from kure_juki.service.views import full_view, history_view, project

log = get_logger()

SEARCH_KEYS = frozenset(
    {
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "birth_date",
        "address",
        "sex",
        "resident_code",
        "my_number",
        "include_deleted",
        "limit",
    }
)


class Session(
    CharacterOps, AccessOps, CertificateOps, SealOps, CardOps, CsOps, ForeignOps, SessionBase
):
    """A logged-in operator at a terminal, working for one purpose (事務).

    Operations: operators, movements, reads, searches, audit trail. Other groups of operations
    (access control, certificates, card reader) are mixed in from their own modules.
    """

    # -- operators ----------------------------------------------------------------------
    def add_operator(
        self, operator_id: str, *, password: str, role: str, hidden_items: Iterable[str] = ()
    ) -> None:
        """A new operator with an individual id; ids are never reused, even after leaving.

        *hidden_items*: display switches (``registered_domicile``, ``my_number``,
        ``resident_code``, ``residence_status``) or item names this operator never sees.
        """
        self._guard("manage_operators")

        def add() -> None:
            new_id = normalise_operator_id(operator_id)
            refused = operator_id_problems(new_id)
            if refused:
                raise (AccessDenied if refused[0].code.startswith("KJ-ACCESS") else FormatError)(
                    refused
                )
            hidden = self._hidden_items(hidden_items)
            if role not in self._reg.policy.roles and role not in ROLES:
                raise AccessDenied(problem("KJ-ACCESS-004", "role"))
            self._reg._check_new_password(password)
            with self._reg.store.unit_of_work() as uow:
                # Never reused, and never a look-alike: ｃｌｅｒｋ01, Clerk01 and " clerk01"
                # are all clerk01 to the person reading the audit log.
                key = operator_key(new_id)
                if uow.operators.get(new_id) is not None or any(
                    operator_key(op.operator_id) == key for op in uow.operators.iter_all()
                ):
                    raise ConflictError(problem("KJ-CONFLICT-002", "operator_id"))
                uow.operators.put(
                    Operator(
                        operator_id=new_id,
                        role=role,
                        password_hash=hash_password(password),
                        created_at=self._reg.now(),
                        hidden_items=hidden,
                    )
                )
                self._reg.append_audit(
                    uow,
                    operation="add_operator",
                    operator_id=self.operator_id,
                    terminal_id=self.terminal_id,
                    purpose=self.purpose,
                    detail={"new_operator_id": new_id, "role": role},
                )
                uow.commit()

        self._audited("add_operator", add)

    def _change_operator(self, operation: str, operator_id: str, **changes: Any) -> None:
        self._guard("manage_operators")

        def change() -> None:
            with self._reg.store.unit_of_work() as uow:
                op = find_operator(uow, operator_id)
                if op is None:
                    raise NotFound(problem("KJ-NOTFOUND-003", "operator_id"))
                uow.operators.put(attrs.evolve(op, version=op.version + 1, **changes))
                self._reg.append_audit(
                    uow,
                    operation=operation,
                    operator_id=self.operator_id,
                    terminal_id=self.terminal_id,
                    purpose=self.purpose,
                    detail={"target_operator_id": op.operator_id},
                )
                uow.commit()

        self._audited(operation, change)

    def deactivate_operator(self, operator_id: str) -> None:
        """An operator who left (退職・異動): kept, never deleted, cannot log in."""
        self._change_operator(
            "deactivate_operator", operator_id, active=False, deactivated_at=self._reg.now()
        )

    def unlock_operator(self, operator_id: str) -> None:
        self._change_operator("unlock_operator", operator_id, locked=False, failed_attempts=0)

    # -- movements ----------------------------------------------------------------------
    def submit(self, notification: Any) -> Receipt:
        """Register one notification (届出); every problem found is raised at once."""
        self._guard("submit", persons_named({"notification": notification}))
        kind = notification.get("type") if isinstance(notification, dict) else None
        concerned: list[str] = list(persons_named({"notification": notification}))

        def run() -> Receipt:
            n, malformed = checked_notification(notification)  # structure and format at once
            if malformed:
                raise FormatError(malformed)
            if n is None:
                n = parse_notification(notification)  # raises the logic refusal of its shape
            persons, households = touched_ids(n)
            with self._reg.store.unit_of_work() as uow:  # 異動抑止 on the named, before anything
                # A refusal names everyone the notification concerns, the members of the
                # households it names included, so that each finds it in the audit trail.
                for rid in [*persons, *members_of(uow, households)]:
                    if rid not in concerned:
                        concerned.append(rid)
                check_movement(uow, persons, households, now=self._reg.now())
            # The movement checks again, inside its unit, on everyone it writes; its alerts
            # come back in the receipt.
            receipt = self._reg.run_movement(
                n, operator_id=self.operator_id, terminal_id=self.terminal_id, purpose=self.purpose
            )
            alerts = [w for w in receipt.warnings if w.code in ALERT_CODES]
            if alerts:
                self._audit(
                    "block_alert",
                    subject_ids=receipt.resident_ids,
                    detail={
                        "movement_id": receipt.movement_id,
                        "warnings": [a.code for a in alerts],
                    },
                )
            return receipt

        try:
            return run()
        except RegistryError as error:
            self._audit(
                "submit",
                outcome="refused",
                code=error.code,
                subject_ids=tuple(concerned),
                detail={
                    "type": kind if isinstance(kind, str) else None,
                    "problems": [p.code for p in error.problems],
                },
            )
            raise

    def confirm_move_out(
        self,
        resident_ids: Iterable[str],
        *,
        occurred_on: str | dt.date | None = None,
        destination: dict[str, str] | None = None,
        notified_on: str | dt.date | None = None,
    ) -> Receipt:
        """転出確定: the new municipality's 転入通知 arrived; the records become 除票."""
        ids = list(resident_ids) if not isinstance(resident_ids, str) else [resident_ids]
        data: dict[str, Any] = {
            "type": "confirm_move_out",
            "resident_ids": ids,
            "source": "move_in_notice",
        }
        if occurred_on is not None:
            data["occurred_on"] = occurred_on
        if notified_on is not None:
            data["notified_on"] = notified_on
        if destination is not None:
            data["destination"] = destination
        return self.submit(data)

    def process_due_move_outs(self) -> BatchReceipts:
        """The batch deleting planned move-outs whose date passed without a 転入通知; what it
        held back (a blocked person, …) is in ``held_back`` of the result."""
        self._guard("batch")
        return self._audited("batch", self._reg.process_due_move_outs)

    # -- reads --------------------------------------------------------------------------
    def resident(
        self, resident_id: str, *, requester_resident_id: str | None = None
    ) -> dict[str, Any]:
        """One person's record (住民票 or 除票), projected by the policy.

        *requester_resident_id*: the person asking at the counter, when the operator acts on a
        request; a perpetrator named in a 支援措置 protecting this person is refused. An inquiry
        block (照会抑止) at error level refuses the read; alerts come back in ``"warnings"``.
        """
        self._guard("read", [resident_id] if isinstance(resident_id, str) else [])

        def read() -> dict[str, Any]:
            with self._reg.store.unit_of_work() as uow:
                r = uow.residents.get(resident_id) if isinstance(resident_id, str) else None
                if r is None:
                    raise NotFound(problem("KJ-NOTFOUND-001", "resident_id"))
                found = self._inquiry(uow, [r], requester_resident_id)[r.resident_id]
                errors = [p for p in found if p.severity == "error"]
                if errors:
                    raise AccessDenied(errors)
                items = self._items()
                view = project(full_view(r), items)
                if "history" in items:
                    view["history"] = history_view(uow.movements.for_resident(resident_id))
                if found:
                    view["warnings"] = warnings_view(found)
                self._reg.append_audit(
                    uow,
                    operation="read",
                    operator_id=self.operator_id,
                    terminal_id=self.terminal_id,
                    purpose=self.purpose,
                    subject_ids=(resident_id,),
                    detail={
                        "my_number_shown": "my_number" in view,
                        "warnings": [p.code for p in found],
                    },
                )
                uow.commit()
                return view

        return self._audited("read", read, [resident_id] if isinstance(resident_id, str) else [])

    def household(
        self, household_id: str, *, requester_resident_id: str | None = None
    ) -> dict[str, Any]:
        """A household and its living members (a list view: never a My Number).

        Refused whole when an inquiry block at error level stops any member or the household,
        or when *requester_resident_id* is a perpetrator protected against by any member.
        """
        self._guard("read")
        concerned: list[str] = []  # filled once the members are known: a refusal names them

        def read() -> dict[str, Any]:
            with self._reg.store.unit_of_work() as uow:
                h = uow.households.get(household_id) if isinstance(household_id, str) else None
                if h is None:
                    raise NotFound(problem("KJ-NOTFOUND-002", "household_id"))
                items = self._items(list_view=True)
                members = uow.residents.members(household_id)
                concerned.extend(m.resident_id for m in members)
                found = self._inquiry(uow, members, requester_resident_id)
                errors = [p for ps in found.values() for p in ps if p.severity == "error"]
                if errors:
                    raise AccessDenied(errors)
                views = []
                for m in members:
                    mv = project(full_view(m), items)
                    if found[m.resident_id]:
                        mv["warnings"] = warnings_view(found[m.resident_id])
                    views.append(mv)
                view = {
                    "household_id": h.household_id,
                    "head_id": h.head_id,
                    "status": "active" if h.is_active else "dissolved",
                    "members": views,
                }
                self._reg.append_audit(
                    uow,
                    operation="read_household",
                    operator_id=self.operator_id,
                    terminal_id=self.terminal_id,
                    purpose=self.purpose,
                    subject_ids=tuple(m.resident_id for m in members),
                    detail={"household_id": household_id},
                )
                uow.commit()
                return view

        return self._audited("read_household", read, concerned)

    def search(
        self, *, requester_resident_id: str | None = None, **criteria: Any
    ) -> list[dict[str, Any]]:
        """Identity search (本人特定): two of 氏名・住所・生年月日, or a code. A list view.

        A code is a search key only for an operator who may see it. Persons under an inquiry
        block at error level, and those protected against *requester_resident_id*, are left
        out of the results (the audit counts them); alerts come back in each hit's "warnings".
        """
        self._guard("search")

        def run() -> list[dict[str, Any]]:
            c, limit = self._criteria(criteria)
            found = check_discipline(c)
            if found:
                raise AccessDenied(found)
            if c.my_number and not self._reg.policy.purpose(self.purpose).may_use_my_number:
                raise AccessDenied(problem("KJ-ACCESS-005", "my_number"))
            visible = self._items()
            for key in ("my_number", "resident_code"):
                if getattr(c, key) and key not in visible:
                    raise AccessDenied(problem("KJ-ACCESS-011", key))
            items = self._items(list_view=True)
            with self._reg.store.unit_of_work() as uow:
                candidates = uow.residents.search(c, limit)
                verdicts = self._inquiry(uow, candidates, requester_resident_id)
                hits = [
                    r
                    for r in candidates
                    if not any(p.severity == "error" for p in verdicts[r.resident_id])
                ]
                self._reg.append_audit(
                    uow,
                    operation="search",
                    operator_id=self.operator_id,
                    terminal_id=self.terminal_id,
                    purpose=self.purpose,
                    subject_ids=tuple(r.resident_id for r in hits),
                    detail={
                        "criteria": sorted(k for k, v in criteria.items() if v not in (None, "")),
                        "hits": len(hits),
                        "withheld": len(candidates) - len(hits),
                    },
                )
                uow.commit()
            views = []
            for r in hits:
                v = project(full_view(r), items)
                if verdicts[r.resident_id]:
                    v["warnings"] = warnings_view(verdicts[r.resident_id])
                views.append(v)
            return views

        return self._audited("search", run)

    def _entry_problems(self, operation: str, arguments: Mapping[str, Any]) -> list[Problem]:
        """A notification's structure and format, checked with its text: one round."""
        if operation == "submit":
            return notification_problems(arguments.get("notification"))
        return []

    @staticmethod
    def _criteria(raw: dict[str, Any]) -> tuple[SearchCriteria, int]:
        unknown = sorted(set(raw) - SEARCH_KEYS)
        if unknown:
            raise FormatError([problem("KJ-FMT-001", k) for k in unknown])
        # A blank text criterion is no criterion: it neither counts toward the two-item rule
        # (check_discipline) nor narrows the search.
        values = {
            k: v
            for k, v in raw.items()
            if v is not None and not (isinstance(v, str) and not given(v))
        }
        found = []
        for key in (
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
            "address",
            "sex",
            "resident_code",
            "my_number",
        ):
            if key in values and not isinstance(values[key], str):
                found.append(problem("KJ-FMT-025", key))
        birth: tuple[dt.date, dt.date | None] | None = None
        if "birth_date" in values:
            birth = _search_birth(values["birth_date"])
            if birth is None:
                found.append(problem("KJ-FMT-004", "birth_date"))
        limit = values.get("limit", 100)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= 10_000:
            found.append(problem("KJ-FMT-025", "limit"))
        include_deleted = values.get("include_deleted", False)
        if not isinstance(include_deleted, bool):
            found.append(problem("KJ-FMT-025", "include_deleted"))
        if found:
            raise FormatError(found)
        return (
            SearchCriteria(
                family_name=values.get("family_name") or values.get("family_name_kana"),
                given_name=values.get("given_name") or values.get("given_name_kana"),
                birth_date=birth[0] if birth else None,
                birth_date_until=birth[1] if birth else None,
                address=values.get("address"),
                sex=values.get("sex"),
                resident_code=values.get("resident_code"),
                my_number=values.get("my_number"),
                include_deleted=include_deleted,
            ),
            limit,
        )

    # -- audit --------------------------------------------------------------------------
    def audit_trail(
        self, resident_id: str | None = None, operator_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Audit entries about a person (by 宛名番号) and/or by an operator (both: entries of
        that operator about that person; neither: the whole log), oldest first."""
        self._guard("audit")

        def run() -> list[dict[str, Any]]:
            for name, value in (("resident_id", resident_id), ("operator_id", operator_id)):
                if value is not None and not isinstance(value, str):
                    raise FormatError(problem("KJ-FMT-025", name))
            with self._reg.store.unit_of_work() as uow:
                wanted = operator_id
                if operator_id is not None:
                    found_op = find_operator(uow, operator_id)
                    wanted = (
                        found_op.operator_id if found_op else normalise_operator_id(operator_id)
                    )
                entries = uow.audit.search(subject_id=resident_id, operator_id=wanted)
                self._reg.append_audit(
                    uow,
                    operation="audit_search",
                    operator_id=self.operator_id,
                    terminal_id=self.terminal_id,
                    purpose=self.purpose,
                    subject_ids=(resident_id,) if resident_id else (),
                    detail={
                        "subject_id": resident_id,
                        "target_operator_id": operator_id,
                        "hits": len(entries),
                    },
                )
                uow.commit()
            return [{**e.body(), "hash": e.hash} for e in entries]

        return self._audited("audit_search", run)


def _search_birth(value: Any) -> tuple[dt.date, dt.date | None] | None:
    """A birth date to search by: a calendar day (ISO, a date, 和暦) matches that internal
    date; a date as the 戸籍 records it (``"昭和55年2月30日"``, ``"昭和55年頃"``, or the
    notification's ``{"as_recorded": …}``) matches every internal date of the period it states
    (「年月日不詳」: the internal date such a record gets). A plain ``"1980-02-30"`` is no date."""
    day = _search_date(value)
    if day is not None:
        return day, None
    text = value.get("as_recorded") if isinstance(value, Mapping) else value
    if not isinstance(text, str) or _ISO_LIKE.match(text.strip()):
        return None
    try:
        recorded = parse_recorded_date(text)
    except ValueError:
        return None
    if recorded.first is None or recorded.last is None:
        return recorded.sort_date, None
    return recorded.first, recorded.last


_ISO_LIKE = re.compile(r"\A[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}\Z")




def _search_date(value: Any) -> dt.date | None:
    """A birth date in ISO form, as a date, or in 和暦 (令和8年11月26日, R8.11.26)."""
    try:
        return parse_date(value)
    except (TypeError, ValueError):
        pass
    if isinstance(value, str):
        try:
            return parse_wareki(value)
        except ValueError:
            return None
    return None
