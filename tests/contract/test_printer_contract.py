"""The printer contract run against the text and PDF printers, signed and unsigned (a signature
line must not change what the certificate shows). The PDF is read back with pypdf."""

from __future__ import annotations

import functools
import io

import pypdf
import pytest
from nacl.signing import SigningKey

from kure_juki.adapters.printing.fonts import DEFAULT_BODY_FONT
from kure_juki.adapters.printing.pdf import PdfPrinter
from kure_juki.adapters.printing.signing import CertificateSigner
from kure_juki.adapters.printing.text import PAGE_BREAK, TextPrinter
from kure_juki.ports.printer import Printer, RenderedCertificate
from kure_juki.testing.contracts.printer import PrinterContract


@functools.cache
def signer() -> CertificateSigner:
    return CertificateSigner(SigningKey(bytes(range(32))), "kure-2026")


class TextPages:
    def page_texts(self, rendered: RenderedCertificate) -> list[str]:
        return rendered.content.decode("utf-8").split(PAGE_BREAK)


class PdfPages:
    def page_texts(self, rendered: RenderedCertificate) -> list[str]:
        reader = pypdf.PdfReader(io.BytesIO(rendered.content), strict=True)
        return [page.extract_text() for page in reader.pages]


class TestTextPrinter(TextPages, PrinterContract):
    def make_printer(self) -> Printer:
        return TextPrinter()


class TestSignedTextPrinter(TextPages, PrinterContract):
    def make_printer(self) -> Printer:
        return TextPrinter(signer())


class TestPdfPrinter(PdfPages, PrinterContract):
    def make_printer(self) -> Printer:
        return PdfPrinter()


class TestSignedPdfPrinter(PdfPages, PrinterContract):
    def make_printer(self) -> Printer:
        return PdfPrinter(signer())


@pytest.mark.skipif(not DEFAULT_BODY_FONT.is_file(),
                    reason="needs fonts-ipaexfont (installed by .ci/run)")
class TestIpaexPdfPrinter(PdfPages, PrinterContract):
    """The body in IPAex明朝 even where IPAmj明朝 (the default when installed) is there."""

    def make_printer(self) -> Printer:
        return PdfPrinter(body_font=DEFAULT_BODY_FONT)
