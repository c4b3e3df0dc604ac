"""Export of the register as JSON Lines (``kure-juki export URL FILE --approval TOKEN``): the
import's shape (see :mod:`kure_juki.adapters.sqlalchemy.bulk`), never with a My Number, only with
the supervisor's prior approval (一括出力の事前承認), audited either way."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

import sqlalchemy as sa

from kure_juki.adapters.sqlalchemy import codec, dialect
from kure_juki.adapters.sqlalchemy.bulk import SYSTEM_OPERATOR, append_audit
from kure_juki.adapters.sqlalchemy.tables import (
    residents,
)
from kure_juki.domain.address import Address
from kure_juki.domain.errors import RegistryError
from kure_juki.domain.movement_record import split_secrets
from kure_juki.domain.resident import Resident
from kure_juki.domain.serialization import resident_to_dict
from kure_juki.ports.clock import JST

if TYPE_CHECKING:
    from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore


ApprovalCheck = Callable[[str | None, int], None]
"""(approval token, records to export) -> None; raises AccessDenied to refuse."""

_PERSON_SCHEMA_ITEMS = {
    "resident_id",
    "household_id",
    "resident_code",
    "my_number",
    "name",
    "birth_date",
    "sex",
    "relationship",
    "kind",
    "address",
    "address_since",
    "address_notified_on",
    "became_resident_on",
    "became_resident_reason",
    "previous_address",
    "japanese",
    "planned_move_out",
    "deletion",
    "version",
}


def person_line(r: Resident, household_address: Address | None) -> dict[str, Any]:
    """A resident in the import schema, without My Number."""
    data = resident_to_dict(r)
    out: dict[str, Any] = {
        "resident_id": r.resident_id,
        "family_name": r.name.family_name,
        "given_name": r.name.given_name,
        "family_name_kana": r.name.family_name_kana,
        "given_name_kana": r.name.given_name_kana,
        "birth_date": r.birth_date.isoformat(),
        "sex": r.sex,
        "relationship": r.relationship,
        "resident_code": r.resident_code,
        "became_resident_on": r.became_resident_on.isoformat(),
        "became_resident_reason": r.became_resident_reason,
        "address_since": r.address_since.isoformat(),
        "address_notified_on": r.address_notified_on.isoformat(),
    }
    if r.japanese is not None:
        out["registered_domicile"] = r.japanese.registered_domicile
        out["domicile_head"] = r.japanese.domicile_head
    if r.foreign is not None:
        f = r.foreign
        out["nationality"] = f.nationality
        out["category_30_45"] = f.category_30_45
        for key in ("residence_status", "residence_card_number", "alias"):
            if getattr(f, key) is not None:
                out[key] = getattr(f, key)
        if f.stay_expires_on is not None:
            out["stay_expires_on"] = f.stay_expires_on.isoformat()
    for key in ("previous_address", "planned_move_out", "deletion"):
        if data.get(key) is not None:
            out[key] = data[key]
    if household_address is None or r.address != household_address:
        out["address"] = r.address.to_dict()
    extra = {k: v for k, v in data.items() if k not in _PERSON_SCHEMA_ITEMS}
    if extra and any(v not in (None, [], ()) for v in extra.values()):
        out["register_items"] = extra
    cleaned, _ = split_secrets(out, "person")  # never a My Number, wherever it hides
    return cleaned


def _household_lines(store: SqlAlchemyStore) -> Iterator[dict[str, Any]]:
    """Households in id order with their residents (a merge of two ordered streams)."""
    with store.unit_of_work() as uow:
        people = iter(_residents_by_household(store))
        pending: Resident | None = next(people, None)
        for h in uow.households.iter_all():
            members: list[Resident] = []
            while pending is not None and pending.household_id <= h.household_id:
                if pending.household_id == h.household_id:
                    members.append(pending)
                pending = next(people, None)
            living = [m for m in members if m.is_living]
            first = (living or members)[:1]
            home = first[0].address if first else None
            line: dict[str, Any] = {
                "household_id": h.household_id,
                "formed_on": h.formed_on.isoformat(),
                "head_id": h.head_id,
                "dissolved_on": h.dissolved_on.isoformat() if h.dissolved_on else None,
                "persons": [person_line(m, home) for m in members],
            }
            if home is not None:
                line["address"] = home.to_dict()
            yield line


def _residents_by_household(store: SqlAlchemyStore) -> Iterator[Resident]:
    """Every resident ordered by (household, id), streamed without My Numbers."""
    last: tuple[str, str] | None = None
    page = 1000
    with store.engine.connect() as conn:
        while True:
            query = sa.select(residents).order_by(residents.c.household_id, residents.c.resident_id)
            if last is not None:
                query = query.where(
                    sa.tuple_(residents.c.household_id, residents.c.resident_id) > sa.tuple_(*last)
                )
            rows = conn.execute(query.limit(page)).all()
            for row in rows:
                yield codec.RESIDENTS.from_row(row._mapping, my_number=None)
            if len(rows) < page:
                break
            last = (rows[-1].household_id, rows[-1].resident_id)
        conn.rollback()


def export_jsonl(
    store: SqlAlchemyStore,
    out: IO[bytes],
    *,
    approval: str | None,
    approve: ApprovalCheck | None,
    now: Callable[[], dt.datetime] | None = None,
    operator_id: str = SYSTEM_OPERATOR,
) -> int:
    """Write every household to *out*; returns the number of persons written.

    *approve* is the access layer's check of the manager's prior approval (一括出力の事前承認):
    called with the token and the number of records before anything is written; without one,
    nothing is exported. The export (or its refusal) is audited.
    """
    clock = now or (lambda: dt.datetime.now(JST))
    with store.engine.connect() as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(residents)).scalar_one())
        conn.rollback()
    try:
        if approve is None:
            raise RegistryError("KJ-STORE-030")
        approve(approval, total)
    except RegistryError as refusal:
        _audit_now(
            store, clock(), "export", {"records": total}, operator_id, "refused", refusal.code
        )
        raise
    written = 0
    for line in _household_lines(store):
        out.write((json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
        written += len(line["persons"])
    _audit_now(store, clock(), "export", {"records": written}, operator_id, "ok", None)
    return written


def _audit_now(
    store: SqlAlchemyStore,
    when: dt.datetime,
    operation: str,
    detail: dict[str, Any],
    operator_id: str,
    outcome: str,
    code: str | None,
) -> None:
    with store.engine.connect() as conn:
        dialect.lock_writer(conn)
        append_audit(
            conn,
            when,
            operation=operation,
            detail=detail,
            operator_id=operator_id,
            outcome=outcome,
            code=code,
        )
        conn.commit()
