"""kure_juki: an embeddable Basic Resident Register (住民基本台帳) for Japanese municipalities.

import kure_juki as kj
reg = kj.open_registry("memory://", municipality_code="342025")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kure_juki.domain.errors import (
    AccessDenied,
    ConflictError,
    FormatError,
    IntegrityError,
    LinkError,
    LogicError,
    NotFound,
    Problem,
    RegistryError,
)

if TYPE_CHECKING:
    from kure_juki.service.receipt import Receipt
    from kure_juki.service.registry import Registry, load_policy, open_registry
    from kure_juki.service.session import Session

__version__ = "0.1.0"

# The service layer (and through it every library it uses) is imported when first asked for:
# a process that needs only a part of the package, such as a bulk-import worker parsing lines,
# does not carry the rest (about 10 MB each).
_LAZY = {
    "Receipt": "kure_juki.service.receipt",
    "Registry": "kure_juki.service.registry",
    "load_policy": "kure_juki.service.registry",
    "open_registry": "kure_juki.service.registry",
    "Session": "kure_juki.service.session",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kure_juki' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})

__all__ = [
    "AccessDenied",
    "ConflictError",
    "FormatError",
    "IntegrityError",
    "LinkError",
    "LogicError",
    "NotFound",
    "Problem",
    "Receipt",
    "Registry",
    "RegistryError",
    "Session",
    "__version__",
    "load_policy",
    "open_registry",
]
