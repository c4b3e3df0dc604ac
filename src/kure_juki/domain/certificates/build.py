"""From a request to the document of its kind."""

from __future__ import annotations

from collections.abc import Callable

from kure_juki.domain.certificate_document import CertificateDocument, CertificateKind
from kure_juki.domain.certificates.code_notice import build_code_notice
from kure_juki.domain.certificates.etsuran import build_etsuran
from kure_juki.domain.certificates.inkan import build_inkan
from kure_juki.domain.certificates.juminhyo import build_juminhyo
from kure_juki.domain.certificates.kisai_jiko import build_kisai_jiko
from kure_juki.domain.certificates.request import CertificateRequest
from kure_juki.domain.certificates.tenshutsu import build_tenshutsu
from kure_juki.domain.errors import LogicError, problem

BUILDERS: dict[CertificateKind, Callable[[CertificateRequest], CertificateDocument]] = {
    CertificateKind.JUMINHYO: build_juminhyo,
    CertificateKind.JOJO: build_juminhyo,
    CertificateKind.KISAI_JIKO: build_kisai_jiko,
    CertificateKind.TENSHUTSU: build_tenshutsu,
    CertificateKind.TENSHUTSU_JUNZURU: build_tenshutsu,
    CertificateKind.CODE_NOTICE: build_code_notice,
    CertificateKind.ETSURAN: build_etsuran,
    CertificateKind.INKAN: build_inkan,
}


def check_records(req: CertificateRequest) -> None:
    """住民票 are of living records, 除票 of deleted ones; a list needs no such rule."""
    if req.kind is CertificateKind.ETSURAN:
        return
    if not req.persons:
        raise LogicError(problem("KJ-CERT-044", "resident_ids"))
    wants_deleted = req.kind is CertificateKind.JOJO
    for i, p in enumerate(req.persons):
        deleted = p.resident.deletion is not None
        if wants_deleted and not deleted:
            raise LogicError(problem("KJ-CERT-038", "resident_ids", f"resident_ids[{i}]"))
        if not wants_deleted and deleted and req.kind not in (
            CertificateKind.TENSHUTSU, CertificateKind.TENSHUTSU_JUNZURU
        ):
            raise LogicError(problem("KJ-CERT-037", "resident_ids", f"resident_ids[{i}]"))


def build_certificate(req: CertificateRequest) -> CertificateDocument:
    """What the certificate says (証明書の記載内容), before any layout."""
    check_records(req)
    return BUILDERS[req.kind](req)
