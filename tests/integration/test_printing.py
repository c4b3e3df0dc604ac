"""Printing certificates: the shared layout, the text and PDF printers, signing and verification.

Synthetic people only (:mod:`kure_juki.adapters.printing.sample`). Needs IPAex
(``apt-get install -y fonts-ipaexfont``) and pdftoppm (``poppler-utils``).
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
from pathlib import Path

import attrs
import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey, VerifyKey

from kure_juki.adapters.printing.fonts import DEFAULT_BODY_FONT, load_fonts
from kure_juki.adapters.printing.layout import (
    BODY_LINES,
    SUBSTITUTE,
    Block,
    closing_block,
    lay_out,
    paginate,
    section_blocks,
    spaced_title,
    text_width,
    wrap,
)
from kure_juki.adapters.printing.pdf import PdfPrinter
from kure_juki.adapters.printing.sample import sample_documents, sample_household
from kure_juki.adapters.printing.signing import (
    CertificateSigner,
    verify_certificate,
    verify_seal,
)
from kure_juki.adapters.printing.text import PAGE_BREAK, TextPrinter
from kure_juki.domain.certificate_document import (
    CertificateDocument,
    CertificateKind,
    Field,
    PersonSection,
    TableSection,
)
from kure_juki.domain.errors import FormatError, RegistryError
from kure_juki.ports.printer import Printer, Substitution

pytestmark = pytest.mark.skipif(
    not DEFAULT_BODY_FONT.is_file() or shutil.which("pdftoppm") is None,
    reason="needs fonts-ipaexfont and poppler-utils (installed by .ci/run)",
)

KEY_ID = "kure-2026"


@functools.cache
def signer() -> CertificateSigner:
    return CertificateSigner(SigningKey(bytes(range(32))), KEY_ID)


def keys() -> dict[str, bytes]:
    return {KEY_ID: bytes(signer().verify_key)}


@functools.cache
def issued(kind: str) -> bytes:
    printer: Printer = PdfPrinter(signer()) if kind == "pdf" else TextPrinter(signer())
    return printer.render(sample_household(members=2)).content


def pdf_pages(content: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(content), strict=True)
    return [page.extract_text() for page in reader.pages]


def text_pages(content: bytes) -> list[str]:
    return content.decode("utf-8").split(PAGE_BREAK)


def read_pgm(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and pixels of a binary greyscale PGM (P5, 8 bits)."""
    tokens: list[bytes] = []
    pos = 0
    while len(tokens) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        tokens.append(data[pos:end])
        pos = end
    magic, width, height, maxval = tokens[0], int(tokens[1]), int(tokens[2]), int(tokens[3])
    assert magic == b"P5" and maxval == 255
    pixels = data[pos + 1:pos + 1 + width * height]
    assert len(pixels) == width * height
    return width, height, pixels


def render_png(content: bytes, tmp_path: Path) -> list[tuple[int, int, bytes]]:
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(content)
    subprocess.run(["pdftoppm", "-gray", "-r", "50", str(pdf), str(tmp_path / "page")],
                   check=True, capture_output=True)
    return [read_pgm(p.read_bytes()) for p in sorted(tmp_path.glob("page-*.pgm"))]


# --- the shared layout -----------------------------------------------------------------------

@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=200),
       st.integers(min_value=4, max_value=80))
def test_wrapping_keeps_every_character_within_the_width(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert "".join(lines) == text
    assert all(text_width(line) <= width for line in lines)


@given(st.integers(min_value=1, max_value=6), st.integers(min_value=0, max_value=120))
def test_pages_hold_every_row_once_in_order_and_end_with_the_certification(
    members: int, history: int
) -> None:
    doc = sample_household(members=members, history_lines=history)
    blocks = section_blocks(doc)
    pages = paginate(blocks, closing_block(doc))
    assert all(sum(b.height for b in page) <= BODY_LINES for page in pages)
    printed = [b for page in pages for b in page]
    assert printed[-1] == closing_block(doc)
    assert all(closing_block(doc) not in page for page in pages[:-1])

    def body(b: Block) -> list[object]:
        return list(b.rows[b.header_rows:])

    # Blocks split across pages come back whole when their parts are put together again.
    expected = [row for b in blocks for row in body(b)]
    assert [row for b in printed[:-1] for row in body(b)] == expected


cell_text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40)


@given(st.integers(min_value=1, max_value=9).flatmap(
    lambda n: st.tuples(st.lists(cell_text, min_size=n, max_size=n),
                        st.lists(st.lists(cell_text, min_size=n, max_size=n), max_size=5))))
