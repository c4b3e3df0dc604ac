"""Key rotation (``kure-juki keys rotate URL``): re-encrypt the vault under the current key.

With a rotating key store (the key file), a new key is created and made current first; with
the environment store the operator has already set the new current key. Every vault value
under another key is then opened and sealed again under the current one, in batches of one
transaction each (an interrupted rotation is simply run again), and the check values of keys
no longer used are dropped, so the old key can then be removed from the key store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from kure_juki.adapters.sqlalchemy import dialect
from kure_juki.adapters.sqlalchemy.crypto import Cipher
from kure_juki.adapters.sqlalchemy.outbox import body_context, identity_context
from kure_juki.adapters.sqlalchemy.tables import (
    cs_identity,
    cs_outbox,
    document_secrets,
    movement_secrets,
    my_numbers,
    vault_meta,
)
from kure_juki.adapters.sqlalchemy.vault import (
    KEY_CHECK,
    document_context,
    number_context,
    secrets_context,
    sweep,
)
from kure_juki.ports.key_store import RotatingKeyStore

if TYPE_CHECKING:
    from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore

BATCH = 1000


@attrs.frozen
class RotationReport:
    key_id: str  # the current key after rotation
    created: bool  # a new key was created for this rotation
    reencrypted: int  # values sealed again
    retired: tuple[str, ...]  # key ids no value uses any more
    orphans_removed: int  # vault rows no resident referred to


def rotate_keys(store: SqlAlchemyStore, *, new_key: bool = True) -> RotationReport:
    keys = store.key_store
    created = False
    if new_key and isinstance(keys, RotatingKeyStore):
        keys.add_key()
        created = True
    cipher = store.vault.cipher
    current = cipher.current_key_id()
    engine = store.vault_engine or store.engine
    orphans = sweep(store.engine, store.vault_engine)
    done = 0
    owner_columns: list[tuple[sa.Table, list[sa.Column[Any]], Any]] = [
        (my_numbers, [my_numbers.c.ref], lambda row: number_context(row.resident_id)),
        (
            movement_secrets,
            [movement_secrets.c.movement_id],
            lambda row: secrets_context(row.movement_id),
        ),
        (
            document_secrets,
            [document_secrets.c.kind, document_secrets.c.key],
            lambda row: document_context(row.kind, row.key),
        ),
    ]
    # The register's own sealed values (CS messages, the 本人確認情報ファイル) live in the
    # register's database even when the vault is apart.
    register_owned: list[tuple[sa.Table, list[sa.Column[Any]], Any]] = [
        (cs_outbox, [cs_outbox.c.message_id], lambda row: body_context(row.message_id)),
        (
            cs_identity,
            [cs_identity.c.resident_code],
            lambda row: identity_context(row.resident_code),
        ),
    ]
    with engine.connect() as conn:
        dialect.begin_write(conn)
        dialect.insert_ignore(
            conn, vault_meta, [{"name": KEY_CHECK + current, "value": cipher.key_check(current)}]
        )
        conn.commit()
        done += _reseal(conn, owner_columns, cipher, current)
        used = set()
        for table, _, _ in owner_columns:
            used |= set(conn.execute(sa.select(table.c.key_id).distinct()).scalars())
        with store.engine.connect() as main:
            done += _reseal(main, register_owned, cipher, current)
            for table, _, _ in register_owned:
                used |= set(main.execute(sa.select(table.c.key_id).distinct()).scalars())
            main.rollback()
        checks = [
            name
            for name in conn.execute(
                sa.select(vault_meta.c.name).where(vault_meta.c.name.startswith(KEY_CHECK))
            ).scalars()
        ]
        retired = tuple(
            sorted(
                n[len(KEY_CHECK) :]
                for n in checks
                if n[len(KEY_CHECK) :] not in used and n[len(KEY_CHECK) :] != current
            )
        )
        if retired:
            dialect.begin_write(conn)
            conn.execute(
                vault_meta.delete().where(vault_meta.c.name.in_([KEY_CHECK + k for k in retired]))
            )
            conn.commit()
        conn.rollback()
    store.vault.checked_keys.difference_update(retired)
    return RotationReport(current, created, done, retired, orphans)


def _reseal(
    conn: sa.Connection,
    tables: list[tuple[sa.Table, list[sa.Column[Any]], Any]],
    cipher: Cipher,
    current: str,
) -> int:
    """Seal every value of *tables* not under *current* again under it, batch by batch."""
    done = 0
    for table, key_columns, context in tables:
        while True:
            rows = conn.execute(
                sa.select(table).where(table.c.key_id != current).limit(BATCH)
            ).all()
            if not rows:
                break
            dialect.begin_write(conn)
            for row in rows:
                box = b""
                if row.box:  # a purged message keeps an empty tombstone
                    plain = cipher.open(row.key_id, row.box, context(row))
                    _, box = cipher.seal(plain, context(row), current)
                where = [col == getattr(row, col.name) for col in key_columns]
                conn.execute(
                    table.update()
                    .where(*where, table.c.key_id == row.key_id)
                    .values(key_id=current, box=box)
                )
            conn.commit()
            done += sum(1 for row in rows if row.box)
    return done
