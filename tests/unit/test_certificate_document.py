"""The certificate document (証明書の記載内容): validation, defaults and canonical text."""

from __future__ import annotations

import re

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kure_juki.domain.certificate_document import (
    HISTORY_COLUMNS,
    PNG_SIGNATURE,
    CertificateDocument,
    CertificateKind,
    Field,
    HistoryEntry,
    HouseholdSection,
    ImageSection,
    PersonSection,
    TableSection,
)
from kure_juki.domain.errors import FormatError


def person(name: str = "架空　一郎", reading: str | None = "かくう　いちろう") -> PersonSection:
    return PersonSection(
        fields=[Field("氏名", name, reading), Field("生年月日", "昭和50年4月1日"),
                Field("性別", "男")]
    )


def document(**changes: object) -> CertificateDocument:
    values: dict[str, object] = {
        "kind": CertificateKind.JUMINHYO,
        "serial": "R08-000001",
        "issued_on": "令和8年11月26日",
        "municipality": "呉市",
        "mayor_title": "呉市長",
        "mayor_name": "架空　太郎",
        "sections": [HouseholdSection([Field("住所", "広島県呉市架空町1番1号")]), person()],
    }
    values.update(changes)
    return CertificateDocument(**values)  # type: ignore[arg-type]


text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=30)


def test_kind_sets_the_default_title_and_certification_text() -> None:
    copy = document()
    assert copy.title == "住民票の写し"
    assert copy.certification == "この写しは、住民票の原本と相違ないことを証明する。"
    removed = document(kind="jojo")
    assert removed.kind is CertificateKind.JOJO
    assert removed.title == "除票の写し"
    assert "除票の原本と相違ない" in removed.certification
    move_out = document(kind=CertificateKind.TENSHUTSU_JUNZURU)
    assert move_out.title == "転出証明書に準ずる証明書"
    assert "職権で住民票を消除" in move_out.certification


@pytest.mark.parametrize("kind", list(CertificateKind))
def test_every_kind_has_a_title_and_a_certification_text(kind: CertificateKind) -> None:
    doc = document(kind=kind)
    assert doc.title and doc.certification.endswith("。")


def test_the_builder_may_give_its_own_title_and_certification_text() -> None:
    doc = document(title="住民票の写し(世帯全員)",
                   certification="この写しは、世帯全員の住民票の原本と相違ないことを証明する。")
    assert doc.title == "住民票の写し(世帯全員)"
    assert "世帯全員" in doc.certification


@given(st.from_regex(r"[A-Za-z0-9-]{1,32}", fullmatch=True))
def test_serials_of_letters_digits_and_hyphens_are_accepted(serial: str) -> None:
    assert document(serial=serial).serial == serial


@given(st.text(max_size=40).filter(lambda s: not re.fullmatch(r"[A-Za-z0-9-]{1,32}", s)))
def test_any_other_serial_is_refused(serial: str) -> None:
    with pytest.raises(FormatError) as caught:
        document(serial=serial)
    assert caught.value.code == "KJ-CERT-001"


@given(text, st.sampled_from(["\n", "\t", "\x00", "\x1b", "\r", "\x7f", "\u2028", "\u2029"]), text)
def test_control_characters_are_refused_with_the_path_of_the_item(
    before: str, control: str, after: str
) -> None:
    with pytest.raises(FormatError) as caught:
        document(sections=[person(name=before + control + after)])
    assert caught.value.code == "KJ-CERT-002"
    assert caught.value.problems[0].where == "sections[0].fields[0].value"


def test_a_certificate_needs_content() -> None:
    with pytest.raises(FormatError) as caught:
        document(sections=[])
    assert caught.value.code == "KJ-CERT-003"


def test_table_rows_need_one_value_per_column() -> None:
    with pytest.raises(FormatError) as caught:
        document(sections=[TableSection(columns=["氏名", "住所"], rows=[["架空　一郎"]])])
    assert caught.value.code == "KJ-CERT-004"
    assert caught.value.problems[0].where == "sections[0]"


def test_history_table_has_the_four_columns_line_by_line() -> None:
    table = TableSection.history(
        [HistoryEntry("令和3年4月1日", "転入", "令和3年4月5日", "前住所 広島県広島市")]
    )
    assert table.columns == HISTORY_COLUMNS == ("異動日", "事由", "届出日", "内容")
    assert table.rows == (("令和3年4月1日", "転入", "令和3年4月5日", "前住所 広島県広島市"),)
    assert table.heading == "異動履歴"


def test_texts_name_every_printed_string_by_its_path() -> None:
    doc = document(remarks=["備考一"])
    found = dict(doc.texts())
    assert found["sections[1].fields[0].value"] == "架空　一郎"
    assert found["sections[1].fields[0].reading"] == "かくう　いちろう"
    assert found["remarks[0]"] == "備考一"
    assert found["certification"] == doc.certification
    assert "sections[1].fields[1].reading" not in found  # no ふりがな given, none printed


@given(text, text)
def test_canonical_text_changes_with_any_value(first: str, second: str) -> None:
    a = document(sections=[person(name=first)])
    b = document(sections=[person(name=second)])
    assert (a.canonical_text() == b.canonical_text()) == (first == second)


@given(text)
def test_canonical_text_is_one_record_a_line(name: str) -> None:
    doc = document(sections=[person(name=name)])
    lines = doc.canonical_text().split("\n")
    assert lines[0] == "KJ-CERTIFICATE/1"
    assert f"sections[0].fields[0].value\t{name}" in lines


def test_canonical_text_tells_a_household_from_a_person() -> None:
    fields = [Field("住所", "広島県呉市架空町1番1号")]
    a = document(sections=[HouseholdSection(fields)])
    b = document(sections=[PersonSection(fields)])
    assert a.canonical_text() != b.canonical_text()


def test_documents_are_immutable_values() -> None:
    doc = document()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        doc.serial = "X"  # type: ignore[misc]
    assert doc == document()


def test_an_image_must_be_a_png() -> None:
    with pytest.raises(FormatError) as caught:
        document(sections=[ImageSection("印影", b"GIF89a...", "登録印影")])
    assert caught.value.code == "KJ-CERT-005"
    assert caught.value.problems[0].where == "sections[0].png"


@given(st.binary(max_size=64), st.binary(max_size=64))
def test_the_canonical_text_covers_an_image_by_its_digest(a: bytes, b: bytes) -> None:
    first = document(sections=[ImageSection("印影", PNG_SIGNATURE + a, "登録印影")])
    second = document(sections=[ImageSection("印影", PNG_SIGNATURE + b, "登録印影")])
    assert (first.canonical_text() == second.canonical_text()) == (a == b)
    assert dict(first.texts())["sections[0].description"] == "登録印影"
