"""Seal registration (印鑑登録) and the 印鑑登録証明書, on every store."""

from __future__ import annotations

import functools
import io
import shutil

import pypdf
import pytest

import kure_juki as kj
from kure_juki.adapters.printing.fonts import DEFAULT_BODY_FONT
from kure_juki.adapters.printing.sample import sample_seal_impression
from kure_juki.testing.factories import move_in, person

pytestmark = pytest.mark.skipif(
    not DEFAULT_BODY_FONT.is_file() or shutil.which("pdftoppm") is None,
    reason="needs fonts-ipaexfont and poppler-utils (installed by .ci/run)",
)


@functools.cache
def impression() -> bytes:
    return sample_seal_impression("佐藤")


def family(clerk: kj.Session) -> kj.Receipt:
    return clerk.submit(move_in([
        person(), person(relationship="妻", sex="female", birth_date="1982-05-02"),
        person(relationship="子", birth_date="2015-06-01", given=1),
    ]))


def auditor(registry: kj.Registry) -> kj.Session:
    return registry.login("admin", "a-long-passphrase", terminal_id="T-AUDIT",
                          purpose="resident_records")


def test_register_then_certify(registry: kj.Registry, clerk: kj.Session) -> None:
    r = family(clerk)
    rid = r.resident_ids[0]
    number = clerk.register_seal(rid, seal_png=impression(), identity_verified_by="個人番号カード")
    assert number.isdigit() and len(number) == 8
    view = clerk.seal(rid)
    assert view["status"] == "active" and view["registration_number"] == number
    assert view["seal_png"] == impression() and len(view["history"]) == 1
    cert = clerk.issue_certificate("inkan", resident_ids=[rid], format="pdf")
    assert cert.kind == "inkan" and cert.document.title == "印鑑登録証明書"
    reader = pypdf.PdfReader(io.BytesIO(cert.content))
    text = reader.pages[0].extract_text()
    assert "佐藤　一郎" in text and "登録されている印影と相違ない" in text
    assert number not in text  # the card's number is a credential, never printed
    assert len(reader.pages[0].images) == 1  # the impression itself
    assert registry.verify_certificate(cert.content)
    operations = [a["operation"] for a in auditor(registry).audit_trail(resident_id=rid)]
    assert {"register_seal", "read_seal", "print"} <= set(operations)


def test_abolished_seal_is_not_certified_and_can_be_replaced(clerk: kj.Session) -> None:
    r = family(clerk)
    rid = r.resident_ids[0]
    first = clerk.register_seal(rid, seal_png=impression(), identity_verified_by="運転免許証")
    with pytest.raises(kj.LogicError) as e:  # one seal at a time
        clerk.register_seal(rid, seal_png=impression(), identity_verified_by="運転免許証")
    assert e.value.code == "KJ-CERT-052"
    assert clerk.abolish_seal(rid, "本人申請") == first
    with pytest.raises(kj.LogicError) as e:
        clerk.issue_certificate("inkan", resident_ids=[rid])
    assert e.value.code == "KJ-CERT-054"
    second = clerk.register_seal(rid, seal_png=impression(), identity_verified_by="運転免許証")
    assert second != first
    view = clerk.seal(rid)
    assert [h["status"] for h in view["history"]] == ["abolished", "active"]
    assert view["history"][0]["abolition_reason"] == "本人申請"
    assert clerk.issue_certificate("inkan", resident_ids=[rid]).serial


def test_who_may_register(clerk: kj.Session) -> None:
    r = family(clerk)
    child = r.resident_ids[2]
    with pytest.raises(kj.LogicError) as young:
        clerk.register_seal(child, seal_png=impression(), identity_verified_by="保証書")
    assert young.value.code == "KJ-CERT-056"
    with pytest.raises(kj.FormatError) as image:
        clerk.register_seal(r.resident_ids[0], seal_png=impression()[:-20],
                            identity_verified_by="保証書")
    assert image.value.code == "KJ-CERT-050"
    with pytest.raises(kj.FormatError) as unverified:
        clerk.register_seal(r.resident_ids[0], seal_png=impression(), identity_verified_by=" ")
    assert unverified.value.code == "KJ-CERT-051"
    with pytest.raises(kj.NotFound):
        clerk.seal(r.resident_ids[0])
    with pytest.raises(kj.NotFound):
        clerk.issue_certificate("inkan", resident_ids=[r.resident_ids[0]])


def test_death_abolishes_the_seal_when_first_noticed(
    registry: kj.Registry, clerk: kj.Session
) -> None:
    r = family(clerk)
    wife = r.resident_ids[1]
    number = clerk.register_seal(wife, seal_png=impression(), identity_verified_by="保証書")
    clerk.submit({"type": "death", "occurred_on": "2026-11-25", "resident_id": wife})
    with pytest.raises(kj.LogicError) as e:
        clerk.issue_certificate("inkan", resident_ids=[wife])
    assert e.value.code == "KJ-CERT-054"
    view = clerk.seal(wife)
    assert view["status"] == "abolished" and view["abolished_on"] == "2026-11-25"
    assert "死亡" in view["abolition_reason"]
    abolitions = [a for a in auditor(registry).audit_trail(resident_id=wife)
                  if a["detail"].get("task") == "abolish_seal"]
    assert len(abolitions) == 1 and abolitions[0]["detail"]["registration_number"] == number
    assert registry.abolish_seals_of_deleted() == []  # already recorded


def test_batch_abolishes_seals_of_deleted_residents(
    registry: kj.Registry, clerk: kj.Session
) -> None:
    r = family(clerk)
    head, wife = r.resident_ids[:2]
    kept = clerk.register_seal(head, seal_png=impression(), identity_verified_by="保証書")
    gone = clerk.register_seal(wife, seal_png=impression(), identity_verified_by="保証書")
    clerk.submit({"type": "move_out_abroad", "occurred_on": "2026-11-25", "resident_ids": [wife],
                  "destination": {"country": "アメリカ合衆国", "text": "ニューヨーク州"}})
    assert registry.abolish_seals_of_deleted() == [gone]
    assert registry.abolish_seals_of_deleted() == []
    assert clerk.seal(head)["registration_number"] == kept
    assert clerk.seal(head)["status"] == "active"
    assert clerk.seal(wife)["status"] == "abolished"
