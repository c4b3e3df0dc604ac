"""Records of the register as JSON, with cattrs: each record type by its attrs definition, so a
field the library adds later is written and read back without a change here."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, TypeVar

from cattrs.preconf.json import make_converter

from kure_juki.ports.clock import JST

T = TypeVar("T")

_converter = make_converter()


def _structure_datetime(value: Any, _: Any) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    # The register keeps time in JST: give back the named zone the record was made with.
    return parsed.replace(tzinfo=JST) if parsed.utcoffset() == dt.timedelta(hours=9) else parsed


_converter.register_structure_hook(dt.datetime, _structure_datetime)


def to_json(record: Any) -> Any:
    """A record (or a container of records) as JSON-ready data."""
    return _converter.unstructure(record)


def from_json(data: Any, cls: type[T]) -> T:
    return _converter.structure(data, cls)


def dumps(data: Any) -> bytes:
    """One journal line: compact UTF-8 JSON (control characters in strings are escaped, so a
    line never holds a raw newline)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def loads(line: bytes) -> Any:
    return json.loads(line.decode("utf-8"))
