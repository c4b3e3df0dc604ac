"""The certificate builders (pure): what each kind says from the records, and what it omits."""

from __future__ import annotations

import datetime as dt
import io
import re

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from kure_juki.domain.address import Address, OtherPlace
from kure_juki.domain.certificate_document import CertificateDocument, CertificateKind
from kure_juki.domain.certificates import (
    CertificateRequest,
    PersonRecord,
    SealImpression,
    build_certificate,
    format_serial,
    municipality_for,
    parse_include,
    policy_items,
)
from kure_juki.domain.certificates import items as it
from kure_juki.domain.certificates.history import history_entries
from kure_juki.domain.certificates.seal import age_on, check_can_register, png_size
from kure_juki.domain.errors import FormatError, LogicError
from kure_juki.domain.movement_record import MovementRecord
from kure_juki.domain.person_name import PersonName
from kure_juki.domain.resident import (
    AliasHistoryEntry,
    Deletion,
    ForeignResidentItems,
    FormerSurname,
    JapaneseResidentItems,
    PlannedMoveOut,
    Resident,
)

TODAY = dt.date(2026, 11, 26)
MY_NUMBER = "123456789018"
CODE = "00000079227"
KURE = municipality_for("342025", mayor_name="架空　太郎")


def japanese(**changes: object) -> Resident:
    r = Resident(
        resident_id="1000000001", household_id="5000000001", resident_code=CODE,
        my_number=MY_NUMBER,
        name=PersonName("髙橋", "一郎", "たかはし", "いちろう"),
        birth_date=dt.date(1975, 4, 1), sex="male", relationship="世帯主", kind="japanese",
        address=Address("737-0045", "広島県呉市本通一丁目1番1号"),
        address_since=dt.date(2021, 4, 1), address_notified_on=dt.date(2021, 4, 5),
        became_resident_on=dt.date(2021, 4, 1), became_resident_reason="転入",
        previous_address=OtherPlace("東京都千代田区霞が関一丁目1番", "131016"),
        japanese=JapaneseResidentItems("広島県呉市中央四丁目1番", "髙橋　一郎"),
        former_surname=FormerSurname("鈴木", "すずき", dt.date(2022, 1, 4)),
    )
    return attrs.evolve(r, **changes)  # type: ignore[arg-type]


def foreign(**changes: object) -> Resident:
    return japanese(
        resident_id="1000000002", kind="foreign", japanese=None, former_surname=None,
        name=PersonName("SMITH", "JOHN", "すみす", "じょん"),
        foreign=ForeignResidentItems(
            nationality="アメリカ合衆国", category_30_45="中長期在留者",
            residence_status="技術・人文知識・国際業務", stay_expires_on=dt.date(2029, 3, 31),
            residence_card_number="AB12345678CD", alias="山田太郎", alias_kana="やまだたろう",
            alias_history=(AliasHistoryEntry("山田太郎", "やまだたろう", dt.date(2023, 5, 1)),),
        ),
        **changes,
    )


def request(kind: CertificateKind, persons: list[Resident], switches: frozenset[str],
            **changes: object) -> CertificateRequest:
    values: dict[str, object] = {
        "kind": kind, "serial": "R08-000001", "today": TODAY, "municipality": KURE,
        "persons": tuple(PersonRecord(p) for p in persons), "switches": switches,
        "heads": {persons[0].household_id: persons[0]} if persons else {},
    }
    values.update(changes)
    return CertificateRequest(**values)  # type: ignore[arg-type]


def words(doc: CertificateDocument) -> str:
    return "\n".join(text for _, text in doc.texts())


# Label printed by each switch (for a Japanese and a foreign resident).
LABELS = {
    it.MY_NUMBER: ("個人番号", MY_NUMBER),
    it.RESIDENT_CODE: ("住民票コード", CODE),
    it.DOMICILE: ("本籍", "広島県呉市中央四丁目1番"),
    it.RELATIONSHIP: ("続柄", "世帯主"),
    it.FORMER_SURNAME: ("旧氏", "鈴木"),
    it.NATIONALITY: ("国籍・地域", "アメリカ合衆国"),
    it.CATEGORY: ("法30条の45区分", "中長期在留者"),
    it.RESIDENCE_STATUS: ("在留資格", "技術・人文知識・国際業務"),
    it.CARD_NUMBER: ("在留カード等の番号", "AB12345678CD"),
    it.ALIAS_HISTORY: ("通称履歴", "令和5年5月1日"),
}
JAPANESE_ONLY = {it.DOMICILE, it.FORMER_SURNAME}
FOREIGN_ONLY = {it.NATIONALITY, it.CATEGORY, it.RESIDENCE_STATUS, it.CARD_NUMBER,
                it.ALIAS_HISTORY}


