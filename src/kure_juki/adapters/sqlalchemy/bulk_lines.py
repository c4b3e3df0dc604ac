"""One line of a JSON Lines migration file, parsed and checked, as table rows (no database).

The import (:mod:`kure_juki.adapters.sqlalchemy.bulk`) runs :func:`prepare` on chunks of lines,
in worker processes when the file is large: every check that needs only the line itself happens
here (format checks of each person, 本籍 or 国籍 by kind, one head per household, dates in order
and not in the future); the checks against the store (ids new, 住民票コード and My Number unique
among the living) happen in the importing process, one batch at a time.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any, NamedTuple

import attrs
import sqlalchemy as sa
from sqlalchemy import dialects as sa_dialects

from kure_juki.adapters.sqlalchemy import codec
from kure_juki.adapters.sqlalchemy.tables import households, residents
from kure_juki.domain.address import Address, OtherPlace
from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.format_checks import (
    check_address,
    check_other_place,
    check_person,
    is_clean_text,
    is_valid_id,
)
from kure_juki.domain.household import Household
from kure_juki.domain.movements.common import check_person_kind, new_resident, to_address
from kure_juki.domain.notifications import AddressEntry, OtherPlaceEntry, PersonEntry
from kure_juki.domain.parsing import parse_date
from kure_juki.domain.recorded_date import parse_recorded_date
from kure_juki.domain.resident import HEAD, Deletion, MoveInNoticeFacts, PlannedMoveOut, Resident
from kure_juki.domain.serialization import resident_from_dict, resident_to_dict

# A date as the 戸籍 records it travels in register_items.as_recorded (checked there), not as
# a person item of its own.
PERSON_KEYS = frozenset(f.name for f in attrs.fields(PersonEntry)) - {"birth_date_as_recorded"}
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
KNOWN_PERSON_KEYS = PERSON_KEYS | REGISTER_KEYS
HOUSEHOLD_KEYS = frozenset(
    {"household_id", "formed_on", "head_id", "dissolved_on", "address", "persons"}
)
# The service numbers residents 1 + 9 digits and households 5 + 9 digits: imported ids of
# that shape move the counters past them.


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
    unknown = sorted(k for k in data if k not in KNOWN_PERSON_KEYS)
    found += [problem("KJ-FMT-001", str(k), f"{where}.{k}") for k in unknown]
    fields: dict[str, Any] = {}
    for key, value in data.items():
        if value is None or key not in PERSON_KEYS:
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
    before = len(found)
    _check_as_recorded(items.get("as_recorded"), f"{where}.register_items.as_recorded", found)
    if len(found) > before:
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
    if not isinstance(value, dict) or not set(value) <= {
        "deleted_on",
        "reason",
        "destination",
        "deleted_on_as_recorded",
        "planned_on",
        "confirmed",
    }:
        found.append(problem("KJ-STORE-021", "deletion", where))
        return None
    written = value.get("deleted_on_as_recorded")
    if written is not None and not _is_recorded_text(written):
        found.append(problem("KJ-FMT-701", "deleted_on", f"{where}.deleted_on_as_recorded"))
        return None
    deleted_on = _date(value.get("deleted_on"), f"{where}.deleted_on", found)
    reason = value.get("reason")
    if not isinstance(reason, str) or not is_clean_text(reason, 40):
        found.append(problem("KJ-FMT-015", "reason", f"{where}.reason"))
        return None
    destination = _place(value.get("destination"), f"{where}.destination", found)
    planned_on = (
        _date(value["planned_on"], f"{where}.planned_on", found)
        if value.get("planned_on") is not None
        else None
    )
    confirmed = _move_in_notice(value.get("confirmed"), f"{where}.confirmed", found)
    if deleted_on is None:
        return None
    return Deletion(
        deleted_on,
        reason,
        destination,
        planned_on=planned_on,
        confirmed=confirmed,
        deleted_on_as_recorded=written,
    )


def _move_in_notice(value: Any, where: str, found: list[Problem]) -> MoveInNoticeFacts | None:
    """A 除票's 転入通知 facts (標準4.1.3.1.1), kept beside the planned 転出."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"received_on", "moved_in_on", "destination"}:
        found.append(problem("KJ-STORE-021", "deletion", where))
        return None
    received = _date(value.get("received_on"), f"{where}.received_on", found)
    moved_in = _date(value.get("moved_in_on"), f"{where}.moved_in_on", found)
    destination = _place(value.get("destination"), f"{where}.destination", found)
    if received is None or moved_in is None or destination is None:
        return None
    return MoveInNoticeFacts(received, moved_in, destination)