def test_any_table_fits_the_grid_and_keeps_every_value(
    table: tuple[list[str], list[list[str]]],
) -> None:
    columns, rows = table
    doc = sample_household(members=1)
    doc = attrs.evolve(doc, sections=[TableSection(columns=columns, rows=rows)], remarks=())
    *parts, _closing = [b for page in lay_out(doc).pages for b in page.blocks]
    header = parts[0].rows[0]
    body = [row for part in parts for row in part.rows[1:]]  # the header repeats on each page
    assert [c.lines for c in header.cells] == [wrap(c, c_.end - c_.start - 3)
                                               for c, c_ in zip(columns, header.cells,
                                                                strict=True)]
    for row, values in zip(body, rows, strict=True):
        assert ["".join(c.lines) for c in row.cells] == values
        assert all(0 <= c.start < c.end <= 80 for c in row.cells)
        assert [c.start for c in row.cells[1:]] == [c.end for c in row.cells[:-1]]


# --- both printers ---------------------------------------------------------------------------

# What every printer must show (title, items, page numbers, 認証文 on the last page only,
# substitutions recorded and noted) is the printer contract's:
# tests/contract/test_printer_contract.py. Below: what is particular to these two printers.

def test_the_text_of_a_pdf_is_extracted_without_stray_characters() -> None:
    (page,) = pdf_pages(PdfPrinter().render(sample_household(members=2)).content)
    assert "\x00" not in page
    assert "発行番号 R08-000001" in page and "呉市長　架空　太郎" in page  # spaces kept


def test_every_page_of_a_long_pdf_has_ink(tmp_path: Path) -> None:
    pdf = PdfPrinter().render(sample_household(members=6, history_lines=70))
    assert pdf.pages >= 3
    for width, height, pixels in render_png(pdf.content, tmp_path):
        dark = sum(1 for p in pixels if p < 128)
        assert 0.003 * width * height < dark < 0.5 * width * height


def test_both_printers_put_each_value_on_the_same_page() -> None:
    doc = sample_household(members=5, history_lines=40)
    doc = attrs.evolve(doc, sections=[s for s in doc.sections
                                      if "𠮷" not in str(s)])  # nothing to substitute
    text = text_pages(TextPrinter().render(doc).content)
    pdf = pdf_pages(PdfPrinter().render(doc).content)
    assert len(text) == len(pdf) > 1
    for where, value in doc.texts():
        if where.startswith(("sections", "remarks")) and len(value) > 8:
            on_text = [i for i, page in enumerate(text) if value in page]
            on_pdf = [i for i, page in enumerate(pdf) if value in page]
            assert on_text == on_pdf, where


def test_pdf_renders_to_an_image_that_is_not_blank(tmp_path: Path) -> None:
    images = render_png(issued("pdf"), tmp_path)
    assert len(images) == 1
    width, height, pixels = images[0]
    assert abs(width - 595.28 * 50 / 72) < 1 and abs(height - 841.89 * 50 / 72) < 1  # A4
    dark = sum(1 for p in pixels if p < 128)
    assert 0.01 * width * height < dark < 0.5 * width * height


def test_a_character_the_font_lacks_is_substituted_recorded_and_noted() -> None:
    # IPAex明朝 lacks 𠮷 (U+20BB7); IPAmj明朝, the default body font where it is installed, has
    # it (tests/integration/test_printing_mj.py).
    doc = sample_household(members=3)
    rendered = PdfPrinter(body_font=DEFAULT_BODY_FONT).render(doc)
    assert rendered.substitutions == (
        Substitution("𠮷", SUBSTITUTE, "sections[3].fields[0].value"),
    )
    ipaex = load_fonts(DEFAULT_BODY_FONT)
    assert not ipaex.can_print("𠮷") and ipaex.can_print("髙")
    (page,) = pdf_pages(rendered.content)
    assert "髙橋　〓男" in page
    assert "「〓」は、印字できない文字に代えて表示しています(U+20BB7)。" in page
    # UTF-8 text shows the character as registered.
    text = TextPrinter().render(doc)
    assert "髙橋　𠮷男" in text.content.decode("utf-8") and text.substitutions == ()


