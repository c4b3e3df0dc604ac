"""Keys from the process environment (a secrets manager or the service unit injects them).

Variables (prefix ``KURE_JUKI_`` by default)::

    KURE_JUKI_CURRENT_KEY_ID=k2
    KURE_JUKI_KEY_k1=<base64 of 32 bytes>
    KURE_JUKI_KEY_k2=<base64 of 32 bytes>
    KURE_JUKI_BLIND_INDEX_KEY=<base64 of 32 bytes>

To rotate: add ``KURE_JUKI_KEY_k3``, point ``KURE_JUKI_CURRENT_KEY_ID`` at it, restart, then run
``kure-juki keys rotate URL``; remove the old variable once the command has finished.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping

from kure_juki.domain.errors import RegistryError

KEY_BYTES = 32
_KEY_ID = re.compile(r"\A[A-Za-z0-9_]{1,64}\Z")


class EnvironmentKeyStore:
    def __init__(
        self, environ: Mapping[str, str] | None = None, *, prefix: str = "KURE_JUKI_"
    ) -> None:
        env = os.environ if environ is None else environ
        self._prefix = prefix
        current = env.get(f"{prefix}CURRENT_KEY_ID")
        if current is None or not _KEY_ID.match(current):
            raise RegistryError("KJ-STORE-010")
        self._current = current
        self._keys: dict[str, bytes] = {}
        marker = f"{prefix}KEY_"
        for name, value in env.items():
            if name.startswith(marker) and _KEY_ID.match(name[len(marker) :]):
                self._keys[name[len(marker) :]] = _decode(value)
        if current not in self._keys:
            raise RegistryError("KJ-STORE-010")
        blind = env.get(f"{prefix}BLIND_INDEX_KEY")
        if blind is None:
            raise RegistryError("KJ-STORE-010")
        self._blind = _decode(blind)

    @staticmethod
    def configured(environ: Mapping[str, str] | None = None, prefix: str = "KURE_JUKI_") -> bool:
        env = os.environ if environ is None else environ
        return f"{prefix}CURRENT_KEY_ID" in env

    def current_key(self) -> tuple[str, bytes]:
        return self._current, self._keys[self._current]

    def key(self, key_id: str) -> bytes:
        try:
            return self._keys[key_id]
        except KeyError:
            raise RegistryError("KJ-STORE-010") from None

    def blind_index_key(self) -> bytes:
        return self._blind

    def key_ids(self) -> list[str]:
        return sorted(self._keys)

    def add_key(self) -> str:
        """The environment is read-only from here: new keys come from whoever sets it."""
        raise RegistryError("KJ-STORE-015")


def _decode(value: str) -> bytes:
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise RegistryError("KJ-STORE-012") from None
    if len(key) != KEY_BYTES:
        raise RegistryError("KJ-STORE-012")
    return key
