"""The frame every certificate shares: 発行番号, date of issue, municipality, the certifier
(認証者) and the official seal (公印).

標準5.6: each certificate names the mayor or the 職務代理者 with the prefecture's name, prints the
seal chosen for it (the certifier's, the certificate seal, or none) and any fixed phrase such as
「公印省略」.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from kure_juki.domain.certificate_document import (
    DEFAULT_CERTIFICATIONS,
    DEFAULT_TITLES,
    CertificateDocument,
    CertificateKind,
    Section,
)
from kure_juki.domain.certificates.fields import wareki
from kure_juki.domain.certificates.municipality import Municipality
from kure_juki.domain.certificates.request import CertificateRequest

Certifier = Literal["mayor", "deputy"]  # 市区町村長 / 職務代理者
CERTIFIERS: tuple[Certifier, ...] = ("mayor", "deputy")
# 公印の種類: the certifier's own seal, the mayor's, the 職務代理者's, the certificate seal
# (証明書専用の印), or none (公印省略).
OfficialSeal = Literal["certifier", "mayor", "deputy", "certificate", "none"]
OFFICIAL_SEALS: tuple[OfficialSeal, ...] = ("certifier", "mayor", "deputy", "certificate", "none")
SEAL_OMITTED = "公印省略"


def certifier_line(m: Municipality, certifier: Certifier) -> tuple[str, str]:
    """(職名, 氏名) of the certifier: 広島県呉市長 and the mayor, or the 職務代理者."""
    if certifier == "deputy":
        title = f"{m.mayor_title}職務代理者"
        return (f"{title}　{m.deputy_title}" if m.deputy_title else title), m.deputy_name
    return m.mayor_title, m.mayor_name


def seal_words(m: Municipality, certifier: Certifier, seal: OfficialSeal) -> str | None:
    """What the seal says (呉市長之印 …), or None when no seal is printed."""
    chosen = certifier if seal == "certifier" else seal
    if chosen == "none":
        return None
    if chosen == "deputy":
        return f"{m.office}職務代理者之印"
    if chosen == "certificate":
        return f"{m.name}証明書専用之印"
    return f"{m.office}之印"


def document(
    req: CertificateRequest,
    sections: Sequence[Section],
    *,
    kind: CertificateKind | None = None,
    remarks: Sequence[str] = (),
    certification: str | None = None,
) -> CertificateDocument:
    chosen = kind or req.kind
    title, name = certifier_line(req.municipality, req.certifier)
    seal = seal_words(req.municipality, req.certifier, req.official_seal)
    phrases = list(req.phrases)
    if seal is None and SEAL_OMITTED not in phrases:
        phrases.insert(0, SEAL_OMITTED)
    return CertificateDocument(
        kind=chosen,
        serial=req.serial,
        issued_on=wareki(req.today),
        municipality=req.municipality.name,
        mayor_title=title,
        mayor_name=name,
        sections=sections,
        remarks=remarks,
        title=DEFAULT_TITLES[chosen],
        certification=certification or DEFAULT_CERTIFICATIONS[chosen],
        issue_number=req.issue_number,
        official_seal=seal,
        phrases=phrases,
    )
