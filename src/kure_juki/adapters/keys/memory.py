"""Keys held only by this process: for ``sqlite://`` in-memory databases and tests."""

from __future__ import annotations

import secrets

from kure_juki.domain.errors import RegistryError

KEY_BYTES = 32


class MemoryKeyStore:
    def __init__(
        self,
        keys: dict[str, bytes] | None = None,
        *,
        current: str | None = None,
        blind_index_key: bytes | None = None,
    ) -> None:
        self._keys: dict[str, bytes] = (
            dict(keys) if keys else {"k1": secrets.token_bytes(KEY_BYTES)}
        )
        self._current = current or list(self._keys)[-1]
        self._blind = blind_index_key or secrets.token_bytes(KEY_BYTES)

    def current_key(self) -> tuple[str, bytes]:
        return self._current, self._keys[self._current]

    def key(self, key_id: str) -> bytes:
        try:
            return self._keys[key_id]
        except KeyError:
            raise RegistryError("KJ-STORE-010") from None

    def blind_index_key(self) -> bytes:
        return self._blind

    def add_key(self) -> str:
        key_id = f"k{len(self._keys) + 1}"
        while key_id in self._keys:
            key_id += "x"
        self._keys[key_id] = secrets.token_bytes(KEY_BYTES)
        self._current = key_id
        return key_id

    def key_ids(self) -> list[str]:
        return list(self._keys)
