"""kure_juki: an embeddable Basic Resident Register (住民基本台帳) for Japanese municipalities.

import kure_juki as kj
reg = kj.open_registry("memory://", municipality_code="342025")
"""

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
from kure_juki.service.receipt import Receipt
from kure_juki.service.registry import Registry, load_policy, open_registry
from kure_juki.service.session import Session

__version__ = "0.1.0"

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