def test_a_variation_selector_the_font_lacks_is_recorded_with_its_base_kept() -> None:
    # 葛 with VS256 is in no font's variation sequences. (葛 with VS17 was used here before;
    # IPAex明朝 has it, from Adobe-Japan1, so with that font it is now drawn as its variant.)
    doc = CertificateDocument(
        kind=CertificateKind.KISAI_JIKO, serial="R08-000009", issued_on="令和8年11月26日",
        municipality="呉市", mayor_title="呉市長", mayor_name="架空　太郎",
        sections=[PersonSection([Field("氏名", "葛\U000e01ef城　一郎", "かつらぎ　いちろう")])],
    )
    rendered = PdfPrinter().render(doc)
    assert rendered.substitutions == (
        Substitution("葛\U000e01ef", "葛", "sections[0].fields[0].value"),
    )
    (page,) = pdf_pages(rendered.content)
    assert "葛城　一郎" in page and "U+E01EF" in page


def test_a_missing_font_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError) as caught:
        PdfPrinter(body_font=tmp_path / "absent.ttf")
    assert caught.value.code == "KJ-CERT-010"
    assert "fonts-ipaexfont" in caught.value.message_en
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font at all")
    with pytest.raises(RegistryError) as caught:
        PdfPrinter(body_font=junk)
    assert caught.value.code == "KJ-CERT-011"


def test_layout_is_the_same_for_both_printers_when_nothing_is_substituted() -> None:
    doc = sample_household(members=2)
    assert lay_out(doc, load_fonts().can_print) == lay_out(doc)


# --- signatures ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["pdf", "text"])
def test_an_issued_certificate_verifies_offline(kind: str) -> None:
    result = verify_certificate(issued(kind), keys())
    assert result.ok and bool(result)
    assert (result.serial, result.key_id, result.reason) == ("R08-000001", KEY_ID, None)


def test_the_signed_pdf_is_still_a_valid_pdf(tmp_path: Path) -> None:
    content = issued("pdf")
    assert content.startswith(b"%PDF-")
    assert b"%%EOF\n%KJ-SIGNATURE/1 serial=R08-000001 key=kure-2026 ed25519=" in content
    assert len(pypdf.PdfReader(io.BytesIO(content), strict=True).pages) == 1
    if shutil.which("qpdf"):
        path = tmp_path / "c.pdf"
        path.write_bytes(content)
        subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)


def _positions(kind: str) -> st.SearchStrategy[int]:
    size = len(issued(kind))
    # Anywhere in the file, and often in the signature line itself (the last ~140 bytes).
    return st.one_of(st.integers(min_value=0, max_value=size),
                     st.integers(min_value=size - 160, max_value=size))


mutation = st.sampled_from(["pdf", "text"]).flatmap(
    lambda kind: st.tuples(
        st.just(kind),
        st.sampled_from(["flip", "change", "insert", "delete"]),
        _positions(kind),
        st.integers(min_value=1, max_value=255),
    )
)


@settings(max_examples=300)
@given(mutation)
def test_changing_any_byte_of_an_issued_certificate_fails_verification(
    case: tuple[str, str, int, int],
) -> None:
    kind, how, position, value = case
    content = bytearray(issued(kind))
    at = min(position, len(content) - 1)
    if how == "flip":
        content[at] ^= 1 << (value % 8)
    elif how == "change":
        content[at] = (content[at] + value) % 256
    elif how == "insert":
        content.insert(position, value)
    else:
        del content[at]
    assert bytes(content) != issued(kind)
    result = verify_certificate(bytes(content), keys())
    assert not result.ok
    assert result.reason in ("KJ-CERT-021", "KJ-CERT-022", "KJ-CERT-023")


@given(st.sampled_from(["pdf", "text"]), st.integers(min_value=0, max_value=60))
def test_truncating_an_issued_certificate_fails_verification(kind: str, cut: int) -> None:
    content = issued(kind)
    assert not verify_certificate(content[: len(content) - 1 - cut], keys()).ok
    assert not verify_certificate(content + content[-cut - 1:], keys()).ok


def test_unknown_keys_and_wrong_keys_are_told_apart() -> None:
    content = issued("text")
    unknown = verify_certificate(content, {"kure-2025": bytes(signer().verify_key)})
    assert (unknown.ok, unknown.reason, unknown.key_id) == (False, "KJ-CERT-022", KEY_ID)
    other = bytes(SigningKey(bytes(32)).verify_key)
    wrong = verify_certificate(content, {KEY_ID: other})
    assert (wrong.ok, wrong.reason) == (False, "KJ-CERT-023")
    broken = verify_certificate(content, {KEY_ID: b"short"})
    assert (broken.ok, broken.reason) == (False, "KJ-CERT-025")
    unsigned = TextPrinter().render(sample_household(members=2)).content
    assert verify_certificate(unsigned, keys()).reason == "KJ-CERT-021"


