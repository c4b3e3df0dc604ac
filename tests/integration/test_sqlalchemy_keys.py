"""Keys: the default key file (0600, beside the SQLite file, created only for a fresh
database), a missing or wrong key store refused at open, the environment adapter, and
``kure-juki keys rotate`` re-encrypting every value under a new key."""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from kure_juki import cli
from kure_juki.adapters.keys.environment import EnvironmentKeyStore
from kure_juki.adapters.keys.file import FileKeyStore
from kure_juki.adapters.keys.memory import MemoryKeyStore
from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore, default_key_file
from kure_juki.adapters.sqlalchemy.tables import document_secrets, movement_secrets, my_numbers
from kure_juki.domain.errors import RegistryError
from kure_juki.testing.contracts.storage import _movement, _person


def _fill(store: SqlAlchemyStore) -> list[str]:
    people = [_person("H-K") for _ in range(5)]
    with store.unit_of_work() as uow:
        for r in people:
            uow.residents.put(r)
        uow.movements.append(
            attrs.evolve(
                _movement(1, people[0].resident_id),
                secrets={"notification.my_number": str(people[0].my_number)},
            )
        )
        uow.documents.put("note", "k", {"my_number": people[0].my_number})
        uow.commit()
    return [r.resident_id for r in people]


def test_the_default_key_file_sits_beside_the_database_with_mode_0600(tmp_path: Path) -> None:
    db = tmp_path / "register.db"
    store = SqlAlchemyStore(f"sqlite:///{db}")
    key_file = default_key_file(f"sqlite:///{db}")
    assert key_file == tmp_path / "register.db.keys"
    assert key_file.stat().st_mode & 0o777 == 0o600
    doc = json.loads(key_file.read_text())
    assert doc["format"] == "kure_juki.keys/1" and doc["current"] == "k1"
    store.close()


def test_an_existing_database_without_its_key_file_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "register.db"
    SqlAlchemyStore(f"sqlite:///{db}").close()
    (tmp_path / "register.db.keys").unlink()
    with pytest.raises(RegistryError) as refused:
        SqlAlchemyStore(f"sqlite:///{db}")
    assert refused.value.code == "KJ-STORE-010"
    assert not (tmp_path / "register.db.keys").exists()  # no new key made for old data


def test_a_key_store_of_another_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "register.db"
    SqlAlchemyStore(f"sqlite:///{db}").close()
    with pytest.raises(RegistryError) as refused:
        SqlAlchemyStore(f"sqlite:///{db}", key_store=MemoryKeyStore())
    assert refused.value.code == "KJ-STORE-011"


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "register.db"
    SqlAlchemyStore(f"sqlite:///{db}").close()
    os.chmod(tmp_path / "register.db.keys", 0o644)
    with pytest.raises(RegistryError) as refused:
        SqlAlchemyStore(f"sqlite:///{db}")
    assert refused.value.code == "KJ-STORE-013"


def test_keys_from_the_environment(tmp_path: Path) -> None:
    def b64() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    env = {
        "KJ_CURRENT_KEY_ID": "k7",
        "KJ_KEY_k7": b64(),
        "KJ_BLIND_INDEX_KEY": b64(),
    }
    keys = EnvironmentKeyStore(env, prefix="KJ_")
    store = SqlAlchemyStore(f"sqlite:///{tmp_path / 'register.db'}", key_store=keys)
    ids = _fill(store)
    store.close()
    again = SqlAlchemyStore(
        f"sqlite:///{tmp_path / 'register.db'}", key_store=EnvironmentKeyStore(env, prefix="KJ_")
    )
    with again.unit_of_work() as uow:
        assert all(uow.residents.get(rid) is not None for rid in ids)
    again.close()
    with pytest.raises(RegistryError) as missing:
        EnvironmentKeyStore({"KJ_CURRENT_KEY_ID": "k1"}, prefix="KJ_")
    assert missing.value.code == "KJ-STORE-010"
    with pytest.raises(RegistryError) as bad:
        EnvironmentKeyStore({**env, "KJ_KEY_k7": "c2hvcnQ="}, prefix="KJ_")
    assert bad.value.code == "KJ-STORE-012"
    assert not (tmp_path / "register.db.keys").exists()


def test_rotation_reencrypts_everything_and_retires_the_old_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "register.db"
    url = f"sqlite:///{db}"
    store = SqlAlchemyStore(url)
    ids = _fill(store)
    with store.unit_of_work() as uow:
        before = {rid: uow.residents.get(rid) for rid in ids}
        note = uow.documents.get("note", "k")
    store.close()

    assert cli.main(["--json", "keys", "rotate", url]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["key_id"] == "k2" and report["created"] is True
    assert report["reencrypted"] == 5 + 1 + 1  # numbers, movement and document secrets
    assert report["retired"] == ["k1"]

    store = SqlAlchemyStore(url)
    with store.engine.connect() as conn:
        for table in (my_numbers, movement_secrets, document_secrets):
            assert set(conn.execute(sa.select(table.c.key_id).distinct()).scalars()) <= {"k2"}
    with store.unit_of_work() as uow:
        assert {rid: uow.residents.get(rid) for rid in ids} == before
        assert uow.documents.get("note", "k") == note
    store.close()
    # the old key can now be removed from the key file
    keys = FileKeyStore(tmp_path / "register.db.keys")
    doc = json.loads((tmp_path / "register.db.keys").read_text())
    doc["keys"] = [k for k in doc["keys"] if k["id"] != "k1"]
    (tmp_path / "register.db.keys").write_text(json.dumps(doc))
    assert keys.key_ids() == ["k1", "k2"]
    store = SqlAlchemyStore(url)
    with store.unit_of_work() as uow:
        assert {rid: uow.residents.get(rid) for rid in ids} == before
    store.close()
