"""Encryption of My Numbers at rest: PyNaCl SecretBox under the key store's keys, and a keyed
BLAKE2b blind index to find a record by My Number without decrypting anything.

Each sealed value is bound to the row it belongs to (the 宛名番号 or the movement number is
sealed with it and checked on opening), so ciphertexts swapped between rows behind the
library's back fail to open instead of handing one person's number to another.
"""

from __future__ import annotations

import hashlib
import os

import nacl.bindings
import nacl.exceptions
import nacl.secret

from kure_juki.domain.errors import IntegrityError, RegistryError, problem
from kure_juki.ports.key_store import KeyStore

_SEPARATOR = b"\x1f"
_BLIND_CHECK = b"kure_juki blind index check v1"
_KEY_CHECK = b"kure_juki key check v1"


class Cipher:
    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys
        self._boxes: dict[str, nacl.secret.SecretBox] = {}
        self._blind_key = keys.blind_index_key()

    def _box(self, key_id: str) -> nacl.secret.SecretBox:
        box = self._boxes.get(key_id)
        if box is None:
            box = nacl.secret.SecretBox(self.keys.key(key_id))
            self._boxes[key_id] = box
        return box

    def current_key_id(self) -> str:
        return self.keys.current_key()[0]

    def seal(self, value: bytes, context: str, key_id: str | None = None) -> tuple[str, bytes]:
        """(key id, nonce + ciphertext) of *value* bound to *context*."""
        kid = key_id or self.current_key_id()
        sealed = self._box(kid).encrypt(context.encode("utf-8") + _SEPARATOR + value)
        return kid, bytes(sealed)

    def seal_many(
        self, items: list[tuple[bytes, str]], key_id: str | None = None
    ) -> tuple[str, list[bytes]]:
        """``seal`` of many (value, context) pairs under one key, the same boxes as one by one:
        a migration seals a million numbers, and the wrapper's per-call nonce draw and checks
        cost more than the cipher. The nonces come from one draw of the system's random bytes,
        cut in 24-byte pieces (each as unpredictable as a draw of its own)."""
        kid = key_id or self.current_key_id()
        key = bytes(self._box(kid))
        size = nacl.secret.SecretBox.NONCE_SIZE
        nonces = os.urandom(size * len(items))
        sealed = []
        for i, (value, context) in enumerate(items):
            nonce = nonces[i * size : (i + 1) * size]
            plain = context.encode("utf-8") + _SEPARATOR + value
            sealed.append(nonce + nacl.bindings.crypto_secretbox_easy(plain, nonce, key))
        return kid, sealed

    def open(self, key_id: str, sealed: bytes, context: str) -> bytes:
        try:
            plain = self._box(key_id).decrypt(sealed)
        except nacl.exceptions.CryptoError:
            raise IntegrityError(problem("KJ-INTEGRITY-001")) from None
        prefix = context.encode("utf-8") + _SEPARATOR
        if not plain.startswith(prefix):
            raise IntegrityError(problem("KJ-INTEGRITY-001"))
        return plain[len(prefix) :]

    def blind(self, my_number: str) -> bytes:
        """The blind index of a My Number: BLAKE2b keyed with the blind-index key."""
        return hashlib.blake2b(
            my_number.encode("utf-8", "surrogatepass"),
            key=self._blind_key,
            digest_size=32,
            person=b"kj-my-number",
        ).digest()

    # -- check values: tell a wrong key store from the right one -------------------------
    def blind_check(self) -> bytes:
        return hashlib.blake2b(_BLIND_CHECK, key=self._blind_key, digest_size=32).digest()

    def key_check(self, key_id: str) -> bytes:
        return self.seal(_KEY_CHECK, "key-check", key_id)[1]

    def verify_key_check(self, key_id: str, sealed: bytes) -> None:
        try:
            self.open(key_id, sealed, "key-check")
        except IntegrityError:
            raise RegistryError("KJ-STORE-011") from None