def test_keys_rotate_by_key_id() -> None:
    new = CertificateSigner(SigningKey(bytes(range(1, 33))), "kure-2027")
    content = TextPrinter(new).render(sample_household(members=1)).content
    both: dict[str, VerifyKey | bytes] = {**keys(), "kure-2027": new.verify_key}
    assert verify_certificate(content, both).key_id == "kure-2027"
    assert verify_certificate(issued("text"), both).key_id == KEY_ID


def test_a_lenient_base64_ending_is_refused() -> None:
    content = issued("text")
    end = content.rindex(b"==\n")
    last = content[end - 1:end]
    # The last character before "==" carries 2 meaningful bits and 4 unused ones: another
    # character with the same meaningful bits decodes to the same signature when lenient.
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twin = alphabet[alphabet.index(last) ^ 1:][:1]
    forged = content[:end - 1] + twin + content[end:]
    assert verify_certificate(forged, keys()).reason == "KJ-CERT-021"


def test_key_ids_are_checked() -> None:
    with pytest.raises(FormatError) as caught:
        CertificateSigner(SigningKey(bytes(32)), "kure 2026")
    assert caught.value.code == "KJ-CERT-020"
    default = CertificateSigner(SigningKey(bytes(32)))
    assert default.key_id.startswith("ed25519-")


# --- the paper seal (QR) ---------------------------------------------------------------------

def test_the_paper_seal_verifies_against_the_issued_content() -> None:
    doc = sample_household(members=2)
    seal = signer().seal(doc)
    assert seal.startswith(f"KJQ1 {doc.serial} {KEY_ID} ")
    assert verify_seal(seal, doc, keys()).ok
    altered = attrs.evolve(doc, issued_on="令和8年11月27日")
    assert verify_seal(seal, altered, keys()).reason == "KJ-CERT-023"
    other_serial = attrs.evolve(doc, serial="R08-000002")
    assert verify_seal(seal, other_serial, keys()).reason == "KJ-CERT-023"
    assert verify_seal(seal + "A", doc, keys()).reason == "KJ-CERT-024"
    assert verify_seal(seal.replace("KJQ1", "KJQ2"), doc, keys()).reason == "KJ-CERT-024"


def test_a_file_signature_is_not_a_seal_signature() -> None:
    doc = sample_household(members=2)
    seal = signer().seal(doc)
    file_signature = signer().sign_file(doc.canonical_text().encode(), doc.serial)
    assert verify_certificate(file_signature, keys()).ok
    assert seal.split()[-1] not in file_signature.decode()


# --- every kind ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(CertificateKind))
def test_every_kind_prints_on_one_page_through_both_printers_and_verifies(
    kind: CertificateKind, tmp_path: Path
) -> None:
    doc = sample_documents()[kind]
    pdf = PdfPrinter(signer()).render(doc)
    text = TextPrinter(signer()).render(doc)
    assert pdf.pages == text.pages == 1
    assert verify_certificate(pdf.content, keys()).serial == doc.serial
    assert verify_certificate(text.content, keys()).serial == doc.serial
    assert spaced_title(doc.title) in text.content.decode()
    ((width, height, pixels),) = render_png(pdf.content, tmp_path)
    assert sum(1 for p in pixels if p < 128) > 0.005 * width * height


def test_the_seal_impression_is_drawn_and_described(tmp_path: Path) -> None:
    doc = sample_documents()[CertificateKind.INKAN]
    pdf = PdfPrinter().render(doc).content
    assert b"/Subtype /Image" in pdf
    assert "登録印影" in TextPrinter().render(doc).content.decode()
    ((width, height, pixels),) = render_png(pdf, tmp_path)
    # The red impression is drawn at the top left of the body: grey, neither white nor black.
    rows = range(int(height * 0.1), int(height * 0.25))
    grey = sum(1 for y in rows for x in range(width // 3, width // 2)
               if 40 < pixels[y * width + x] < 200)
    assert grey > 200


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="needs zbar-tools")
def test_the_qr_code_on_paper_carries_a_seal_that_verifies(tmp_path: Path) -> None:
    doc = sample_documents()[CertificateKind.TENSHUTSU]
    path = tmp_path / "c.pdf"
    path.write_bytes(PdfPrinter(signer()).render(doc).content)
    subprocess.run(["pdftoppm", "-gray", "-r", "150", "-singlefile", str(path),
                    str(tmp_path / "scan")], check=True, capture_output=True)
    scanned = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "scan.pgm")],
                             check=True, capture_output=True, text=True).stdout.strip()
    assert verify_seal(scanned, doc, keys()).ok
