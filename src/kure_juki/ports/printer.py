"""The printing port: lay a certificate document out as a file (証明書の印刷)."""

from __future__ import annotations

from typing import NamedTuple, Protocol

import attrs

from kure_juki.domain.certificate_document import CertificateDocument


class Substitution(NamedTuple):  # 代替文字: a character the output cannot show, and its stand-in
    original: str  # the character (or character sequence) as registered
    substitute: str  # what was printed in its place
    where: str  # path in the document, e.g. "sections[1].fields[0].value"


@attrs.frozen
class RenderedCertificate:  # 交付する証明書のファイル
    content: bytes
    media_type: str  # "application/pdf" or "text/plain; charset=utf-8"
    pages: int
    substitutions: tuple[Substitution, ...] = ()


@attrs.frozen
class VerificationResult:  # 証明書の真正性確認の結果
    ok: bool
    serial: str | None = None  # 発行番号 (from the signature, when it could be read)
    key_id: str | None = None  # which of the municipality's keys signed it
    reason: str | None = None  # a KJ-CERT-… code when not ok

    def __bool__(self) -> bool:
        return self.ok


class Printer(Protocol):
    """Lays a document out; decides nothing about what it says."""

    media_type: str

    def render(self, document: CertificateDocument) -> RenderedCertificate: ...
