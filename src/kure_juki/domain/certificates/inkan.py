"""印鑑登録証明書: the registered impression (印影) and whose it is."""

from __future__ import annotations

from kure_juki.domain.certificate_document import (
    CertificateDocument,
    Field,
    ImageSection,
    PersonSection,
    Section,
)
from kure_juki.domain.certificates.common import document
from kure_juki.domain.certificates.fields import identity_fields
from kure_juki.domain.certificates.request import CertificateRequest
from kure_juki.domain.errors import FormatError, NotFound, problem


def build_inkan(req: CertificateRequest) -> CertificateDocument:
    if len(req.persons) != 1:
        raise FormatError(problem("KJ-CERT-043", "resident_ids"))
    if req.seal is None:
        raise NotFound(problem("KJ-CERT-053", "seal"))
    r = req.persons[0].resident
    sections: list[Section] = [
        ImageSection(label="印影", png=req.seal.png, description="登録印影"),
        PersonSection(fields=[*identity_fields(r, req.switches, readings=req.readings),
                              Field("住所", r.address.text)]),
    ]
    return document(req, sections)
