"""The catalogue of stable error codes: code -> (Japanese message, English message).

One module per area so that each layer owns its codes; codes are never renumbered or reused.
Messages are fixed text: they never interpolate the offending value (no data leaks in errors).
"""

from __future__ import annotations

from collections.abc import Mapping

from kure_juki.domain.codes import (
    access,
    arguments,
    card,
    certificate,
    core,
    cs,
    mj,
    persons,
    storage,
)

CATALOGUE: Mapping[str, tuple[str, str]] = {
    **core.CODES,
    **access.CODES,
    **storage.CODES,
    **certificate.CODES,
    **cs.CODES,
    **card.CODES,
    **arguments.CODES,
    **persons.CODES,
    **mj.CODES,
}

__all__ = ["CATALOGUE"]
