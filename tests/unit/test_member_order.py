"""世帯員の並び順 (標準5.2), the 発行番号 (標準5.5), the certifier and seal (標準5.6) and the
readings (標準5.3) as pure functions, on synthetic records."""

from __future__ import annotations

import datetime as dt

import attrs
from hypothesis import given
from hypothesis import strategies as st

from kure_juki.domain.address import Address
from kure_juki.domain.certificates.common import certifier_line, seal_words
from kure_juki.domain.certificates.fields import katakana, seireki, with_reading
from kure_juki.domain.certificates.member_order import member_order, standard_order
from kure_juki.domain.certificates.municipality import municipality_for
from kure_juki.domain.certificates.serial import issue_number
from kure_juki.domain.person_name import PersonName
from kure_juki.domain.resident import JapaneseResidentItems, Resident

_ids = iter(range(1000000001, 1000099999))


def member(relationship: str, born: str, *, sex: str = "male", name: str = "一郎",
           domicile_head: str = "佐藤　一郎") -> Resident:
    day = dt.date.fromisoformat(born)
    return Resident(
        resident_id=str(next(_ids)), household_id="5000000001", resident_code="00000079227",
        my_number=None, name=PersonName("佐藤", name, "さとう", "いちろう"), birth_date=day,
        sex=sex,  # type: ignore[arg-type]
        relationship=relationship, kind="japanese",
        address=Address("737-0045", "広島県呉市本通一丁目1番1号"), address_since=day,
        address_notified_on=day, became_resident_on=day, became_resident_reason="出生",
        japanese=JapaneseResidentItems("広島県呉市中央四丁目1番", domicile_head),
    )


def rels(people: list[Resident]) -> list[str]:
    return [p.relationship for p in people]


def test_standard_ranks_head_spouse_children_then_parents_siblings_others() -> None:
    people = [
        member("同居人", "1960-01-01"), member("弟", "1985-01-01"), member("縁故者", "1955-01-01"),
        member("子", "2012-01-01"), member("妻", "1982-01-01", sex="female"),
        member("父の母", "1930-01-01", sex="female"), member("兄", "1978-01-01"),
        member("世帯主", "1980-01-01"), member("子", "2008-01-01"), member("妻の父", "1950-01-01"),
        member("母", "1952-01-01", sex="female", name="花子"),
        member("父", "1950-06-01", name="一郎"),
    ]
    out = standard_order(people)
    assert rels(out) == ["世帯主", "妻", "子", "子", "父", "母", "兄", "弟", "父の母", "妻の父",
                         "縁故者", "同居人"]
    children = [p for p in out if p.relationship == "子"]
    assert [c.birth_date.year for c in children] == [2008, 2012]


def test_parents_the_domicile_head_first() -> None:
    mother = member("母", "1948-01-01", sex="female", name="花子", domicile_head="佐藤　花子")
    father = member("父", "1950-01-01", name="次郎", domicile_head="佐藤　花子")
    assert standard_order([father, mother]) == [mother, father]


def test_a_married_child_comes_with_their_family_after_the_single_children() -> None:
    older_son = member("子", "2000-01-01")
    daughter = member("子", "2003-01-01", sex="female")
    son_wife = member("子の妻", "2001-01-01", sex="female")
    grandchild = member("子の子", "2024-01-01")
    head = member("世帯主", "1970-01-01")
    # Only one son: the 子の妻 is his wife, the 子の子 their child (rank 2, after 1-3).
    out = standard_order([grandchild, son_wife, daughter, older_son, head])
    assert out == [head, daughter, older_son, son_wife, grandchild]


def test_ties_on_birth_date_go_by_resident_id() -> None:
    a, b = member("子", "2010-01-01"), member("子", "2010-01-01")
    assert standard_order([b, a]) == [a, b]


def test_later_arrivals_are_appended_and_a_setting_is_kept() -> None:
    head, wife, child = (member("世帯主", "1980-01-01"), member("妻", "1982-01-01"),
                         member("子", "2010-01-01"))
    newcomer = member("子", "2005-01-01")
    joined = {head.resident_id: 1, wife.resident_id: 1, child.resident_id: 1,
              newcomer.resident_id: 7}
    ids = member_order([newcomer, child, wife, head], joined=joined)
    assert ids == (head.resident_id, wife.resident_id, child.resident_id, newcomer.resident_id)
    kept = member_order([newcomer, child, wife, head], joined=joined,
                        setting=(head.resident_id, child.resident_id))
    assert kept == (head.resident_id, child.resident_id, wife.resident_id, newcomer.resident_id)


@given(st.permutations(["世帯主", "妻", "子", "子", "母", "兄", "同居人", "子の妻", "子の子"]))
def test_every_member_is_listed_once_whatever_the_input_order(order: list[str]) -> None:
    people = [member(r, f"{1950 + i}-01-01") for i, r in enumerate(order)]
    out = member_order(people)
    assert sorted(out) == sorted(p.resident_id for p in people)
    assert out[0] == next(p.resident_id for p in people if p.relationship == "世帯主")


def test_issue_number_has_the_standard_fields() -> None:
    day = dt.date(2026, 11, 26)
    assert issue_number(day, "呉市", "本庁1", "プリンタ001", 11) == (
        "20261126 呉市 本庁1 プリンタ001 000011")
    assert issue_number(day, "呉市", "T-001", "", 12) == "20261126 呉市 T-001 000012"


def test_certifier_and_seal_words() -> None:
    kure = attrs.evolve(municipality_for("342025", mayor_name="架空　太郎"),
                        deputy_title="呉市副市長", deputy_name="仮名　次郎")
    assert certifier_line(kure, "mayor") == ("広島県呉市長", "架空　太郎")
    assert certifier_line(kure, "deputy") == ("広島県呉市長職務代理者　呉市副市長", "仮名　次郎")
    assert seal_words(kure, "mayor", "certifier") == "呉市長之印"
    assert seal_words(kure, "deputy", "certifier") == "呉市長職務代理者之印"
    assert seal_words(kure, "deputy", "mayor") == "呉市長之印"
    assert seal_words(kure, "mayor", "certificate") == "呉市証明書専用之印"
    assert seal_words(kure, "mayor", "none") is None


def test_readings_and_western_dates() -> None:
    assert katakana("じゅうみん　たろう") == "ジュウミン　タロウ"
    shown = with_reading("住民　太郎", "じゅうみん　たろう", True)
    assert shown == "住民　太郎　（ジュウミン　タロウ）"
    assert with_reading("住民　太郎", "じゅうみん　たろう", False) == "住民　太郎"
    assert seireki(dt.date(1990, 2, 3)) == "1990年2月3日"
