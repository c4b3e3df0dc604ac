"""Records as JSON-ready data (cattrs): before-images of movements, exports, documents."""

from __future__ import annotations

import datetime as dt
from typing import Any

import cattrs

from kure_juki.domain.household import Household
from kure_juki.domain.resident import Resident

_conv = cattrs.Converter()
_conv.register_unstructure_hook(dt.date, lambda d: d.isoformat())
_conv.register_structure_hook(dt.date, lambda v, _: dt.date.fromisoformat(v))


def plain(value: Any) -> Any:
    """JSON's own shapes: tuples become lists (as they come back from any JSON store)."""
    if isinstance(value, dict):
        return {
            k: plain(v) if isinstance(v, dict | list | tuple) else v for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [plain(v) if isinstance(v, dict | list | tuple) else v for v in value]
    return value


def resident_to_dict(r: Resident) -> dict[str, Any]:
    data: dict[str, Any] = plain(_conv.unstructure(r))
    return data


def resident_from_dict(data: dict[str, Any]) -> Resident:
    return _conv.structure(data, Resident)


def household_to_dict(h: Household) -> dict[str, Any]:
    data: dict[str, Any] = plain(_conv.unstructure(h))
    return data


def household_from_dict(data: dict[str, Any]) -> Household:
    return _conv.structure(data, Household)
