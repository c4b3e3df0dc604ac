"""住民票コード通知票: tells a person their 住民票コード (住基法30条の3)."""

from __future__ import annotations

from kure_juki.domain.certificate_document import CertificateDocument, Field, PersonSection
from kure_juki.domain.certificates.common import document
from kure_juki.domain.certificates.fields import code_fields, identity_fields
from kure_juki.domain.certificates.request import CertificateRequest

NOTICE = (
    "住民票コードは、住民基本台帳ネットワークシステムで本人確認に用いる番号です。"
    "大切に保管してください。"
)


def build_code_notice(req: CertificateRequest) -> CertificateDocument:
    sections = [
        PersonSection(fields=[*identity_fields(p.resident, req.switches, readings=req.readings),
                              Field("住所", p.resident.address.text),
                              *code_fields(p.resident, req.switches)])
        for p in req.persons
    ]
    return document(req, sections, remarks=[NOTICE])
