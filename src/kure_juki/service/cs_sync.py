"""What a movement owes the 市町村CS, written to the outbox in the movement's own transaction.

:func:`enqueue_for_movement` runs inside ``Registry.run_movement`` right after the records are
stored. For every person whose 本人確認情報 changed it builds the update (``identity_mapping``),
runs the CS-side checks (format and logic, against the municipality's copy of the identity
file) and enqueues it with the next 更新順番号; a failing check raises with those problems and
the whole movement rolls back, so nothing is half-written. It also enqueues the 転入通知 to the
former municipality after a 転入 from elsewhere in Japan, the 転出証明書情報 after a 転出 (for
特例転入 at the destination), and the 送付先情報 of every new My Number recipient.

Nothing is enqueued while the register has no CS link (``open_registry(..., cs_link=…)``).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

import attrs

from kure_juki.domain.certificates.municipality import municipality_for
from kure_juki.domain.cs_messages import (
    DeliveryInfoNotice,
    IdentityUpdate,
    MoveInNotice,
    MoveOutCertificate,
    MoveOutCertificateWithdrawal,
    unified_texts,
)
from kure_juki.domain.delivery_info import (
    DeliveryOffice,
    build_delivery_info,
    check_delivery_info,
)
from kure_juki.domain.errors import (
    ConflictError,
    Problem,
    RegistryError,
    problem,
    raise_problems,
)
from kure_juki.domain.identity_file import check_identity_record, check_update
from kure_juki.domain.identity_mapping import UpdateFacts, plan_update
from kure_juki.domain.movements.base import Outcome
from kure_juki.domain.notifications import (
    Birth,
    MoveIn,
    MoveInFromAbroad,
    MoveOut,
    Notification,
)
from kure_juki.domain.resident import Resident
from kure_juki.domain.serialization import resident_from_dict
from kure_juki.ports.outbox import Outbox
from kure_juki.ports.storage import UnitOfWork

if TYPE_CHECKING:
    from kure_juki.service.registry import Registry

__all__ = [
    "configure_delivery_office",
    "delivery_office",
    "enqueue_for_movement",
    "outbox_of",
    "special_move_in",
]

SETTINGS_KIND: Final = "cs_settings"
# Movements whose persons may receive a new 個人番号 (生成要求 through the CS).
_NEW_NUMBER_TYPES: Final = frozenset(
    {
        "birth",
        "move_in",
        "move_in_from_abroad",
        "foreign_registration_30_46",
        "foreign_registration_30_47",
        "my_number_change",
    }
)

_special: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "kure_juki_special_move_in", default=None
)


@contextlib.contextmanager
def special_move_in(certificate_number: str) -> Iterator[None]:
    """Marks the movements run inside as a 特例転入 (the CS's 異動事由 for a card-based move-in)."""
    token = _special.set(certificate_number)
    try:
        yield
    finally:
        _special.reset(token)


def outbox_of(uow: UnitOfWork) -> Outbox:
    """The unit of work's CS outbox (KJ-LINK-032 when its store has none)."""
    box = getattr(uow, "outbox", None)
    if box is None:
        raise RegistryError(problem("KJ-LINK-032"))
    found: Outbox = box
    return found


def delivery_office(uow: UnitOfWork, municipality_code: str) -> DeliveryOffice:
    """The configured 送付先情報 items of the municipality, or its name alone."""
    data = uow.documents.get(SETTINGS_KIND, "delivery_office")
    if data is None:
        return DeliveryOffice(municipality_name=municipality_for(municipality_code).name)
    return DeliveryOffice(**data)


def configure_delivery_office(registry: Registry, office: DeliveryOffice) -> None:
    """Stores the municipality's own 送付先情報 items (市町村・交付場所・カード送付場所)."""
    from kure_juki.service.registry import SYSTEM_OPERATOR

    with registry.store.unit_of_work() as uow:
        uow.documents.put(SETTINGS_KIND, "delivery_office", attrs.asdict(office))
        registry.append_audit(
            uow,
            operation="configure_cs",
            operator_id=SYSTEM_OPERATOR,
            detail={"setting": "delivery_office"},
        )
        uow.commit()


def _name(r: Resident) -> tuple[str, str]:
    n = r.name
    kanji = "\u3000".join(p for p in (n.family_name, n.given_name) if p)
    kana = "\u3000".join(p for p in (n.family_name_kana, n.given_name_kana) if p)
    return kanji, kana


class _Writer:
    """One movement's messages: numbers them and checks them before they are enqueued."""

    def __init__(
        self,
        uow: UnitOfWork,
        registry: Registry,
        n: Notification,
        *,
        operator_id: str,
        terminal_id: str,
    ) -> None:
        self.uow = uow
        self.box = outbox_of(uow)
        self.code = registry.municipality_code
        self.now = registry.now()
        self.today = registry.today()
        self.movement_id = uow.movements.last_id() + 1
        self.n = n
        self.operator_id = operator_id
        self.terminal_id = terminal_id
        self.problems: list[Problem] = []
        self._serial = 0

    def number(self, prefix: str) -> str:
        self._serial += 1
        return f"{self.code}-{prefix}{self.movement_id}-{self._serial}"

    def facts(self, reason_detail: str | None) -> UpdateFacts:
        n = self.n
        return UpdateFacts(
            municipality_code=self.code,
            changed_on=n.occurred_on or self.today,
            notified_on=n.notified_on or self.today,
            operator_id=self.operator_id,
            terminal_id=self.terminal_id,
            request_number=self.number("R"),
            update_sequence=self.box.last_update_sequence() + 1,
            timestamp=self.now,
            reason_detail=reason_detail,
        )

    def identity(self, resident: Resident, before_code: str | None, detail: str | None) -> None:
        files = self.box.identities
        previous = files.get(before_code or resident.resident_code)
        plan = plan_update(
            previous,
            resident,
            movement_type=self.n.type,
            facts=self.facts(detail),
            before_code=before_code,
            special_move_in=_special.get() is not None,
        )
        if plan is None:
            return
        taken = self.box.next_update_sequence()
        if taken != plan.record.update_sequence:
            # Another movement took the number we saw, and has committed since (taking it makes
            # us wait for that): plan again from the record it left.
            previous = files.get(before_code or resident.resident_code)
            plan = plan_update(
                previous,
                resident,
                movement_type=self.n.type,
                facts=attrs.evolve(self.facts(detail), update_sequence=taken),
                before_code=before_code,
                special_move_in=_special.get() is not None,
            )
            if plan is None:  # it made the same change to the same person: ours conflicts
                raise ConflictError(problem("KJ-CONFLICT-001"))
        found = check_identity_record(plan.record)
        if not found:
            last = plan.record.update_sequence - 1
            found = check_update(previous, plan.record, plan.reason, last_applied_sequence=last)
        record = plan.record
        unified, missing = unified_texts(
            [
                ("name_kanji", record.name_kanji),
                ("address", record.address),
                ("previous_address", record.previous_address),
                ("former_surname", record.former_surname),
            ]
        )
        found += missing
        if found:
            self.problems += found  # raised after the loop; the rollback gives the number back
            return
        self.box.enqueue(IdentityUpdate(self.code, plan.reason, record, unified), now=self.now)
        if plan.replaces is not None:
            files.remove(plan.replaces)
        files.put(plan.record)


def _before(images: dict[str, Any], resident_id: str) -> Resident | None:
    data = images.get("residents", {}).get(resident_id)
    return resident_from_dict(data) if isinstance(data, dict) else None


def _given_numbers(n: Notification) -> set[str]:
    if isinstance(n, MoveIn | MoveInFromAbroad):
        return {p.my_number for p in n.persons if p.my_number}
    if isinstance(n, Birth) and n.person.my_number:
        return {n.person.my_number}
    return set()


def enqueue_for_movement(
    uow: UnitOfWork,
    registry: Registry,
    n: Notification,
    outcome: Outcome,
    images: dict[str, Any],
    *,
    operator_id: str,
    terminal_id: str,
) -> None:
    """Enqueues what the movement owes the CS (see the module doc); raises the CS-side
    check problems (FormatError / LogicError) when an update would be refused."""
    if getattr(registry, "cs_link", None) is None:
        return
    w = _Writer(uow, registry, n, operator_id=operator_id, terminal_id=terminal_id)
    detail = n.reason_ja if outcome.reason_ja is None else outcome.reason_ja
    befores = {r.resident_id: _before(images, r.resident_id) for r in outcome.residents}
    # Removals first: a person whose record is replaced by one of the other kind (帰化,
    # 国籍喪失) keeps the same 住民票コード, and the CS takes the 消除 before the new 記載.
    ordered = sorted(outcome.residents, key=lambda r: r.deletion is None)
    for r in ordered:
        before = befores[r.resident_id]
        w.identity(r, before.resident_code if before else None, detail)
    raise_problems(w.problems)

    new_persons = [r for r in outcome.residents if befores[r.resident_id] is None and r.is_living]
    if isinstance(n, MoveIn):
        _move_in_notices(w, n, new_persons)
    if isinstance(n, MoveOut):
        _move_out_certificates(w, n, outcome)
    _withdrawn_certificates(w, outcome, befores)
    if n.type in _NEW_NUMBER_TYPES:
        given = _given_numbers(n)
        recipients = []
        for r in outcome.residents:
            before = befores[r.resident_id]
            had = before.my_number if before is not None else None
            if r.is_living and r.my_number and r.my_number not in given and had != r.my_number:
                recipients.append(r)
        _delivery_info(w, recipients)
    raise_problems(w.problems)


def _move_in_notices(w: _Writer, n: MoveIn, persons: list[Resident]) -> None:
    """転入通知 (住基法9条1項) to the former municipality, one per person."""
    former = n.previous_address.municipality_code
    if former is None or former == w.code:
        return
    assert n.occurred_on is not None and n.notified_on is not None
    for r in persons:
        kanji, kana = _name(r)
        unified, missing = unified_texts([("name_kanji", kanji), ("new_address", r.address.text)])
        if missing:
            w.problems += missing
            continue
        notice = MoveInNotice(
            notice_number=w.number("TN"),
            from_municipality_code=w.code,
            to_municipality_code=former,
            resident_code=r.resident_code,
            name_kanji=kanji,
            name_kana=kana,
            birth_date=r.birth_date,
            sex=r.sex,
            new_postal_code=r.address.postal_code,
            new_address=r.address.text,
            moved_in_on=n.occurred_on,
            notified_on=n.notified_on,
            unified=unified,
        )
        w.box.enqueue(notice, now=w.now)


def _head_name(w: _Writer, r: Resident) -> str:
    household = w.uow.households.get(r.household_id)
    head = w.uow.residents.get(household.head_id) if household and household.head_id else None
    return _name(head or r)[0]


def _move_out_certificates(w: _Writer, n: MoveOut, outcome: Outcome) -> None:
    """転出証明書情報 for the destination, fetched there by 住民票コード at a 特例転入."""
    destination = n.destination.municipality_code
    if destination is None:
        return
    for r in outcome.residents:
        plan = r.planned_move_out
        if plan is None or not r.is_living or r.resident_id not in n.resident_ids:
            continue
        kanji, kana = _name(r)
        japanese, foreign = r.japanese, r.foreign
        former = r.former_surname if r.former_surname and not r.former_surname.deleted_on else None
        head_name = _head_name(w, r)
        unified, missing = unified_texts(
            [
                ("name_kanji", kanji),
                ("address", r.address.text),
                ("destination_address", plan.destination.text),
                ("head_of_household", head_name),
                ("registered_domicile", japanese.registered_domicile if japanese else None),
                ("domicile_head", japanese.domicile_head if japanese else None),
                ("alias", foreign.alias if foreign else None),
                ("former_surname", former.surname if former else None),
            ]
        )
        if missing:
            w.problems += missing
            continue
        certificate = MoveOutCertificate(
            certificate_number=w.number("TS"),
            from_municipality_code=w.code,
            destination_municipality_code=destination,
            destination_address=plan.destination.text,
            planned_move_on=plan.planned_on,
            issued_on=w.today,
            resident_code=r.resident_code,
            my_number=r.my_number or "",
            name_kanji=kanji,
            name_kana=kana,
            birth_date=r.birth_date,
            sex=r.sex,
            postal_code=r.address.postal_code,
            address=r.address.text,
            head_of_household=head_name,
            relationship=r.relationship,
            registered_domicile=japanese.registered_domicile if japanese else None,
            domicile_head=japanese.domicile_head if japanese else None,
            nationality=foreign.nationality if foreign else None,
            category_30_45=foreign.category_30_45 if foreign else None,
            residence_status=foreign.residence_status if foreign else None,
            stay_expires_on=foreign.stay_expires_on if foreign else None,
            residence_card_number=foreign.residence_card_number if foreign else None,
            alias=foreign.alias if foreign else None,
            former_surname=former.surname if former else None,
            former_surname_kana=former.surname_kana if former else None,
            unified=unified,
        )
        w.box.enqueue(certificate, now=w.now)


def _withdrawn_certificates(
    w: _Writer, outcome: Outcome, befores: dict[str, Resident | None]
) -> None:
    """取下げ of the 転出証明書情報 of each person whose 転出 to another municipality no longer
    stands: still living here and no longer planning to leave (the 転出 cancelled)."""
    for r in outcome.residents:
        before = befores[r.resident_id]
        if before is None or before.planned_move_out is None:
            continue
        if before.planned_move_out.destination.municipality_code is None:
            continue  # 国外転出: no certificate was published
        if not r.is_living or r.planned_move_out is not None:
            continue
        withdrawal = MoveOutCertificateWithdrawal(
            withdrawal_number=w.number("TW"),
            from_municipality_code=w.code,
            resident_code=before.resident_code,
        )
        w.box.enqueue(withdrawal, now=w.now)


def _delivery_info(w: _Writer, recipients: list[Resident]) -> None:
    """送付先情報 of each new My Number recipient, addressed to the head of the household."""
    if not recipients:
        return
    office = delivery_office(w.uow, w.code)
    per_household: dict[str, int] = {}
    for r in recipients:
        per_household[r.household_id] = per_household.get(r.household_id, 0) + 1
    for r in recipients:
        household = w.uow.households.get(r.household_id)
        head = w.uow.residents.get(household.head_id) if household and household.head_id else None
        record = build_delivery_info(
            r,
            delivery_number=w.number("SF"),
            addressee=head or r,
            persons_count=per_household[r.household_id],
            municipality_code=w.code,
            office=office,
            processed_on=w.today,
            operator_id=w.operator_id,
            terminal_id=w.terminal_id,
        )
        found = check_delivery_info(record)
        if found:
            w.problems += found
            continue
        notice = DeliveryInfoNotice.build(w.code, record.delivery_number, record.content())
        w.box.enqueue(notice, now=w.now)


def due_to_send(uow: UnitOfWork) -> int:
    """How many messages wait in the outbox."""
    return outbox_of(uow).pending_count()


def identity_records(uow: UnitOfWork) -> Iterator[Any]:
    """The municipality's 本人確認情報ファイル in 住民票コード order."""
    return outbox_of(uow).identities.iter_sorted()
