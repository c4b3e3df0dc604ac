"""Bulk import and export of JSON Lines, for migrating a city from its old system
(``kure-juki import URL FILE``, ``kure-juki export URL FILE --approval TOKEN``).

One line is one household (世帯) with its persons::

    {"household_id": "5000000001", "formed_on": "2001-04-01", "head_id": "1000000001",
     "dissolved_on": null, "address": {"postal_code": "737-0045", "text": "…"},
     "persons": [{"resident_id": "1000000001", <the person of a move_in notification: names,
                  birth_date, sex, relationship, resident_code, my_number, 本籍・筆頭者 or the
                  foreign resident's items>, "became_resident_on": "…",
                  "became_resident_reason": "転入", "address_since": "…",
                  "address_notified_on": "…", "previous_address": {…}?, "address": {…}?,
                  "planned_move_out": {…}?, "deletion": {…}?, "register_items": {…}?}]}

``address`` of a person overrides the household's (a 除票 keeps its last address);
``register_items`` carries any other item of the record as the domain serialises it (旧氏,
通称履歴, 個別記載事項 …). Export writes the same shape, never with a My Number.

Every line is format-checked with the domain's person checks (:func:`check_person`) and
logic-checked (本籍 or 国籍 by kind, one head per household, dates in order and not in the
future, ids new, 住民票コード and My Number unique among living residents, in the file and in
the store). A bad line is reported with its number and codes (never a value) and skipped; the
others are imported. Lines are committed in batches, one transaction each, together with a
checkpoint naming the last line committed, so an import that crashed resumes after it; ids
already stored are refused anyway, so nothing is ever imported twice. Memory stays flat: the
file is streamed and only one batch is held.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from kure_juki.adapters.sqlalchemy import codec, dialect
from kure_juki.adapters.sqlalchemy.tables import (
    SEARCH_INDEXES,
    audit_log,
    audit_subjects,
    chain_head,
    code_pool,
    households,
    import_checkpoints,
    my_numbers,
    residents,
    sequences,
)
from kure_juki.adapters.sqlalchemy.vault import new_ref, number_context
from kure_juki.domain import audit as audit_chain
from kure_juki.domain.address import Address, OtherPlace
from kure_juki.domain.errors import Problem, RegistryError, problem
from kure_juki.domain.format_checks import (
    check_address,
    check_other_place,
    check_person,
    is_clean_text,
    is_valid_id,
)
from kure_juki.domain.household import Household
from kure_juki.domain.movement_record import split_secrets
from kure_juki.domain.movements.common import check_person_kind, new_resident, to_address
from kure_juki.domain.notifications import AddressEntry, OtherPlaceEntry, PersonEntry
from kure_juki.domain.parsing import parse_date
from kure_juki.domain.resident import HEAD, Deletion, PlannedMoveOut, Resident
from kure_juki.domain.serialization import resident_from_dict, resident_to_dict
from kure_juki.ports.clock import JST

if TYPE_CHECKING:
    from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore

PERSON_KEYS = frozenset(f.name for f in attrs.fields(PersonEntry))
DATE_PERSON_KEYS = frozenset({"birth_date", "stay_expires_on"})
REGISTER_KEYS = frozenset(
    {
        "resident_id",
        "became_resident_on",
        "became_resident_reason",
        "address_since",
        "address_notified_on",
        "previous_address",
        "address",
        "planned_move_out",
        "deletion",
        "register_items",
    }
)
HOUSEHOLD_KEYS = frozenset(
    {"household_id", "formed_on", "head_id", "dissolved_on", "address", "persons"}
)
# The service numbers residents 1 + 9 digits and households 5 + 9 digits: imported ids of
# that shape move the counters past them.
_SERVICE_IDS = {"resident": re.compile(r"\A1(\d{9})\Z"), "household": re.compile(r"\A5(\d{9})\Z")}
SYSTEM_OPERATOR = "SYSTEM"
CACHE_KIB = 64 * 1024  # SQLite page cache of the importing connection
WAL_PAGES = 64 * 1024  # pages between checkpoints while importing (256 MB of WAL)

ApprovalCheck = Callable[[str | None, int], None]
"""(approval token, records to export) -> None; raises AccessDenied to refuse."""


@attrs.frozen
class LineError:
    line: int
    codes: tuple[str, ...]
    where: tuple[str, ...]  # item paths (never a value)

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "codes": list(self.codes), "where": list(self.where)}


@attrs.define
class ImportReport:
    lines: int = 0  # lines read this run (after the checkpoint)
    skipped: int = 0  # lines committed by an earlier run
    households: int = 0
    residents: int = 0
    bad_lines: int = 0
    seconds: float = 0.0
    resumed_after: int = 0

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


class _Bad(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems


@attrs.frozen
class _Record:
    line: int
    household: Household
    residents: tuple[Resident, ...]


# -- parsing and checking one line (no database) -------------------------------------------
# Dates repeat a great deal in a register (a household shares its dates): parse each once.
_parse_date = functools.lru_cache(maxsize=1 << 16)(parse_date)


def _date(value: Any, where: str, found: list[Problem], *, required: bool = True) -> dt.date | None:
    if value is None:
        if required:
            found.append(problem("KJ-FMT-002", where.rsplit(".", 1)[-1], where))
        return None
    try:
        return _parse_date(value)
    except (TypeError, ValueError):
        found.append(problem("KJ-FMT-004", where.rsplit(".", 1)[-1], where))
        return None


def _place(value: Any, where: str, found: list[Problem]) -> OtherPlace | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not set(value) <= {"text", "municipality_code", "country"}:
        found.append(problem("KJ-STORE-021", where.rsplit(".", 1)[-1], where))
        return None
    if not all(isinstance(v, str) or v is None for v in value.values()) or not isinstance(
        value.get("text"), str
    ):
        found.append(problem("KJ-FMT-003", where.rsplit(".", 1)[-1], where))
        return None
    entry = OtherPlaceEntry(value["text"], value.get("municipality_code"), value.get("country"))
    found += check_other_place(entry, where, domestic=None)
    return OtherPlace(entry.text.strip(), entry.municipality_code, entry.country)


def _address(value: Any, where: str, found: list[Problem]) -> Address | None:
    if (
        not isinstance(value, dict)
        or set(value) != {"postal_code", "text"}
        or not all(isinstance(v, str) for v in value.values())
    ):
        found.append(problem("KJ-STORE-021", "address", where))
        return None
    entry = AddressEntry(value["postal_code"], value["text"])
    bad = check_address(entry, where)
    found += bad
    return None if bad else to_address(entry)


def _person(
    data: Any,
    where: str,
    household_id: str,
    default_address: Address | None,
    today: dt.date,
    found: list[Problem],
) -> Resident | None:
    if not isinstance(data, dict):
        found.append(problem("KJ-STORE-021", "persons", where))
        return None
    unknown = sorted(k for k in data if k not in PERSON_KEYS and k not in REGISTER_KEYS)
    found += [problem("KJ-FMT-001", str(k), f"{where}.{k}") for k in unknown]
    fields: dict[str, Any] = {}
    for key in PERSON_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if key in DATE_PERSON_KEYS:
            fields[key] = _date(value, f"{where}.{key}", found)
        elif isinstance(value, str):
            fields[key] = value
        else:
            found.append(problem("KJ-FMT-003", key, f"{where}.{key}"))
    for key in ("family_name", "given_name", "family_name_kana", "given_name_kana"):
        if key not in fields:
            found.append(problem("KJ-FMT-002", key, f"{where}.{key}"))
            fields[key] = ""
    entry = PersonEntry(**fields)
    own = check_person(entry, where)
    found += own
    if not own:
        found += check_person_kind(entry, where)
    rid = data.get("resident_id")
    if not isinstance(rid, str) or not is_valid_id(rid):
        found.append(problem("KJ-FMT-017", "resident_id", f"{where}.resident_id"))
    if entry.resident_code is None:
        found.append(problem("KJ-FMT-002", "resident_code", f"{where}.resident_code"))
    became = _date(data.get("became_resident_on"), f"{where}.became_resident_on", found)
    since = _date(data.get("address_since"), f"{where}.address_since", found)
    notified = _date(data.get("address_notified_on"), f"{where}.address_notified_on", found)
    reason = data.get("became_resident_reason")
    if not isinstance(reason, str) or not is_clean_text(reason, 40):
        found.append(
            problem("KJ-FMT-015", "became_resident_reason", f"{where}.became_resident_reason")
        )
    previous = _place(data.get("previous_address"), f"{where}.previous_address", found)
    address = (
        _address(data["address"], f"{where}.address", found)
        if data.get("address") is not None
        else default_address
    )
    planned = _planned(data.get("planned_move_out"), f"{where}.planned_move_out", found)
    deletion = _deletion(data.get("deletion"), f"{where}.deletion", found)
    birth = entry.birth_date
    if birth is not None and birth > today:
        found.append(problem("KJ-LOGIC-004", "birth_date", f"{where}.birth_date"))
    for item, value in (("became_resident_on", became), ("address_since", since)):
        if value is not None and (value > today or (birth is not None and value < birth)):
            found.append(problem("KJ-STORE-025", item, f"{where}.{item}"))
    if found or address is None:
        return None
    assert became is not None and since is not None and notified is not None
    resident = new_resident(
        entry,
        resident_id=rid,  # type: ignore[arg-type]
        household_id=household_id,
        resident_code=entry.resident_code,  # type: ignore[arg-type]
        my_number=entry.my_number,
        relationship=entry.relationship or "",
        address=address,
        occurred_on=became,
        notified_on=notified,
        reason=reason,  # type: ignore[arg-type]
        previous=previous,
    )
    if since != became or planned is not None or deletion is not None:
        resident = attrs.evolve(
            resident, address_since=since, planned_move_out=planned, deletion=deletion
        )
    items = data.get("register_items")
    if items is not None:
        resident = _with_items(resident, items, where, found)
    return resident


def _with_items(r: Resident, items: Any, where: str, found: list[Problem]) -> Resident:
    protected = {"resident_id", "household_id", "resident_code", "my_number", "version"}
    if not isinstance(items, dict) or protected & set(items):
        found.append(problem("KJ-STORE-021", "register_items", f"{where}.register_items"))
        return r
    try:
        return resident_from_dict({**resident_to_dict(r), **items})
    except Exception:  # cattrs reports through exception groups of any kind
        found.append(problem("KJ-FMT-003", "register_items", f"{where}.register_items"))
        return r


def _planned(value: Any, where: str, found: list[Problem]) -> PlannedMoveOut | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not set(value) <= {
        "planned_on",
        "notified_on",
        "destination",
        "ex_officio",
    }:
        found.append(problem("KJ-STORE-021", "planned_move_out", where))
        return None
    planned_on = _date(value.get("planned_on"), f"{where}.planned_on", found)
    notified_on = _date(value.get("notified_on"), f"{where}.notified_on", found)
    destination = _place(value.get("destination"), f"{where}.destination", found)
    ex_officio = value.get("ex_officio", False)
    if not isinstance(ex_officio, bool):
        found.append(problem("KJ-FMT-003", "ex_officio", f"{where}.ex_officio"))
    if planned_on is None or notified_on is None or destination is None:
        if destination is None and value.get("destination") is None:
            found.append(problem("KJ-FMT-002", "destination", f"{where}.destination"))
        return None
    return PlannedMoveOut(planned_on, notified_on, destination, bool(ex_officio))


def _deletion(value: Any, where: str, found: list[Problem]) -> Deletion | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not set(value) <= {"deleted_on", "reason", "destination"}:
        found.append(problem("KJ-STORE-021", "deletion", where))
        return None
    deleted_on = _date(value.get("deleted_on"), f"{where}.deleted_on", found)
    reason = value.get("reason")
    if not isinstance(reason, str) or not is_clean_text(reason, 40):
        found.append(problem("KJ-FMT-015", "reason", f"{where}.reason"))
        return None
    destination = _place(value.get("destination"), f"{where}.destination", found)
    if deleted_on is None:
        return None
    return Deletion(deleted_on, reason, destination)


def parse_line(text: str, line: int, today: dt.date) -> _Record:
    """The household and residents of one line; _Bad with every problem found otherwise."""
    found: list[Problem] = []
    try:
        data = json.loads(text)
    except ValueError:
        raise _Bad([problem("KJ-STORE-020")]) from None
    if not isinstance(data, dict) or not isinstance(data.get("persons"), list):
        raise _Bad([problem("KJ-STORE-021")])
    found += [problem("KJ-FMT-001", str(k), str(k)) for k in data if k not in HOUSEHOLD_KEYS]
    hid = data.get("household_id")
    if not isinstance(hid, str) or not is_valid_id(hid):
        found.append(problem("KJ-FMT-017", "household_id", "household_id"))
        hid = ""
    formed = _date(data.get("formed_on"), "formed_on", found)
    dissolved = _date(data.get("dissolved_on"), "dissolved_on", found, required=False)
    address = _address(data.get("address"), "address", found)
    people = [
        _person(p, f"persons[{i}]", hid, address, today, found)
        for i, p in enumerate(data["persons"])
    ]
    if not people and dissolved is None:
        found.append(problem("KJ-FMT-019", "persons", "persons"))
    if found:
        raise _Bad(found)
    living = [r for r in people if r is not None and r.is_living]
    heads = [r for r in living if r.relationship == HEAD]
    # A household awaiting a 世帯主変更 has no head: said so by an explicit null head_id.
    explicit = "head_id" in data
    head_id = data.get("head_id") if explicit else (heads[0].resident_id if heads else None)
    if head_id is not None and not isinstance(head_id, str):
        found.append(problem("KJ-FMT-017", "head_id", "head_id"))
    elif len(heads) > 1 or (living and not heads and not explicit):
        found.append(problem("KJ-LOGIC-008", "relationship", "persons"))
    elif (head_id is None) != (not heads) or (heads and head_id != heads[0].resident_id):
        found.append(problem("KJ-STORE-024", "head_id", "head_id"))
    if living and dissolved is not None:
        found.append(problem("KJ-STORE-027", "dissolved_on", "dissolved_on"))
    ids = [r.resident_id for r in people if r is not None]
    if len(set(ids)) != len(ids):
        found.append(problem("KJ-STORE-022", "resident_id", "persons"))
    if found:
        raise _Bad(found)
    assert formed is not None
    household = Household(hid, head_id, formed, dissolved)
    return _Record(line, household, tuple(r for r in people if r is not None))


@attrs.frozen
class _Person:
    resident_id: str
    resident_code: str
    living: bool
    my_number: str | None
    row: dict[str, Any]  # the residents row, without its vault ref


@attrs.frozen
class _Prepared:
    """A checked line as rows, ready for the store's checks and insertion."""

    line: int
    household_id: str
    household_row: dict[str, Any]
    people: tuple[_Person, ...]


