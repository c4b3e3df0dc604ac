"""Structuring a notification dict into its typed form with cattrs, reporting every problem.

The converter is strict where JSON is loose: a number is not a string, a string is not a list,
dates are exactly ``YYYY-MM-DD``. cattrs' validation errors are translated into
:class:`~kure_juki.domain.errors.Problem` objects with the path of the item concerned.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)

from kure_juki.domain.errors import FormatError, LogicError, Problem, problem
from kure_juki.domain.mj_text import expand_mj_references
from kure_juki.domain.notifications import NOTIFICATION_TYPES, Notification

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
        # The seed's own example of a logic check: a 転居 that changes anything but the address.
        extra = sorted(k for k in body if isinstance(k, str) and k in PERSON_ITEMS)
        if extra:
            raise LogicError([problem("KJ-LOGIC-003", key) for key in extra])
    bad_keys = [k for k in body if not isinstance(k, str)]
    if bad_keys:
        raise FormatError(problem("KJ-FMT-001"))
    references: list[Problem] = []
    body = _expand_references(body, "", references)
    try:
        parsed = CONVERTER.structure(body, cls)
    except Exception as exc:  # cattrs reports through exception groups of any kind
        found: list[Problem] = []
        _translate(exc, "", found)
        raise FormatError(references + (found or [problem("KJ-FMT-003")])) from None
    if references:
        raise FormatError(references)
    return parsed


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
    out.update(_jsonable(raw))
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
