"""Certificates and records as the law and the standard have them, through the public API on
every store: the 転出 confirmation (標準1.1.5, 4.1.3.1.1; 住基令13条), foreign residents' items
(住基法30条の45; 標準1.1.2, 1.1.9), the 旧氏 (住基令30条の13) and the layout of 標準5.2–5.6."""

from __future__ import annotations

import io
import re
from typing import Any

import pypdf
import pytest

import kure_juki as kj
from kure_juki.testing.factories import move_in, person


def text_of(cert: Any) -> str:
    body: str = cert.content.decode("utf-8")
    return body[: body.rindex("%KJ-SIGNATURE/1")]


def pdf_text(cert: Any) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(cert.content)).pages)


def move_out(clerk: kj.Session, ids: list[str], planned: str, notified: str) -> None:
    clerk.submit({
        "type": "move_out", "occurred_on": planned, "notified_on": notified,
        "resident_ids": ids,
        "destination": {"municipality_code": "131016", "text": "東京都千代田区丸の内一丁目1番"},
    })


def move_in_notice(clerk: kj.Session, ids: list[str], moved_in_on: str) -> None:
    clerk.submit({
        "type": "confirm_move_out", "resident_ids": ids, "source": "move_in_notice",
        "occurred_on": moved_in_on, "notified_on": "2026-11-26",
        "destination": {"municipality_code": "131016", "text": "東京都千代田区永田町二丁目3番"},
    })


# -- 3. 転出 confirmation ------------------------------------------------------------------


@pytest.mark.parametrize(("planned", "moved_in", "deleted"), [
    ("2026-11-30", "2026-11-24", "2026-11-24"),  # the 転入日 comes first
    ("2026-11-22", "2026-11-25", "2026-11-22"),  # the planned date comes first
])
def test_move_out_is_deleted_on_the_earlier_of_planned_date_and_move_in_date(
    clerk: kj.Session, planned: str, moved_in: str, deleted: str
) -> None:
    rid = clerk.submit(move_in([person()], occurred_on="2026-11-01",
                               notified_on="2026-11-02")).resident_ids[0]
    move_out(clerk, [rid], planned, "2026-11-20")
    move_in_notice(clerk, [rid], moved_in)
    d = clerk.resident(rid)["deletion"]
    assert d["deleted_on"] == deleted and d["reason"] == "転出"
    # The 除票 keeps the planned destination and date; the notice's facts sit beside them.
    assert d["destination"]["text"] == "東京都千代田区丸の内一丁目1番"
    assert d["planned_on"] == planned
    assert d["move_in_notice"]["moved_in_on"] == moved_in
    assert d["move_in_notice"]["destination"]["text"] == "東京都千代田区永田町二丁目3番"


def test_jojo_copy_prints_the_planned_move_out(clerk: kj.Session) -> None:
    rid = clerk.submit(move_in([person()], occurred_on="2026-11-01",
                               notified_on="2026-11-02")).resident_ids[0]
    move_out(clerk, [rid], "2026-11-30", "2026-11-20")
    move_in_notice(clerk, [rid], "2026-11-24")
    for fmt, read in (("text", text_of), ("pdf", pdf_text)):
        text = read(clerk.issue_certificate("jojo", resident_ids=[rid], format=fmt))
        assert "転出予定年月日" in text and "令和8年11月30日" in text
        assert "東京都千代田区丸の内一丁目1番" in text  # 転出先（予定）
        assert "令和8年11月24日" in text  # 消除: the earlier day, the 転入日
        assert "東京都千代田区永田町二丁目3番" in text  # 転出先（確定）, beside it


def test_daily_batch_deletes_on_the_planned_date(
    registry: kj.Registry, clerk: kj.Session
) -> None:
    rid = clerk.submit(move_in([person()], occurred_on="2026-11-01",
                               notified_on="2026-11-02")).resident_ids[0]
    move_out(clerk, [rid], "2026-11-25", "2026-11-20")
    registry.process_due_move_outs()
    d = clerk.resident(rid)["deletion"]
    assert d["deleted_on"] == "2026-11-25" and d["planned_on"] == "2026-11-25"
    assert d["destination"]["text"] == "東京都千代田区丸の内一丁目1番"
    assert "move_in_notice" not in d


# -- 6. foreign residents ---------------------------------------------------------------------


def foreigner(**extra: Any) -> dict[str, Any]:
    return person(foreign=True, birth_date="1990-02-03", **extra)


