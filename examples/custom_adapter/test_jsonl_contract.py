"""The storage contract of kure_juki, run against the JSON-lines adapter (by ``run.py``).

This is all an adapter author writes to get the library's own suite: a subclass of
:class:`~kure_juki.testing.contracts.storage.StorageContract` that says how to make (and reopen)
a store. Two more checks go through the entry point, as an integrator would: the register finds
the adapter by its URL scheme, and a register written to the file is there when reopened.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kure_juki_jsonl import JsonlStore, open_store

import kure_juki as kj
from kure_juki.ports.storage import Store
from kure_juki.service.stores import discover
from kure_juki.testing.contracts.storage import StorageContract

PASSWORD = "a-long-passphrase"
MOVE_IN = {
    "type": "move_in", "occurred_on": "2026-11-20",
    "address": {"postal_code": "737-0045", "text": "広島県呉市本通一丁目1番1号"},
    "previous_address": {"municipality_code": "131016", "text": "東京都千代田区霞が関一丁目1番"},
    "household": {"new": True},
    "persons": [{"family_name": "髙橋", "given_name": "一郎", "family_name_kana": "たかはし",
                 "given_name_kana": "いちろう", "birth_date": "1980-04-01", "sex": "male",
                 "relationship": "世帯主", "registered_domicile": "広島県呉市中央四丁目1番",
                 "domicile_head": "髙橋　一郎"}],
}


class TestJsonlStoreContract(StorageContract):
    """The published contract, unchanged: only how to make and reopen a store is ours."""

    def make_store(self, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
        return JsonlStore(f"jsonl:///{tmp_path}/register.jsonl")

    def reopen(self, store: Store) -> Store:
        return JsonlStore(store.url)


def test_the_register_finds_the_adapter_by_its_url_scheme() -> None:
    assert discover()["jsonl"] is open_store


def test_a_register_on_the_file_survives_reopening(tmp_path: Path) -> None:
    url = f"jsonl:///{tmp_path}/kure.jsonl"
    keys = str(tmp_path / "kure.signing.json")  # the municipality's signing keys, kept apart
    with kj.open_registry(url, municipality_code="342025", signing_keys=keys) as reg:
        reg.bootstrap_admin("admin", PASSWORD)
        s = reg.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")
        receipt = s.submit(MOVE_IN)
        s.logout()
    with kj.open_registry(url, municipality_code="342025", signing_keys=keys) as reg:
        s = reg.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")
        person = s.resident(receipt.resident_ids[0])
        assert (person["family_name"], person["status"]) == ("髙橋", "resident")
        assert reg.verify_audit_log().ok


def test_a_line_cut_short_by_a_crash_is_ignored(tmp_path: Path) -> None:
    url = f"jsonl:///{tmp_path}/r.jsonl"
    store = JsonlStore(url)
    with store.unit_of_work() as uow:
        uow.sequences.next("resident")
        uow.commit()
    store.close()
    with open(tmp_path / "r.jsonl", "ab") as journal:
        journal.write(b'{"residents": [')  # the crash: half a line, no newline
    again = JsonlStore(url)
    with again.unit_of_work() as uow:
        assert uow.sequences.next("resident") == 2
        uow.commit()
    again.close()
    assert JsonlStore(url).state.sequences["resident"] == 2
