"""Seal registration at the counter (印鑑登録): register, abolish, look up; all audited.

Seals are documents of kind ``"seal"`` keyed by 印鑑登録番号 with the resident as subject, so a
person's history is every registration they ever had. A deleted resident's seal is abolished
of itself: noticed (and recorded) the first time anything looks at it, and by the batch
``reg.abolish_seals_of_deleted()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kure_juki.domain.certificates.seal import (
    SealEvent,
    SealRegistration,
    check_can_register,
    check_text,
    deletion_reason,
    png_size,
)
from kure_juki.domain.errors import LogicError, NotFound, problem
from kure_juki.ports.storage import UnitOfWork
from kure_juki.service.session_base import SessionBase

if TYPE_CHECKING:
    from kure_juki.service.registry import Registry

SEAL_KIND = "seal"


def load_seals(uow: UnitOfWork) -> Iterator[SealRegistration]:
    for data in uow.documents.iter_kind(SEAL_KIND):
        yield SealRegistration.from_document(data)


def seals_of(uow: UnitOfWork, resident_id: str) -> list[SealRegistration]:
    """Every registration of the person, oldest first."""
    found = [SealRegistration.from_document(d) for d in uow.documents.by_subject(SEAL_KIND,
                                                                                   resident_id)]
    return sorted(found, key=lambda s: s.registration_number)


def put_seal(uow: UnitOfWork, seal: SealRegistration) -> None:
    uow.documents.put(SEAL_KIND, seal.registration_number, seal.to_document(),
                      subject=seal.resident_id)


def abolish_if_deleted(
    registry: Registry,
    uow: UnitOfWork,
    seal: SealRegistration,
    *,
    operator_id: str,
    terminal_id: str,
    purpose: str | None,
    operation: str = "abolish_seal",
) -> str | None:
    """Abolish *seal* in *uow* when its resident's record is deleted; the number, else None."""
    if not seal.active:
        return None
    resident = uow.residents.get(seal.resident_id)
    reason = deletion_reason(resident) if resident is not None else None
    if resident is None or reason is None or resident.deletion is None:
        return None
    abolished = seal.abolish(resident.deletion.deleted_on, reason, at=registry.now().isoformat(),
                             operator_id=operator_id)
    put_seal(uow, abolished)
    registry.append_audit(
        uow, operation=operation, operator_id=operator_id, terminal_id=terminal_id,
        purpose=purpose, subject_ids=(seal.resident_id,),
        detail={"task": "abolish_seal", "registration_number": seal.registration_number,
                "automatic": True},
    )
    return seal.registration_number


def seal_for_certificate(
    registry: Registry, resident_id: str, *, operator_id: str, terminal_id: str, purpose: str
) -> SealRegistration:
    """The seal an 印鑑登録証明書 shows; refused when none is registered or it was abolished.

    When the resident's record was deleted, the abolition is recorded (and committed) before
    the refusal, so that it is noticed once and kept.
    """
    with registry.store.unit_of_work() as uow:
        seals = []
        for seal in seals_of(uow, resident_id):
            number = abolish_if_deleted(registry, uow, seal, operator_id=operator_id,
                                        terminal_id=terminal_id, purpose=purpose)
            found = uow.documents.get(SEAL_KIND, number) if number is not None else None
            seals.append(SealRegistration.from_document(found) if found is not None else seal)
        uow.commit()
    if not seals:
        raise NotFound(problem("KJ-CERT-053", "resident_id"))
    if not seals[-1].active:
        raise LogicError(problem("KJ-CERT-054", "resident_id"))
    return seals[-1]


