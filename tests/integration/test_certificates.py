"""Certificates through the public API, on every store: what each kind says, what it leaves out,
who may print what, the issuance history and its audit.

Text certificates are checked here (the words are the same in the PDF, which
``test_certificates_pdf.py`` checks as a file).
"""

from __future__ import annotations

from typing import Any

import pytest

import kure_juki as kj
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

CLERK_PASSWORD = "clerk-passphrase-01"


def household(clerk: kj.Session, **kw: Any) -> kj.Receipt:
    return clerk.submit(
        move_in(
            [
                person(),
                person(relationship="妻", sex="female", birth_date="1982-05-02"),
                person(relationship="子", birth_date="2015-06-01", given=1),
            ],
            **kw,
        )
    )


def record(clerk: kj.Session, rid: str) -> dict[str, Any]:
    return clerk.resident(rid)


def auditor(registry: kj.Registry) -> kj.Session:
    return registry.login("admin", "a-long-passphrase", terminal_id="T-AUDIT",
                          purpose="resident_records")


def text_of(cert: Any) -> str:
    body: str = cert.content.decode("utf-8")
    return body[: body.rindex("%KJ-SIGNATURE/1")]


def move_out(clerk: kj.Session, ids: list[str], planned: str, notified: str = "2026-11-26") -> None:
    clerk.submit(
        {
            "type": "move_out",
            "occurred_on": planned,
            "notified_on": notified,
            "resident_ids": ids,
            "destination": {"municipality_code": "131016", "text": "東京都千代田区丸の内一丁目1番"},
        }
    )


def test_default_copy_omits_every_switched_item(clerk: kj.Session) -> None:
    r = household(clerk)
    head = record(clerk, r.resident_ids[0])
    cert = clerk.issue_certificate("juminhyo", resident_ids=[head["resident_id"]])
    text = text_of(cert)
    assert "住民票の写し" in cert.document.title and cert.kind == "juminhyo"
    assert f"{head['family_name']}　{head['given_name']}" in text
    assert "（サトウ　イチロウ）" in text  # フリガナ in katakana after the name (標準5.3)
    assert "昭和55年4月1日" in text and "令和8年11月26日" in text  # 和暦
    assert "呉市長" in text and "呉市" in text
    for word in ("個人番号", "住民票コード", "本籍", "筆頭者", "続柄", "世帯主"):
        assert word not in text
    for value in (head["my_number"], head["resident_code"], head["registered_domicile"]):
        assert value not in text
    assert cert.items == ()


def test_included_items_are_printed(clerk: kj.Session) -> None:
    r = household(clerk)
    head = record(clerk, r.resident_ids[0])
    cert = clerk.issue_certificate(
        "juminhyo",
        resident_ids=[head["resident_id"]],
        include=("my_number", "resident_code", "domicile_head", "head"),
    )
    text = text_of(cert)
    assert head["my_number"] in text and head["resident_code"] in text
    assert head["registered_domicile"] in text and head["domicile_head"] in text
    assert "続柄" in text and "世帯主" in text
    assert cert.items == ("my_number", "registered_domicile", "relationship", "resident_code")


def test_unknown_item_is_a_format_error(clerk: kj.Session) -> None:
    r = household(clerk)
    with pytest.raises(kj.FormatError) as e:
        clerk.issue_certificate("juminhyo", resident_ids=[r.resident_ids[0]],
                                include=("my_number", "shoe_size"))
    assert e.value.code == "KJ-CERT-031" and e.value.problems[0].where == "include[1]"
    with pytest.raises(kj.FormatError) as e:
        clerk.issue_certificate("passport", resident_ids=[r.resident_ids[0]])
    assert e.value.code == "KJ-CERT-030"


def test_my_number_is_refused_to_a_purpose_that_may_not_use_it(
    registry: kj.Registry, clerk: kj.Session
) -> None:
    r = household(clerk)
    rid = r.resident_ids[0]
    elections = registry.login("clerk01", CLERK_PASSWORD, terminal_id="T-2", purpose="elections")
    with pytest.raises(kj.AccessDenied) as e:
        elections.issue_certificate("juminhyo", resident_ids=[rid], include=("my_number",))
    assert e.value.code == "KJ-ACCESS-005"
    with pytest.raises(kj.AccessDenied) as e:  # no certificates at all for that purpose
        elections.issue_certificate("juminhyo", resident_ids=[rid])
    assert e.value.code == "KJ-ACCESS-001"
    refusals = [a for a in auditor(registry).audit_trail(resident_id=rid)
                if a["outcome"] == "refused"]
    assert [a["code"] for a in refusals] == ["KJ-ACCESS-005", "KJ-ACCESS-001"]
    assert clerk.issuance_history(resident_id=rid) == []


