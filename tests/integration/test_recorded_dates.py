"""Dates as the 戸籍 records them (標準1.1.8) through the public API, on every store.

生年月日, 住民となった年月日, 住所を定めた年月日 and the 異動日 of 出生 and 死亡 take a day off the
calendar or a 不詳日 form, marked ``{"as_recorded": …}``; the register keeps the text and an
internal date, shows and prints the text, and searches by its period. Every other date, and an
unmarked ``1980-02-30``, is a calendar day or a format error.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

import kure_juki as kj
from kure_juki.adapters.cs.simulated_peers import SimulatedNetwork
from kure_juki.adapters.sqlalchemy.bulk import import_jsonl
from kure_juki.adapters.sqlalchemy.bulk_export import export_jsonl
from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore
from kure_juki.service.cs_delivery import deliver
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person, unique_codes

pytestmark = pytest.mark.kj_store("memory", "sqlite", "postgresql")

# (text as the 戸籍 records it, internal date): every form of 標準1.1.8's 不詳日入力一覧 and
# the days off the calendar it names.
BIRTHS = [
    ("昭和55年2月30日", "1980-02-29"),
    ("昭和54年2月29日", "1979-02-28"),
    ("明治45年7月30日", "1912-07-30"),
    ("大正15年12月25日", "1926-12-25"),
    ("昭和64年1月8日", "1989-01-08"),
    ("昭和30年頃", "1955-01-01"),
    ("昭和30年5月頃", "1955-05-01"),
    ("昭和30年5月3日頃", "1955-05-03"),
    ("推定昭和30年5月3日", "1955-05-03"),
    ("推定昭和30年5月", "1955-05-01"),
    ("昭和30年春", "1955-03-01"),
    ("昭和30年5月上旬", "1955-05-01"),
    ("昭和30年5月中旬頃", "1955-05-11"),
    ("年月日不詳", "1868-01-25"),
    ("昭和30年 月日不詳", "1955-01-01"),
    ("昭和30年12月 日不詳", "1955-12-01"),
    ("昭和30年12月1日から12月10日頃までの間", "1955-12-01"),
    ("昭和30年12月推定1日から5日までの間", "1955-12-01"),
    ("昭和30年12月1日頃から5日頃までの間", "1955-12-01"),
]


def written(text: str, sort_date: str | None = None) -> dict[str, Any]:
    return {"as_recorded": text} | ({"sort_date": sort_date} if sort_date else {})


def codes(err: kj.RegistryError) -> set[tuple[str, str | None]]:
    return {(p.code, p.where) for p in err.problems}


def text_of(cert: Any) -> str:
    body: str = cert.content.decode("utf-8")
    return body[: body.rindex("%KJ-SIGNATURE/1")]


def birth(household_id: str, occurred_on: Any, **person_items: Any) -> dict[str, Any]:
    return {
        "type": "birth",
        "household_id": household_id,
        "occurred_on": occurred_on,
        "notified_on": "2026-11-25",
        "person": {
            "family_name": "呉",
            "given_name": "花子",
            "family_name_kana": "くれ",
            "given_name_kana": "はなこ",
            "sex": "female",
            "relationship": "子",
            **person_items,
        },
    }


def test_every_form_of_birth_date_is_kept_as_written_and_sorted_by_its_internal_date(
    kj_clerk: kj.Session,
) -> None:
    ids: list[str] = []
    for i in range(0, len(BIRTHS), 4):  # a few households of up to four persons
        chunk = BIRTHS[i : i + 4]
        persons = [
            person(
                relationship="世帯主" if j == 0 else "同居人",
                birth_date=written(text),
                family=i + j,
                given=j,
            )
            for j, (text, _) in enumerate(chunk)
        ]
        ids += kj_clerk.submit(move_in(persons)).resident_ids
    for rid, (text, internal) in zip(ids, BIRTHS, strict=True):
        view = kj_clerk.resident(rid)
        assert (view["birth_date_as_recorded"], view["birth_date"]) == (text, internal)
        # a movement that is no 出生 keeps its own 異動日 as a calendar day
        assert view["became_resident_on"] == "2026-11-20"
        assert "became_resident_on_as_recorded" not in view
        cert = text_of(kj_clerk.issue_certificate("juminhyo", resident_ids=[rid]))
        assert f"生年月日           | {text}" in cert


def test_a_birth_written_as_recorded_dates_the_record_and_prints_as_written(
    kj_clerk: kj.Session,
) -> None:
    family = kj_clerk.submit(move_in())
    child = kj_clerk.submit(birth(family.household_id, written("令和8年11月上旬")))
    view = kj_clerk.resident(child.resident_ids[0])
    assert view["birth_date"] == view["became_resident_on"] == view["address_since"]
    assert view["birth_date"] == "2026-11-01"
    for item in ("birth_date", "became_resident_on", "address_since"):
        assert view[f"{item}_as_recorded"] == "令和8年11月上旬"
    assert view["history"][0]["occurred_on_as_recorded"] == "令和8年11月上旬"
    cert = text_of(
        kj_clerk.issue_certificate(
            "juminhyo",
            resident_ids=[child.resident_ids[0]],
            include=("became_resident_on", "address_since"),
        )
    )
    assert "生年月日           | 令和8年11月上旬" in cert
    assert "住民となった年月日 | 令和8年11月上旬　出生" in cert
    assert "住所を定めた年月日 | 令和8年11月上旬" in cert
    assert "届出年月日         | 令和8年11月25日" in cert  # 届出日: a calendar day


def test_the_history_on_a_copy_gives_the_birth_as_recorded(kj_clerk: kj.Session) -> None:
    family = kj_clerk.submit(move_in())
    child = kj_clerk.submit(birth(family.household_id, written("令和8年11月中旬頃")))
    cert = text_of(
        kj_clerk.issue_certificate(
            "juminhyo", resident_ids=[child.resident_ids[0]], with_history=True
        )
    )
    history = cert[cert.index("異動履歴") :].splitlines()
    assert next(line for line in history if "出生により記載" in line).split("|")[0].strip() == (
        "令和8年11月中旬頃"
    )


def test_a_birth_off_the_calendar_with_a_chosen_sort_date(kj_clerk: kj.Session) -> None:
    family = kj_clerk.submit(move_in())
    child = kj_clerk.submit(
        birth(family.household_id, written("令和8年2月30日")),
    )
    assert kj_clerk.resident(child.resident_ids[0])["birth_date"] == "2026-02-28"
    other = kj_clerk.submit(
        birth(family.household_id, written("令和8年 月日不詳", "2026-06-01"), given_name="次郎",
              given_name_kana="じろう", sex="male")
    )
    view = kj_clerk.resident(other.resident_ids[0])
    assert view["birth_date"] == "2026-06-01"
    assert view["birth_date_as_recorded"] == "令和8年 月日不詳"


def test_the_child_entry_and_the_birth_date_must_agree(kj_clerk: kj.Session) -> None:
    family = kj_clerk.submit(move_in())
    n = birth(family.household_id, written("令和8年11月上旬"), birth_date=written("令和8年11月頃"))
    with pytest.raises(kj.LogicError) as e:
        kj_clerk.submit(n)
    assert ("KJ-LOGIC-035", "person.birth_date") in codes(e.value)
    same = birth(family.household_id, None, birth_date=written("令和8年11月上旬"))
    del same["occurred_on"]
    child = kj_clerk.submit(same)
    assert kj_clerk.resident(child.resident_ids[0])["became_resident_on_as_recorded"] == (
        "令和8年11月上旬"
    )


@pytest.mark.parametrize(
    ("occurred_on", "deleted_on", "printed"),
    [
        (written("年月日不詳"), "2026-11-26", "年月日不詳　死亡"),  # its 届出日: today
        (written("推定令和8年11月20日"), "2026-11-20", "推定令和8年11月20日　死亡"),
        (written("令和8年11月中旬頃"), "2026-11-11", "令和8年11月中旬頃　死亡"),
        (written("令和8年2月29日"), "2026-02-28", "令和8年2月29日　死亡"),
    ],
)
def test_a_death_keeps_its_date_as_recorded_on_the_deleted_record(
    kj_clerk: kj.Session, occurred_on: Any, deleted_on: str, printed: str
) -> None:
    old = person(birth_date=written("大正15年12月25日"))
    rid = kj_clerk.submit(move_in([old], occurred_on="2020-04-01", notified_on="2020-04-02"))
    died = rid.resident_ids[0]
    kj_clerk.submit({"type": "death", "resident_id": died, "occurred_on": occurred_on})
    view = kj_clerk.resident(died)
    assert view["deletion"]["deleted_on"] == deleted_on
    assert view["deletion"]["deleted_on_as_recorded"] == occurred_on["as_recorded"]
    cert = text_of(kj_clerk.issue_certificate("jojo", resident_ids=[died]))
    assert f"消除年月日         | {printed}" in cert
    assert "生年月日           | 大正15年12月25日" in cert


def test_a_plain_typo_stays_a_format_error(kj_clerk: kj.Session) -> None:
    with pytest.raises(kj.FormatError) as e:
        kj_clerk.submit(move_in([person(birth_date="1980-02-30")]))
    assert codes(e.value) == {("KJ-FMT-004", "persons[0].birth_date")}
    family = kj_clerk.submit(move_in())
    with pytest.raises(kj.FormatError) as e:
        kj_clerk.submit(birth(family.household_id, "2026-02-30"))
    assert ("KJ-FMT-004", "occurred_on") in codes(e.value)


def test_dates_that_take_calendar_days_only_refuse_the_marking(kj_clerk: kj.Session) -> None:
    n = move_in([person(birth_date=written("昭和55年2月30日"))])
    n["occurred_on"] = written("令和8年11月頃")
    n["notified_on"] = written("令和8年11月25日")
    with pytest.raises(kj.FormatError) as e:
        kj_clerk.submit(n)
    assert codes(e.value) == {("KJ-FMT-702", "occurred_on"), ("KJ-FMT-702", "notified_on")}
    foreign = person(foreign=True, stay_expires_on=written("令和11年3月31日"))
    with pytest.raises(kj.FormatError) as e:
        kj_clerk.submit(move_in([foreign]))
    assert codes(e.value) == {("KJ-FMT-702", "persons[0].stay_expires_on")}
    rid = kj_clerk.submit(move_in()).resident_ids[0]
    with pytest.raises(kj.FormatError) as e:
        kj_clerk.submit(
            {
                "type": "move_out",
                "resident_ids": [rid],
                "occurred_on": written("令和8年12月頃"),
                "destination": {"municipality_code": "131016", "text": "東京都千代田区"},
            }
        )
    assert codes(e.value) == {("KJ-FMT-702", "occurred_on")}


def test_a_bad_text_or_sort_date_is_reported_with_every_other_problem(
    kj_clerk: kj.Session,
) -> None:
    persons = [
        person(birth_date=written("昭和55年2月32日")),
        person(relationship="妻", birth_date=written("昭和55年頃", "1981-01-01")),
        person(relationship="子", birth_date={"as_recorded": "昭和55年頃", "colour": "blue"}),
        person(relationship="子", birth_date={"as_recorded": 1980}),
        person(relationship="子", birth_date=written("昭和55年頃", "1980-02-30")),
    ]
    with pytest.raises(kj.FormatError) as e:
        kj_clerk.submit(move_in(persons))
    assert codes(e.value) == {
        ("KJ-FMT-701", "persons[0].birth_date.as_recorded"),
        ("KJ-FMT-703", "persons[1].birth_date.sort_date"),
        ("KJ-FMT-001", "persons[2].birth_date.colour"),
        ("KJ-FMT-003", "persons[3].birth_date.as_recorded"),
        ("KJ-FMT-004", "persons[4].birth_date.sort_date"),
    }
    with pytest.raises(kj.FormatError) as e:
        kj_clerk.submit(move_in([person(birth_date_as_recorded="昭和55年2月30日")]))
    assert codes(e.value) == {("KJ-FMT-001", "persons[0].birth_date_as_recorded")}


def test_search_by_birth_date_as_written_matches_its_period(kj_clerk: kj.Session) -> None:
    leap = person(birth_date=written("昭和55年2月30日"), family=1)
    about = person(relationship="妻", sex="female", birth_date=written("昭和55年頃"), family=1)
    plain = person(relationship="子", birth_date="1980-07-01", family=1)
    ids = kj_clerk.submit(move_in([leap, about, plain])).resident_ids
    name = leap["family_name"]

    def found(birth_date: Any) -> list[str]:
        return [v["resident_id"] for v in kj_clerk.search(family_name=name, birth_date=birth_date)]

    assert found("昭和55年2月30日") == [ids[0]]  # its internal date, 1980-02-29
    assert found({"as_recorded": "昭和55年2月30日"}) == [ids[0]]
    assert found("1980-02-29") == [ids[0]]
    assert found("1980-01-01") == [ids[1]]
    assert found("昭和55年頃") == list(ids)  # every internal date of 1980
    assert found("昭和55年2月下旬") == [ids[0]]
    with pytest.raises(kj.FormatError) as e:
        found("1980-02-30")
    assert e.value.code == "KJ-FMT-004"


def test_a_correction_writes_or_clears_a_date_as_recorded(kj_clerk: kj.Session) -> None:
    rid = kj_clerk.submit(move_in()).resident_ids[0]

    def correct(changes: dict[str, Any]) -> dict[str, Any]:
        kj_clerk.submit(
            {"type": "correction", "resident_id": rid, "changes": changes, "reason": "戸籍照合"}
        )
        return kj_clerk.resident(rid)

    view = correct(
        {"birth_date": written("昭和55年4月31日"), "address_since": written("令和8年11月頃")}
    )
    assert (view["birth_date"], view["birth_date_as_recorded"]) == ("1980-04-30", "昭和55年4月31日")
    assert (view["address_since"], view["address_since_as_recorded"]) == (
        "2026-11-01",
        "令和8年11月頃",
    )
    view = correct({"birth_date": "1980-04-30"})
    assert "birth_date_as_recorded" not in view and view["address_since_as_recorded"]
    with pytest.raises(kj.FormatError) as e:
        correct({"birth_date": written("昭和55年4月32日")})
    assert e.value.code == "KJ-FMT-701"


def test_a_later_address_change_leaves_no_stale_text(kj_clerk: kj.Session) -> None:
    family = kj_clerk.submit(move_in())
    child = kj_clerk.submit(birth(family.household_id, written("令和8年11月上旬")))
    kj_clerk.submit(
        {
            "type": "move_within",
            "occurred_on": "2026-11-24",
            "notified_on": "2026-11-25",
            "resident_ids": [*family.resident_ids, *child.resident_ids],
            "address": {"postal_code": "737-0046", "text": "広島県呉市中通二丁目2番"},
        }
    )
    view = kj_clerk.resident(child.resident_ids[0])
    assert view["address_since"] == "2026-11-24" and "address_since_as_recorded" not in view
    assert view["birth_date_as_recorded"] == view["became_resident_on_as_recorded"]


def test_a_viewer_sees_the_text_exactly_when_it_sees_the_date(
    kj_clerk: kj.Session, kj_login: Any
) -> None:
    rid = kj_clerk.submit(move_in([person(birth_date=written("昭和55年2月30日"))])).resident_ids[0]
    for role in ("viewer", "supervisor"):
        view = kj_login(role).resident(rid)
        assert ("birth_date" in view) == ("birth_date_as_recorded" in view)


def test_bulk_export_and_import_carry_dates_as_recorded(
    tmp_path: Path, kj_clock: SettableClock
) -> None:
    reg = kj.open_registry(
        f"sqlite:///{tmp_path / 'from.db'}", municipality_code="342025", clock=kj_clock
    )
    try:
        reg.bootstrap_admin("admin", "a-long-passphrase")
        s = reg.login("admin", "a-long-passphrase", terminal_id="T-1", purpose="resident_records")
        family = s.submit(move_in([person(birth_date=written("昭和55年2月30日"))]))
        s.submit(birth(family.household_id, written("令和8年11月上旬")))
        other = s.submit(
            move_in([person(family=2, birth_date=written("年月日不詳"))], address="広島県呉市中通")
        )
        s.submit(
            {
                "type": "death",
                "resident_id": other.resident_ids[0],
                "occurred_on": written("推定令和8年11月22日"),
            }
        )
        out = io.BytesIO()
        export_jsonl(reg.store, out, approval="t", approve=lambda token, count: None)
        with reg.store.unit_of_work() as uow:  # type: ignore[attr-defined]
            before = {r.resident_id: (r.as_recorded, r.deletion) for r in uow.residents.iter_all()}
    finally:
        reg.close()
    path = tmp_path / "register.jsonl"
    path.write_bytes(out.getvalue())
    target = SqlAlchemyStore(f"sqlite:///{tmp_path / 'to.db'}")
    try:
        report = import_jsonl(target, path)
        assert report.bad_lines == 0
        with target.unit_of_work() as uow:
            after = {r.resident_id: (r.as_recorded, r.deletion) for r in uow.residents.iter_all()}
        assert after == before
        assert sum(1 for written_, _ in after.values() if written_ is not None) == 3
        # a text the register would not accept is refused by line and code, never by value
        line = json.loads(out.getvalue().decode().splitlines()[0])
        line["household_id"] = "5999999999"
        line["head_id"] = "1999999999"
        line["persons"][0].update(resident_id="1999999999", resident_code=unique_codes()[0])
        line["persons"][0]["register_items"]["as_recorded"]["birth_date"] = "昭和55年2月32日"
        bad = tmp_path / "bad.jsonl"
        bad.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
        errors: list[Any] = []
        assert import_jsonl(target, bad, on_error=errors.append).bad_lines == 1
        assert [(e.codes, e.where) for e in errors] == [
            (("KJ-FMT-701",), ("persons[0].register_items.as_recorded.birth_date",))
        ]
    finally:
        target.close()


def test_the_cs_receives_the_internal_date(kj_clock: SettableClock) -> None:
    """標準1.1.8 (住基ネットに送信する際は必要な変換を行う): 本人確認情報 has calendar days."""
    network = SimulatedNetwork(["342025"], clock=kj_clock)
    reg = kj.open_registry(
        "memory://", municipality_code="342025", clock=kj_clock, cs_link=network.link("342025")
    )
    try:
        reg.bootstrap_admin("admin", "a-long-passphrase")
        s = reg.login("admin", "a-long-passphrase", terminal_id="T-1", purpose="resident_records")
        family = s.submit(move_in([person(birth_date=written("昭和55年2月30日"))]))
        child = s.submit(birth(family.household_id, written("令和8年11月上旬")))
        report = deliver(reg)
        assert report.pending == 0 and not report.refused
        code_of = {rid: s.resident(rid)["resident_code"] for rid in (*family.resident_ids,
                                                                     *child.resident_ids)}
        head = network.prefecture.record("342025", code_of[family.resident_ids[0]])
        born = network.prefecture.record("342025", code_of[child.resident_ids[0]])
        assert head is not None and born is not None
        assert head.birth_date == dt.date(1980, 2, 29)
        assert born.birth_date == born.became_resident_on == dt.date(2026, 11, 1)
    finally:
        reg.close()
