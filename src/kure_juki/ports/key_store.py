"""The key store port: where the keys that protect My Numbers at rest come from.

Values are encrypted under the *current* key and stored with its id, so a key can be replaced
(``kure-juki keys rotate``) while older values stay readable until they are re-encrypted. The
blind-index key makes the keyed BLAKE2b digests a My Number is found by; it never rotates with
the encryption keys because every stored digest would change with it.

Keys are 32 random bytes. A store never writes a key into the database it protects.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class KeyStore(Protocol):
    def current_key(self) -> tuple[str, bytes]:
        """The id and bytes of the key new values are encrypted under."""
        ...

    def key(self, key_id: str) -> bytes:
        """The key *key_id*; RegistryError KJ-STORE-010 when this store does not hold it."""
        ...

    def blind_index_key(self) -> bytes:
        """The key of the BLAKE2b blind index (検索用の鍵付きハッシュ)."""
        ...


@runtime_checkable
class RotatingKeyStore(KeyStore, Protocol):
    def add_key(self) -> str:
        """Create a new random key, make it current and return its id (older keys are kept)."""
        ...

    def key_ids(self) -> list[str]:
        """Every key id held, oldest first."""
        ...