def test_an_item_hidden_from_the_operator_cannot_be_printed(
    registry: kj.Registry, clerk: kj.Session
) -> None:
    r = household(clerk)
    admin = registry.login("admin", "a-long-passphrase", terminal_id="T-A",
                           purpose="resident_records")
    admin.add_operator("clerk02", password=CLERK_PASSWORD, role="clerk",
                       hidden_items=["registered_domicile"])
    other = registry.login("clerk02", CLERK_PASSWORD, terminal_id="T-3",
                           purpose="resident_records")
    with pytest.raises(kj.AccessDenied) as e:
        other.issue_certificate("juminhyo", resident_ids=[r.resident_ids[0]],
                                include=("registered_domicile",))
    assert {(p.code, p.item) for p in e.value.problems} == {
        ("KJ-CERT-036", "registered_domicile"), ("KJ-CERT-036", "domicile_head")}
    assert other.issue_certificate("juminhyo", resident_ids=[r.resident_ids[0]]).serial


def test_household_copy_and_individual_layout(clerk: kj.Session) -> None:
    r = household(clerk)
    assert r.household_id is not None
    members = clerk.household(r.household_id)["members"]
    whole = clerk.issue_certificate("juminhyo", household_id=r.household_id,
                                    include=("relationship",))
    text = text_of(whole)
    assert "世帯全員の住民票の原本と相違ない" in text
    assert text.count("広島県呉市本通一丁目1番1号") == 1  # one household header (世帯連記式)
    assert set(whole.resident_ids) == {m["resident_id"] for m in members}
    for m in members:
        assert f"{m['family_name']}　{m['given_name']}" in text
    single = clerk.issue_certificate("juminhyo", resident_ids=list(r.resident_ids[:2]),
                                     layout="individual")
    body = text_of(single)
    assert body.count("広島県呉市本通一丁目1番1号") == 2  # each person with their address
    assert "世帯の一部の者" in body


def test_history_lines_in_wareki(clerk: kj.Session) -> None:
    r = household(clerk)
    rid = r.resident_ids[0]
    clerk.submit({"type": "move_within", "occurred_on": "2026-11-25",
                  "resident_ids": list(r.resident_ids),
                  "address": {"postal_code": "737-0046", "text": "広島県呉市中通二丁目2番"}})
    without = text_of(clerk.issue_certificate("juminhyo", resident_ids=[rid]))
    assert "異動履歴" not in without
    cert = clerk.issue_certificate("juminhyo", resident_ids=[rid], with_history=True)
    text = text_of(cert)
    assert "異動履歴" in text and "転居" in text and "令和8年11月25日" in text
    assert "住所 広島県呉市中通二丁目2番" in text
    assert "history" in cert.items


def test_future_move_out_is_not_shown_before_its_date(
    registry: kj.Registry, clerk: kj.Session, clock: SettableClock
) -> None:
    r = household(clerk)
    rid = r.resident_ids[0]
    move_out(clerk, list(r.resident_ids), planned="2026-12-05")
    before = text_of(clerk.issue_certificate("juminhyo", resident_ids=[rid], with_history=True))
    assert "転出" not in before and "丸の内" not in before
    clock.set("2026-12-05T09:00:00+09:00")
    later = registry.login("clerk01", CLERK_PASSWORD, terminal_id="T-9",
                           purpose="resident_records")
    after = text_of(later.issue_certificate("juminhyo", resident_ids=[rid], with_history=True))
    assert "転出予定年月日" in after and "令和8年12月5日" in after and "丸の内" in after


