"""MJ characters (行政事務標準文字) in a printed 住民票の写し: drawn with their own glyph, variation
sequence included, and extracted back as the registered code points by pypdf and pdftotext.

With IPAmj明朝 (``fonts-ipamj-mincho``) nothing is substituted; with IPAex only, what IPAex
lacks becomes 〓 with the 備考 note, and a Moji_Joho variant it cannot draw prints as its base
character, also noted. The IPAmj tests skip without the font, except under ``CI=true``
(:mod:`kure_juki.testing.fonts`). Synthetic names only.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pypdf
import pytest
from fontTools.ttLib import TTFont as FontToolsFont
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfbase.pdfmetrics import stringWidth

from kure_juki.adapters.printing.fonts import DEFAULT_BODY_FONT, load_fonts
from kure_juki.adapters.printing.layout import SUBSTITUTE
from kure_juki.adapters.printing.pdf import PdfPrinter
from kure_juki.adapters.printing.truetype import to_unicode_cmap
from kure_juki.domain.certificate_document import (
    CertificateDocument,
    CertificateKind,
    Field,
    HouseholdSection,
    PersonSection,
)
from kure_juki.ports.printer import Substitution
from kure_juki.testing.fonts import require_mj_font

pytestmark = pytest.mark.skipif(
    not DEFAULT_BODY_FONT.is_file() or shutil.which("pdftotext") is None,
    reason="needs fonts-ipaexfont and poppler-utils (installed by .ci/run)",
)

KUZU = "葛\U000e0103"  # 葛 with the Moji_Joho selector VS20: MJ022336
# (name, ふりがな): a Moji_Joho variant, 髙 and 﨑 (in the BMP), and 𠮷 𡈽 𩸽 𠮟 𪚲 outside it.
NAMES = [
    (f"{KUZU}西　太郎", "くずにし　たろう"),
    ("髙﨑　𠮷男", "たかさき　よしお"),
    ("𡈽屋　𩸽子", "つちや　ほっけこ"),
    ("𠮟田　𪚲", "しかた　よう"),
]


def juminhyo(names: Sequence[tuple[str, str]], municipality: str = "呉市") -> CertificateDocument:
    return CertificateDocument(
        kind=CertificateKind.JUMINHYO, serial="R08-000016", issued_on="令和8年11月26日",
        municipality=municipality, mayor_title=f"{municipality}長", mayor_name="架空　太郎",
        sections=[
            HouseholdSection([Field("住所", "広島県呉市中央九丁目99番99号"),
                              Field("世帯主", names[0][0])]),
            *(PersonSection([Field("氏名", name, reading), Field("続柄", "子")])
              for name, reading in names),
        ],
    )


def pypdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content), strict=True)
    return "\n".join(page.extract_text() for page in reader.pages)


def pdftotext(content: bytes) -> str:
    done = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=content,
                          capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def words(text: str) -> list[str]:
    """The parts of a name between its spaces, which pdftotext writes as it likes."""
    return text.split()


def assert_extracted(content: bytes, texts: Sequence[str]) -> None:
    by_pypdf, by_poppler = pypdf_text(content), pdftotext(content)
    for text in texts:
        assert text in by_pypdf, ascii(text)
        for word in words(text):
            assert word in by_poppler, ascii(word)


def drawn_outlines(content: bytes) -> dict[str, list[tuple[int, int]]]:
    """What each glyph of the embedded fonts extracts as, and the outline drawn for it.

    Read from the PDF itself: the subset font's ToUnicode map names the text of each code, its
    embedded TrueType program the glyph (format 6 cmap from code to glyph).
    """
    found: dict[str, list[tuple[int, int]]] = {}
    reader = pypdf.PdfReader(io.BytesIO(content), strict=True)
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        for font in resources["/Font"].get_object().values():
            font = font.get_object()
            if "/ToUnicode" not in font:
                continue
            cmap = font["/ToUnicode"].get_object().get_data().decode("ascii")
            program = font["/FontDescriptor"]["/FontFile2"].get_object().get_data()
            subset = FontToolsFont(io.BytesIO(program))
            glyf = subset["glyf"]
            codes = subset["cmap"].getcmap(1, 0).cmap
            for code, text in re.findall(r"<([0-9A-F]{2})> <([0-9A-F]+)>", cmap):
                name = codes.get(int(code, 16))
                if name is not None and int(code, 16):
                    points = glyf[name].getCoordinates(glyf)[0]
                    found[bytes.fromhex(text).decode("utf-16-be")] = list(points)
    return found


def outline(font_path: Path, glyph_name: str) -> list[tuple[int, int]]:
    font = FontToolsFont(str(font_path), lazy=True)
    glyf = font["glyf"]
    return list(glyf[glyph_name].getCoordinates(glyf)[0])


# --- the ToUnicode map ------------------------------------------------------------------------

def test_the_to_unicode_map_is_utf16_with_surrogate_pairs_and_sequences() -> None:
    cmap = to_unicode_cmap("AAAAAA+Test", [0, 0x9AD9, 0x2123D, 0x110000], {0x110000: KUZU})
    assert "<01> <9AD9>" in cmap
    assert "<02> <D844DE3D>" in cmap  # U+2123D as its surrogate pair, not <2123D>
    assert "<03> <845BDB40DD03>" in cmap  # the base and its selector, both
    assert "<00> <03>" in cmap and "4 beginbfchar" in cmap


# --- with IPAmj明朝 --------------------------------------------------------------------------

def test_mj_names_print_without_substitution_and_extract_exactly() -> None:
    printer = PdfPrinter(body_font=require_mj_font())
    rendered = printer.render(juminhyo(NAMES))
    assert rendered.substitutions == ()
    text = pypdf_text(rendered.content)
    assert SUBSTITUTE not in text and "\x00" not in text and "U+" not in text
    assert_extracted(rendered.content, [name for name, _ in NAMES])


def test_a_moji_joho_variant_is_drawn_with_its_own_glyph() -> None:
    path = require_mj_font()
    other = "葛\U000e0104"  # VS21: MJ022340
    names = [*NAMES, (f"{other}城　吉子", "かつらぎ　よしこ"), ("葛西　一郎", "かさい")]
    rendered = PdfPrinter(body_font=path).render(juminhyo(names))
    drawn = drawn_outlines(rendered.content)
    # The glyphs IPAmj明朝's format-14 cmap gives 葛 U+845B with U+E0103 and with U+E0104.
    # (Its 葛 alone is MJ022336 too: VS20 names the form the font already draws by default.)
    assert drawn[KUZU] == outline(path, "mj022336")
    assert drawn[other] == outline(path, "mj022340") != drawn["葛"]
    assert drawn["𠮷"] != drawn["吉"]  # 土 over 口, not 士


def test_a_variant_takes_the_width_of_its_glyph_not_of_two_characters() -> None:
    fonts = load_fonts(require_mj_font())
    assert fonts.can_print(KUZU) and not fonts.can_print("葛\U000e01ef")
    assert stringWidth(f"{KUZU}西", fonts.body, 10) == stringWidth("葛西", fonts.body, 10) > 0


def test_a_heading_the_gothic_font_cannot_draw_is_drawn_in_the_body_font() -> None:
    printer = PdfPrinter(body_font=require_mj_font())
    rendered = printer.render(juminhyo(NAMES[:1], municipality="𠮷野町"))
    assert rendered.substitutions == ()
    assert_extracted(rendered.content, ["𠮷野町"])
    # The mayor's title is spaced out (字間), so pdftotext writes it with spaces.
    assert "𠮷野町長架空太郎" in "".join(pdftotext(rendered.content).split())


def test_a_selector_no_font_has_is_printed_as_its_base_and_noted() -> None:
    printer = PdfPrinter(body_font=require_mj_font())
    rendered = printer.render(juminhyo([("葛\U000e01ef城　一郎", "かつらぎ　いちろう")]))
    assert Substitution("葛\U000e01ef", "葛", "sections[1].fields[0].value") in (
        rendered.substitutions)
    text = pypdf_text(rendered.content)
    assert "葛城　一郎" in text and "U+E01EF" in text


def _mj_sample() -> tuple[list[str], list[str]]:
    """Every 40th character of IPAmj明朝 outside the BMP, and every 25th variation sequence."""
    fonts = load_fonts(require_mj_font())
    astral = sorted(cp for cp in fonts.printable if cp > 0xFFFF)[::40]
    sequences = sorted(fonts.sequences)[::25]
    return [chr(cp) for cp in astral], [chr(b) + chr(s) for b, s in sequences]


def _fields(items: Sequence[str], per_line: int = 20) -> list[Field]:
    return [Field(f"文字{i // per_line + 1}", "".join(items[i:i + per_line]))
            for i in range(0, len(items), per_line)]


def test_every_character_and_sequence_of_the_font_extracts_as_itself() -> None:
    astral, sequences = _mj_sample()
    assert len(astral) > 100 and len(sequences) > 100
    doc = juminhyo(NAMES[:1])
    doc = CertificateDocument(
        kind=doc.kind, serial=doc.serial, issued_on=doc.issued_on,
        municipality=doc.municipality, mayor_title=doc.mayor_title, mayor_name=doc.mayor_name,
        sections=[PersonSection(_fields(astral)), PersonSection(_fields(sequences))],
    )
    rendered = PdfPrinter(body_font=require_mj_font()).render(doc)
    assert rendered.substitutions == ()
    by_pypdf = "".join(pypdf_text(rendered.content).split())
    by_poppler = "".join(pdftotext(rendered.content).split())
    for field in (f for s in doc.sections for f in s.fields):
        assert field.value in by_pypdf, ascii(field.value)
        assert field.value in by_poppler, ascii(field.value)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_any_name_of_mj_characters_prints_and_extracts_as_registered(data: st.DataObject) -> None:
    astral, sequences = _mj_sample()
    pieces = st.sampled_from([*astral, *sequences, "髙", "﨑", "あ", "ノ", "一"])
    family = "".join(data.draw(st.lists(pieces, min_size=1, max_size=4)))
    given_name = "".join(data.draw(st.lists(pieces, min_size=1, max_size=4)))
    name = f"{family}　{given_name}"
    rendered = PdfPrinter(body_font=require_mj_font()).render(juminhyo([(name, "かな")]))
    assert rendered.substitutions == ()
    assert_extracted(rendered.content, [name])


# --- with IPAex only --------------------------------------------------------------------------

def test_with_ipaex_what_it_lacks_is_substituted_and_what_it_has_extracts_exactly() -> None:
    rendered = PdfPrinter(body_font=DEFAULT_BODY_FONT).render(juminhyo(NAMES))
    assert Substitution("𠮷", SUBSTITUTE, "sections[2].fields[0].value") in rendered.substitutions
    # IPAex has 𡈽 𩸽 𠮟 𪚲 (outside the BMP) and 髙 﨑: printed as registered.
    assert_extracted(rendered.content, ["髙﨑　〓男", "𡈽屋　𩸽子", "𠮟田　𪚲"])
    text = pypdf_text(rendered.content)
    assert "「〓」は、印字できない文字に代えて表示しています(U+20BB7)。" in text


def test_with_ipaex_a_moji_joho_variant_prints_as_its_base_and_is_noted() -> None:
    # IPAex's variation sequences are Adobe-Japan1's; 葛 with VS20 is not among them. The clerk
    # is told rather than handed the base glyph as if it were the registered one.
    rendered = PdfPrinter(body_font=DEFAULT_BODY_FONT).render(juminhyo(NAMES[:1]))
    assert rendered.substitutions[0] == Substitution(KUZU, "葛", "sections[0].fields[1].value")
    assert {s.original for s in rendered.substitutions} == {KUZU}
    text = pypdf_text(rendered.content)
    assert "葛西　太郎" in text
    assert "異体字の区別を省略して印字した文字があります(U+E0103)。" in text


def test_with_ipaex_its_own_variation_sequences_are_drawn_and_extract_with_the_selector() -> None:
    # IPAex明朝 draws 葛 with VS17 (Adobe-Japan1's collection) as a glyph of its own.
    adobe = "葛\U000e0100"
    rendered = PdfPrinter(body_font=DEFAULT_BODY_FONT).render(juminhyo([(f"{adobe}城　一郎", "")]))
    assert rendered.substitutions == ()
    assert_extracted(rendered.content, [f"{adobe}城　一郎"])
    drawn = drawn_outlines(rendered.content)
    assert drawn[adobe] == outline(DEFAULT_BODY_FONT, "aj1481")


def test_every_character_ipaex_has_outside_the_bmp_extracts_as_itself() -> None:
    fonts = load_fonts(DEFAULT_BODY_FONT)
    astral = [chr(cp) for cp in sorted(fonts.printable) if cp > 0xFFFF]
    assert len(astral) >= 300  # 𡈽 𩸽 𠮟 𪚲 and the rest of IPAex's
    doc = juminhyo(NAMES[2:])
    doc = CertificateDocument(
        kind=doc.kind, serial=doc.serial, issued_on=doc.issued_on,
        municipality=doc.municipality, mayor_title=doc.mayor_title, mayor_name=doc.mayor_name,
        sections=[PersonSection(_fields(astral))],
    )
    rendered = PdfPrinter(body_font=DEFAULT_BODY_FONT).render(doc)
    assert rendered.substitutions == ()
    by_pypdf = "".join(pypdf_text(rendered.content).split())
    by_poppler = "".join(pdftotext(rendered.content).split())
    for field in doc.sections[0].fields:
        assert field.value in by_pypdf and field.value in by_poppler, ascii(field.value)
