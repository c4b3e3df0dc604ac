"""A key file (JSON, mode 0600): the default key store of an embedded SQLite register.

Format::

    {"format": "kure_juki.keys/1", "current": "k2",
     "keys": [{"id": "k1", "key": "<base64>"}, {"id": "k2", "key": "<base64>"}],
     "blind_index_key": "<base64>"}

The file is written atomically (a temporary file renamed over it) and created with mode 0600
whatever the umask; a file that group or others can read is refused, as ssh refuses a private
key. Whoever holds the file can read every My Number of the database it belongs to: keep it
out of the database's backups and, in production, away from the database's disk.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import secrets
import stat
import tempfile
from pathlib import Path
from typing import Any

from kure_juki.domain.errors import RegistryError

FORMAT = "kure_juki.keys/1"
KEY_BYTES = 32


class FileKeyStore:
    def __init__(self, path: str | os.PathLike[str], *, create: bool = False) -> None:
        self.path = Path(path)
        if not self.path.exists():
            if not create:
                raise RegistryError("KJ-STORE-010")
            self._create()
        self._load()

    # -- KeyStore ------------------------------------------------------------------------
    def current_key(self) -> tuple[str, bytes]:
        return self._current, self._keys[self._current]

    def key(self, key_id: str) -> bytes:
        try:
            return self._keys[key_id]
        except KeyError:
            raise RegistryError("KJ-STORE-010") from None

    def blind_index_key(self) -> bytes:
        return self._blind

    # -- RotatingKeyStore ----------------------------------------------------------------
    def add_key(self) -> str:
        self._load()  # another process may have rotated since this one read the file
        number = len(self._keys) + 1
        while f"k{number}" in self._keys:
            number += 1
        key_id = f"k{number}"
        self._keys[key_id] = secrets.token_bytes(KEY_BYTES)
        self._current = key_id
        self._write(self.path, replace=True)
        return key_id

    def key_ids(self) -> list[str]:
        return list(self._keys)

    # -- file ----------------------------------------------------------------------------
    def _create(self) -> None:
        self._keys = {"k1": secrets.token_bytes(KEY_BYTES)}
        self._current = "k1"
        self._blind = secrets.token_bytes(KEY_BYTES)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Two processes opening a fresh database at once: the first link wins, the other
        # reads the winner's keys.
        self._write(self.path, replace=False)

    def _document(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "current": self._current,
            "keys": [
                {"id": k, "key": base64.b64encode(v).decode("ascii")} for k, v in self._keys.items()
            ],
            "blind_index_key": base64.b64encode(self._blind).decode("ascii"),
        }

    def _write(self, target: Path, *, replace: bool) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".keys-", dir=target.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self._document(), fh, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            if replace:
                os.replace(tmp, target)
            else:
                with contextlib.suppress(FileExistsError):
                    os.link(tmp, target)
                os.unlink(tmp)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def _load(self) -> None:
        mode = self.path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise RegistryError("KJ-STORE-013")
        try:
            doc = json.loads(self.path.read_text("utf-8"))
            if doc.get("format") != FORMAT:
                raise ValueError("format")
            keys = {
                str(entry["id"]): base64.b64decode(entry["key"], validate=True)
                for entry in doc["keys"]
            }
            current = str(doc["current"])
            blind = base64.b64decode(doc["blind_index_key"], validate=True)
        except (ValueError, KeyError, TypeError, binascii.Error, AttributeError):
            raise RegistryError("KJ-STORE-012") from None
        if current not in keys or any(len(v) != KEY_BYTES for v in [*keys.values(), blind]):
            raise RegistryError("KJ-STORE-012")
        self._keys, self._current, self._blind = keys, current, blind