def test_move_out_certificate(clerk: kj.Session) -> None:
    r = household(clerk)
    head = record(clerk, r.resident_ids[0])
    move_out(clerk, list(r.resident_ids[:2]), planned="2026-12-05")
    cert = clerk.issue_certificate("tenshutsu", resident_ids=list(r.resident_ids[:2]))
    text = text_of(cert)
    assert cert.kind == "tenshutsu" and cert.document.title == "転出証明書"
    assert "転出の届出があったことを証明する" in text
    assert "転出予定年月日" in text and "令和8年12月5日" in text
    assert "東京都千代田区丸の内一丁目1番" in text
    assert head["resident_code"] in text  # the new municipality registers with it
    assert head["my_number"] not in text
    with pytest.raises(kj.LogicError) as e:  # the child is not moving
        clerk.issue_certificate("tenshutsu", resident_ids=[r.resident_ids[2]])
    assert e.value.code == "KJ-CERT-039"


def test_late_move_out_gives_the_certificate_in_its_stead(clerk: kj.Session) -> None:
    r = household(clerk, occurred_on="2026-09-01", notified_on="2026-09-05")
    move_out(clerk, [r.resident_ids[2]], planned="2026-10-01", notified="2026-11-26")
    cert = clerk.issue_certificate("tenshutsu", resident_ids=[r.resident_ids[2]])
    assert cert.kind == "tenshutsu_junzuru"
    text = text_of(cert)
    assert cert.document.title == "転出証明書に準ずる証明書"
    assert "転出証明書に準ずる証明書" in text and "職権" in text and "令和8年10月1日" in text


def test_deleted_record_copy(clerk: kj.Session) -> None:
    r = household(clerk)
    rid = r.resident_ids[1]
    with pytest.raises(kj.LogicError) as e:
        clerk.issue_certificate("jojo", resident_ids=[rid])
    assert e.value.code == "KJ-CERT-038"
    clerk.submit({"type": "death", "occurred_on": "2026-11-25", "resident_id": rid})
    with pytest.raises(kj.LogicError) as e:
        clerk.issue_certificate("juminhyo", resident_ids=[rid])
    assert e.value.code == "KJ-CERT-037"
    jojo = clerk.issue_certificate("jojo", resident_ids=[rid])
    text = text_of(jojo)
    assert jojo.document.title == "除票の写し"
    assert "除票の原本と相違ない" in text and "消除年月日" in text and "死亡" in text
    assert "令和8年11月25日" in text
    by_household = clerk.issue_certificate("jojo", household_id=r.household_id)
    assert by_household.resident_ids == (rid,)


def test_certificate_of_stated_items(clerk: kj.Session) -> None:
    r = household(clerk)
    head = record(clerk, r.resident_ids[0])
    text = text_of(clerk.issue_certificate("kisai_jiko", resident_ids=[head["resident_id"]],
                                           include=("address",)))
    assert "住民票記載事項証明書" in text and head["address"]["text"] in text
    assert "生年月日" not in text and "性別" not in text
    basic = text_of(clerk.issue_certificate("kisai_jiko", resident_ids=[head["resident_id"]]))
    assert "生年月日" in basic and "性別" in basic and head["address"]["text"] in basic


def test_code_notice_carries_the_code(clerk: kj.Session) -> None:
    r = household(clerk)
    head = record(clerk, r.resident_ids[0])
    cert = clerk.issue_certificate("code_notice", resident_ids=[head["resident_id"]])
    text = text_of(cert)
    assert head["resident_code"] in text and head["my_number"] not in text
    with pytest.raises(kj.FormatError):
        clerk.issue_certificate("code_notice", resident_ids=[head["resident_id"]],
                                include=("my_number",))


def test_foreign_resident_items_are_switched(clerk: kj.Session) -> None:
    r = clerk.submit(move_in([person(foreign=True, alias="山田太郎")]))
    rid = r.resident_ids[0]
    plain = text_of(clerk.issue_certificate("juminhyo", resident_ids=[rid]))
    assert "山田太郎" in plain and "通称" in plain  # 通称 shown whenever there is one
    for hidden in ("アメリカ合衆国", "中長期在留者", "技術・人文知識・国際業務", "AB12345678CD"):
        assert hidden not in plain
    full = text_of(clerk.issue_certificate(
        "juminhyo", resident_ids=[rid],
        include=("nationality", "category_30_45", "stay_expires_on", "residence_card_number")))
    # 在留期間の満了の日 in the Western calendar (住基法30条の45, 標準1.1.9).
    for shown in ("アメリカ合衆国", "中長期在留者", "技術・人文知識・国際業務", "2029年3月31日",
                  "AB12345678CD"):
        assert shown in full