def test_foreign_dates_are_western_on_every_output(clerk: kj.Session) -> None:
    rid = clerk.submit(move_in([foreigner(stay_period="3年")])).resident_ids[0]
    for fmt, read in (("text", text_of), ("pdf", pdf_text)):
        text = read(clerk.issue_certificate("juminhyo", resident_ids=[rid], format=fmt,
                                            include=("residence_status",)))
        assert "1990年2月3日" in text and "平成2年2月3日" not in text
        assert "2029年3月31日" in text and "令和11年3月31日" not in text
        # 住民となった年月日 is not an item of a foreign resident's record.
        assert "住民となった年月日" not in text.replace("外国人住民となった", "")
        assert "外国人住民となった" in text and "令和8年11月20日" in text
    tenshutsu_id = rid
    move_out(clerk, [tenshutsu_id], "2026-11-30", "2026-11-26")
    text = text_of(clerk.issue_certificate("tenshutsu", resident_ids=[tenshutsu_id]))
    assert "1990年2月3日" in text and "2029年3月31日" in text and "3年" in text


def test_a_japanese_birth_date_stays_wareki(clerk: kj.Session) -> None:
    rid = clerk.submit(move_in([person(birth_date="1990-02-03")])).resident_ids[0]
    text = text_of(clerk.issue_certificate("juminhyo", resident_ids=[rid]))
    assert "平成2年2月3日" in text and "1990年" not in text
    assert "住民となった年月日" in text


def test_foreign_record_has_became_foreign_resident_on_not_became_resident_on(
    clerk: kj.Session,
) -> None:
    rid = clerk.submit(move_in([foreigner()])).resident_ids[0]
    view = clerk.resident(rid)
    assert view["became_foreign_resident_on"] == "2026-11-20"
    assert "became_resident_on" not in view


def test_stay_period_is_recorded_checked_shown_and_printed(clerk: kj.Session) -> None:
    rid = clerk.submit(move_in([foreigner(stay_period="5年3月")])).resident_ids[0]
    assert clerk.resident(rid)["stay_period"] == "5年3月"
    text = text_of(clerk.issue_certificate("juminhyo", resident_ids=[rid],
                                           include=("residence_status",)))
    assert "在留期間" in text and "5年3月" in text
    clerk.submit({"type": "stay_extension", "resident_id": rid, "occurred_on": "2026-11-25",
                  "notified_on": "2026-11-25", "stay_expires_on": "2032-03-31",
                  "stay_period": "6月"})
    view = clerk.resident(rid)
    assert (view["stay_period"], view["stay_expires_on"]) == ("6月", "2032-03-31")
    clerk.submit({"type": "residence_status_change", "resident_id": rid,
                  "occurred_on": "2026-11-26", "notified_on": "2026-11-26",
                  "residence_status": "経営・管理", "stay_expires_on": "2031-11-25",
                  "stay_period": "5年"})
    assert clerk.resident(rid)["stay_period"] == "5年"
    clerk.submit({"type": "correction", "resident_id": rid, "reason": "誤記",
                  "changes": {"stay_period": "4年"}})
    assert clerk.resident(rid)["stay_period"] == "4年"
    with pytest.raises(kj.FormatError) as e:
        clerk.submit({"type": "correction", "resident_id": rid, "reason": "誤記",
                      "changes": {"stay_period": "four years"}})
    assert e.value.code == "KJ-FMT-711" and e.value.problems[0].where == "changes.stay_period"


@pytest.mark.parametrize("kind", ["foreign_registration_30_46", "foreign_registration_30_47"])
def test_stay_period_in_a_30_46_or_30_47_registration(clerk: kj.Session, kind: str) -> None:
    rid = clerk.submit({
        "type": kind, "occurred_on": "2026-11-20", "notified_on": "2026-11-25",
        "address": {"postal_code": "737-0045", "text": "広島県呉市本通一丁目1番1号"},
        "household": {"new": True}, "persons": [foreigner(stay_period="1年3月")],
    }).resident_ids[0]
    view = clerk.resident(rid)
    assert view["stay_period"] == "1年3月" and view["became_foreign_resident_on"] == "2026-11-20"
    with pytest.raises(kj.FormatError) as e:
        clerk.submit({
            "type": kind, "occurred_on": "2026-11-20", "notified_on": "2026-11-25",
            "address": {"postal_code": "737-0045", "text": "広島県呉市本通一丁目1番1号"},
            "household": {"new": True}, "persons": [foreigner(stay_period="1年13月")],
        })
    assert e.value.code == "KJ-FMT-711"


