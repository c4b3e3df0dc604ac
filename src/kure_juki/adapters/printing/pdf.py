"""The PDF printer: A4 portrait, ruled like a municipal 住民票の写し, fonts embedded.

The layout is the shared one (:mod:`.layout`): 80 columns across the printable width and
46 lines of 14 pt per page, so the PDF carries the same lines on the same pages as the text
printer. Each page has the title, the municipality, the serial, "x / y" and the QR code of the
paper seal; the last page has the certification text, the date, the mayor's title and name and
the official seal (公印) drawn beside it. Characters the body font lacks are replaced by 〓 and
recorded (:attr:`RenderedCertificate.substitutions`) and explained in the 備考; a variation
sequence the font has is drawn as its own glyph (:mod:`.truetype`).
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import segno
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from kure_juki.adapters.printing.fonts import FontSet, load_fonts
from kure_juki.adapters.printing.layout import (
    COLUMNS,
    Block,
    Cell,
    Layout,
    Page,
    Row,
    lay_out,
    serial_label,
    wrap,
)
from kure_juki.adapters.printing.signing import CertificateSigner
from kure_juki.adapters.printing.truetype import is_variation_selector
from kure_juki.domain.certificate_document import CertificateDocument
from kure_juki.ports.printer import RenderedCertificate

PAGE_WIDTH, PAGE_HEIGHT = float(A4[0]), float(A4[1])
MARGIN = 40.0
COLUMN = (PAGE_WIDTH - 2 * MARGIN) / COLUMNS  # one half-width character cell, in points
LINE = 14.0  # one line unit, in points
BODY_TOP = PAGE_HEIGHT - 76.0
QR_SIZE = 72.0
PAD = 4.0  # text inset in a ruled cell

BODY_SIZE = 10.0
NAME_SIZE = 12.5  # a value with ふりがな (氏名) is printed larger
READING_SIZE = 7.0
LABEL_SIZE = 9.0
TITLE_SIZE = 18.0

INK = (0.0, 0.0, 0.0)
SHADE = (0.93, 0.95, 0.93)  # label cells, faintly tinted as on security paper
HEAD_SHADE = (0.86, 0.89, 0.86)
SEAL_INK = (0.0, 0.0, 0.0)  # 標準5.6: 電子公印は黒色 (only a card's may be red)
_SHADES = {"label": SHADE, "column": HEAD_SHADE, "heading": HEAD_SHADE}

FOOTER_NOTE = (
    "この証明書は電子署名付きです。QRコードには発行番号と署名を記録しており、"
    "改ざんの有無を{municipality}の公開鍵で確認できます。"
)

# Segno evaluates all eight masks unless told one; any mask gives a valid symbol and mask 0
# takes a fifth of the time, which matters at 50 certificates a second.
_QR_MASK = 0


_A85_LOCK = threading.Lock()


@contextlib.contextmanager
def _binary_streams() -> Iterator[None]:
    """Write compressed streams as binary rather than ASCII85 while a certificate is saved.

    reportlab reads this choice from its global configuration when it saves; ASCII85 is done in
    pure Python and took a tenth of the time of a certificate. Binary streams are what most PDF
    producers write; a reportlab user on another thread saving at that moment gets them too,
    which is just as valid a PDF.
    """
    with _A85_LOCK:
        previous = rl_config.useA85
        rl_config.useA85 = 0
        try:
            yield
        finally:
            rl_config.useA85 = previous


def _x(column: float) -> float:
    return MARGIN + column * COLUMN


def qr_operators(payload: str) -> tuple[str, int]:
    """PDF path operators filling the dark modules of *payload*'s QR code, and its size.

    One rectangle per horizontal run of dark modules, in module units with the origin at the
    bottom left. Written directly because formatting each number through reportlab's path
    object took most of the time of a certificate.
    """
    matrix = segno.make(payload, error="m", mask=_QR_MASK).matrix
    size = len(matrix)
    ops: list[str] = []
    for r, row in enumerate(matrix):
        y = size - 1 - r
        run = -1
        for col, dark in enumerate((*row, 0)):
            if dark and run < 0:
                run = col
            elif not dark and run >= 0:
                ops.append(f"{run} {y} {col - run} 1 re")
                run = -1
    ops.append("f")
    return "\n".join(ops), size


_Glyphs = tuple[float, float, str, str, float, float, float]  # x, y, text, font, size, Tc, Tz


class _PageDrawer:
    def __init__(self, canvas: Canvas, fonts: FontSet, layout: Layout) -> None:
        self.c = canvas
        self.fonts = fonts
        self.layout = layout
        self.queue: list[_Glyphs] = []
        self.seals: list[tuple[float, float]] = []
        self.colour: tuple[float, float, float] | None = None  # current fill colour

    # -- text ------------------------------------------------------------------------------

    def text(self, x: float, y: float, s: str, font: str, size: float, *, room: float,
             align: str = "left", space: float = 0.0) -> None:
        """Queue *s* with its baseline at *y*, within *room* points (squeezed if it would not)."""
        # Character spacing is added after each glyph drawn: a variation selector is not one.
        glyphs = sum(1 for ch in s if not is_variation_selector(ord(ch)))
        width = stringWidth(s, font, size) + space * max(glyphs - 1, 0)
        scale = min(1.0, room / width) if width > 0 and room > 0 else 1.0
        drawn = width * scale
        if align == "center":
            x -= drawn / 2
        elif align == "right":
            x -= drawn
        self.queue.append((x, y, s, font, size, space, scale * 100))

    def flush(self) -> None:
        """Draw the queued strings as one text object, switching state only when it changes.

        One text object a page rather than one a string: most of the drawing time went into
        repeating the same font and spacing operators.
        """
        if not self.queue:
            return
        t = self.c.beginText()
        state: tuple[str, float] | None = None
        # Character spacing and horizontal scale are graphics state in PDF: they outlive the
        # text object, so both are set at its start.
        space, scale = 0.0, 100.0
        t.setCharSpace(space)
        t.setHorizScale(scale)
        for x, y, s, font, size, tc, tz in self.queue:
            if state != (font, size):
                t.setFont(font, size)
                state = (font, size)
            if tc != space:
                t.setCharSpace(tc)
                space = tc
            if tz != scale:
                t.setHorizScale(tz)
                scale = tz
            t.setTextOrigin(x, y)
            t.textOut(s)
        self.c.drawText(t)
        self.queue = []

    # -- page frame ------------------------------------------------------------------------

    def header(self, page: Page) -> None:
        doc = self.layout.document
        c = self.c
        self.fill(INK)
        self.text(PAGE_WIDTH / 2, PAGE_HEIGHT - 40, doc.title, self.fonts.heading_for(doc.title),
                  TITLE_SIZE,
                  room=PAGE_WIDTH - 2 * MARGIN, align="center",
                  space=TITLE_SIZE * 0.5 if len(doc.title) <= 8 else 0.0)
        y = PAGE_HEIGHT - 62
        self.text(_x(0), y, doc.municipality, self.fonts.heading_for(doc.municipality), 11,
                  room=COLUMN * 30)
        self.text(_x(COLUMNS), y, serial_label(doc, page), self.fonts.body, 9.5,
                  room=COLUMN * 56, align="right")
        c.setLineWidth(1.2)
        c.line(_x(0), y - 6, _x(COLUMNS), y - 6)
        c.setLineWidth(0.4)
        c.line(_x(0), y - 8.5, _x(COLUMNS), y - 8.5)

    def footer(self, qr: tuple[str, int] | None) -> None:
        self.fill(INK)
        bottom = 34.0
        doc = self.layout.document
        lines = [serial_label(doc)]
        if qr is not None:  # only a signed certificate says so
            self.qr(*qr, _x(COLUMNS) - QR_SIZE, bottom)
            note = FOOTER_NOTE.format(municipality=doc.municipality)
            lines = [*wrap(note, 96), *lines]
        room = _x(COLUMNS) - QR_SIZE - 12 - _x(0)
        for i, line in enumerate(lines):
            self.text(_x(0), bottom + 10 * (len(lines) - 1 - i), line, self.fonts.body, 7,
                      room=room)

    def qr(self, modules: str, size: int, x: float, y: float) -> None:
        unit = QR_SIZE / (size + 2)  # a two-module quiet zone inside the square
        c = self.c
        c.saveState()
        c.translate(x + unit, y + unit)
        c.scale(unit, unit)
        c.addLiteral(modules)
        c.restoreState()

    # -- body ------------------------------------------------------------------------------

    def image(self, cell: Cell, top: float, height: int) -> None:
        """An image (印影) at the left of its cell, as large as the cell's height allows."""
        assert cell.image is not None
        side = height * LINE - 2 * PAD
        self.c.drawImage(ImageReader(io.BytesIO(cell.image)), _x(cell.start) + 3 * PAD,
                         top - PAD - side, width=side, height=side, preserveAspectRatio=True,
                         anchor="c", mask="auto")

    def cell_text(self, cell: Cell, top: float, height: int, boxed: bool) -> None:
        if cell.role == "seal":
            return  # stamped as a seal beside the certifier instead
        if cell.image is not None:
            self.image(cell, top, height)
            return
        content: list[tuple[str, str, float]] = [
            (s, self.fonts.body, READING_SIZE) for s in cell.reading
        ]
        if cell.role in ("label", "column", "heading"):
            font, size = (self.fonts.body, LABEL_SIZE) if cell.role == "label" else (
                self.fonts.heading_for("".join(cell.lines)), LABEL_SIZE)
        elif cell.role == "mayor":
            font, size = self.fonts.body, 13.0
        elif cell.role == "text":
            font, size = self.fonts.body, 11.0
        else:
            font, size = self.fonts.body, NAME_SIZE if cell.reading else BODY_SIZE
        content.extend((s, font, size) for s in cell.lines)
        left, right = _x(cell.start), _x(cell.end)
        pad = PAD if boxed else 0.0
        room = right - left - 2 * pad
        offset = (height - len(content)) / 2
        for i, (s, f, sz) in enumerate(content):
            if not s:
                continue
            bottom = top - (offset + i + 1) * LINE
            baseline = bottom + (1.5 if sz == READING_SIZE else LINE / 2 - 0.36 * sz)
            if cell.role == "mayor":
                self.text(right - pad, baseline, s, f, sz, room=room, align="right",
                          space=2.0)
            elif cell.role == "label" and len(cell.lines) == 1 and 2 <= len(s) <= 4:
                # 均等割付: short labels spread over the width of five characters, as on forms,
                # or centred in a label cell too narrow for that.
                spread = 5 * sz
                if spread > room * 0.75:
                    self.text((left + right) / 2, baseline, s, f, sz, room=room, align="center")
                else:
                    space = max((spread - stringWidth(s, f, sz)) / (len(s) - 1), 0.0)
                    self.text(left + pad, baseline, s, f, sz, room=room, space=space)
            elif cell.align == "center":
                self.text((left + right) / 2, baseline, s, f, sz, room=room, align="center")
            elif cell.align == "right":
                self.text(right - pad, baseline, s, f, sz, room=room, align="right")
            else:
                self.text(left + pad, baseline, s, f, sz, room=room)

    def row(self, row: Row, top: float, boxed: bool) -> None:
        c = self.c
        h = row.height * LINE
        if boxed:
            for cell in row.cells:
                shade = _SHADES.get(cell.role)
                if shade is not None:
                    self.fill(shade)
                left = _x(cell.start)
                c.rect(left, top - h, _x(cell.end) - left, h, stroke=1, fill=int(shade is not None))
        for cell in row.cells:
            self.cell_text(cell, top, row.height, boxed)
            if cell.role == "mayor" and self.layout.document.official_seal is not None:
                # Stamped last, over the text, as a seal is.
                self.seals.append((_x(cell.end) + 6, top - h / 2))

    def fill(self, colour: tuple[float, float, float]) -> None:
        if colour != self.colour:
            self.c.setFillColorRGB(*colour)
            self.colour = colour

    def block(self, block: Block, top: float) -> float:
        c = self.c
        c.setLineWidth(0.5)
        top -= block.gap * LINE
        height = sum(r.height for r in block.rows) * LINE
        if block.boxed and block.side is not None:
            self.fill(SHADE)
            c.rect(_x(0), top - height, block.side_width * COLUMN, height, stroke=0, fill=1)
            self.fill(INK)
            self.text(_x(block.side_width / 2), top - height / 2 - 0.36 * 10.5, block.side,
                      self.fonts.heading_for(block.side), 10.5, room=block.side_width * COLUMN - 2,
                      align="center")
        y = top
        for row in block.rows:
            self.row(row, y, block.boxed)
            y -= row.height * LINE
        if block.boxed:
            c.setLineWidth(1.1)
            c.rect(_x(0), top - height, _x(COLUMNS) - _x(0), height, stroke=1, fill=0)
            if block.side is not None:
                c.setLineWidth(0.5)
                c.line(_x(block.side_width), top, _x(block.side_width), top - height)
        return top - height

    def seal(self, left: float, middle: float) -> None:
        """The official seal (公印): a square with its words in columns, right to left; black,
        as 標準5.6 has the electronic seal of a certificate."""
        doc = self.layout.document
        chars = list(doc.official_seal or "")
        columns = 2 if len(chars) <= 6 else 3 if len(chars) <= 9 else 4
        per_column = -(-len(chars) // columns)
        size = 46.0
        c = self.c
        c.saveState()
        c.setFillAlpha(0.85)
        c.setStrokeAlpha(0.85)
        c.setStrokeColorRGB(*SEAL_INK)
        c.setFillColorRGB(*SEAL_INK)
        bottom = middle - size / 2
        c.setLineWidth(2.2)
        c.rect(left, bottom, size, size, stroke=1, fill=0)
        c.setLineWidth(0.6)
        c.rect(left + 3, bottom + 3, size - 6, size - 6, stroke=1, fill=0)
        inner = size - 10
        glyph = min(inner / per_column, inner / columns) * 0.92
        for k in range(columns):
            column = chars[k * per_column:(k + 1) * per_column]
            cx = left + size - 5 - inner / columns * (k + 0.5)
            step = inner / len(column) if column else inner
            for j, ch in enumerate(column):
                cy = bottom + size - 5 - step * (j + 0.5)
                self.text(cx, cy - 0.36 * glyph, ch, self.fonts.body, glyph, room=inner,
                          align="center")
        self.flush()
        c.restoreState()
        self.colour = None  # whatever the restored state has

    def page(self, page: Page, qr: tuple[str, int] | None) -> None:
        self.header(page)
        top = BODY_TOP
        for block in page.blocks:
            top = self.block(block, top)
        self.footer(qr)
        self.fill(INK)
        self.flush()
        for left, middle in self.seals:
            self.seal(left, middle)
        self.seals = []


class PdfPrinter:
    """Prints certificates as PDF (A4 縦) with embedded IPAmj明朝 or IPAex (or configured) fonts."""

    media_type = "application/pdf"

    def __init__(
        self,
        signer: CertificateSigner | None = None,
        *,
        body_font: str | Path | None = None,
        heading_font: str | Path | None = None,
    ) -> None:
        self._signer = signer
        self._fonts = load_fonts(body_font, heading_font)

    def render(self, document: CertificateDocument) -> RenderedCertificate:
        layout = lay_out(document, self._fonts.can_print)
        qr = None
        if self._signer is not None:
            # The seal signs what the register says, before any substitution for the font.
            qr = qr_operators(self._signer.seal(document))
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
        canvas.setTitle(layout.document.title)
        canvas.setAuthor(layout.document.municipality)
        canvas.setSubject(serial_label(layout.document))
        canvas.setCreator("kure_juki")
        drawer = _PageDrawer(canvas, self._fonts, layout)
        for page in layout.pages:
            drawer.page(page, qr)
            canvas.showPage()
        with _binary_streams():
            canvas.save()
        content = buffer.getvalue()
        if self._signer is not None:
            content = self._signer.sign_file(content, document.serial)
        return RenderedCertificate(
            content, self.media_type, len(layout.pages), layout.substitutions
        )
