"""Structuring a notification dict into its typed form with cattrs, reporting every problem.

The converter is strict where JSON is loose: a number is not a string, a string is not a list,
dates are exactly ``YYYY-MM-DD``. cattrs' validation errors are translated into
:class:`~kure_juki.domain.errors.Problem` objects with the path of the item concerned.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Mapping
from typing import Any

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)

from kure_juki.domain.errors import FormatError, LogicError, Problem, problem
from kure_juki.domain.format_checks import check_format
from kure_juki.domain.mj_text import expand_mj_references
from kure_juki.domain.notifications import NOTIFICATION_TYPES, Notification
from kure_juki.domain.recorded_date import parse_recorded_date

_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")

# Items of a person record: naming one in a 転居 is an attempt to change more than the address.
PERSON_ITEMS = frozenset(
    {
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "birth_date",
        "sex",
        "relationship",
        "resident_code",
        "my_number",
        "registered_domicile",
        "domicile_head",
        "nationality",
        "category_30_45",
        "residence_status",
        "stay_expires_on",
        "stay_period",
        "residence_card_number",
        "alias",
        "household_id",
        "household",
        "persons",
        "person",
    }
)


class _DateFormatError(ValueError):
    pass


# 標準1.1.8: the 異動日 of 出生 and 死亡 (and 生年月日 wherever a person is entered) may be written
# as the 戸籍 records it; every other date of a notification is a calendar day.
RECORDED_OCCURRED_ON = frozenset({"birth", "death"})
RECORDED_KEYS = frozenset({"as_recorded", "sort_date"})
_AS_RECORDED_SUFFIX = "_as_recorded"


def _is_recorded_form(value: Any) -> bool:
    return isinstance(value, Mapping) and "as_recorded" in value


def _recorded_item(
    value: Mapping[Any, Any], item: str, where: str, found: list[Problem], *, unknown_open: bool
) -> tuple[str | None, str] | None:
    """(internal date as ISO text or None, text as written) of ``{"as_recorded": …}``.

    ``unknown_open``: a 「年月日不詳」 without sort_date leaves the internal date to the movement
    (a death's is its 届出日); elsewhere the rule of :mod:`kure_juki.domain.recorded_date`.
    """
    extra = sorted(str(k) for k in value if k not in RECORDED_KEYS)
    for key in extra:
        found.append(problem("KJ-FMT-001", key, f"{where}.{key}"))
    text = value.get("as_recorded")
    if not isinstance(text, str):
        found.append(problem("KJ-FMT-003", item, f"{where}.as_recorded"))
        return None
    sort_date: dt.date | None = None
    if value.get("sort_date") is not None:
        try:
            sort_date = parse_date(value["sort_date"])
        except (TypeError, ValueError):
            found.append(problem("KJ-FMT-004", item, f"{where}.sort_date"))
            return None
    if extra:
        return None
    try:
        parse_recorded_date(text)
    except ValueError:
        found.append(problem("KJ-FMT-701", item, f"{where}.as_recorded"))
        return None
    try:
        recorded = parse_recorded_date(text, sort_date)
    except ValueError:
        found.append(problem("KJ-FMT-703", item, f"{where}.sort_date"))
        return None
    if unknown_open and recorded.first is None and sort_date is None:
        return None, text
    return recorded.sort_date.isoformat(), text


def _take_recorded(
    body: dict[str, Any], kind: str, found: list[Problem], where: str = ""
) -> dict[str, Any]:
    """*body* with each ``{"as_recorded": …}`` date split into the typed form's two items (the
    internal date and ``<item>_as_recorded``); such a date where only calendar days are taken,
    or a ``…_as_recorded`` item given directly, is a problem."""
    out = dict(body)
    for key, value in body.items():
        at = _path_join(where, key)
        if key.endswith(_AS_RECORDED_SUFFIX):
            found.append(problem("KJ-FMT-001", key, at))
            out.pop(key)
            continue
        allowed = (not where and key == "occurred_on" and kind in RECORDED_OCCURRED_ON) or (
            bool(where) and key == "birth_date"
        )
        if _is_recorded_form(value):
            if not allowed:
                found.append(problem("KJ-FMT-702", key, at))
                out.pop(key)
                continue
            taken = _recorded_item(value, key, at, found, unknown_open=kind == "death")
            out.pop(key)
            if taken is not None:
                day, text = taken
                if day is not None:
                    out[key] = day
                out[key + _AS_RECORDED_SUFFIX] = text
        elif not where and key in ("person", "persons"):
            entries = [value] if key == "person" else value
            if not isinstance(entries, list | tuple):
                continue
            taken_entries = [
                _take_recorded(dict(entry), kind, found, at if key == "person" else f"{at}[{i}]")
                if isinstance(entry, Mapping) and all(isinstance(k, str) for k in entry)
                else entry
                for i, entry in enumerate(entries)
            ]
            out[key] = taken_entries[0] if key == "person" else taken_entries
        elif not where and isinstance(value, Mapping) and any(
            _is_recorded_form(v) for v in value.values()
        ):
            # A calendar-only date nested in another item (before.stay_expires_on …).
            for sub, sub_value in value.items():
                if _is_recorded_form(sub_value):
                    found.append(problem("KJ-FMT-702", str(sub), f"{at}.{sub}"))
    return out


def parse_date(value: Any) -> dt.date:
    """A strict ISO date: ``YYYY-MM-DD`` and a real calendar day."""
    if isinstance(value, dt.datetime) or not isinstance(value, str | dt.date):
        raise TypeError("a date must be a 'YYYY-MM-DD' string")
    if isinstance(value, dt.date):
        return value
    if not _DATE.match(value):
        raise _DateFormatError("a date must be 'YYYY-MM-DD'")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise _DateFormatError("no such calendar day") from exc


def _strict_str(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("a string is expected")
    return value


def _strict_bool(value: Any, _: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("true or false is expected")
    return value


def _strict_int(value: Any, _: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("an integer is expected")
    return value


def _strict_date(value: Any, _: Any) -> dt.date:
    return parse_date(value)


def _str_tuple(value: Any, _: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise TypeError("a list is expected")
    return tuple(value)


def _str_dict(value: Any, _: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError("an object is expected")
    return dict(value)


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(dt.date, _strict_date)

    # Lists of ids and maps of relationships keep their element checks in cattrs, but must
    # arrive as a list / an object: a bare string would otherwise become a tuple of characters.
    base_tuple = conv.get_structure_hook(tuple[str, ...])
    conv.register_structure_hook_func(
        lambda t: t == tuple[str, ...], lambda v, t: base_tuple(_str_tuple(v, t), t)
    )
    base_map = conv.get_structure_hook(dict[str, str])
    conv.register_structure_hook_func(
        lambda t: t == dict[str, str], lambda v, t: base_map(_str_dict(v, t), t)
    )
    conv.register_structure_hook_func(lambda t: t == dict[str, Any], _str_dict)
    return conv


CONVERTER = _make_converter()


def _path_join(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else part


def _leaf_name(path: str) -> str | None:
    leaf = re.sub(r"\[\d+\]$", "", path.rsplit(".", 1)[-1])
    return leaf or None


def _translate(exc: BaseException, path: str, out: list[Problem]) -> None:
    if isinstance(exc, BaseValidationError):
        for sub in exc.exceptions:
            sub_path = path
            for note in getattr(sub, "__notes__", []):
                if isinstance(note, AttributeValidationNote):
                    sub_path = _path_join(path, note.name)
                    break
                if isinstance(note, IterableValidationNote):
                    sub_path = _path_join(path, note.index)
                    break
            _translate(sub, sub_path, out)
        return
    if isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            where = _path_join(path, key)
            out.append(problem("KJ-FMT-001", key, where))
        return
    item = _leaf_name(path)
    if isinstance(exc, KeyError):
        out.append(problem("KJ-FMT-002", item, path or None))
    elif isinstance(exc, _DateFormatError):
        out.append(problem("KJ-FMT-004", item, path or None))
    else:
        out.append(problem("KJ-FMT-003", item, path or None))


def parse_notification(data: Any) -> Notification:
    """The typed notification for *data*, or a FormatError listing every problem found."""
    if not isinstance(data, Mapping):
        raise FormatError(problem("KJ-FMT-018"))
    kind = data.get("type")
    if kind is None:
        raise FormatError(problem("KJ-FMT-002", "type"))
    if not isinstance(kind, str) or kind not in NOTIFICATION_TYPES:
        raise FormatError(problem("KJ-FMT-013", "type"))
    cls = NOTIFICATION_TYPES[kind]
    body = {k: v for k, v in data.items() if k != "type"}
    if kind == "move_within":
        # A 転居 changes the address, and the household only through its 異動先世帯 item
        # (標準4.0.2): any other item of the record is a change the 転居 cannot make.
        extra = sorted(
            k for k in body if isinstance(k, str) and k in PERSON_ITEMS and k != "household"
        )
        if extra:
            raise LogicError([problem("KJ-LOGIC-003", key) for key in extra])
    bad_keys = [k for k in body if not isinstance(k, str)]
    if bad_keys:
        raise FormatError(problem("KJ-FMT-001"))
    found: list[Problem] = []
    body = _expand_references(body, "", found)  # {MJnnnnnn} intake notation first
    if kind != "correction":  # a correction's changes carry their own dates (correction.py)
        body = _take_recorded(body, kind, found)
    try:
        notification: Notification = CONVERTER.structure(body, cls)
    except Exception as exc:  # cattrs reports through exception groups of any kind
        _translate(exc, "", found)
        raise FormatError(found or [problem("KJ-FMT-003")]) from None
    if found:
        raise FormatError(found)
    return notification


def notification_problems(data: Any) -> list[Problem]:
    """Every format-level problem of *data* in one round: its structure (cattrs) and the format
    checks (形式チェック) on whatever could be structured. A date written wrong does not hide a
    name written wrong: each structural fault is replaced by a neutral value of the right
    type, the format checks run on the result, and what they say about the replaced items is
    dropped (those items already carry their structural problem). Logic problems are not
    looked for here; an empty list means the notification is well formed."""
    return checked_notification(data)[1]


def checked_notification(data: Any) -> tuple[Notification | None, list[Problem]]:
    """The typed notification and :func:`notification_problems` of *data* in one pass; the
    notification is None when there are problems, or when its shape is a logic refusal
    (:func:`parse_notification` raises that LogicError)."""
    try:
        n = parse_notification(data)
    except LogicError:
        return None, []  # a logic refusal of the notification's shape: the caller raises it
    except FormatError as exc:
        structural = list(exc.problems)
        partial = _repaired(data, structural)
        if partial is None:
            return None, structural
        failed = [p.where for p in structural if p.where]
        checked = check_format(partial)
        return None, structural + [
            p for p in checked if p.severity == "error" and not _under(p.where, failed)
        ]
    found = [p for p in check_format(n) if p.severity == "error"]
    return (None if found else n), found


def _under(where: str | None, roots: list[str]) -> bool:
    return where is not None and any(
        where == r or where.startswith((f"{r}.", f"{r}[")) for r in roots
    )


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _path(where: str) -> list[str | int]:
    return [int(i) if i else name for name, i in _PATH_PART.findall(where)]


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _type_at(cls: type, parts: list[str | int]) -> Any:
    tp: Any = cls
    for part in parts:
        tp = _non_optional(tp)
        tp = typing.get_args(tp)[0] if isinstance(part, int) else typing.get_type_hints(tp)[part]
    return _non_optional(tp)


def _non_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return next(a for a in typing.get_args(tp) if a is not type(None))
    return tp


def _neutral(tp: Any) -> Any:
    """A value of type *tp* that structures (its content is never judged)."""
    if tp is str:
        return ""
    if tp is bool:
        return False
    if tp is int:
        return 1
    if tp is dt.date:
        return "2000-01-01"
    origin = typing.get_origin(tp)
    if origin is tuple or origin is list:
        return []
    if origin is dict or tp is dict:
        return {}
    if attrs.has(tp):
        hints = typing.get_type_hints(tp)
        return {
            f.name: _neutral(_non_optional(hints[f.name]))
            for f in attrs.fields(tp)
            if f.default is attrs.NOTHING and f.init
        }
    return None


def _repaired(data: Any, structural: list[Problem]) -> Notification | None:
    """*data* structured with each faulty item replaced (unknown keys dropped), or None."""
    kind = data.get("type") if isinstance(data, Mapping) else None
    cls = NOTIFICATION_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        return None
    body = _plain({k: v for k, v in data.items() if k != "type"})
    try:
        for p in structural:
            if not p.where:
                return None
            parts = _path(p.where)
            parent: Any = body
            for part in parts[:-1]:
                parent = parent[part]
            if p.code == "KJ-FMT-001":
                parent.pop(parts[-1], None)
            else:
                parent[parts[-1]] = _neutral(_type_at(cls, parts))
        result: Notification = CONVERTER.structure(body, cls)
    except Exception:
        return None
    return result


def _expand_references(value: Any, where: str, found: list[Problem]) -> Any:
    """Every string of the notification with its ``{MJnnnnnn}`` references replaced by the
    characters they name (mj_text), so intake in MJ文字図形名 and in Unicode store the same."""
    if isinstance(value, str):
        text, unknown = expand_mj_references(value)
        item = where.rsplit(".", 1)[-1].split("[", 1)[0] or None
        found.extend(problem("KJ-FMT-902", item, where) for _ in unknown)
        return text
    if isinstance(value, Mapping):
        return {
            k: _expand_references(v, f"{where}.{k}" if where else str(k), found)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_expand_references(v, f"{where}[{i}]", found) for i, v in enumerate(value)]
    return value


def unstructure_notification(notification: Notification) -> dict[str, Any]:
    """The JSON-ready dict of a typed notification (dates as ISO strings), type first."""
    raw = CONVERTER.unstructure(notification)
    out: dict[str, Any] = {"type": notification.type}
    out.update(_give_recorded(_jsonable(raw)))
    return out


def _give_recorded(data: dict[str, Any]) -> dict[str, Any]:
    """The dict form of dates kept as recorded: ``{"as_recorded": …, "sort_date": …}`` in the
    date's own item, as a caller writes them (so the history parses back to the same value)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key.endswith(_AS_RECORDED_SUFFIX):
            continue
        text = data.get(key + _AS_RECORDED_SUFFIX)
        if text is not None:
            value = {"as_recorded": text, "sort_date": value} if value else {"as_recorded": text}
        elif key == "person" and isinstance(value, dict):
            value = _give_recorded(value)
        elif key == "persons" and isinstance(value, list):
            value = [_give_recorded(v) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
