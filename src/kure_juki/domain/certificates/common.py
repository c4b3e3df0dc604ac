"""The frame every certificate shares: serial, date of issue, municipality and mayor."""

from __future__ import annotations

from collections.abc import Sequence

from kure_juki.domain.certificate_document import (
    DEFAULT_CERTIFICATIONS,
    DEFAULT_TITLES,
    CertificateDocument,
    CertificateKind,
    Section,
)
from kure_juki.domain.certificates.fields import wareki
from kure_juki.domain.certificates.request import CertificateRequest


def document(
    req: CertificateRequest,
    sections: Sequence[Section],
    *,
    kind: CertificateKind | None = None,
    remarks: Sequence[str] = (),
    certification: str | None = None,
) -> CertificateDocument:
    chosen = kind or req.kind
    return CertificateDocument(
        kind=chosen,
        serial=req.serial,
        issued_on=wareki(req.today),
        municipality=req.municipality.name,
        mayor_title=req.municipality.mayor_title,
        mayor_name=req.municipality.mayor_name,
        sections=sections,
        remarks=remarks,
        title=DEFAULT_TITLES[chosen],
        certification=certification or DEFAULT_CERTIFICATIONS[chosen],
    )
