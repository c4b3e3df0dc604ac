"""The text printer: a certificate as UTF-8 text, for terminals and tests.

Same layout as the PDF (:mod:`.layout`): the same lines on the same pages, each page headed by
the title, the municipality, the serial and "x / y", pages separated by a form feed, the
certification text on the last page only. UTF-8 shows every character, so nothing is
substituted. With a signer the file ends with its signature line.
"""

from __future__ import annotations

from kure_juki.adapters.printing.layout import (
    COLUMNS,
    Block,
    Cell,
    Layout,
    Page,
    Row,
    lay_out,
    serial_label,
    spaced_title,
    text_width,
)
from kure_juki.adapters.printing.signing import CertificateSigner
from kure_juki.domain.certificate_document import CertificateDocument
from kure_juki.ports.printer import RenderedCertificate

PAGE_BREAK = "\f"


def _line(segments: list[tuple[int, str]]) -> str:
    out: list[str] = []
    at = 0
    for column, text in sorted(segments, key=lambda s: s[0]):
        if column > at:
            out.append(" " * (column - at))
            at = column
        elif at and column < at:  # an overlong value: keep it, one space apart
            out.append(" ")
            at += 1
        out.append(text)
        at += text_width(text)
    return "".join(out).rstrip()


def _place(cell: Cell, text: str, boxed: bool) -> int:
    if boxed:
        left, right = cell.start + 2, cell.end - 1
    else:
        left, right = cell.start, cell.end
    if cell.align == "center":
        return left + max((right - left - text_width(text)) // 2, 0)
    if cell.align == "right":
        return max(right - text_width(text), left)
    return left


def _row_lines(row: Row, block: Block, side: str | None) -> list[str]:
    height = row.height
    grid: list[list[tuple[int, str]]] = [[] for _ in range(height)]
    if side is not None:
        grid[0].append((1, side))
    for cell in row.cells:
        content = [*cell.reading, *cell.lines]
        # Labels sit beside the name rather than beside its ふりがな.
        top = (height - len(content) + 1) // 2
        for i, text in enumerate(content):
            grid[top + i].append((_place(cell, text, block.boxed), text))
        if block.boxed and cell.start > 0:
            for line in grid:
                line.append((cell.start, "|"))
    return [_line(segments) for segments in grid]


def _block_lines(block: Block, after_box: bool) -> list[str]:
    rule = "-" * COLUMNS if block.boxed or after_box else ""
    lines = [rule] + [""] * (block.gap - 1)
    for i, row in enumerate(block.rows):
        lines.extend(_row_lines(row, block, block.side if i == 0 else None))
    return lines


def page_header(layout: Layout, page: Page) -> list[str]:
    doc = layout.document
    title = spaced_title(doc.title)
    right = serial_label(doc, page)
    return [
        _line([((COLUMNS - text_width(title)) // 2, title)]),
        _line([(0, doc.municipality), (COLUMNS - text_width(right), right)]),
        "=" * COLUMNS,
    ]


def render_text(layout: Layout) -> str:
    pages: list[str] = []
    for page in layout.pages:
        lines = page_header(layout, page)
        after_box = False
        for block in page.blocks:
            lines.extend(_block_lines(block, after_box))
            after_box = block.boxed
        pages.append("\n".join(lines) + "\n")
    return PAGE_BREAK.join(pages)


class TextPrinter:
    """Prints certificates as UTF-8 text (端末・試験用)."""

    media_type = "text/plain; charset=utf-8"

    def __init__(self, signer: CertificateSigner | None = None) -> None:
        self._signer = signer

    def render(self, document: CertificateDocument) -> RenderedCertificate:
        layout = lay_out(document)
        content = render_text(layout).encode("utf-8")
        if self._signer is not None:
            content = self._signer.sign_file(content, document.serial)
        return RenderedCertificate(content, self.media_type, len(layout.pages), ())