def _is_recorded_text(value: Any) -> bool:
    try:
        parse_recorded_date(value)
    except (TypeError, ValueError):
        return False
    return True


def _check_as_recorded(value: Any, where: str, found: list[Problem]) -> None:
    """register_items.as_recorded: each date item's text must be one the register accepts."""
    if value is None:
        return
    if not isinstance(value, dict):
        found.append(problem("KJ-FMT-003", "as_recorded", where))
        return
    for item, text in value.items():
        if text is not None and not _is_recorded_text(text):
            found.append(problem("KJ-FMT-701", str(item), f"{where}.{item}"))


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


class RowEncoder:
    """Rows as tuples in the tables' column order, with each column's bind processing for one
    SQL dialect already applied, so the importing process hands them to the driver as they are.

    ``dialect`` is a SQLAlchemy dialect name ("sqlite.pysqlite", "postgresql.psycopg"); None
    keeps Python values (dates as dates) for SQLAlchemy to process.
    """

    def __init__(self, dialect: str | None) -> None:
        columns = residents.columns
        self.resident_columns = tuple(c.name for c in columns if c.name != "my_number_ref")
        self.household_columns = tuple(c.name for c in households.columns)
        engine_dialect = sa_dialects.registry.load(dialect)() if dialect is not None else None

        def processors(table: sa.Table, names: tuple[str, ...]) -> list[tuple[int, Any]]:
            """(position, bind processor) of the columns that have one for this dialect."""
            if engine_dialect is None:
                return []
            found = [
                table.c[name].type.dialect_impl(engine_dialect).bind_processor(engine_dialect)
                for name in names
            ]
            return [(i, process) for i, process in enumerate(found) if process is not None]

        self._resident = (self.resident_columns, processors(residents, self.resident_columns))
        self._household = (self.household_columns, processors(households, self.household_columns))

    @staticmethod
    def _encode(row: dict[str, Any], columns: tuple[tuple[str, ...], list[Any]]) -> tuple[Any, ...]:
        names, process = columns
        values = [row[name] for name in names]
        for i, convert in process:
            if values[i] is not None:
                values[i] = convert(values[i])
        return tuple(values)

    def resident(self, row: dict[str, Any]) -> tuple[Any, ...]:
        return self._encode(row, self._resident)

    def household(self, row: dict[str, Any]) -> tuple[Any, ...]:
        return self._encode(row, self._household)


@functools.cache
def encoder_for(dialect: str | None) -> RowEncoder:
    return RowEncoder(dialect)


# Named tuples, not attrs classes: these cross a pipe from the workers by the hundred thousand,
# and a tuple unpickles several times faster than a slotted class.
class PreparedPerson(NamedTuple):
    resident_id: str
    resident_code: str
    living: bool
    my_number: str | None
    values: tuple[Any, ...]  # the residents row (RowEncoder.resident_columns), no vault ref


class Prepared(NamedTuple):
    """A checked line as rows, ready for the store's checks and insertion."""

    line: int
    household_id: str
    household_values: tuple[Any, ...]  # RowEncoder.household_columns
    people: tuple[PreparedPerson, ...]


class Failed(NamedTuple):
    line: int
    problems: tuple[Problem, ...]


def prepare(
    chunk: list[tuple[int, bytes]], today: dt.date, dialect: str | None = None
) -> list[Prepared | Failed]:
    """Parse, check and turn into rows (for *dialect*, see :class:`RowEncoder`) a chunk of
    lines. Needs no database, so it runs in worker processes."""
    encoder = encoder_for(dialect)
    out: list[Prepared | Failed] = []
    for line, raw in chunk:
        try:
            record = parse_line(raw.decode("utf-8"), line, today)
        except _Bad as exc:
            out.append(Failed(line, tuple(exc.problems)))
            continue
        except UnicodeDecodeError:
            out.append(Failed(line, (problem("KJ-STORE-020"),)))
            continue
        out.append(
            Prepared(
                line,
                record.household.household_id,
                encoder.household(codec.HOUSEHOLDS.to_row(record.household)),
                tuple(
                    PreparedPerson(
                        r.resident_id,
                        r.resident_code,
                        r.is_living,
                        r.my_number,
                        encoder.resident(codec.RESIDENTS.to_row(r)),
                    )
                    for r in record.residents
                ),
            )
        )
    return out