@given(chosen=st.sets(st.sampled_from(sorted(LABELS))), is_foreign=st.booleans(),
       layout=st.sampled_from(["household", "individual"]))
def test_a_switched_item_is_printed_exactly_when_asked(
    chosen: set[str], is_foreign: bool, layout: str
) -> None:
    r = foreign() if is_foreign else japanese()
    names = [n for n, s in it.INCLUDE_NAMES.items() if s in chosen]
    switches = parse_include(CertificateKind.JUMINHYO, names)
    text = words(build_certificate(request(CertificateKind.JUMINHYO, [r], switches,
                                           layout=layout)))
    for switch, (label, value) in LABELS.items():
        applies = switch not in (JAPANESE_ONLY if is_foreign else FOREIGN_ONLY)
        # 旧氏 is an item of the record: on every copy whenever recorded (住基令30条の13).
        shown = (switch in chosen or switch == it.FORMER_SURNAME) and applies
        assert (label in text) == shown, switch
        if switch != it.RELATIONSHIP:  # 世帯主 is also the head's heading
            assert (value in text) == shown
    assert "髙橋　一郎" in text or "SMITH　JOHN" in text
    if is_foreign:
        assert "山田太郎" in text  # 通称 whenever there is one


def test_names_carry_their_reading_and_dates_are_wareki() -> None:
    doc = build_certificate(request(CertificateKind.JUMINHYO, [japanese()], it.BASIC))
    (name,) = [f for s in doc.sections if hasattr(s, "fields") for f in s.fields
               if f.label == "氏名"]
    # 標準5.3: the reading in katakana, in brackets after the name; never hiragana above it.
    assert name.value == "髙橋　一郎　（タカハシ　イチロウ）" and name.reading is None
    assert "たかはし" not in words(doc)
    assert doc.issued_on == "令和8年11月26日" and "昭和50年4月1日" in words(doc)
    # 標準5.6: the certifier's title carries the prefecture's name.
    assert doc.municipality == "呉市" and doc.mayor_title == "広島県呉市長"
    assert not re.search(r"\d{4}-\d{2}-\d{2}", words(doc))  # no Western ISO dates


@given(days=st.integers(-30, 30))
def test_a_move_out_shows_from_its_planned_date(days: int) -> None:
    planned = TODAY + dt.timedelta(days=days)
    where = OtherPlace("東京都架空区一丁目", "131016")
    plan = PlannedMoveOut(planned, dt.date(2026, 10, 20), where)
    r = japanese(planned_move_out=plan)
    move = MovementRecord(
        movement_id=2, type="move_out", reason_ja="転出", occurred_on=planned,
        notified_on=dt.date(2026, 10, 20), processed_on=dt.date(2026, 10, 20),
        operator_id="c", terminal_id="t", resident_ids=(r.resident_id,), household_ids=(),
        notification={"destination": {"text": "東京都架空区一丁目"}}, allocation={},
    )
    req = request(CertificateKind.JUMINHYO, [r], it.BASIC | {it.HISTORY})
    req = attrs.evolve(req, persons=(PersonRecord(r, (move,)),))
    text = words(build_certificate(req))
    assert ("東京都架空区一丁目" in text) == (days <= 0)
    assert ("転出予定年月日" in text) == (days <= 0)


def test_history_never_names_an_omitted_item() -> None:
    def movement(n: int, kind: str, reason: str, notice: dict[str, object]) -> MovementRecord:
        return MovementRecord(
            movement_id=n, type=kind, reason_ja=reason, occurred_on=dt.date(2026, 1, n),
            notified_on=dt.date(2026, 1, n), processed_on=dt.date(2026, 1, n), operator_id="c",
            terminal_id="t", resident_ids=("1000000001",), household_ids=(),
            notification=notice, allocation={},
        )

    moves = [
        movement(1, "resident_code_change", "住民票コード変更", {}),
        movement(2, "correction", "職権修正",
                 {"changes": {"registered_domicile": "x", "given_name_kana": "いちろー"}}),
        movement(3, "individual_entry", "個別記載事項", {}),
    ]
    plain = history_entries(moves, "1000000001", it.BASIC, TODAY)
    assert [(e.reason, e.details) for e in plain] == [("職権修正", "名(ふりがな)を修正")]
    full = history_entries(moves, "1000000001", it.BASIC | {it.RESIDENT_CODE, it.DOMICILE},
                           TODAY)
    assert [e.reason for e in full] == ["住民票コード変更", "職権修正"]
    assert full[1].details == "本籍・名(ふりがな)を修正"


