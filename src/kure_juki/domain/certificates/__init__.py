"""Certificates (証明書): from the register's records to what each kind of certificate says.

Pure builders: records, their movement history, the switches asked for and the municipality's
facts go in; a :class:`~kure_juki.domain.certificate_document.CertificateDocument` comes out,
for any printer to lay out.
"""

from kure_juki.domain.certificates.build import build_certificate
from kure_juki.domain.certificates.items import parse_include, policy_items
from kure_juki.domain.certificates.municipality import Municipality, municipality_for
from kure_juki.domain.certificates.request import (
    LAYOUTS,
    CertificateRequest,
    Layout,
    PersonRecord,
    SealImpression,
)
from kure_juki.domain.certificates.serial import format_serial

__all__ = [
    "LAYOUTS",
    "CertificateRequest",
    "Layout",
    "Municipality",
    "PersonRecord",
    "SealImpression",
    "build_certificate",
    "format_serial",
    "municipality_for",
    "parse_include",
    "policy_items",
]
