"""``sqlite:///…`` and ``postgresql+psycopg://…``: the register in a SQL database.

``open_registry(url, municipality_code=…, **options)`` passes its extra options here:

``key_store``
    A :class:`~kure_juki.ports.key_store.KeyStore`. Without one: the environment when
    ``KURE_JUKI_CURRENT_KEY_ID`` is set; otherwise a key file (``key_file=`` or the default).
    The default key file of a SQLite database is ``<database file>.keys`` beside it, created
    with mode 0600 on first open of a fresh database; for PostgreSQL it is
    ``$KURE_JUKI_KEY_DIR/pg-<digest of the URL>.keys`` (default directory
    ``~/.local/share/kure_juki/keys``). An in-memory SQLite database gets keys that live as
    long as the process. A key file beside the database protects a copy of the database alone,
    not a copy of the whole directory: production registers keep keys elsewhere.
``my_number_url``
    A second database for the vault (My Numbers), kept apart from the register's.
``create``
    Create the schema of a fresh database at head (default True). An existing database at an
    older revision is never upgraded on open: it raises KJ-STORE-001.
``busy_timeout_ms``
    How long a SQLite writer waits for the write lock (default 30 s).
``allow_shared_files``
    A SQLite database file (or its -wal/-shm) that group or others can read is refused with
    KJ-STORE-802, as a key file is; ``True`` opens it anyway (a deliberate shared setup).
    Files the store creates are 0600 whatever the umask.
``durability``
    ``"full"`` (default): every acknowledged commit survives a power cut (SQLite
    ``synchronous=FULL``; PostgreSQL ``synchronous_commit=on``, set on each connection).
    ``"normal"``: the explicit opt-out for speed (SQLite ``synchronous=NORMAL`` in WAL mode,
    PostgreSQL ``synchronous_commit=off``): a power cut may take back the last commits, never
    the database's consistency. Also accepted in the URL (``sqlite:///r.db?durability=normal``);
    anything else is KJ-STORE-803.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kure_juki.adapters.keys.environment import EnvironmentKeyStore
from kure_juki.adapters.keys.file import FileKeyStore
from kure_juki.adapters.keys.memory import MemoryKeyStore
from kure_juki.adapters.private_files import ensure_private
from kure_juki.adapters.sqlalchemy import schema
from kure_juki.adapters.sqlalchemy.crypto import Cipher
from kure_juki.adapters.sqlalchemy.engine import (
    durability_of,
    is_sqlite_memory,
    make_engine,
    normalise_url,
    sqlite_path,
)
from kure_juki.adapters.sqlalchemy.uow import SqlAlchemyUnitOfWork
from kure_juki.adapters.sqlalchemy.vault import Vault, is_initialised
from kure_juki.domain.errors import RegistryError
from kure_juki.ports.key_store import KeyStore


class SqlAlchemyStore:
    def __init__(
        self,
        url: str,
        *,
        key_store: KeyStore | None = None,
        key_file: str | os.PathLike[str] | None = None,
        my_number_url: str | None = None,
        create: bool = True,
        busy_timeout_ms: int = 30_000,
        engine_options: dict[str, Any] | None = None,
        durability: str | None = None,
        allow_shared_files: bool = False,
    ) -> None:
        self.url = url
        self.sa_url, self.durability = durability_of(normalise_url(url), durability)
        self.vault_url = (
            durability_of(normalise_url(my_number_url), self.durability)[0]
            if my_number_url
            else None
        )
        for target in (self.sa_url, self.vault_url):
            path = sqlite_path(target) if target is not None else None
            if not create and path is not None and not Path(path).exists():
                raise RegistryError("KJ-STORE-001")  # connecting would create an empty file
            if path is not None:
                ensure_private(path, allow_shared=allow_shared_files)
        self.engine = make_engine(
            self.sa_url,
            busy_timeout_ms=busy_timeout_ms,
            durability=self.durability,
            **(engine_options or {}),
        )
        self.vault_engine = (
            make_engine(self.vault_url, busy_timeout_ms=busy_timeout_ms, durability=self.durability)
            if self.vault_url is not None
            else None
        )
        try:
            if self.vault_engine is None:
                schema.ensure(self.engine, ("main", "vault"), create=create)
            else:
                schema.ensure(self.engine, ("main",), create=create)
                schema.ensure(self.vault_engine, ("vault",), create=create)
            keys = key_store or self._default_keys(key_file)
            self.vault = Vault(self.vault_engine, Cipher(keys))
            self.vault.verify(self.engine)
        except BaseException:
            self.close()
            raise

    @property
    def key_store(self) -> KeyStore:
        return self.vault.cipher.keys

    def _default_keys(self, key_file: str | os.PathLike[str] | None) -> KeyStore:
        vault_engine = self.vault_engine or self.engine
        fresh = not is_initialised(vault_engine)
        if key_file is not None:
            return FileKeyStore(key_file, create=fresh)
        if EnvironmentKeyStore.configured():
            return EnvironmentKeyStore()
        url = self.vault_url or self.sa_url
        if is_sqlite_memory(url):
            return MemoryKeyStore()
        return FileKeyStore(default_key_file(url), create=fresh)

    def unit_of_work(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self)

    def close(self) -> None:
        self.engine.dispose()
        if self.vault_engine is not None:
            self.vault_engine.dispose()

    def __repr__(self) -> str:
        return f"SqlAlchemyStore({self.sa_url.render_as_string(hide_password=True)!r})"


def default_key_file(url: str | sa.URL) -> Path:
    """Where the default key file of the database at *url* lives."""
    parsed = normalise_url(url) if isinstance(url, str) else url
    path = sqlite_path(parsed)
    if path is not None:
        return Path(path).with_name(Path(path).name + ".keys")
    if parsed.drivername.startswith("sqlite"):
        raise RegistryError("KJ-STORE-014")
    base = Path(os.environ.get("KURE_JUKI_KEY_DIR") or Path.home() / ".local/share/kure_juki/keys")
    identity = parsed.set(password=None).render_as_string(hide_password=False)
    digest = hashlib.blake2b(identity.encode("utf-8"), digest_size=8).hexdigest()
    return base / f"pg-{digest}.keys"