def test_whole_household_and_members() -> None:
    wife = japanese(resident_id="1000000003", relationship="妻",
                    name=PersonName("髙橋", "花子", "たかはし", "はなこ"))
    whole = build_certificate(request(CertificateKind.JUMINHYO, [japanese(), wife], it.BASIC,
                                      whole_household=True))
    assert "世帯全員" in whole.certification and whole.remarks == ("世帯全員の住民票の写しです。",)
    part = build_certificate(request(CertificateKind.JUMINHYO, [japanese(), wife], it.BASIC))
    assert "世帯全員" not in part.certification and "一部" in part.remarks[0]


def test_living_and_deleted_records_take_their_own_kind() -> None:
    dead = japanese(deletion=Deletion(dt.date(2026, 11, 1), "死亡"))
    with pytest.raises(LogicError) as e:
        build_certificate(request(CertificateKind.JUMINHYO, [dead], it.BASIC))
    assert e.value.code == "KJ-CERT-037"
    with pytest.raises(LogicError) as e:
        build_certificate(request(CertificateKind.JOJO, [japanese()], it.BASIC))
    assert e.value.code == "KJ-CERT-038"
    text = words(build_certificate(request(CertificateKind.JOJO, [dead], it.BASIC)))
    assert "令和8年11月1日　死亡" in text and "除票" in text


def _moving(ex_officio: bool, **plan: object) -> Resident:
    values: dict[str, object] = {
        "planned_on": dt.date(2026, 12, 5), "notified_on": dt.date(2026, 11, 26),
        "destination": OtherPlace("東京都架空区一丁目", "131016"), "ex_officio": ex_officio,
    }
    values.update(plan)
    return japanese(planned_move_out=PlannedMoveOut(**values))  # type: ignore[arg-type]


def test_move_out_certificate_and_its_ex_officio_stand_in() -> None:
    fixed = parse_include(CertificateKind.TENSHUTSU, ())
    doc = build_certificate(request(CertificateKind.TENSHUTSU, [_moving(False)], fixed))
    assert doc.kind is CertificateKind.TENSHUTSU
    assert "令和8年12月5日" in words(doc) and CODE in words(doc) and MY_NUMBER not in words(doc)
    late = build_certificate(request(CertificateKind.TENSHUTSU, [_moving(True)], fixed))
    assert late.kind is CertificateKind.TENSHUTSU_JUNZURU and late.title.endswith("準ずる証明書")
    with pytest.raises(LogicError) as e:
        build_certificate(request(CertificateKind.TENSHUTSU_JUNZURU, [_moving(False)], fixed))
    assert e.value.code == "KJ-CERT-041"
    other = attrs.evolve(_moving(False, planned_on=dt.date(2026, 12, 6)),
                         resident_id="1000000009")
    with pytest.raises(LogicError) as e:
        build_certificate(request(CertificateKind.TENSHUTSU, [_moving(False), other], fixed))
    assert e.value.code == "KJ-CERT-040"
    abroad = _moving(False, destination=OtherPlace("ニューヨーク州", country="アメリカ合衆国"))
    with pytest.raises(LogicError) as e:
        build_certificate(request(CertificateKind.TENSHUTSU, [abroad], fixed))
    assert e.value.code == "KJ-CERT-042"


def test_inspection_list_leaves_out_protected_and_deleted_persons() -> None:
    people = [japanese(resident_id=f"10000000{i:02d}",
                       name=PersonName("架空", f"{i}郎", "かくう", f"{i}ろう")) for i in range(5)]
    people[1] = attrs.evolve(people[1], deletion=Deletion(dt.date(2026, 1, 1), "死亡"))
    doc = build_certificate(request(CertificateKind.ETSURAN, people, it.FIXED[
        CertificateKind.ETSURAN], protected=frozenset({people[2].resident_id}), area="呉市"))
    (table,) = doc.sections
    assert table.columns == ("氏名", "生年月日", "性別", "住所")  # type: ignore[union-attr]
    listed = {row[0] for row in table.rows}  # type: ignore[union-attr]
    assert listed == {"架空　0郎", "架空　3郎", "架空　4郎"}
    assert CODE not in words(doc) and MY_NUMBER not in words(doc)