@attrs.frozen
class _Failed:
    line: int
    problems: tuple[Problem, ...]


def prepare(chunk: list[tuple[int, bytes]], today: dt.date) -> list[_Prepared | _Failed]:
    """Parse, check and turn into rows a chunk of lines (no database)."""
    out: list[_Prepared | _Failed] = []
    for line, raw in chunk:
        try:
            record = parse_line(raw.decode("utf-8"), line, today)
        except _Bad as exc:
            out.append(_Failed(line, tuple(exc.problems)))
            continue
        except UnicodeDecodeError:
            out.append(_Failed(line, (problem("KJ-STORE-020"),)))
            continue
        out.append(
            _Prepared(
                line,
                record.household.household_id,
                codec.HOUSEHOLDS.to_row(record.household),
                tuple(
                    _Person(
                        r.resident_id,
                        r.resident_code,
                        r.is_living,
                        r.my_number,
                        codec.RESIDENTS.to_row(r),
                    )
                    for r in record.residents
                ),
            )
        )
    return out


# -- the batch: checks against the store, then one transaction ---------------------------
class _Importer:
    def __init__(
        self,
        store: SqlAlchemyStore,
        source: str,
        now: Callable[[], dt.datetime],
        report: ImportReport,
        on_error: Callable[[LineError], None],
    ) -> None:
        self.store = store
        self.source = source
        self.now = now
        self.report = report
        self.on_error = on_error
        self.cipher = store.vault.cipher
        self.vault_shared = store.vault_engine is None

    def bad(self, line: int, problems: Iterable[Problem]) -> None:
        found = list(problems)
        self.report.bad_lines += 1
        self.on_error(
            LineError(line, tuple(p.code for p in found), tuple(p.where or "" for p in found))
        )

    def _existing(
        self,
        conn: sa.Connection,
        column: sa.Column[Any],
        values: list[Any],
        *where: sa.ColumnElement[bool],
    ) -> set[Any]:
        found: set[Any] = set()
        for batch in dialect.chunks(values):
            found.update(conn.execute(sa.select(column).where(column.in_(batch), *where)).scalars())
        return found

    def commit_batch(
        self,
        conn: sa.Connection,
        vconn: sa.Connection | None,
        batch: list[_Prepared],
        last_line: int,
        bad_in_batch: int,
    ) -> None:
        """Check *batch* against the store and write it, with the checkpoint, in one
        transaction under the writer lock."""
        dialect.lock_writer(conn)
        vault = vconn if vconn is not None else conn
        if vconn is not None:
            dialect.begin_write(vconn)
        people = [p for rec in batch for p in rec.people]
        ids = self._existing(conn, residents.c.resident_id, [p.resident_id for p in people])
        hids = self._existing(conn, households.c.household_id, [rec.household_id for rec in batch])
        codes = self._existing(
            conn,
            residents.c.resident_code,
            [p.resident_code for p in people if p.living],
            residents.c.living,
        )
        blinds = {p.resident_id: self.cipher.blind(p.my_number) for p in people if p.my_number}
        taken_blinds = self._living_blinds(conn, vault, list(blinds.values()))
        seen_ids: set[str] = set()
        seen_hids: set[str] = set()
        seen_codes: set[str] = set()
        seen_blinds: set[bytes] = set()
        good: list[_Prepared] = []
        for rec in batch:
            found: list[Problem] = []
            if rec.household_id in hids or rec.household_id in seen_hids:
                found.append(problem("KJ-STORE-023", "household_id", "household_id"))
            for i, p in enumerate(rec.people):
                where = f"persons[{i}]"
                if p.resident_id in ids or p.resident_id in seen_ids:
                    found.append(problem("KJ-STORE-022", "resident_id", f"{where}.resident_id"))
                if p.living:
                    if p.resident_code in codes or p.resident_code in seen_codes:
                        found.append(
                            problem("KJ-LOGIC-001", "resident_code", f"{where}.resident_code")
                        )
                    blind = blinds.get(p.resident_id)
                    if blind is not None and (blind in taken_blinds or blind in seen_blinds):
                        found.append(problem("KJ-LOGIC-002", "my_number", f"{where}.my_number"))
            if found:
                self.bad(rec.line, found)
                bad_in_batch += 1
                continue
            good.append(rec)
            seen_hids.add(rec.household_id)
            for p in rec.people:
                seen_ids.add(p.resident_id)
                if p.living:
                    seen_codes.add(p.resident_code)
                    if p.resident_id in blinds:
                        seen_blinds.add(blinds[p.resident_id])
        self._write(conn, vault, good, blinds)
        residents_written = sum(len(rec.people) for rec in good)
        self._checkpoint(conn, last_line, residents_written, bad_in_batch)
        if good:
            self._audit(conn, good)
        if vconn is not None:
            vconn.commit()
        conn.commit()
        self.report.households += len(good)
        self.report.residents += residents_written

    def _living_blinds(
        self, conn: sa.Connection, vault: sa.Connection, wanted: list[bytes]
    ) -> set[bytes]:
        if not wanted:
            return set()
        found: set[bytes] = set()
        for batch in dialect.chunks(wanted):
            if self.vault_shared:
                rows = conn.execute(
                    sa.select(my_numbers.c.blind)
                    .join(residents, residents.c.my_number_ref == my_numbers.c.ref)
                    .where(my_numbers.c.blind.in_(batch), residents.c.living)
                )
                found.update(bytes(b) for (b,) in rows)
            else:
                pairs = vault.execute(
                    sa.select(my_numbers.c.ref, my_numbers.c.blind).where(
                        my_numbers.c.blind.in_(batch)
                    )
                ).all()
                refs = {ref: bytes(b) for ref, b in pairs}
                if refs:
                    living = self._existing(
                        conn, residents.c.my_number_ref, list(refs), residents.c.living
                    )
                    found.update(refs[ref] for ref in living)
        return found

    def _write(
        self,
        conn: sa.Connection,
        vault: sa.Connection,
        good: list[_Prepared],
        blinds: dict[str, bytes],
    ) -> None:
        if not good:
            return
        kid = self.cipher.current_key_id()
        vault_rows = []
        resident_rows = []
        for rec in good:
            for p in rec.people:
                ref = None
                if p.my_number is not None:
                    ref = new_ref(p.resident_id)
                    _, box = self.cipher.seal(
                        p.my_number.encode(), number_context(p.resident_id), kid
                    )
                    vault_rows.append(
                        {
                            "ref": ref,
                            "resident_id": p.resident_id,
                            "key_id": kid,
                            "box": box,
                            "blind": blinds[p.resident_id],
                        }
                    )
                resident_rows.append({**p.row, "my_number_ref": ref})
        if vault_rows:
            self.store.vault.session(lambda: vault).ensure_key_check(kid)
            vault.execute(my_numbers.insert(), vault_rows)
        conn.execute(residents.insert(), resident_rows)
        conn.execute(households.insert(), [rec.household_row for rec in good])
        conn.execute(
            chain_head.update()
            .where(chain_head.c.name == "audit")
            .values(generation=chain_head.c.generation + 1)
        )
        imported_codes = [p.resident_code for rec in good for p in rec.people]
        for batch in dialect.chunks(imported_codes):
            conn.execute(code_pool.delete().where(code_pool.c.code.in_(batch)))
        counters = {
            "resident": [p.resident_id for rec in good for p in rec.people],
            "household": [rec.household_id for rec in good],
        }
        for name, pattern in _SERVICE_IDS.items():
            values = [int(m.group(1)) for i in counters[name] for m in [pattern.match(i)] if m]
            if values:
                statement = dialect.insert(conn, sequences).values(name=name, value=max(values))
                larger = (
                    sa.func.max(sequences.c.value, statement.excluded.value)
                    if dialect.is_sqlite(conn)
                    else sa.func.greatest(sequences.c.value, statement.excluded.value)
                )
                conn.execute(
                    statement.on_conflict_do_update(
                        index_elements=[sequences.c.name], set_={"value": larger}
                    )
                )

    def _checkpoint(self, conn: sa.Connection, last_line: int, records: int, bad: int) -> None:
        statement = dialect.insert(conn, import_checkpoints).values(
            source=self.source,
            last_line=last_line,
            records=records,
            bad_lines=bad,
            finished=False,
        )
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[import_checkpoints.c.source],
                set_={
                    "last_line": statement.excluded.last_line,
                    "records": import_checkpoints.c.records + statement.excluded.records,
                    "bad_lines": import_checkpoints.c.bad_lines + statement.excluded.bad_lines,
                },
            )
        )

    def _audit(self, conn: sa.Connection, good: list[_Prepared]) -> None:
        detail = {
            "source": self.source[:16],
            "households": len(good),
            "residents": sum(len(rec.people) for rec in good),
            "first_line": good[0].line,
            "last_line": good[-1].line,
        }
        append_audit(conn, self.now(), operation="import", detail=detail)


