"""閲覧用一部の写し (住基法11条・11条の2): a list of 氏名, 生年月日, 性別, 住所 and nothing else.

Persons under a support measure (支援措置, DV・ストーカー被害者等) are never on it, nor are
deleted records. The list is in address order, then by ふりがな.
"""

from __future__ import annotations

from kure_juki.domain.certificate_document import CertificateDocument, TableSection
from kure_juki.domain.certificates.common import document
from kure_juki.domain.certificates.fields import SEX_JA, birth_date_text, full_name, reading
from kure_juki.domain.certificates.request import CertificateRequest

COLUMNS = ("氏名", "生年月日", "性別", "住所")


def build_etsuran(req: CertificateRequest) -> CertificateDocument:
    listed = [
        p.resident
        for p in req.persons
        if p.resident.is_living and p.resident.resident_id not in req.protected
    ]
    listed.sort(key=lambda r: (r.address.text, reading(r), r.resident_id))
    rows = [
        (full_name(r), birth_date_text(r), SEX_JA.get(r.sex, r.sex), r.address.text)
        for r in listed
    ]
    heading = f"対象地域 {req.area}" if req.area else None
    remarks = [] if rows else ["該当者はありません。"]
    return document(req, [TableSection(columns=COLUMNS, rows=rows, heading=heading)],
                    remarks=remarks)
