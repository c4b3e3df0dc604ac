"""The municipality's Ed25519 signing keys: certificates and audit checkpoints are signed with
the current key; verification accepts every key ever used (by key id), so keys can rotate.

Where the keys live: a JSON key file (mode 0600) beside a SQLite database or at a path the
integrator passes; for ``memory://`` a key generated for the life of the process.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import nacl.encoding
import nacl.signing


class SigningKeys:
    def __init__(self, keys: dict[str, nacl.signing.SigningKey], current: str) -> None:
        if current not in keys:
            raise ValueError("the current key id must be one of the keys")
        self._keys = dict(keys)
        self.current_id = current
        # Public keys of other processes or earlier keys, known only by their public half.
        self._public_only: dict[str, nacl.signing.VerifyKey] = {}

    @classmethod
    def generate(cls) -> SigningKeys:
        key = nacl.signing.SigningKey.generate()
        return cls({_key_id(key.verify_key): key}, _key_id(key.verify_key))

    @classmethod
    def at_path(cls, path: str | Path) -> SigningKeys:
        """Load the key file at *path*, creating it (0600) with a fresh key when absent."""
        p = Path(path)
        if not p.exists():
            keys = cls.generate()
            keys.save(p)
            return keys
        data = json.loads(p.read_text("utf-8"))
        loaded = {
            kid: nacl.signing.SigningKey(base64.b64decode(seed, validate=True))
            for kid, seed in data["keys"].items()
        }
        return cls(loaded, data["current"])

    def save(self, path: str | Path) -> None:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps(
            {
                "current": self.current_id,
                "keys": {
                    kid: base64.b64encode(bytes(k)).decode("ascii") for kid, k in self._keys.items()
                },
            }
        )
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)

    def rotate(self) -> str:
        """A new current key; the old ones stay for verification. Returns the new key id."""
        key = nacl.signing.SigningKey.generate()
        kid = _key_id(key.verify_key)
        self._keys[kid] = key
        self.current_id = kid
        return kid

    @property
    def current(self) -> nacl.signing.SigningKey:
        return self._keys[self.current_id]

    def public_keys(self) -> dict[str, nacl.signing.VerifyKey]:
        return {**self._public_only, **{kid: k.verify_key for kid, k in self._keys.items()}}

    def add_public_key(self, key_id: str, public_hex: str) -> None:
        """Trust a public key for verification (published by another process or before a
        rotation); only a key whose id is derived from it is accepted."""
        verify = nacl.signing.VerifyKey(public_hex.encode("ascii"), nacl.encoding.HexEncoder)
        if _key_id(verify) != key_id:
            raise ValueError("the key id does not belong to that public key")
        self._public_only.setdefault(key_id, verify)

    def public_keys_hex(self) -> dict[str, str]:
        """For publishing: key id -> Ed25519 public key (hex), for offline verifiers."""
        return {
            kid: k.verify_key.encode(nacl.encoding.HexEncoder).decode("ascii")
            for kid, k in self._keys.items()
        }


def _key_id(verify_key: nacl.signing.VerifyKey) -> str:
    """A short, stable id derived from the public key itself."""

    return hashlib.blake2b(bytes(verify_key), digest_size=6).hexdigest()


def default_key_path(url: str) -> Path | None:
    """Beside a SQLite file: ``register.db`` -> ``register.db.signing.json``."""
    if url.startswith("sqlite") and ":///" in url:
        db = url.split(":///", 1)[1].split("?", 1)[0]
        if db and db != ":memory:":
            return Path(db + ".signing.json")
    return None