class SealOps(SessionBase):
    def register_seal(
        self, resident_id: str, *, seal_png: bytes, identity_verified_by: str
    ) -> str:
        """印鑑登録: a verified resident's seal; returns the 印鑑登録証 number."""
        subjects = [resident_id] if isinstance(resident_id, str) else []
        self._guard("submit", subjects)

        def run() -> str:
            method = check_text(identity_verified_by, "KJ-CERT-051", "identity_verified_by")
            png_size(seal_png)
            today = self._reg.today()
            with self._reg.store.unit_of_work() as uow:
                resident = uow.residents.get(resident_id) if subjects else None
                if resident is None:
                    raise NotFound(problem("KJ-NOTFOUND-001", "resident_id"))
                refused = check_can_register(resident, today)
                if refused:
                    raise LogicError(refused)
                for old in seals_of(uow, resident_id):
                    self._notice_deletion(uow, old)
                    if old.active:
                        raise LogicError(problem("KJ-CERT-052", "resident_id"))
                number = f"{uow.sequences.next('seal'):08d}"
                at = self._reg.now().isoformat()
                seal = SealRegistration(
                    registration_number=number, resident_id=resident_id, registered_on=today,
                    identity_verified_by=method, png=seal_png,
                    events=(SealEvent(at, "registered", self.operator_id, method),),
                )
                put_seal(uow, seal)
                self._reg.append_audit(
                    uow, operation="register_seal", operator_id=self.operator_id,
                    terminal_id=self.terminal_id, purpose=self.purpose,
                    subject_ids=(resident_id,),
                    detail={"registration_number": number, "identity_verified_by": method,
                            "png_sha256": seal.png_sha256},
                )
                uow.commit()
                return number

        return self._audited("register_seal", run, subjects)

    def abolish_seal(self, resident_id: str, reason: str) -> str:
        """印鑑登録の廃止 (on request, loss of the card …); returns the number abolished."""
        subjects = [resident_id] if isinstance(resident_id, str) else []
        self._guard("submit", subjects)

        def run() -> str:
            why = check_text(reason, "KJ-CERT-057", "reason")
            with self._reg.store.unit_of_work() as uow:
                active = [s for s in seals_of(uow, resident_id) if s.active] if subjects else []
                if not active:
                    raise NotFound(problem("KJ-CERT-053", "resident_id"))
                seal = active[-1]
                put_seal(uow, seal.abolish(self._reg.today(), why, at=self._reg.now().isoformat(),
                                           operator_id=self.operator_id))
                self._reg.append_audit(
                    uow, operation="abolish_seal", operator_id=self.operator_id,
                    terminal_id=self.terminal_id, purpose=self.purpose,
                    subject_ids=(resident_id,),
                    detail={"registration_number": seal.registration_number, "automatic": False},
                )
                uow.commit()
                return seal.registration_number

        return self._audited("abolish_seal", run, subjects)

    def seal(self, resident_id: str) -> dict[str, Any]:
        """The person's latest registration (with ``history``: every registration, oldest first).

        A deleted resident's active seal is abolished here, once, and shown abolished.
        """
        subjects = [resident_id] if isinstance(resident_id, str) else []
        self._guard("read", subjects)

        def run() -> dict[str, Any]:
            with self._reg.store.unit_of_work() as uow:
                seals = seals_of(uow, resident_id) if subjects else []
                if not seals:
                    raise NotFound(problem("KJ-CERT-053", "resident_id"))
                seals = [self._notice_deletion(uow, s) for s in seals]
                latest = seals[-1]
                self._reg.append_audit(
                    uow, operation="read_seal", operator_id=self.operator_id,
                    terminal_id=self.terminal_id, purpose=self.purpose,
                    subject_ids=(resident_id,),
                    detail={"registration_number": latest.registration_number},
                )
                uow.commit()
                view = latest.view()
                view["history"] = [
                    {k: v for k, v in s.view().items() if k != "seal_png"} for s in seals
                ]
                return view

        return self._audited("read_seal", run, subjects)

    def _notice_deletion(self, uow: UnitOfWork, seal: SealRegistration) -> SealRegistration:
        number = abolish_if_deleted(self._reg, uow, seal, operator_id=self.operator_id,
                                    terminal_id=self.terminal_id, purpose=self.purpose)
        if number is None:
            return seal
        found = uow.documents.get(SEAL_KIND, number)
        assert found is not None
        return SealRegistration.from_document(found)
