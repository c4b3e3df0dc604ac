"""Domain records ↔ table rows.

A :class:`RowMap` names the columns a record's items go to (by path into the record's
unstructured form); whatever is left goes into the row's ``extra`` JSON text, so an item the
domain adds later is stored without a schema change. Derived columns (search keys) are computed
on the way in and ignored on the way out. Dates stay ``date`` objects for typed columns and are
written as ISO 8601 in JSON; cattrs puts them back by the record's declared types.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
import typing
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs
import cattrs

from kure_juki.domain.audit import AuditEntry
from kure_juki.domain.household import Household
from kure_juki.domain.movement_record import MovementRecord
from kure_juki.domain.names import seion_kana
from kure_juki.domain.operator import Operator
from kure_juki.domain.resident import Resident
from kure_juki.domain.search import fold
from kure_juki.ports.clock import JST

T = TypeVar("T")
Path = tuple[str, ...]


def _structure_date(value: Any, _: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _structure_datetime(value: Any, _: Any) -> dt.datetime:
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    # The register keeps time in JST: give back the named zone it was written with.
    if parsed.utcoffset() == dt.timedelta(hours=9):
        parsed = parsed.replace(tzinfo=JST)
    return parsed


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter()
    conv.register_unstructure_hook(dt.date, lambda v: v)
    conv.register_unstructure_hook(dt.datetime, lambda v: v)
    conv.register_structure_hook(dt.date, _structure_date)
    conv.register_structure_hook(dt.datetime, _structure_datetime)
    return conv


CONVERTER = _make_converter()


_SCALARS = (str, int, float, bool, type(None), dt.date)
_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in attrs.fields(cls))
    return names


def _plain(value: Any) -> Any:
    """A record as dicts, lists and scalars (faster than cattrs' unstructuring for records that
    carry large JSON-like dicts, such as a movement record's notification)."""
    if isinstance(value, _SCALARS):
        return value
    cls = type(value)
    names = _FIELDS.get(cls)
    if names is not None or attrs.has(cls):
        return {name: _plain(getattr(value, name)) for name in names or _field_names(cls)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


plain = _plain


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):  # datetime too
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(value)
    raise TypeError(f"cannot store a {type(value).__name__} in JSON")


# One encoder for every row: json.dumps with options builds a new one on each call.
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_json_default
)


def dumps(data: Any) -> str:
    return _ENCODER.encode(data)


def _put(data: dict[str, Any], path: Path, value: Any) -> None:
    node = data
    for step in path[:-1]:
        node = node.setdefault(step, {})
    node[path[-1]] = value


def _covered(cls: type, paths: list[Path]) -> bool:
    """Whether the columns hold every item of an attrs class (so it needs no JSON)."""
    hints = typing.get_type_hints(cls)
    for f in attrs.fields(cls):
        if (f.name,) in paths:
            continue
        inner = [p[1:] for p in paths if p[0] == f.name and len(p) > 1]
        if not inner or not attrs.has(hints[f.name]) or not _covered(hints[f.name], inner):
            return False
    return True