@pytest.mark.parametrize("bad", ["3", "3年年", "0年", "12月", "三年", "3年 ", "", "03年"])
def test_a_malformed_stay_period_is_refused(clerk: kj.Session, bad: str) -> None:
    with pytest.raises(kj.FormatError) as e:
        clerk.submit(move_in([foreigner(stay_period=bad)]))
    assert e.value.code == "KJ-FMT-711"
    assert e.value.problems[0].where == "persons[0].stay_period"


def test_a_japanese_resident_has_no_stay_period(clerk: kj.Session) -> None:
    with pytest.raises(kj.LogicError) as e:
        clerk.submit(move_in([person(stay_period="3年")]))
    assert e.value.code == "KJ-LOGIC-802"


# -- 7. 旧氏 --------------------------------------------------------------------------------


def test_former_surname_is_printed_whenever_recorded(clerk: kj.Session) -> None:
    rid = clerk.submit(move_in([person()])).resident_ids[0]
    clerk.submit({"type": "former_surname_entry", "resident_id": rid,
                  "occurred_on": "2026-11-25", "notified_on": "2026-11-25",
                  "former_surname": "架空", "former_surname_kana": "かくう"})
    text = text_of(clerk.issue_certificate("juminhyo", resident_ids=[rid]))
    assert "旧氏" in text and "架空　（カクウ）" in text
    move_out(clerk, [rid], "2026-11-30", "2026-11-26")
    text = text_of(clerk.issue_certificate("tenshutsu", resident_ids=[rid]))
    assert "旧氏" in text and "架空" in text


# -- 9. layout ------------------------------------------------------------------------------


def order_on(text: str, names: list[str]) -> list[str]:
    return sorted(names, key=text.index)


def test_members_follow_the_standard_order_and_newcomers_are_appended(
    clerk: kj.Session,
) -> None:
    people = [
        person(relationship="母", sex="female", birth_date="1950-01-01", family=1, given=0),
        person(relationship="子", birth_date="2012-01-01", given=2),  # 翔, younger
        person(relationship="同居人", birth_date="1970-01-01", family=3, given=3),
        person(relationship="妻", sex="female", birth_date="1982-01-01", given=1),
        person(),  # 世帯主 佐藤一郎
        person(relationship="子", birth_date="2005-01-01", given=1),  # 健太, older
    ]
    r = clerk.submit(move_in(people))
    hid = r.household_id
    assert hid is not None
    text = text_of(clerk.issue_certificate("juminhyo", household_id=hid))
    expected = ["佐藤　一郎", "佐藤　陽菜", "佐藤　健太", "佐藤　翔", "鈴木　花子", "田中　大輔"]
    assert order_on(text, expected) == expected
    # A person joining the household later comes last, whatever the 続柄.
    clerk.submit(move_in([person(relationship="子", birth_date="2000-01-01", given=3)],
                         household={"household_id": hid}))
    text = text_of(clerk.issue_certificate("juminhyo", household_id=hid))
    assert order_on(text, [*expected, "佐藤　大輔"]) == [*expected, "佐藤　大輔"]


def test_member_order_is_a_setting_the_register_keeps(
    registry: kj.Registry, clerk: kj.Session
) -> None:
    r = clerk.submit(move_in([person(), person(relationship="妻", sex="female", given=1),
                              person(relationship="子", birth_date="2010-01-01", given=2)]))
    hid = r.household_id
    assert hid is not None
    head, wife, child = r.resident_ids
    assert clerk.set_member_order(hid, [head, child, wife]) == (head, child, wife)
    text = text_of(clerk.issue_certificate("juminhyo", household_id=hid))
    assert order_on(text, ["佐藤　一郎", "佐藤　陽菜", "佐藤　翔"]) == [
        "佐藤　一郎", "佐藤　翔", "佐藤　陽菜"]
    with pytest.raises(kj.LogicError) as e:
        clerk.set_member_order(hid, [head, "1999999999"])
    assert e.value.code == "KJ-CERT-706"


