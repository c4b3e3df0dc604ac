"""Bulk import and export of JSON Lines: every line checked, bad lines reported by number and
code (never a value), resumable after a crash without duplicates, export without My Numbers
and only with an approval."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

import kure_juki as kj
from kure_juki import cli
from kure_juki.adapters.sqlalchemy.bulk import LineError, import_jsonl
from kure_juki.adapters.sqlalchemy.bulk_export import export_jsonl
from kure_juki.adapters.sqlalchemy.consistency import check_store
from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore
from kure_juki.domain.errors import AccessDenied, RegistryError, problem
from kure_juki.domain.search import SearchCriteria
from kure_juki.testing import synthetic
from kure_juki.testing.clock import SettableClock

TODAY_CLOCK = "2026-11-26T10:00:00+09:00"


def write(path: Path, lines: list[Any]) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        for line in lines:
            out.write(
                (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n"
            )
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlAlchemyStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'register.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    made = SqlAlchemyStore(url)
    yield made
    made.close()


def everyone(store: SqlAlchemyStore) -> list[Any]:
    with store.unit_of_work() as uow:
        return list(uow.residents.iter_all())


def test_a_synthetic_register_imports_and_checks_out(
    store: SqlAlchemyStore, tmp_path: Path
) -> None:
    lines = list(synthetic.households(400, seed=3))
    path = write(tmp_path / "in.jsonl", lines)
    report = import_jsonl(store, path, batch_lines=50)
    assert (report.residents, report.households, report.bad_lines) == (400, len(lines), 0)
    check = check_store(store)
    assert check.ok and check.residents == 400 and check.values_checked == 400
    sample = lines[7]["persons"][0]
    with store.unit_of_work() as uow:
        found = uow.residents.search(SearchCriteria(my_number=sample["my_number"]), 5)
        assert [r.resident_id for r in found] == [sample["resident_id"]]
        assert uow.households.get(lines[7]["household_id"]).head_id == sample["resident_id"]
        imports = [e for e in uow.audit.iter_all() if e.operation == "import"]
        assert sum(e.detail["residents"] for e in imports) == 400
        # the service's counters moved past the imported ids
        assert uow.sequences.next("resident") == 401
        assert uow.sequences.next("household") == len(lines) + 1


def _bad_lines(good: list[dict[str, Any]]) -> list[tuple[Any, set[str]]]:
    def changed(index: int, edit: Any) -> dict[str, Any]:
        line = copy.deepcopy(good[index])
        edit(line)
        return line

    def set_person(key: str, value: Any) -> Any:
        return lambda line: line["persons"][0].__setitem__(key, value)

    def two_heads(line: dict[str, Any]) -> None:
        line["persons"].append(
            {
                **line["persons"][0],
                "resident_id": "1999999999",
                "resident_code": synthetic.codes(99_999)[0],
                "my_number": synthetic.codes(99_999)[1],
            }
        )

    return [
        ("{not json", {"KJ-STORE-020"}),
        (["a list"], {"KJ-STORE-021"}),
        (changed(1, set_person("my_number", "123456789012")), {"KJ-FMT-005"}),
        (changed(2, set_person("birth_date", "2030-01-01")), {"KJ-LOGIC-004", "KJ-STORE-025"}),
        (changed(3, set_person("registered_domicile", None)), {"KJ-LOGIC-009"}),
        (changed(4, set_person("family_name_kana", "Sato")), {"KJ-FMT-011"}),
        (changed(5, set_person("colour", "blue")), {"KJ-FMT-001"}),
        (changed(6, two_heads), {"KJ-LOGIC-008"}),
        (changed(7, lambda line: line.__setitem__("head_id", "1888888888")), {"KJ-STORE-024"}),
        (changed(8, set_person("became_resident_on", "1900-01-01")), {"KJ-STORE-025"}),
        # already imported by the first line of the file (ids, codes and number reused)
        (
            changed(0, lambda line: None),
            {"KJ-STORE-022", "KJ-STORE-023", "KJ-LOGIC-001", "KJ-LOGIC-002"},
        ),
    ]


def test_bad_lines_are_reported_by_number_and_code_never_by_value(
    store: SqlAlchemyStore, tmp_path: Path
) -> None:
    good = list(synthetic.households(40, seed=5))
    bad = _bad_lines(good)
    # good lines 0..9 first, then the bad ones, then the rest of the good ones
    lines: list[Any] = good[:1] + [b for b, _ in bad] + good[9:]
    path = write(
        tmp_path / "in.jsonl", [x if not isinstance(x, list) else json.dumps(x) for x in lines]
    )
    errors: list[LineError] = []
    report = import_jsonl(store, path, batch_lines=4, on_error=errors.append)
    assert report.bad_lines == len(bad)
    assert [e.line for e in errors] == list(range(2, 2 + len(bad)))
    for error, (_, codes) in zip(errors, bad, strict=True):
        assert set(error.codes) == codes, error
        text = json.dumps(error.to_dict(), ensure_ascii=False)
        for value in ("123456789012", "2030-01-01", "1888888888", "Sato", "blue"):
            assert value not in text
    imported = {r.resident_id for r in everyone(store)}
    expected = {p["resident_id"] for line in good[:1] + good[9:] for p in line["persons"]}
    assert imported == expected
    assert check_store(store).ok


def test_worker_processes_import_exactly_what_one_process_imports(
    store: SqlAlchemyStore, tmp_path: Path
) -> None:
    good = list(synthetic.households(120, seed=21))
    lines: list[Any] = good[:30] + [b for b, _ in _bad_lines(good)] + good[30:]
    path = write(
        tmp_path / "in.jsonl", [x if not isinstance(x, list) else json.dumps(x) for x in lines]
    )
    alone = SqlAlchemyStore(f"sqlite:///{tmp_path / 'alone.db'}")
    errors_alone: list[LineError] = []
    one = import_jsonl(alone, path, batch_lines=7, workers=0, on_error=errors_alone.append)
    errors_pool: list[LineError] = []
    # Chunks of seven lines spread over three workers: results must come back in file order.
    pooled = import_jsonl(store, path, batch_lines=7, workers=3, on_error=errors_pool.append)
    assert attrs.evolve(pooled, seconds=0) == attrs.evolve(one, seconds=0)
    assert errors_pool == errors_alone and len(errors_pool) == len(_bad_lines(good))
    assert everyone(store) == everyone(alone)
    with store.unit_of_work() as uow:
        sample = good[-1]["persons"][0]
        found = uow.residents.search(SearchCriteria(my_number=sample["my_number"]), 5)
        assert [r.resident_id for r in found] == [sample["resident_id"]]
    assert check_store(store).ok
    alone.close()


def test_a_dead_worker_stops_the_import_with_its_code_and_the_rerun_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kure_juki.adapters.sqlalchemy import bulk_pool

    store = SqlAlchemyStore(f"sqlite:///{tmp_path / 'register.db'}")
    lines = list(synthetic.households(500, seed=23))
    path = write(tmp_path / "in.jsonl", lines)
    reads = {"n": 0}
    result = bulk_pool._Worker.result

    def killed_on_the_fifth_read(worker: Any) -> Any:
        reads["n"] += 1
        if reads["n"] == 5:
            worker.process.kill()
            worker.process.wait()
        return result(worker)

    monkeypatch.setattr(bulk_pool._Worker, "result", killed_on_the_fifth_read)
    with pytest.raises(RegistryError) as died:
        import_jsonl(store, path, batch_lines=10, workers=2)
    assert died.value.code == "KJ-STORE-035"
    monkeypatch.undo()
    committed = len({r.household_id for r in everyone(store)})
    assert committed % 10 == 0 and committed < len(lines)  # whole batches only
    again = import_jsonl(store, path, batch_lines=10, workers=2)
    assert again.resumed_after == committed and again.bad_lines == 0
    people = everyone(store)
    assert len(people) == 500 and len({r.resident_id for r in people}) == 500
    assert check_store(store).ok
    store.close()


def test_a_my_number_living_in_the_register_is_refused_with_the_vault_in_its_own_database(
    tmp_path: Path,
) -> None:
    store = SqlAlchemyStore(
        f"sqlite:///{tmp_path / 'register.db'}",
        my_number_url=f"sqlite:///{tmp_path / 'vault.db'}",
    )
    lines = list(synthetic.households(40, seed=31))
    first = import_jsonl(store, write(tmp_path / "in.jsonl", lines))
    assert first.bad_lines == 0 and first.residents == 40
    # Other households (new ids, their own 住民票コード), the first person carrying a living
    # resident's My Number.
    twin = list(synthetic.households(3, seed=32))
    for i, line in enumerate(twin):
        line["household_id"] = f"9{i:09d}"
        for j, person in enumerate(line["persons"]):
            person["resident_id"] = f"8{i:04d}{j:05d}"
    twin[0]["persons"][0]["my_number"] = lines[4]["persons"][0]["my_number"]
    errors: list[LineError] = []
    second = import_jsonl(store, write(tmp_path / "twin.jsonl", twin), on_error=errors.append)
    assert [e.line for e in errors] == [1] and "KJ-LOGIC-002" in errors[0].codes
    assert second.households == len(twin) - 1
    assert check_store(store).ok
    store.close()


class Crash(Exception):
    pass


def test_an_import_resumes_after_a_crash_without_duplicates(
    store: SqlAlchemyStore, tmp_path: Path
) -> None:
    lines = list(synthetic.households(300, seed=9))
    path = write(tmp_path / "in.jsonl", lines)
    first = import_jsonl(store, path, batch_lines=20, stop_after=3)
    assert first.households == 60
    # then a crash in the middle of a batch: that batch's transaction is rolled back whole
    inserts = {"n": 0}

    def crash(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO residents"):
            inserts["n"] += 1
            if inserts["n"] == 2:
                raise Crash()

    sa.event.listen(store.engine, "before_cursor_execute", crash)
    with pytest.raises(Crash):
        import_jsonl(store, path, batch_lines=20)
    sa.event.remove(store.engine, "before_cursor_execute", crash)
    assert len({r.household_id for r in everyone(store)}) == 80  # one more batch committed
    second = import_jsonl(store, path, batch_lines=20)
    assert second.resumed_after == 80 and second.skipped == 80 and second.bad_lines == 0
    people = everyone(store)
    assert len(people) == 300 and len({r.resident_id for r in people}) == 300
    again = import_jsonl(store, path, batch_lines=20)
    assert (again.lines, again.residents, again.bad_lines) == (0, 0, 0)
    # the same data in another file is refused line by line rather than imported twice
    other = write(tmp_path / "again.jsonl", lines[:5])
    errors: list[LineError] = []
    dup = import_jsonl(store, other, on_error=errors.append)
    assert dup.bad_lines == 5 and all("KJ-STORE-022" in e.codes for e in errors)
    assert len(everyone(store)) == 300
    assert check_store(store).ok


def test_export_needs_an_approval_and_never_carries_a_my_number(
    store: SqlAlchemyStore, tmp_path: Path
) -> None:
    lines = list(synthetic.households(60, seed=11))
    import_jsonl(store, write(tmp_path / "in.jsonl", lines))
    with pytest.raises(RegistryError) as none:
        export_jsonl(store, io.BytesIO(), approval="t", approve=None)
    assert none.value.code == "KJ-STORE-030"

    def refuse(token: str | None, records: int) -> None:
        raise AccessDenied(problem("KJ-ACCESS-001"))

    with pytest.raises(AccessDenied):
        export_jsonl(store, io.BytesIO(), approval="bad", approve=refuse)
    seen: list[tuple[str | None, int]] = []
    out = io.BytesIO()
    written = export_jsonl(store, out, approval="token-1", approve=lambda t, n: seen.append((t, n)))
    assert written == 60 and seen == [("token-1", 60)]
    text = out.getvalue().decode()
    for line in lines:
        for p in line["persons"]:
            assert p["my_number"] not in text
    assert '"my_number"' not in text
    with store.unit_of_work() as uow:
        exports = [e for e in uow.audit.iter_all() if e.operation == "export"]
    assert [(e.outcome, e.code) for e in exports] == [
        ("refused", "KJ-STORE-030"),
        ("refused", "KJ-ACCESS-001"),
        ("ok", None),
    ]
    # what was exported imports again, the same records but for the My Numbers
    again = SqlAlchemyStore(f"sqlite:///{tmp_path / 'copy.db'}")
    report = import_jsonl(again, write(tmp_path / "exported.jsonl", text.splitlines()))
    assert report.bad_lines == 0
    original = {r.resident_id: r for r in everyone(store)}
    copied = everyone(again)
    assert len(copied) == 60
    for r in copied:
        assert r == attrs.evolve(original[r.resident_id], my_number=None)
    again.close()


def test_the_cli_import_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'register.db'}"
    households = list(synthetic.households(30, seed=2))
    path = write(tmp_path / "in.jsonl", [*households, "{oops"])
    assert cli.main(["--json", "import", url, str(path), "--no-progress"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["residents"] == 30 and out["bad_lines"] == 1
    assert out["errors"] == [{"line": out["lines"], "codes": ["KJ-STORE-020"], "where": [""]}]
    # A token the supervisor never issued is refused by the access layer.
    assert cli.main(["export", url, str(tmp_path / "out.jsonl"), "--approval", "x"]) == 1
    assert "KJ-ACCESS-007" in capsys.readouterr().err
    assert not (tmp_path / "out.jsonl").exists()
    cli.export_approval = lambda token, records: None
    try:
        assert (
            cli.main(["--json", "export", url, str(tmp_path / "out.jsonl"), "--approval", "x"]) == 0
        )
    finally:
        cli.export_approval = None
    assert json.loads(capsys.readouterr().out)["records"] == 30
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == len(households)
    assert (tmp_path / "out.jsonl").stat().st_mode & 0o777 == 0o600  # personal data


def test_imported_residents_serve_the_public_api(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'register.db'}"
    store = SqlAlchemyStore(url)
    lines = list(synthetic.households(20, seed=4))
    import_jsonl(store, write(tmp_path / "in.jsonl", lines))
    store.close()
    reg = kj.open_registry(url, municipality_code="342025", clock=SettableClock(TODAY_CLOCK))
    reg.bootstrap_admin("admin", "a-long-passphrase")
    s = reg.login("admin", "a-long-passphrase", terminal_id="T-1", purpose="resident_records")
    head = lines[0]["persons"][0]
    view = s.resident(head["resident_id"])
    assert view["my_number"] == head["my_number"]
    receipt = s.submit(
        {
            "type": "move_within",
            "occurred_on": "2026-11-20",
            "notified_on": "2026-11-25",
            "resident_ids": [p["resident_id"] for p in lines[0]["persons"]],
            "address": {"postal_code": "737-0041", "text": "広島県呉市和庄一丁目2番3号"},
        }
    )
    assert receipt.type == "move_within"
    assert reg.verify_audit_log().ok
    reg.close()
