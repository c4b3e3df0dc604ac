"""The contract of the printing port (``kure_juki.ports.printer``): every printer (the library's
text and PDF printers, a vendor's own) must pass this suite unchanged.

Subclass :class:`PrinterContract` once per printer and implement ``make_printer`` and
``page_texts``, which reads a rendered certificate back as a reader sees it, one string per page
(for a PDF, its extracted text)::

    class TestMyPrinter(PrinterContract):
        def make_printer(self):
            return MyPrinter()

        def page_texts(self, rendered):
            return rendered.content.decode("utf-8").split("\\f")

Comparisons ignore white space (a printer spaces and aligns as its medium wants). The
properties, each a test below: a certificate renders as the printer's media type, with as many
pages as it says; it shows the title, every item of the document and the 認証文, the issue date
and the mayor; every page shows the municipality, the 発行番号 and its number as ``n / N``, and
only the last page holds the 認証文, the mayor and the end mark 以下余白; every kind of
certificate prints; a character the printer cannot show is replaced, recorded as a
:class:`~kure_juki.ports.printer.Substitution` at the path of the text that holds it, and noted
on the certificate by its code point, and nothing else changes (generated documents).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kure_juki.adapters.printing.sample import sample_documents, sample_household
from kure_juki.domain.certificate_document import (
    CertificateDocument,
    CertificateKind,
    Field,
    ImageSection,
    PersonSection,
)
from kure_juki.ports.printer import Printer, RenderedCertificate

__all__ = ["CLOSING_MARK", "PrinterContract"]

CLOSING_MARK = "以下余白"  # the end of what the certificate says: nothing may be added below

HYPOTHESIS = settings(
    max_examples=30,
    deadline=None,
    # A printer keeps nothing between documents: one per test serves all its examples.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.differing_executors,
    ],
)

# Pieces of names and addresses: kanji, kana (half-width too), digits, Latin letters, and some
# a printer's fonts may lack (a kanji outside the usual fonts, an emoji, a variation sequence).
TOKENS = [
    "髙", "橋", "一", "郎", "呉", "市", "中", "央", "﨑", "々", "あ", "ア", "ｶ", "ﾞ", "ー",
    "1", "９", "A", "ｗ", "・", "　", "𠮷", "𤔩", "😀", "葛\U000e0100",
    "葛\U000e0103", "𡈽", "𩸽", "𪚲",  # a Moji_Joho variant; MJ characters outside the BMP
]  # fmt: skip


def squash(text: str) -> str:
    """``text`` without white space (ASCII and full-width)."""
    return "".join(text.split())


def code_point(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def short_text(min_size: int = 1) -> st.SearchStrategy[str]:
    """A few tokens: short enough that no printer needs to wrap it."""
    return st.lists(st.sampled_from(TOKENS), min_size=min_size, max_size=5).map("".join)


@st.composite
def person_documents(draw: st.DrawFn) -> CertificateDocument:
    fields = [
        Field(
            draw(short_text()),
            draw(short_text()),
            draw(st.none() | st.sampled_from(["たかはし　いちろう", "くれ", "ｸﾚ"])),
        )
        for _ in range(draw(st.integers(1, 4)))
    ]
    return CertificateDocument(
        kind=CertificateKind.KISAI_JIKO,
        serial="R08-000009",
        issued_on="令和8年11月26日",
        municipality="呉市",
        mayor_title="呉市長",
        mayor_name="架空　太郎",
        sections=[PersonSection(fields)],
        remarks=tuple(draw(st.lists(short_text(), max_size=2))),
    )


class PrinterContract:
    """Subclass per printer and implement :meth:`make_printer` and :meth:`page_texts`."""

    def make_printer(self) -> Printer:
        raise NotImplementedError

    def page_texts(self, rendered: RenderedCertificate) -> list[str]:
        """The text of each page of ``rendered``, as a reader sees it."""
        raise NotImplementedError

    @pytest.fixture
    def printer(self) -> Printer:
        return self.make_printer()

    def read(self, printer: Printer, document: CertificateDocument) -> list[str]:
        """``document`` rendered, and its pages read back (their number as promised)."""
        rendered = printer.render(document)
        pages = self.page_texts(rendered)
        assert rendered.pages == len(pages) >= 1
        return pages

    def test_a_certificate_renders_as_the_printers_media_type(self, printer: Printer) -> None:
        rendered = printer.render(sample_household(members=2))
        assert rendered.media_type == printer.media_type
        assert isinstance(rendered.content, bytes) and rendered.content
        assert rendered.pages == len(self.page_texts(rendered)) == 1

    def test_a_household_certificate_shows_what_it_says(self, printer: Printer) -> None:
        document = sample_household(members=2)
        (page,) = self.read(printer, document)
        shown = squash(page)
        for expected in (
            document.title, document.municipality, document.serial, "1 / 1",
            "髙橋　一郎", "たかはし　いちろう", "髙橋　花子", "昭和50年4月1日", "昭和52年10月12日",
            "世帯主", CLOSING_MARK, document.certification, document.issued_on,
            document.mayor_title, document.mayor_name,
        ):  # fmt: skip
            assert squash(expected) in shown, expected
        assert "高橋" not in page  # 髙 is printed as registered, not as its common form

    def test_every_page_is_numbered_and_only_the_last_certifies(self, printer: Printer) -> None:
        document = sample_household(members=6, history_lines=70)
        pages = self.read(printer, document)
        total = len(pages)
        for number, page in enumerate(pages, start=1):
            shown = squash(page)
            assert squash(f"{number} / {total}") in shown
            assert squash(document.serial) in shown and document.municipality in shown
            last = number == total
            assert (squash(document.certification) in shown) == last
            assert (CLOSING_MARK in shown) == last
            assert (squash(document.mayor_name) in shown) == last

    @pytest.mark.parametrize("kind", list(CertificateKind))
    def test_every_kind_of_certificate_prints(
        self, printer: Printer, kind: CertificateKind
    ) -> None:
        document = sample_documents()[kind]
        shown = squash("".join(self.read(printer, document)))
        assert squash(document.title) in shown
        assert squash(document.certification) in shown
        assert squash(document.serial) in shown

    def test_a_character_the_printer_cannot_show_is_recorded_and_noted(
        self, printer: Printer
    ) -> None:
        self.check_substitutions(printer, sample_household(members=3))  # 𠮷 in a name

    @HYPOTHESIS
    @given(document=person_documents())
    def test_every_text_is_printed_as_registered_or_as_its_recorded_substitute(
        self, printer: Printer, document: CertificateDocument
    ) -> None:
        self.check_substitutions(printer, document)

    def check_substitutions(self, printer: Printer, document: CertificateDocument) -> None:
        rendered = printer.render(document)
        pages = [squash(page) for page in self.page_texts(rendered)]
        texts = dict(document.texts())
        for s in rendered.substitutions:
            assert s.where in texts and s.original in texts[s.where], s
            assert s.original != s.substitute
            assert any(code_point(s.original[-1]) in page for page in pages), s
        images = {
            f"sections[{i}].description"
            for i, section in enumerate(document.sections)
            if isinstance(section, ImageSection)
        }
        for where, text in texts.items():
            if where in images:
                continue  # a printer that shows the image need not print its description
            printed = text
            for s in rendered.substitutions:
                if s.where == where:
                    printed = printed.replace(s.original, s.substitute)
            assert any(squash(printed) in page for page in pages), where
