"""The operational log: structlog over the standard ``logging`` logger ``kure_juki``.

The library does not configure logging (the embedding application does); what it emits passes
through :func:`redact` first, so a My Number, a PIN or a name never reaches a log line, whatever
a caller binds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

import structlog

# Twelve digits standing alone (個人番号), allowing the usual separators inside.
_MY_NUMBER = re.compile(r"(?<!\d)\d{4}[ -]?\d{4}[ -]?\d{4}(?!\d)")
SENSITIVE_KEYS = frozenset(
    {
        "my_number",
        "pin",
        "password",
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "name",
        "full_name",
        "alias",
        "address",
        "birth_date",
    }
)
REDACTED = "[REDACTED]"


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _MY_NUMBER.sub(REDACTED, value)
    if isinstance(value, dict):
        return {k: REDACTED if k in SENSITIVE_KEYS else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def redact(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: drop sensitive keys and mask anything shaped like a My Number."""
    for key in list(event_dict):
        if key in SENSITIVE_KEYS:
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _scrub(event_dict[key])
    return event_dict


def get_logger(name: str = "kure_juki") -> Any:
    return structlog.wrap_logger(
        logging.getLogger(name),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            redact,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
    )
