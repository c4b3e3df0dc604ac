"""The register as integrators open it: ``open_registry(url, …)`` → :class:`Registry`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

import attrs

from kure_juki.domain import audit as audit_chain
from kure_juki.domain.errors import AccessDenied, FormatError, Problem, RegistryError, problem
from kure_juki.domain.errors import raise_problems as _raise_problems
from kure_juki.domain.identifiers import complete_atena_number, is_valid_local_gov_code
from kure_juki.domain.input_text import input_problems
from kure_juki.domain.mj_checks import mj_problems
from kure_juki.domain.movement_record import MovementRecord, split_secrets
from kure_juki.domain.movements import engine
from kure_juki.domain.movements.base import Allocation, Context, Needs, Outcome
from kure_juki.domain.notifications import Cancellation, ConfirmMoveOut, Notification
from kure_juki.domain.operator import Operator, normalise_operator_id, operator_id_problems
from kure_juki.domain.parsing import unstructure_notification
from kure_juki.domain.policy import Policy
from kure_juki.logs import get_logger
from kure_juki.ports.clock import JST, Clock, system_clock, today_in_japan
from kure_juki.ports.cs_link import CsLink
from kure_juki.ports.numbering import NumberingService, bound
from kure_juki.ports.storage import Store, UnitOfWork
from kure_juki.service import audit_checkpoints as checkpoints
from kure_juki.service.entry_guard import guard_entry_points, persons_named
from kure_juki.service.movement_support import (
    images,
    purpose_problems,
    resolve_cancellation,
)
from kure_juki.service.operators import find_operator
from kure_juki.service.passwords import check_password, hash_password
from kure_juki.service.receipt import BatchReceipts, HeldBack, Receipt
from kure_juki.service.registry_cs import CsRegistryOps
from kure_juki.service.signing_keys import SigningKeys, default_key_path
from kure_juki.service.stores import open_store
from kure_juki.service.uow_view import UowView

if TYPE_CHECKING:
    from kure_juki.service.session import Session

log = get_logger()

SYSTEM_OPERATOR = "SYSTEM"  # operator id of batches run by the register itself
# Bounds on skipping numbers already held (a store opened before the numbering kept its state
# there holds the ones the restarted counter hands out first).
_MAX_REFILLS = 64
_MAX_NUMBER_RETRIES = 100_000
PUBLIC_KEYS = "signing_public_key"  # document kind: the municipality's published public keys


def load_policy(source: Policy | Mapping[str, Any] | str | None = None) -> Policy:
    """The policy: the shipped default, a mapping, a JSON file path, or a Policy."""
    if isinstance(source, Policy):
        return source
    if source is None:
        text = resources.files("kure_juki.policy").joinpath("default.json").read_text("utf-8")
        return Policy.from_mapping(json.loads(text))
    if isinstance(source, str):
        with open(source, encoding="utf-8") as fh:
            return Policy.from_mapping(json.load(fh))
    return Policy.from_mapping(source)


class Registry(CsRegistryOps):
    """One municipality's register (住民基本台帳) on one store."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # A subclass's public methods check their arguments like the register's own.
        super().__init_subclass__(**kwargs)
        guard_entry_points(cls)

    def __init__(
        self,
        store: Store,
        *,
        municipality_code: str,
        clock: Clock | None = None,
        policy: Policy | Mapping[str, Any] | str | None = None,
        numbering: NumberingService | None = None,
        code_pool_low: int = 100,
        code_pool_batch: int = 1000,
        signing_keys: SigningKeys | str | None = None,
        cs_link: CsLink | None = None,
    ) -> None:
        self.cs_link = cs_link  # 市町村CS; None: no CS, nothing is enqueued for it
        if not is_valid_local_gov_code(municipality_code):
            raise FormatError(problem("KJ-FMT-007", "municipality_code"))
        from kure_juki.adapters.memory.numbering import SimulatedNumbering

        self.store = store
        self.municipality_code = municipality_code
        self.clock: Clock = clock or system_clock
        self.policy = load_policy(policy)
        self.numbering: NumberingService = numbering or SimulatedNumbering(municipality_code)
        self.code_pool_low = code_pool_low
        self.code_pool_batch = code_pool_batch
        # Ed25519 keys of the municipality: certificates and audit checkpoints.
        if isinstance(signing_keys, SigningKeys):
            self.signing_keys = signing_keys
        else:
            path = signing_keys or default_key_path(store.url)
            self.signing_keys = SigningKeys.at_path(path) if path else SigningKeys.generate()
        self._publish_signing_key()

    def _publish_signing_key(self) -> None:
        """Record this process's public key in the store and trust every key recorded there,
        so that signatures made by other processes and before restarts still verify (a store
        without a key file — PostgreSQL — otherwise gets a new key per process)."""
        keys = self.signing_keys
        with self.store.unit_of_work() as uow:
            known = self._trust_published_keys(uow)
            if keys.current_id not in known:
                uow.documents.put(PUBLIC_KEYS, keys.current_id, {
                    "key_id": keys.current_id,
                    "public_key": keys.public_keys_hex()[keys.current_id],
                    "published_at": self.now().isoformat(),
                })
                uow.commit()

    def _trust_published_keys(self, uow: UnitOfWork) -> set[str]:
        """Trust every public key recorded in the store; returns their ids."""
        known = {d["key_id"]: d["public_key"] for d in uow.documents.iter_kind(PUBLIC_KEYS)}
        for kid, public_hex in known.items():
            self.signing_keys.add_public_key(kid, public_hex)
        return set(known)

    # -- time ---------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return an aware datetime")
        return now.astimezone(JST)

    def today(self) -> dt.date:
        return today_in_japan(self.clock)

    # -- audit --------------------------------------------------------------------------
    def append_audit(self, uow: UnitOfWork, **fields: Any) -> audit_chain.AuditEntry:
        """Append a chained entry inside *uow* (it commits with the change it records).

        Caller-supplied ids are scrubbed of anything shaped like a My Number; the new end of
        the log is signed, and every ``audit_checkpoint_every`` entries a checkpoint is kept.
        """
        last = uow.audit.last()
        entry = audit_chain.AuditEntry(
            seq=(last.seq + 1) if last else 1,
            at=self.now().isoformat(),
            operator_id=checkpoints.clean_id(fields.pop("operator_id", None)),
            terminal_id=checkpoints.clean_id(fields.pop("terminal_id", None)),
            purpose=checkpoints.clean_id(fields.pop("purpose", None)),
            operation=checkpoints.scrub(fields.pop("operation")),
            subject_ids=tuple(
                checkpoints.clean_id(s) or "" for s in fields.pop("subject_ids", ())
            ),
            outcome=fields.pop("outcome", "ok"),
            code=checkpoints.clean_id(fields.pop("code", None)),
            detail=checkpoints.scrub(fields.pop("detail", {})),
        )
        if fields:
            raise TypeError(f"unknown audit fields: {sorted(fields)}")
        sealed = audit_chain.seal(entry, last.hash if last else audit_chain.GENESIS)
        uow.audit.append(sealed)
        checkpoints.after_append(uow, self.signing_keys, sealed, self.policy.audit_checkpoint_every)
        return sealed

    def audit_now(self, **fields: Any) -> None:
        """Append an entry in a transaction of its own (refusals, logins, reads)."""
        with self.store.unit_of_work() as uow:
            self.append_audit(uow, **fields)
            uow.commit()

    def checkpoint_audit_log(self) -> dict[str, Any]:
        """Sign the current end of the audit log now (on demand) and return the checkpoint.

        Keep what it returns outside the database (a WORM store, a printed sheet): passed back
        as ``verify_audit_log(anchors=[...])`` it proves the log up to there is unchanged.
        """
        with self.store.unit_of_work() as uow:
            last = uow.audit.last()
            if last is None:
                last = self.append_audit(uow, operation="audit_checkpoint",
                                         operator_id=SYSTEM_OPERATOR)
            cp = checkpoints.make_checkpoint(
                uow, self.signing_keys, last, self.now().isoformat(), "on_demand"
            )
            uow.commit()
        log.info("audit_checkpoint", seq=cp["seq"], hash=cp["hash"], key_id=cp["key_id"])
        return cp

    def verify_audit_log(
        self, anchors: Iterable[dict[str, Any]] = ()
    ) -> checkpoints.AuditReport:
        """Walk the whole log: the hash chain, every signed checkpoint, the *anchors* kept
        outside, and that no movement lost its audit entry. ``.ok`` is False on any finding."""
        with self.store.unit_of_work() as uow:
            self._trust_published_keys(uow)  # other processes may have signed since we opened
            report = checkpoints.verify(uow, self.signing_keys, list(anchors))
        if not report.ok:
            log.warning("audit_log_invalid", problems=list(report.problems))
        return report

    # -- operators ----------------------------------------------------------------------
    def bootstrap_admin(self, operator_id: str, password: str) -> None:
        """The first administrator; refused once any operator exists."""
        self._check_new_password(password)
        operator_id = normalise_operator_id(operator_id)
        with self.store.unit_of_work() as uow:
            refused = operator_id_problems(operator_id)
            if uow.operators.any() or refused:
                error: RegistryError = AccessDenied(refused or problem("KJ-AUTH-007"))
                if refused and refused[0].code.startswith("KJ-FMT"):
                    error = FormatError(refused)
                self.append_audit(
                    uow,
                    operation="bootstrap_admin",
                    outcome="refused",
                    code=error.code,
                    operator_id=operator_id,
                )
                uow.commit()
                raise error
            uow.operators.put(
                Operator(
                    operator_id=operator_id,
                    role="admin",
                    password_hash=hash_password(password),
                    created_at=self.now(),
                )
            )
            self.append_audit(
                uow, operation="bootstrap_admin", operator_id=operator_id, detail={"role": "admin"}
            )
            uow.commit()

    # -- the argument check of every public method (service/entry_guard.py) ---------------
    def _refuse_input(
        self, operation: str, error: FormatError, arguments: Mapping[str, Any]
    ) -> None:
        """A call refused before anything was read, recorded with who asked, as far as the
        arguments say (a refused login names the id typed, escaped)."""

        def given(name: str) -> str | None:
            value = arguments.get(name)
            return value if isinstance(value, str) else None

        self.audit_now(
            operation=operation,
            outcome="refused",
            code=error.code,
            operator_id=given("operator_id"),
            terminal_id=given("terminal_id"),
            purpose=given("purpose"),
            subject_ids=persons_named(arguments),
            detail={
                "problems": [p.code for p in error.problems],
                "items": [p.where for p in error.problems],
            },
        )
        log.info("refused", operation=operation, code=error.code)

    def _entry_problems(self, operation: str, arguments: Mapping[str, Any]) -> list[Problem]:
        return []

    def _check_new_password(self, password: str) -> None:
        if not isinstance(password, str) or len(password) < self.policy.min_password_length:
            raise AccessDenied(problem("KJ-AUTH-004", "password"))

    def login(self, operator_id: str, password: str, *, terminal_id: str, purpose: str) -> Session:
        from kure_juki.service.session import Session

        base = {"operator_id": operator_id, "terminal_id": terminal_id, "purpose": purpose}
        with self.store.unit_of_work() as uow:
            op = find_operator(uow, operator_id)
            error: RegistryError | None = None
            if not isinstance(terminal_id, str) or not terminal_id.strip():
                error = AccessDenied(problem("KJ-AUTH-008", "terminal_id"))
            elif op is None or not isinstance(password, str):
                error = AccessDenied(problem("KJ-AUTH-001"))
            elif not op.active:
                error = AccessDenied(problem("KJ-AUTH-003"))
            elif op.locked:
                error = AccessDenied(problem("KJ-AUTH-002"))
            elif not check_password(op.password_hash, password):
                failed = op.failed_attempts + 1
                locked = failed >= self.policy.lockout_after
                uow.operators.put(_evolve_operator(op, failed_attempts=failed, locked=locked))
                error = AccessDenied(problem("KJ-AUTH-002" if locked else "KJ-AUTH-001"))
            else:
                try:
                    self.policy.purpose(purpose)
                    self.policy.role(op.role)
                except AccessDenied as exc:
                    error = exc
            if error is not None:
                self.append_audit(
                    uow, operation="login", outcome="refused", code=error.code, **base
                )
                uow.commit()
                log.info("login refused", code=error.code, terminal_id=terminal_id)
                raise error
            assert op is not None
            if op.failed_attempts:
                uow.operators.put(_evolve_operator(op, failed_attempts=0))
            self.append_audit(uow, operation="login", **base)
            uow.commit()
        log.info("login", operator_id=operator_id, terminal_id=terminal_id, purpose=purpose)
        return Session(self, op, terminal_id=terminal_id, purpose=purpose)

    # -- movements ----------------------------------------------------------------------
    def run_movement(
        self,
        n: Notification,
        *,
        operator_id: str,
        terminal_id: str,
        purpose: str | None,
        operation: str = "submit",
    ) -> Receipt:
        """Check, allocate, apply and record one movement in one transaction."""
        today = self.today()
        n = engine.with_defaults(n, today)
        ctx = Context(today=today, municipality_code=self.municipality_code)
        with self.store.unit_of_work() as uow:
            view = UowView(uow)
            if isinstance(n, Cancellation):
                n = resolve_cancellation(uow, n)
            found = engine.check(n, view, ctx) + purpose_problems(n, purpose)
            found += mj_problems(n, self.policy.non_mj_characters)
            _raise_problems(found)
            warnings = [p for p in found if p.severity == "warning"]
            alloc = self._allocate(uow, n, engine.needs(n, view), warnings)
            outcome = engine.apply(n, view, ctx, alloc)
            warnings += self._movement_blocks(uow, n, outcome)
            before = images(uow, outcome)
            store_outcome(uow, outcome)
            from kure_juki.service.cs_sync import enqueue_for_movement  # CS outbox, same unit

            enqueue_for_movement(
                uow, self, n, outcome, before, operator_id=operator_id, terminal_id=terminal_id
            )
            warnings += outcome.warnings
            record = self._record(
                uow,
                n,
                alloc,
                before,
                outcome.reason_ja or n.reason_ja,
                outcome.resident_ids,
                tuple(
                    sorted(
                        {r.household_id for r in outcome.residents}
                        | {h.household_id for h in outcome.households}
                    )
                ),
                today,
                operator_id,
                terminal_id,
                warnings,
            )
            uow.movements.append(record)
            self.append_audit(
                uow,
                operation=operation,
                operator_id=operator_id,
                terminal_id=terminal_id,
                purpose=purpose,
                subject_ids=outcome.resident_ids,
                detail={
                    "type": n.type,
                    "movement_id": record.movement_id,
                    "warnings": [w.code for w in warnings],
                },
            )
            uow.commit()
        log.info(
            "movement",
            type=n.type,
            movement_id=record.movement_id,
            residents=len(outcome.resident_ids),
        )
        return Receipt(
            movement_id=record.movement_id,
            type=n.type,
            resident_ids=outcome.resident_ids,
            household_id=outcome.household_id,
            warnings=tuple(warnings),
        )

    def _movement_blocks(self, uow: UnitOfWork, n: Notification, outcome: Outcome) -> list[Problem]:
        """異動抑止 (標準3.1) on every person and household the movement WRITES, not only those
        its notification names: a 取消 names a movement, the daily batch and a 転入通知 from the
        CS name no one at a counter, and a head's death rewrites the member who becomes head ex
        officio. Read before the records are stored, so a person's household is the one they
        leave; the outcome adds the one they join. Raises AccessDenied for an error-level block
        (nothing is written: this runs inside the movement's unit of work); returns alerts."""
        from kure_juki.domain.blocks import touched_ids
        from kure_juki.service.session_base import check_movement

        named, named_households = touched_ids(n)
        persons = list(
            dict.fromkeys(
                [*named, *outcome.resident_ids, *(r.resident_id for r in outcome.residents)]
            )
        )
        households = list(
            dict.fromkeys(
                [
                    *named_households,
                    *(r.household_id for r in outcome.residents),
                    *(h.household_id for h in outcome.households),
                ]
            )
        )
        return check_movement(uow, persons, households, now=self.now())

    def _allocate(
        self, uow: UnitOfWork, n: Notification, need: Needs, warnings: list[Problem]
    ) -> Allocation:
        resident_ids = tuple(_next_number(uow, "resident", "1") for _ in range(need.resident_ids))
        household_id = _next_number(uow, "household", "5") if need.household else None
        numbering = bound(self.numbering, uow.sequences)
        codes: tuple[str, ...] = ()
        if need.resident_codes:
            codes = tuple(self._take_codes(uow, numbering, need.resident_codes, warnings))
        given: set[str] = set()
        numbers = tuple(
            self._new_my_number(uow, numbering, code, given)
            for code in engine.number_requests(n, codes, UowView(uow))
        )
        return Allocation(
            resident_ids=resident_ids,
            household_id=household_id,
            resident_codes=codes,
            my_numbers=numbers,
        )

    def _take_codes(
        self, uow: UnitOfWork, numbering: NumberingService, count: int, warnings: list[Problem]
    ) -> list[str]:
        """*count* 住民票コード from the pool, refilled from *numbering* when short. A code a
        living resident already holds is dropped, not handed out: the pool may hold codes from
        before the numbering kept its state in the store (住基法30条の2: never one code for two)."""
        taken: list[str] = []
        refills = 0
        while len(taken) < count:
            batch = uow.code_pool.take(count - len(taken))
            if not batch:
                if refills >= _MAX_REFILLS:
                    _raise_problems([problem("KJ-LOGIC-025", "resident_code")])
                refills += 1
                uow.code_pool.add(numbering.allot_resident_codes(self.code_pool_batch))
                continue
            taken += [
                c
                for c in batch
                if c not in taken and uow.residents.living_by_resident_code(c) is None
            ]
        if uow.code_pool.remaining() < self.code_pool_low:
            warnings.append(problem("KJ-WARN-005", "resident_code"))
            uow.code_pool.add(numbering.allot_resident_codes(self.code_pool_batch))
        return taken

    def _new_my_number(
        self, uow: UnitOfWork, numbering: NumberingService, code: str, taken: set[str]
    ) -> str:
        """A 個人番号 no living resident holds. A service that answers the same again (the
        national server keys its answer on the code) is not asked forever: the store refuses
        the duplicate at commit (KJ-CONFLICT-802)."""
        number = numbering.request_my_number(code)
        seen = {number}
        while number in taken or uow.residents.living_by_my_number(number) is not None:
            number = numbering.request_my_number(code)
            if number in seen or len(seen) > _MAX_NUMBER_RETRIES:
                break
            seen.add(number)
        taken.add(number)
        return number

    def _record(
        self,
        uow: UnitOfWork,
        n: Notification,
        alloc: Allocation,
        before: dict[str, Any],
        reason_ja: str,
        resident_ids: tuple[str, ...],
        household_ids: tuple[str, ...],
        today: dt.date,
        operator_id: str,
        terminal_id: str,
        warnings: list[Problem],
    ) -> MovementRecord:
        notice, secrets = split_secrets(unstructure_notification(n), "notification")
        allocation, alloc_secrets = split_secrets(
            {
                "resident_ids": list(alloc.resident_ids),
                "household_id": alloc.household_id,
                "resident_codes": list(alloc.resident_codes),
                "my_numbers": list(alloc.my_numbers),
                # before-images of every record touched: what a 取消 restores
                "before": before,
            },
            "allocation",
        )
        assert n.notified_on is not None
        return MovementRecord(
            movement_id=uow.movements.last_id() + 1,
            type=n.type,
            reason_ja=reason_ja,
            occurred_on=n.occurred_on,
            notified_on=n.notified_on,
            processed_on=today,
            operator_id=operator_id,
            terminal_id=terminal_id,
            resident_ids=resident_ids,
            household_ids=household_ids,
            notification=notice,
            allocation=allocation,
            secrets={**secrets, **alloc_secrets},
            warnings=tuple(w.code for w in warnings),
            late=any(w.code in ("KJ-WARN-001", "KJ-WARN-003") for w in warnings),
        )

    def process_due_move_outs(self) -> BatchReceipts:
        """Daily batch: delete (消除) planned move-outs past their date with no 転入通知.

        Each household's movement checks the blocks of everyone it writes (異動抑止, 標準3.1);
        a person it may not change is held back (``held_back`` of the result, and an audit
        entry under that person) and the batch goes on with the others."""
        today = self.today()
        with self.store.unit_of_work() as uow:
            due: dict[str, list[str]] = {}
            for r in uow.residents.iter_all():
                plan = r.planned_move_out
                if r.is_living and plan is not None and plan.planned_on <= today:
                    due.setdefault(r.household_id, []).append(r.resident_id)
        receipts: list[Receipt] = []
        held: list[HeldBack] = []
        for hid in sorted(due):
            remaining = due[hid]
            while remaining:
                try:
                    receipts.append(
                        self.run_movement(
                            ConfirmMoveOut(resident_ids=tuple(remaining), source="planned_date"),
                            operator_id=SYSTEM_OPERATOR,
                            terminal_id="BATCH",
                            purpose="resident_records",
                            operation="batch",
                        )
                    )
                    break
                except RegistryError as error:
                    # A person blocked (異動抑止) is held back alone and the others of the
                    # household proceed; anything else holds back the whole group.
                    blocked = [rid for rid in remaining if f"person:{rid}" in _wheres(error)]
                    if not isinstance(error, AccessDenied) or not blocked:
                        blocked = remaining
                    held.append(self._hold_back(tuple(blocked), error))
                    remaining = [rid for rid in remaining if rid not in blocked]
        return BatchReceipts(receipts, held)

    def _hold_back(self, resident_ids: tuple[str, ...], error: RegistryError) -> HeldBack:
        """Audit what a batch left unchanged, under the persons concerned, and say why."""
        self.audit_now(
            operation="batch",
            operator_id=SYSTEM_OPERATOR,
            terminal_id="BATCH",
            purpose="resident_records",
            outcome="refused",
            code=error.code,
            subject_ids=resident_ids,
            detail={"type": "confirm_move_out", "problems": [p.code for p in error.problems]},
        )
        log.warning("batch held back", residents=len(resident_ids), code=error.code)
        return HeldBack(resident_ids, error.problems)

    def allot_resident_codes(self, codes: list[str]) -> int:
        """Add 住民票コード allotted by the prefecture to the pool; returns the pool size."""
        from kure_juki.domain.identifiers import is_valid_resident_code

        bad = [i for i, c in enumerate(codes) if not is_valid_resident_code(c)]
        if bad:
            raise FormatError([problem("KJ-FMT-006", "resident_code", f"codes[{i}]") for i in bad])
        with self.store.unit_of_work() as uow:
            uow.code_pool.add(list(codes))
            self.append_audit(
                uow,
                operation="allot_resident_codes",
                operator_id=SYSTEM_OPERATOR,
                detail={"count": len(codes)},
            )
            uow.commit()
            return uow.code_pool.remaining()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def configure_certificates(self, **settings: Any) -> Any:
        """The certificates' settings: mayor, 職務代理者, printer, fonts (see
        :func:`kure_juki.service.registry_certificates.configure_certificates`)."""
        from kure_juki.service.registry_certificates import configure_certificates

        return configure_certificates(self, **settings)

    def verify_certificate(self, content: bytes) -> bool:
        """Offline check of an issued certificate's signature with this municipality's keys:
        any change to any byte of the issued file makes it False."""
        from kure_juki.service.registry_certificates import verify_certificate

        with self.store.unit_of_work() as uow:
            self._trust_published_keys(uow)
        return verify_certificate(self, content)

    def abolish_seals_of_deleted(self) -> list[str]:
        """Batch: abolish the 印鑑登録 of every resident whose record was deleted (消除)."""
        from kure_juki.service.registry_certificates import abolish_seals_of_deleted

        return abolish_seals_of_deleted(self)