def append_audit(
    conn: sa.Connection,
    now: dt.datetime,
    *,
    operation: str,
    detail: dict[str, Any],
    operator_id: str = SYSTEM_OPERATOR,
    outcome: str = "ok",
    code: str | None = None,
) -> audit_chain.AuditEntry:
    """Extend the audit chain inside *conn*'s transaction (its writer lock held)."""
    row = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).first()
    last = codec.AUDIT.from_row(row._mapping) if row is not None else None
    entry = audit_chain.seal(
        audit_chain.AuditEntry(
            seq=(last.seq + 1) if last else 1,
            at=now.astimezone(JST).isoformat(),
            operator_id=operator_id,
            terminal_id="CLI",
            purpose="resident_records",
            operation=operation,
            outcome=outcome,  # type: ignore[arg-type]
            code=code,
            detail=detail,
        ),
        last.hash if last else audit_chain.GENESIS,
    )
    conn.execute(audit_log.insert(), [codec.AUDIT.to_row(entry)])
    if entry.subject_ids:
        conn.execute(
            audit_subjects.insert(),
            [
                {"seq": entry.seq, "position": i, "subject_id": s}
                for i, s in enumerate(entry.subject_ids)
            ],
        )
    return entry


def fingerprint(path: Path) -> str:
    """Identifies an import file: its size and the digest of its first megabyte."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(str(path.stat().st_size).encode())
    with open(path, "rb") as fh:
        digest.update(fh.read(1 << 20))
    return digest.hexdigest()


class Progress:
    """A progress bar on a text stream (stderr), redrawn at most ten times a second."""

    def __init__(self, total: int, stream: IO[str] | None = None, width: int = 30) -> None:
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.started = time.monotonic()
        self._last = 0.0

    def update(self, done: int, records: int, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < 0.1:
            return
        self._last = now
        share = min(done / self.total, 1.0)
        filled = int(share * self.width)
        rate = records / max(now - self.started, 1e-9)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {share * 100:5.1f}% "
            f"{records} records {rate:,.0f}/s"
        )
        if final:
            self.stream.write("\n")
        self.stream.flush()


def _chunks(
    fh: IO[bytes], skip: int, size: int, report: ImportReport
) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for line, raw in enumerate(fh, start=1):
        if line <= skip:
            report.skipped += 1
            continue
        report.lines += 1
        if raw.strip():
            chunk.append((line, raw))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_jsonl(
    store: SqlAlchemyStore,
    path: str | os.PathLike[str],
    *,
    batch_lines: int = 2000,
    today: dt.date | None = None,
    now: Callable[[], dt.datetime] | None = None,
    on_error: Callable[[LineError], None] | None = None,
    progress: bool | IO[str] = False,
    stop_after: int | None = None,
) -> ImportReport:
    """Import the JSON Lines file at *path* into *store* (see the module docstring).

    ``stop_after`` stops after that many batches (a test's simulated crash).
    """
    clock = now or (lambda: dt.datetime.now(JST))
    day = today or clock().astimezone(JST).date()
    file = Path(path)
    source = fingerprint(file)
    report = ImportReport()
    errors = on_error or (lambda e: None)
    importer = _Importer(store, source, clock, report, errors)
    started = time.monotonic()
    with store.engine.connect() as conn:
        resume = conn.execute(
            sa.select(import_checkpoints.c.last_line).where(import_checkpoints.c.source == source)
        ).scalar()
        empty = conn.execute(sa.select(residents.c.resident_id).limit(1)).first() is None
        conn.rollback()
    report.resumed_after = int(resume or 0)
    if empty and resume is None:
        # A first migration into an empty register: build the search indexes once at the end
        # (sorting a million keys) instead of inserting into them a million times.
        set_search_indexes(store.engine, present=False)
    bar = (
        Progress(file.stat().st_size, None if progress is True else progress) if progress else None
    )
    vconn = store.vault_engine.connect() if store.vault_engine is not None else None
    batches = 0
    try:
        with store.engine.connect() as conn, open(file, "rb") as fh:
            tune = dialect.is_sqlite(conn)
            if tune:
                # Index pages of a large register stay in memory between batches, and the WAL
                # is checkpointed every few hundred megabytes rather than every four: a page
                # that many batches change is then copied into the database once.
                conn.exec_driver_sql(f"PRAGMA cache_size=-{CACHE_KIB}")
                conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")
            try:
                batch: list[_Prepared] = []
                bad = 0
                last = report.resumed_after
                chunk_size = max(1, min(500, batch_lines))
                for results in (prepare(c, day) for c in _chunks(fh, last, chunk_size, report)):
                    for result in results:
                        if isinstance(result, _Failed):
                            importer.bad(result.line, result.problems)
                            bad += 1
                        else:
                            batch.append(result)
                        last = result.line
                    if len(batch) + bad >= batch_lines:
                        importer.commit_batch(conn, vconn, batch, last, bad)
                        batch, bad = [], 0
                        batches += 1
                        if bar:
                            bar.update(fh.tell(), report.residents)
                        if stop_after is not None and batches >= stop_after:
                            return report
                importer.commit_batch(
                    conn, vconn, batch, max(last, report.lines + report.skipped), bad
                )
                set_search_indexes(store.engine, present=True)
                dialect.begin_write(conn)
                conn.execute(
                    import_checkpoints.update()
                    .where(import_checkpoints.c.source == source)
                    .values(finished=True)
                )
                conn.commit()
                if bar:
                    bar.update(fh.tell(), report.residents, final=True)
            finally:
                if tune:
                    conn.rollback()
                    conn.exec_driver_sql("PRAGMA wal_autocheckpoint=1000")
                    conn.exec_driver_sql("PRAGMA cache_size=-2000")
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        if vconn is not None:
            vconn.close()
        report.seconds = time.monotonic() - started
    return report


def set_search_indexes(engine: sa.Engine, *, present: bool) -> None:
    """Create (or drop) the search indexes of residents, as the schema at head defines them."""
    wanted = [ix for ix in residents.indexes if ix.name in SEARCH_INDEXES]
    with engine.connect() as conn:
        dialect.begin_write(conn)
        for index in wanted:
            if present:
                index.create(conn, checkfirst=True)
            else:
                index.drop(conn, checkfirst=True)
        conn.commit()


# -- export ------------------------------------------------------------------------------
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