class RowMap(Generic[T]):
    def __init__(
        self,
        cls: type[T],
        columns: Mapping[str, Path],
        *,
        derived: Mapping[str, Callable[[T], Any]] | None = None,
        omit: tuple[str, ...] = (),
    ) -> None:
        self.cls = cls
        self.columns = dict(columns)
        self.derived = dict(derived or {})
        self.omit = omit
        self._structure = CONVERTER.get_structure_hook(cls)
        # Fixed per class: column getters, fields kept whole in JSON, and nested fields of
        # which only some items have columns (the rest goes to JSON).
        self._getters = [
            (column, operator.attrgetter(".".join(path))) for column, path in self.columns.items()
        ]
        hints = typing.get_type_hints(cls)
        paths = list(self.columns.values())
        self._whole: list[str] = []
        self._partial: list[tuple[str, list[Path]]] = []
        for f in attrs.fields(typing.cast(Any, cls)):
            if f.name in omit or (f.name,) in paths:
                continue
            inner = [p[1:] for p in paths if p[0] == f.name]
            if not inner:
                self._whole.append(f.name)
            elif not _covered(hints[f.name], inner):
                self._partial.append((f.name, inner))

        if not self._partial:
            self.to_row = self._compiled_to_row()  # type: ignore[method-assign,assignment]

    def _compiled_to_row(self) -> Callable[[T], dict[str, Any]]:
        """``to_row`` written out for this class (the register's rows are built by the million
        in a migration; a generic walk over the column paths costs twice as much)."""
        lines = ["def to_row(record):", "    row = {"]
        lines += [
            f"        {column!r}: record.{'.'.join(path)}," for column, path in self.columns.items()
        ]
        lines += ["    }", "    extra = {}"]
        for name in self._whole:
            lines += [
                f"    v = record.{name}",
                f"    extra[{name!r}] = v if v is None or v.__class__ in SCALARS else plain(v)",
            ]
        lines.append("    row['extra'] = dumps(extra)")
        namespace: dict[str, Any] = {"SCALARS": frozenset(_SCALARS), "plain": _plain}
        namespace["dumps"] = dumps
        for i, (column, compute) in enumerate(self.derived.items()):
            namespace[f"derived_{i}"] = compute
            lines.append(f"    row[{column!r}] = derived_{i}(record)")
        lines.append("    return row")
        exec("\n".join(lines), namespace)  # the source is built from the class, no input
        compiled: Callable[[T], dict[str, Any]] = namespace["to_row"]
        return compiled

    def to_row(self, record: T) -> dict[str, Any]:
        row = {column: get(record) for column, get in self._getters}
        extra: dict[str, Any] = {}
        for name in self._whole:
            extra[name] = _plain(getattr(record, name))
        for name, inner in self._partial:
            value = getattr(record, name)
            if value is not None:
                data = _plain(value)
                for path in inner:
                    node = data
                    for step in path[:-1]:
                        node = node[step]
                    node.pop(path[-1])
                extra[name] = data
            else:
                extra[name] = None
        row["extra"] = dumps(extra)
        for column, compute in self.derived.items():
            row[column] = compute(record)
        return row

    def from_row(self, row: Mapping[Any, Any], **fields: Any) -> T:
        data: dict[str, Any] = json.loads(row["extra"])
        for column, path in self.columns.items():
            _put(data, path, row[column])
        data.update(fields)
        record: T = self._structure(data, self.cls)
        return record


# Names and their readings repeat across a register: compute each search key once.
_fold = functools.lru_cache(maxsize=1 << 14)(fold)
_seion = functools.lru_cache(maxsize=1 << 14)(seion_kana)


def _same(*names: str) -> dict[str, Path]:
    return {name: (name,) for name in names}


RESIDENTS: RowMap[Resident] = RowMap(
    Resident,
    {
        **_same("resident_id", "household_id", "resident_code"),
        "family_name": ("name", "family_name"),
        "given_name": ("name", "given_name"),
        "family_name_kana": ("name", "family_name_kana"),
        "given_name_kana": ("name", "given_name_kana"),
        **_same("birth_date", "sex", "relationship", "kind"),
        "postal_code": ("address", "postal_code"),
        "address_text": ("address", "text"),
        **_same(
            "address_since",
            "address_notified_on",
            "became_resident_on",
            "became_resident_reason",
            "version",
        ),
    },
    derived={
        "living": lambda r: r.is_living,
        "status": lambda r: r.status,
        "family_fold": lambda r: _fold(r.name.family_name),
        "given_fold": lambda r: _fold(r.name.given_name),
        "family_seion": lambda r: _seion(r.name.family_name_kana),  # = name.seion_family
        "given_seion": lambda r: _seion(r.name.given_name_kana),
        "address_fold": lambda r: fold(r.address.text),  # addresses rarely repeat: no cache
        "residence_card": lambda r: r.foreign.residence_card_number if r.foreign else None,
    },
    omit=("my_number",),  # kept apart, encrypted, in the vault
)

HOUSEHOLDS: RowMap[Household] = RowMap(
    Household,
    _same("household_id", "head_id", "formed_on", "dissolved_on", "version"),
    derived={"active": lambda h: h.is_active},
)

OPERATORS: RowMap[Operator] = RowMap(Operator, _same("operator_id", "role", "active", "version"))

MOVEMENTS: RowMap[MovementRecord] = RowMap(
    MovementRecord,
    _same(
        "movement_id",
        "type",
        "occurred_on",
        "notified_on",
        "processed_on",
        "operator_id",
        "terminal_id",
    ),
    omit=("secrets",),  # kept apart, encrypted, in the vault
)

AUDIT: RowMap[AuditEntry] = RowMap(
    AuditEntry,
    _same(
        "seq",
        "at",
        "operator_id",
        "terminal_id",
        "purpose",
        "operation",
        "outcome",
        "code",
        "prev_hash",
        "hash",
    ),
)
