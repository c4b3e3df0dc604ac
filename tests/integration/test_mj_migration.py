"""A store written before search keys dropped variation selectors upgrades (m0005): the
keys of names with a Moji_Joho IVS are recomputed, so 葛西 finds 葛󠄃西 afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import kure_juki as kj
from kure_juki.adapters.sqlalchemy import schema
from kure_juki.adapters.sqlalchemy.engine import make_engine
from kure_juki.domain.errors import RegistryError
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

KATSU = "\u845b\U000e0103"  # 葛󠄃
PASSWORD = "a-long-passphrase"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'register.db'}"
    else:
        yield request.getfixturevalue("fresh_postgres_url")


def _open(url: str) -> kj.Registry:
    clock = SettableClock("2026-11-26T10:00:00+09:00")
    return kj.open_registry(url, municipality_code="342025", clock=clock)


def test_an_older_store_with_ivs_names_upgrades_and_finds_them(url: str) -> None:
    reg = _open(url)
    reg.bootstrap_admin("admin", PASSWORD)
    s = reg.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")
    kept = s.submit(move_in([person(family_name="山田")])).resident_ids[0]
    (rid,) = s.submit(
        move_in([person(family_name=f"{KATSU}西", family_name_kana="くずにし")])
    ).resident_ids
    reg.close()
    # What the previous revision wrote: the key kept the selector.
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE residents SET family_fold = :old WHERE resident_id = :rid"),
            {"old": f"{KATSU}西", "rid": rid},
        )
        conn.execute(
            sa.text(
                "UPDATE alembic_version SET version_num = 'm0004' WHERE version_num = 'm0005'"
            )
        )
    with pytest.raises(RegistryError) as refused:
        _open(url)
    assert refused.value.code == "KJ-STORE-001"
    schema.upgrade(engine, ["main"])
    with engine.connect() as conn:
        keys = dict(conn.execute(sa.text("SELECT resident_id, family_fold FROM residents")).all())
    engine.dispose()
    assert keys[rid] == "葛西" and keys[kept] == "山田"
    reg = _open(url)
    s = reg.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")
    for query in ("葛西", f"{KATSU}西"):
        found = s.search(family_name=query, birth_date="1980-04-01")
        assert [r["resident_id"] for r in found] == [rid], query
    assert s.resident(rid)["family_name"] == f"{KATSU}西"
    reg.close()
