"""The vault: My Numbers (and the My Numbers of movement records) kept apart and encrypted.

It lives in the register's own database (tables ``my_numbers``, ``movement_secrets``) or in a
second database (``my_number_url=``), like the seed's 住民マスタ and 個人番号 DB. A resident
row points at its vault row by a ``ref`` (宛名番号 and random bits): a new My Number is a new
vault row, so the register can switch to it atomically even when the vault sits in another
database (the vault commits first; a register commit that then fails leaves only an
unreferenced row behind, which :func:`sweep` removes).

``vault_meta`` holds check values (a keyed digest of a constant, a constant sealed under each
key id in use) so that opening the store with the wrong key store fails at once with
KJ-STORE-011 instead of failing later on the first My Number read.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable

import sqlalchemy as sa

from kure_juki.adapters.sqlalchemy import dialect
from kure_juki.adapters.sqlalchemy.codec import dumps
from kure_juki.adapters.sqlalchemy.crypto import Cipher
from kure_juki.adapters.sqlalchemy.tables import (
    document_secrets,
    movement_secrets,
    my_numbers,
    residents,
    vault_meta,
)
from kure_juki.domain.errors import RegistryError

BLIND_CHECK = "blind_check"
KEY_CHECK = "key_check:"


def new_ref(resident_id: str) -> str:
    """A vault row's key: the 宛名番号 (rows of one person, and of one import, sit together in
    the index) and 64 random bits (a new number is a new row, never a reused key)."""
    return f"{resident_id}-{secrets.token_hex(8)}"


def new_refs(resident_ids: list[str]) -> list[str]:
    """``new_ref`` of each, from one draw of random bits (a migration makes a million)."""
    bits = secrets.token_hex(8 * len(resident_ids))
    return [f"{rid}-{bits[16 * i : 16 * (i + 1)]}" for i, rid in enumerate(resident_ids)]


def number_context(resident_id: str) -> str:
    return f"mn:{resident_id}"


def secrets_context(movement_id: int) -> str:
    return f"mv:{movement_id}"


def document_context(kind: str, key: str) -> str:
    return f"doc:{kind}:{key}"


class Vault:
    """Store-wide: where the vault is and the cipher protecting it."""

    def __init__(self, engine: sa.Engine | None, cipher: Cipher) -> None:
        self.engine = engine  # None: the vault tables sit in the register's database
        self.cipher = cipher
        self.checked_keys: set[str] = set()

    @property
    def separate(self) -> bool:
        return self.engine is not None

    def verify(self, main: sa.Engine) -> None:
        """Check the key store against the database; record check values on a fresh vault."""
        engine = self.engine or main
        with engine.connect() as conn:
            meta = dict(conn.execute(sa.select(vault_meta.c.name, vault_meta.c.value)).all())
            if BLIND_CHECK not in meta:
                dialect.begin_write(conn)
                kid = self.cipher.current_key_id()
                dialect.insert_ignore(
                    conn,
                    vault_meta,
                    [
                        {"name": BLIND_CHECK, "value": self.cipher.blind_check()},
                        {"name": KEY_CHECK + kid, "value": self.cipher.key_check(kid)},
                    ],
                )
                conn.commit()
                meta = dict(conn.execute(sa.select(vault_meta.c.name, vault_meta.c.value)).all())
            conn.rollback()
        if meta[BLIND_CHECK] != self.cipher.blind_check():
            raise RegistryError("KJ-STORE-011")
        for name, value in meta.items():
            if name.startswith(KEY_CHECK):
                key_id = name[len(KEY_CHECK) :]
                self.cipher.keys.key(key_id)  # KJ-STORE-010 when the key store lacks it
                self.cipher.verify_key_check(key_id, value)
                self.checked_keys.add(key_id)

    def session(self, main: Callable[[], sa.Connection]) -> VaultSession:
        return VaultSession(self, main)


def is_initialised(engine: sa.Engine) -> bool:
    """Whether the vault of *engine* already belongs to some key store."""
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(vault_meta.c.name).where(vault_meta.c.name == BLIND_CHECK)
        ).first()
        conn.rollback()
    return found is not None


class VaultSession:
    """The vault inside one unit of work."""

    def __init__(self, vault: Vault, main: Callable[[], sa.Connection]) -> None:
        self.vault = vault
        self.cipher = vault.cipher
        self._main = main
        self._own: sa.Connection | None = None
        self._writing = False

    @property
    def conn(self) -> sa.Connection:
        if self.vault.engine is None:
            return self._main()
        if self._own is None:
            self._own = self.vault.engine.connect()
        return self._own

    def begin_write(self) -> None:
        """The register's writer lock covers a shared vault; a separate one locks itself."""
        if self.vault.engine is not None and not self._writing:
            dialect.begin_write(self.conn)
            self._writing = True

    # -- My Numbers --------------------------------------------------------------------
    def open_number(self, resident_id: str, key_id: str, box: bytes) -> str:
        return self.cipher.open(key_id, box, number_context(resident_id)).decode("utf-8")

    def numbers(self, refs: Iterable[str]) -> dict[str, str]:
        """My Numbers by ref (refs without a vault row are absent)."""
        out: dict[str, str] = {}
        for batch in dialect.chunks(sorted(set(refs))):
            rows = self.conn.execute(
                sa.select(
                    my_numbers.c.ref,
                    my_numbers.c.resident_id,
                    my_numbers.c.key_id,
                    my_numbers.c.box,
                ).where(my_numbers.c.ref.in_(batch))
            )
            for ref, rid, kid, box in rows:
                out[ref] = self.open_number(rid, kid, box)
        return out

    def refs_for(self, my_number: str) -> list[str]:
        blind = self.cipher.blind(my_number)
        return list(
            self.conn.execute(
                sa.select(my_numbers.c.ref).where(my_numbers.c.blind == blind)
            ).scalars()
        )

    def blinds(self, refs: Iterable[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for batch in dialect.chunks(sorted(set(refs))):
            rows = self.conn.execute(
                sa.select(my_numbers.c.ref, my_numbers.c.blind).where(my_numbers.c.ref.in_(batch))
            )
            out.update({ref: blind for ref, blind in rows})
        return out

    def number_rows(self, items: Iterable[tuple[str, str]]) -> list[dict[str, object]]:
        """Vault rows (with fresh refs) for (resident id, My Number) pairs."""
        kid = self.cipher.current_key_id()
        rows: list[dict[str, object]] = []
        for rid, number in items:
            _, box = self.cipher.seal(number.encode("utf-8"), number_context(rid), kid)
            rows.append(
                {
                    "ref": new_ref(rid),
                    "resident_id": rid,
                    "key_id": kid,
                    "box": box,
                    "blind": self.cipher.blind(number),
                }
            )
        return rows

    def add_numbers(self, rows: list[dict[str, object]]) -> None:
        if rows:
            self.ensure_key_check(str(rows[0]["key_id"]))
            self.conn.execute(my_numbers.insert(), rows)

    def drop_refs(self, refs: Iterable[str]) -> None:
        for batch in dialect.chunks(sorted(set(refs))):
            self.conn.execute(my_numbers.delete().where(my_numbers.c.ref.in_(batch)))

    # -- movement secrets --------------------------------------------------------------
    def movement_secrets(self, movement_ids: Iterable[int]) -> dict[int, dict[str, str]]:
        out: dict[int, dict[str, str]] = {}
        for batch in dialect.chunks(sorted(set(movement_ids))):
            rows = self.conn.execute(
                sa.select(
                    movement_secrets.c.movement_id,
                    movement_secrets.c.key_id,
                    movement_secrets.c.box,
                ).where(movement_secrets.c.movement_id.in_(batch))
            )
            for mid, kid, box in rows:
                plain = self.cipher.open(kid, box, secrets_context(mid))
                out[mid] = json.loads(plain)
        return out

    def add_movement_secrets(self, items: list[tuple[int, dict[str, str]]]) -> None:
        if not items:
            return
        kid = self.cipher.current_key_id()
        self.ensure_key_check(kid)
        rows = [
            {
                "movement_id": mid,
                "key_id": kid,
                "box": self.cipher.seal(dumps(data).encode("utf-8"), secrets_context(mid), kid)[1],
            }
            for mid, data in items
        ]
        self.conn.execute(movement_secrets.insert(), rows)

    # -- document secrets --------------------------------------------------------------
    def document_secrets(self, kind: str, keys: Iterable[str]) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for batch in dialect.chunks(sorted(set(keys))):
            rows = self.conn.execute(
                sa.select(
                    document_secrets.c.key, document_secrets.c.key_id, document_secrets.c.box
                ).where(document_secrets.c.kind == kind, document_secrets.c.key.in_(batch))
            )
            for key, kid, box in rows:
                out[key] = json.loads(self.cipher.open(kid, box, document_context(kind, key)))
        return out

    def put_document_secrets(self, items: list[tuple[str, str, dict[str, str]]]) -> None:
        """Replace the secrets of documents (kind, key, secrets); empty secrets: none kept."""
        if not items:
            return
        for kind, key, _ in items:
            self.conn.execute(
                document_secrets.delete().where(
                    document_secrets.c.kind == kind, document_secrets.c.key == key
                )
            )
        kid = self.cipher.current_key_id()
        rows = [
            {
                "kind": kind,
                "key": key,
                "key_id": kid,
                "box": self.cipher.seal(
                    dumps(data).encode("utf-8"), document_context(kind, key), kid
                )[1],
            }
            for kind, key, data in items
            if data
        ]
        if rows:
            self.ensure_key_check(kid)
            self.conn.execute(document_secrets.insert(), rows)

    def ensure_key_check(self, key_id: str) -> None:
        if key_id in self.vault.checked_keys:
            return
        dialect.insert_ignore(
            self.conn,
            vault_meta,
            [{"name": KEY_CHECK + key_id, "value": self.cipher.key_check(key_id)}],
        )
        self.vault.checked_keys.add(key_id)

    # -- transaction -------------------------------------------------------------------
    def commit(self) -> None:
        if self._own is not None:
            self._own.commit()
        self._writing = False

    def rollback(self) -> None:
        if self._own is not None:
            self._own.rollback()
        self._writing = False

    def close(self) -> None:
        if self._own is not None:
            self._own.close()
            self._own = None
        self._writing = False


def sweep(main: sa.Engine, vault_engine: sa.Engine | None) -> int:
    """Delete vault rows no resident refers to (left by a failed cross-database commit)."""
    if vault_engine is None:
        with main.connect() as conn:
            dialect.begin_write(conn)
            result = conn.execute(
                my_numbers.delete().where(
                    ~sa.exists().where(residents.c.my_number_ref == my_numbers.c.ref)
                )
            )
            conn.commit()
            return int(result.rowcount or 0)
    removed = 0
    with vault_engine.connect() as vconn, main.connect() as conn:
        # Under the writer lock no unit of work sits between its vault commit and its
        # register commit, so an unreferenced row is an orphan, not a row about to be used.
        dialect.lock_writer(conn)
        refs = list(vconn.execute(sa.select(my_numbers.c.ref)).scalars())
        orphans: list[str] = []
        for batch in dialect.chunks(refs):
            used = set(
                conn.execute(
                    sa.select(residents.c.my_number_ref).where(residents.c.my_number_ref.in_(batch))
                ).scalars()
            )
            orphans += [ref for ref in batch if ref not in used]
        vconn.rollback()
        if orphans:
            dialect.begin_write(vconn)
            for batch in dialect.chunks(orphans):
                vconn.execute(my_numbers.delete().where(my_numbers.c.ref.in_(batch)))
                removed += len(batch)
            vconn.commit()
        conn.rollback()
    return removed