def test_inspection_list_has_four_items_and_no_protected_person(clerk: kj.Session) -> None:
    r = household(clerk)
    wife = r.resident_ids[1]
    cert = clerk.issue_certificate("etsuran", area="広島県呉市本通")
    text = text_of(cert)
    assert set(cert.resident_ids) == set(r.resident_ids)
    assert "佐藤　花子" in text and "昭和57年5月2日" in text
    head = record(clerk, r.resident_ids[0])
    assert head["resident_code"] not in text and "続柄" not in text
    clerk.set_support_measure(applicant_id=wife, accompanying_ids=(),
                              perpetrator_ids=(r.resident_ids[0],), category="dv")
    again = clerk.issue_certificate("etsuran", area="広島県呉市本通")
    assert wife not in again.resident_ids and "佐藤　花子" not in text_of(again)


def test_issuance_is_recorded_and_audited(registry: kj.Registry, clerk: kj.Session) -> None:
    r = household(clerk)
    rid = r.resident_ids[0]
    cert = clerk.issue_certificate("juminhyo", resident_ids=[rid], include=("my_number",))
    (entry,) = clerk.issuance_history(resident_id=rid)
    assert entry["serial"] == cert.serial and entry["kind"] == "juminhyo"
    assert entry["operator_id"] == "clerk01" and entry["terminal_id"] == "T-001"
    assert entry["resident_ids"] == [rid] and entry["items"] == ["my_number"]
    assert entry["issued_at"].startswith("2026-11-26T10:00")
    prints = [a for a in auditor(registry).audit_trail(resident_id=rid)
              if a["operation"] == "print"]
    assert len(prints) == 1 and prints[0]["outcome"] == "ok"
    detail = prints[0]["detail"]
    assert detail["serial"] == cert.serial and detail["items"] == ["my_number"]
    head = record(clerk, rid)
    assert head["my_number"] not in repr(prints) and head["my_number"] not in repr(entry)
    assert cert.serial.startswith("R08-") and len(cert.serial) == 10
    second = clerk.issue_certificate("juminhyo", resident_ids=[rid])
    assert int(second.serial[4:]) == int(cert.serial[4:]) + 1


def test_issuance_block_refuses_and_perpetrator_gets_nothing(clerk: kj.Session) -> None:
    r = household(clerk)
    head, wife = r.resident_ids[:2]
    clerk.set_support_measure(applicant_id=wife, accompanying_ids=(), perpetrator_ids=(head,),
                              category="dv")
    with pytest.raises(kj.AccessDenied) as e:
        clerk.issue_certificate("juminhyo", resident_ids=[wife], requester_resident_id=head)
    assert e.value.code == "KJ-ACCESS-009"
    allowed = clerk.issue_certificate("juminhyo", resident_ids=[wife])
    assert "KJ-WARN-403" in {w.code for w in allowed.warnings}


def test_certificates_verify_with_the_registry(registry: kj.Registry, clerk: kj.Session) -> None:
    r = household(clerk)
    cert = clerk.issue_certificate("juminhyo", household_id=r.household_id)
    assert registry.verify_certificate(cert.content)
    altered = cert.content.replace("佐藤".encode(), "加藤".encode(), 1)
    assert not registry.verify_certificate(altered)


def test_issuance_blocks(clerk: kj.Session) -> None:
    r = household(clerk)
    head, wife = r.resident_ids[:2]
    clerk.set_block(process="issuance", reason="調査中", resident_id=head)
    with pytest.raises(kj.AccessDenied) as e:
        clerk.issue_certificate("juminhyo", resident_ids=[head])
    assert e.value.code == "KJ-ACCESS-008"
    with pytest.raises(kj.AccessDenied):  # the household copy includes the blocked person
        clerk.issue_certificate("juminhyo", household_id=r.household_id)
    assert clerk.issuance_history(resident_id=head) == []
    clerk.set_block(process="issuance", reason="確認事項あり", resident_id=wife, level="alert")
    cert = clerk.issue_certificate("juminhyo", resident_ids=[wife])
    assert "KJ-WARN-401" in {w.code for w in cert.warnings}