def _wheres(error: RegistryError) -> set[str]:
    return {p.where for p in error.problems if p.where}
guard_entry_points(Registry)


def store_outcome(uow: UnitOfWork, outcome: Outcome) -> None:
    """Put a movement's records; whatever steps the movement took (planned, then deleted),
    each stored version goes up by exactly one."""
    for r in outcome.residents:
        stored = uow.residents.get(r.resident_id)
        uow.residents.put(attrs.evolve(r, version=stored.version + 1 if stored else 1))
    for h in outcome.households:
        stored_h = uow.households.get(h.household_id)
        uow.households.put(attrs.evolve(h, version=stored_h.version + 1 if stored_h else 1))


def _evolve_operator(op: Operator, **changes: Any) -> Operator:
    return attrs.evolve(op, version=op.version + 1, **changes)


def open_registry(
    url: str = "memory://",
    *,
    municipality_code: str,
    clock: Clock | None = None,
    policy: Policy | Mapping[str, Any] | str | None = None,
    numbering: NumberingService | None = None,
    signing_keys: SigningKeys | str | None = None,
    cs_link: CsLink | None = None,
    **store_options: Any,
) -> Registry:
    """Open the register at *url* (``memory://``, ``sqlite:///…``, ``postgresql+psycopg://…``)."""
    # Before any file or server is touched (there is no audit log to record it in yet).
    _raise_problems(input_problems({"url": url, **store_options}))
    store = open_store(url, **store_options)
    return Registry(
        store,
        municipality_code=municipality_code,
        clock=clock,
        policy=policy,
        numbering=numbering,
        signing_keys=signing_keys,
        cs_link=cs_link,
    )


def _next_number(uow: UnitOfWork, counter: str, prefix: str) -> str:
    """The next 宛名番号 (prefix 1) or 世帯番号 (prefix 5): a serial and its check digit
    (標準1.1.13). Serials the standard gives no check digit for are skipped."""
    while True:
        number = complete_atena_number(f"{prefix}{uow.sequences.next(counter):08d}")
        if number is not None:
            return number
