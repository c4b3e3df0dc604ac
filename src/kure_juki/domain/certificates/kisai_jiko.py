"""住民票記載事項証明書: that the record says what is asked, and nothing else."""

from __future__ import annotations

from kure_juki.domain.certificate_document import CertificateDocument, Section
from kure_juki.domain.certificates.common import document
from kure_juki.domain.certificates.juminhyo import person_section, trailing_tables
from kure_juki.domain.certificates.request import CertificateRequest


def build_kisai_jiko(req: CertificateRequest) -> CertificateDocument:
    """Each person's name and the items asked for (the basic four when nothing was asked)."""
    sections: list[Section] = []
    for p in req.persons:
        sections.append(person_section(req, p.resident, standalone=True))
        sections += trailing_tables(req, p)
    return document(req, sections)