def test_issue_number_has_the_standard_form_and_differs_per_copy(clerk: kj.Session) -> None:
    rid = clerk.submit(move_in([person()])).resident_ids[0]
    first = text_of(clerk.issue_certificate("juminhyo", resident_ids=[rid],
                                            printer_id="プリンタ001"))
    second = text_of(clerk.issue_certificate("juminhyo", resident_ids=[rid]))
    form = re.compile(r"発行番号 20261126 呉市 (\S+) (?:(\S+) )?(\d{6}) (\d+)/(\d+)")
    a, b = form.search(first), form.search(second)
    assert a is not None and b is not None
    assert a.group(1) == "T-001" and a.group(2) == "プリンタ001"
    assert a.group(3) != b.group(3) and (a.group(4), a.group(5)) == ("1", "1")
    cert = clerk.issue_certificate("juminhyo", resident_ids=[rid])
    assert cert.issue_number.startswith("20261126 呉市 T-001 ")
    (entry,) = clerk.issuance_history(serial=cert.serial)
    assert entry["issue_number"] == cert.issue_number


def test_certifier_prefecture_deputy_seal_and_fixed_phrases(
    registry: kj.Registry, clerk: kj.Session
) -> None:
    rid = clerk.submit(move_in([person()])).resident_ids[0]
    registry.configure_certificates(mayor_name="架空　太郎", deputy_title="呉市副市長",
                                    deputy_name="仮名　次郎")
    text = text_of(clerk.issue_certificate("juminhyo", resident_ids=[rid]))
    assert "広島県呉市長　架空　太郎" in text and "呉市長之印" in text
    text = text_of(clerk.issue_certificate("juminhyo", resident_ids=[rid], certifier="deputy"))
    assert "広島県呉市長職務代理者　呉市副市長　仮名　次郎" in text
    assert "呉市長職務代理者之印" in text
    text = text_of(clerk.issue_certificate("juminhyo", resident_ids=[rid], official_seal="none",
                                           phrases=["この証明書は複写できません"]))
    assert "公印省略" in text and "この証明書は複写できません" in text and "之印" not in text
    text = pdf_text(clerk.issue_certificate("juminhyo", resident_ids=[rid], format="pdf",
                                            official_seal="certificate"))
    assert "広島県呉市長" in text
    with pytest.raises(kj.FormatError) as e:
        clerk.issue_certificate("juminhyo", resident_ids=[rid], certifier="clerk",
                                official_seal="red")
    assert [p.code for p in e.value.problems] == ["KJ-CERT-702", "KJ-CERT-703"]


def test_deputy_must_be_configured(clerk: kj.Session) -> None:
    rid = clerk.submit(move_in([person()])).resident_ids[0]
    with pytest.raises(kj.LogicError) as e:
        clerk.issue_certificate("juminhyo", resident_ids=[rid], certifier="deputy")
    assert e.value.code == "KJ-CERT-705"


def test_readings_are_katakana_in_brackets_after_name_former_surname_and_alias(
    clerk: kj.Session,
) -> None:
    fid = clerk.submit(move_in([foreigner()])).resident_ids[0]
    clerk.submit({"type": "alias_entry", "resident_id": fid, "occurred_on": "2026-11-25",
                  "notified_on": "2026-11-25", "alias": "山田　太郎",
                  "alias_kana": "やまだ　たろう"})
    text = text_of(clerk.issue_certificate("juminhyo", resident_ids=[fid]))
    assert "SMITH　JOHN　（スミス　ジョン）" in text
    assert "山田　太郎　（ヤマダ　タロウ）" in text
    assert "すみす" not in text and "やまだ" not in text  # never a reading in hiragana
    plain = text_of(clerk.issue_certificate("juminhyo", resident_ids=[fid], readings=False))
    assert "スミス" not in plain and "SMITH　JOHN" in plain


def test_previous_address_and_notice_date_are_of_the_latest_change(clerk: kj.Session) -> None:
    r = clerk.submit(move_in([person()], occurred_on="2026-11-01", notified_on="2026-11-02"))
    rid = r.resident_ids[0]
    clerk.submit({"type": "move_within", "resident_ids": [rid], "occurred_on": "2026-11-20",
                  "notified_on": "2026-11-24",
                  "address": {"postal_code": "737-0046", "text": "広島県呉市中通二丁目2番2号"}})
    text = text_of(clerk.issue_certificate("juminhyo", resident_ids=[rid]))
    assert "前住所             | 広島県呉市本通一丁目1番1号" in text
    assert "届出年月日         | 令和8年11月24日" in text
    assert "東京都千代田区霞が関" not in text
    view = clerk.resident(rid)
    # The 転入前住所 is kept as it was (the CS holds it); the 転居's 従前の住所 beside it.
    assert view["previous_address"]["text"] == "東京都千代田区霞が関一丁目1番"
    assert view["former_address"]["text"] == "広島県呉市本通一丁目1番1号"