def test_seal_certificate_needs_one_person_and_a_seal() -> None:
    png = _png(64, 64)
    seal = SealImpression("00000001", png, dt.date(2026, 1, 5))
    switches = parse_include(CertificateKind.INKAN, ())
    doc = build_certificate(request(CertificateKind.INKAN, [japanese()], switches, seal=seal))
    assert doc.sections[0].png == png  # type: ignore[union-attr]
    assert "00000001" not in words(doc)
    with pytest.raises(FormatError):
        build_certificate(request(CertificateKind.INKAN, [japanese(), foreign()], switches,
                                  seal=seal))


def test_include_names_and_their_errors() -> None:
    a = parse_include(CertificateKind.JUMINHYO, ["registered_domicile"])
    assert a == parse_include(CertificateKind.JUMINHYO, ["domicile_head"])
    assert parse_include(CertificateKind.JUMINHYO, ["head"]) == parse_include(
        CertificateKind.JUMINHYO, ["relationship"])
    with pytest.raises(FormatError) as e:
        parse_include(CertificateKind.JUMINHYO, ["my_number", "colour", 7])  # type: ignore[list-item]
    assert [(p.code, p.where) for p in e.value.problems] == [
        ("KJ-CERT-031", "include[1]"), ("KJ-CERT-031", "include[2]")]
    with pytest.raises(FormatError) as e:
        parse_include(CertificateKind.ETSURAN, ["my_number"])
    assert e.value.code == "KJ-CERT-032"
    with pytest.raises(FormatError):
        parse_include(CertificateKind.JUMINHYO, "my_number")
    assert parse_include(CertificateKind.KISAI_JIKO, ()) == it.KISAI_JIKO_DEFAULT
    assert {"my_number", "family_name"} <= policy_items(
        parse_include(CertificateKind.JUMINHYO, ["my_number"]))


@given(day=st.dates(dt.date(1989, 1, 8), dt.date(2100, 12, 31)), n=st.integers(1, 10**7))
def test_serial_format(day: dt.date, n: int) -> None:
    serial = format_serial(n, day)
    assert re.fullmatch(r"[HR]\d{2}-\d{6,}", serial) and int(serial[4:]) == n


def test_serial_follows_the_era() -> None:
    assert format_serial(123, TODAY) == "R08-000123"
    assert format_serial(1, dt.date(2019, 4, 30)) == "H31-000001"
    assert format_serial(1, dt.date(2019, 5, 1)) == "R01-000001"


def test_municipality_names() -> None:
    # 標準5.6: the prefecture is printed, for a 指定都市 and a 特別区 too.
    assert (KURE.name, KURE.mayor_title, KURE.mayor_name) == ("呉市", "広島県呉市長", "架空　太郎")
    assert municipality_for("131016").mayor_title == "東京都千代田区長"
    assert municipality_for("341002").mayor_title == "広島県広島市長"
    assert municipality_for("011002").mayor_title == "北海道札幌市長"
    unknown = municipality_for("999999")
    assert unknown.mayor_title == "市区町村長" and "999999" in unknown.name
    assert municipality_for("472018", name="架空市").mayor_title == "沖縄県架空市長"


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (255, 255, 255)).save(out, format="PNG")
    return out.getvalue()


def test_seal_images_are_checked() -> None:
    assert png_size(_png(64, 48)) == (64, 48)
    for bad in (b"", b"GIF89a", _png(8, 8), _png(64, 64)[:-1]):
        with pytest.raises(FormatError):
            png_size(bad)


@given(position=st.integers(8, 60), mask=st.integers(1, 255))
def test_an_altered_seal_image_is_refused(position: int, mask: int) -> None:
    data = bytearray(_png(32, 32))
    data[position % len(data)] ^= mask
    with pytest.raises(FormatError):
        png_size(bytes(data))


@given(birth=st.dates(dt.date(1920, 1, 1), dt.date(2020, 12, 31)), years=st.integers(0, 90))
def test_age_counts_birthdays(birth: dt.date, years: int) -> None:
    try:
        birthday = birth.replace(year=birth.year + years)
    except ValueError:  # 29 February
        birthday = dt.date(birth.year + years, 3, 1)
    assert age_on(birth, birthday) == years
    assert age_on(birth, birthday - dt.timedelta(days=1)) == years - 1


def test_seal_registration_rules() -> None:
    assert check_can_register(japanese(), TODAY) == []
    child = japanese(birth_date=dt.date(2012, 11, 27))
    assert [p.code for p in check_can_register(child, TODAY)] == ["KJ-CERT-056"]
    dead = japanese(deletion=Deletion(dt.date(2026, 1, 1), "死亡"))
    assert [p.code for p in check_can_register(dead, TODAY)] == ["KJ-CERT-055"]
