"""The one layout both printers draw: a grid of 80 columns and fixed-height lines per page.

Wrapping, packing of short items two to a line and page breaks are decided here, once, in
display columns (a full-width character takes two), so the text and the PDF printer put the same
words on the same lines of the same pages. Each printer maps columns and line units to its own
medium: characters in a terminal, points on A4.

Characters a printer cannot show are replaced here too (代替文字, :data:`SUBSTITUTE`), recorded
and explained in the 備考 of the certificate, never dropped.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Sequence
from typing import Literal

import attrs

from kure_juki.domain.certificate_document import (
    CertificateDocument,
    Field,
    HouseholdSection,
    ImageSection,
    PersonSection,
    Section,
    TableSection,
)
from kure_juki.ports.printer import Substitution

COLUMNS = 80  # width of the grid, in half-width character cells
BODY_LINES = 46  # body lines per page, below the page header
LABEL_WIDTH = 21  # label column of a field: 9 full-width characters (住民となった年月日)
SIDE_WIDTH = 4  # the person number column on the left of each person's block
CELL_PADDING = 3  # columns of a cell not available to its text (rule and margins)

# 〓 (geta mark): the customary mark for a character that cannot be printed; IPAex has it.
SUBSTITUTE = "〓"
CLOSING_MARK = "以下余白"

Role = Literal["label", "value", "column", "heading", "text", "mayor", "image", "seal"]
Align = Literal["left", "center", "right"]

# Characters that may not begin a line (行頭禁則); they are carried with the character before.
_NO_LINE_START = frozenset(
    "、。，．・：；？！）」』】〕〉》ー々" "ぁぃぅぇぉっゃゅょァィゥェォッャュョ" ",.:;)]}!?"
)


def _is_variation_selector(ch: str) -> bool:
    cp = ord(ch)
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


@functools.cache
def char_width(ch: str) -> int:
    """Display columns of one character: CJK (and ambiguous, as in Japanese use) take two."""
    if _is_variation_selector(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1


def text_width(text: str) -> int:
    return sum(map(char_width, text))


def wrap(text: str, width: int) -> tuple[str, ...]:
    """Break *text* into lines of at most *width* columns, keeping every character."""
    if not text:
        return ("",)
    lines: list[str] = []
    line: list[str] = []
    used = 0
    for ch in text:
        w = char_width(ch)
        if line and used + w > width:
            carried: list[str] = []
            if ch in _NO_LINE_START and len(line) > 1:
                carried = [line.pop()]
            lines.append("".join(line))
            line, used = carried, sum(char_width(c) for c in carried)
        line.append(ch)
        used += w
    lines.append("".join(line))
    return tuple(lines)


@attrs.frozen
class Cell:
    start: int  # first column
    end: int  # column after the last
    lines: tuple[str, ...]
    role: Role
    reading: tuple[str, ...] = ()  # ふりがな lines, above the text
    align: Align = "left"
    image: bytes | None = attrs.field(default=None, repr=False)  # PNG, for role "image"

    @property
    def height(self) -> int:
        return len(self.reading) + len(self.lines)

    def part(self, begin: int, end: int) -> Cell:
        """The lines *begin* to *end* of this cell, counting the reading first."""
        n = len(self.reading)
        return attrs.evolve(
            self,
            reading=self.reading[begin:end],
            lines=self.lines[max(begin - n, 0):max(end - n, 0)],
        )


@attrs.frozen
class Row:
    cells: tuple[Cell, ...]
    min_height: int = 1

    @property
    def height(self) -> int:
        return max([self.min_height, *(c.height for c in self.cells)])

    def split(self, limit: int) -> list[Row]:
        """This row cut into rows of at most *limit* lines (a value longer than a page)."""
        if self.height <= limit:
            return [self]
        return [
            Row(tuple(c.part(i, i + limit) for c in self.cells), min_height=1)
            for i in range(0, self.height, limit)
        ]


@attrs.frozen
class Block:
    rows: tuple[Row, ...]
    boxed: bool  # drawn as a ruled table
    keep_together: bool  # moved whole to the next page rather than split, when it fits a page
    header_rows: int = 0  # the first rows, repeated on every page the block continues on
    side: str | None = None  # label in the left column spanning the block (person number, 備考)
    side_width: int = 0
    gap: int = 1  # blank line units above the block

    @property
    def height(self) -> int:
        return self.gap + sum(r.height for r in self.rows)


@attrs.frozen
class Page:
    number: int
    total: int
    blocks: tuple[Block, ...]

    @property
    def is_last(self) -> bool:
        return self.number == self.total

    @property
    def label(self) -> str:  # page x of y, on every page
        return f"{self.number} / {self.total}"


@attrs.frozen
class Layout:
    document: CertificateDocument  # after substitution, as printed
    pages: tuple[Page, ...]
    substitutions: tuple[Substitution, ...]


def serial_label(document: CertificateDocument, page: Page | None = None) -> str:
    """発行番号 in the standard's form (標準5.5), ending with this page and the total."""
    number = document.issue_number or document.serial
    if page is None:
        return f"発行番号 {number}"
    return f"発行番号 {number} {page.number}/{page.total}"


def spaced_title(title: str) -> str:
    """Short titles are spaced out, as on printed forms (住 民 票 の 写 し)."""
    return " ".join(title) if len(title) <= 8 else title


# ---------------------------------------------------------------------------------------------
# Substitution (代替文字)


def _code(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def substitute(
    document: CertificateDocument, can_print: Callable[[str], bool] | None
) -> tuple[CertificateDocument, tuple[Substitution, ...]]:
    """Replace what the output cannot show; note it in the 備考 when anything was replaced."""
    if can_print is None:
        return document, ()
    found: list[Substitution] = []

    def fix(where: str, text: str) -> str:
        out: list[str] = []
        for ch in text:
            if can_print(ch):
                out.append(ch)
            elif _is_variation_selector(ch) and out and can_print(out[-1] + ch):
                # A variation sequence the font draws as its own glyph (IPAmj明朝's Moji_Joho).
                out.append(ch)
            elif _is_variation_selector(ch) and out:
                # An ideographic variation selector the font cannot apply: the base character is
                # printed alone and the pair recorded, rather than a mark after a right glyph.
                found.append(Substitution(out[-1] + ch, out[-1], where))
            else:
                found.append(Substitution(ch, SUBSTITUTE, where))
                out.append(SUBSTITUTE)
        return "".join(out)

    fixed = map_texts(document, fix)
    if not found:
        return document, ()
    marked = sorted({_code(s.original[0]) for s in found if s.substitute == SUBSTITUTE})
    selectors = sorted({_code(s.original[-1]) for s in found if s.substitute != SUBSTITUTE})
    notes: list[str] = []
    if marked:
        notes.append(f"「{SUBSTITUTE}」は、印字できない文字に代えて表示しています({'、'.join(marked)})。")
    if selectors:
        notes.append(f"異体字の区別を省略して印字した文字があります({'、'.join(selectors)})。")
    return attrs.evolve(fixed, remarks=(*fixed.remarks, *notes)), tuple(found)


def map_texts(
    document: CertificateDocument, fn: Callable[[str, str], str]
) -> CertificateDocument:
    """The document with every printed string passed through ``fn(where, text)``.

    The paths are those of :meth:`CertificateDocument.texts`.
    """

    def field(base: str, f: Field) -> Field:
        return Field(
            fn(f"{base}.label", f.label),
            fn(f"{base}.value", f.value),
            None if f.reading is None else fn(f"{base}.reading", f.reading),
        )

    def section(i: int, s: Section) -> Section:
        base = f"sections[{i}]"
        heading = None if s.heading is None else fn(f"{base}.heading", s.heading)
        if isinstance(s, ImageSection):
            return ImageSection(
                label=fn(f"{base}.label", s.label),
                png=s.png,
                description=fn(f"{base}.description", s.description),
                heading=heading,
            )
        if isinstance(s, TableSection):
            return TableSection(
                columns=[fn(f"{base}.columns[{j}]", c) for j, c in enumerate(s.columns)],
                rows=[
                    [fn(f"{base}.rows[{j}][{k}]", v) for k, v in enumerate(r)]
                    for j, r in enumerate(s.rows)
                ],
                heading=heading,
            )
        fields = [field(f"{base}.fields[{j}]", f) for j, f in enumerate(s.fields)]
        return type(s)(fields=fields, heading=heading)

    return attrs.evolve(
        document,
        title=fn("title", document.title),
        issued_on=fn("issued_on", document.issued_on),
        municipality=fn("municipality", document.municipality),
        mayor_title=fn("mayor_title", document.mayor_title),
        mayor_name=fn("mayor_name", document.mayor_name),
        issue_number=fn("issue_number", document.issue_number) if document.issue_number else "",
        official_seal=(None if document.official_seal is None
                       else fn("official_seal", document.official_seal)),
        phrases=[fn(f"phrases[{i}]", p) for i, p in enumerate(document.phrases)],
        sections=[section(i, s) for i, s in enumerate(document.sections)],
        remarks=[fn(f"remarks[{i}]", r) for i, r in enumerate(document.remarks)],
        certification=fn("certification", document.certification),
    )


# ---------------------------------------------------------------------------------------------
# Blocks


def _inner(start: int, end: int) -> int:
    return max(end - start - CELL_PADDING, 1)


def _text_cell(start: int, end: int, text: str, role: Role, align: Align = "left") -> Cell:
    return Cell(start, end, wrap(text, _inner(start, end)), role, align=align)


def _field_cells(f: Field, start: int, middle: int, end: int) -> list[Cell]:
    label = _text_cell(start, middle, f.label, "label")
    reading = () if f.reading is None else wrap(f.reading, _inner(middle, end))
    value = Cell(middle, end, wrap(f.value, _inner(middle, end)), "value", reading)
    return [label, value]


# Widths of (label, value) slots when short items share a line, e.g. 生年月日｜性別｜続柄;
# the last value takes the rest of the line. The first label is as wide as on a line of its
# own, so labels stay aligned down the block.
_TEMPLATES: tuple[tuple[int, ...], ...] = (
    (LABEL_WIDTH, 19, 8, 8, 8),
    (LABEL_WIDTH, 19, 12),
)


def _fits(f: Field, label: int, value: int) -> bool:
    return (
        f.reading is None
        and text_width(f.label) <= label - CELL_PADDING
        and text_width(f.value) <= value - CELL_PADDING
    )


def _pack(fields: Sequence[Field], start: int) -> tuple[int, list[Cell]]:
    """Cells of the next line: as many of *fields* as fit one template, at least one."""
    for template in _TEMPLATES:
        n = (len(template) + 1) // 2
        if len(fields) < n:
            continue
        edges = [start]
        for w in template:
            edges.append(edges[-1] + w)
        edges.append(COLUMNS)
        if all(
            _fits(f, edges[2 * k + 1] - edges[2 * k], edges[2 * k + 2] - edges[2 * k + 1])
            for k, f in enumerate(fields[:n])
        ):
            cells = [
                c
                for k, f in enumerate(fields[:n])
                for c in _field_cells(f, edges[2 * k], edges[2 * k + 1], edges[2 * k + 2])
            ]
            return n, cells
    return 1, _field_cells(fields[0], start, start + LABEL_WIDTH, COLUMNS)


def _field_rows(fields: Sequence[Field], start: int) -> list[Row]:
    rows: list[Row] = []
    i = 0
    while i < len(fields):
        n, cells = _pack(fields[i:], start)
        rows.append(Row(tuple(cells)))
        i += n
    return rows


def _heading_row(text: str, start: int = 0) -> Row:
    return Row((_text_cell(start, COLUMNS, text, "heading"),))


def _column_widths(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    natural = [
        max([text_width(c), *(text_width(r[k]) for r in rows)]) + CELL_PADDING
        for k, c in enumerate(columns)
    ]
    floor = [min(n, max(text_width(c) + CELL_PADDING, 8)) for n, c in zip(natural, columns,
                                                                             strict=True)]
    widths = list(natural)
    while sum(widths) > COLUMNS:
        k = max(range(len(widths)), key=lambda j: widths[j] - floor[j])
        if widths[k] <= floor[k]:
            return [COLUMNS // len(columns)] * (len(columns) - 1) + [
                COLUMNS - COLUMNS // len(columns) * (len(columns) - 1)
            ]
        widths[k] -= 1
    widths[-1] += COLUMNS - sum(widths)  # the last column (内容) takes what is left
    return widths


def _table_block(s: TableSection) -> Block:
    widths = _column_widths(s.columns, s.rows)
    edges = [sum(widths[:k]) for k in range(len(widths) + 1)]
    header: list[Row] = []
    if s.heading is not None:
        header.append(_heading_row(s.heading))
    header.append(
        Row(
            tuple(
                _text_cell(edges[k], edges[k + 1], c, "column", "center")
                for k, c in enumerate(s.columns)
            )
        )
    )
    body = [
        Row(tuple(_text_cell(edges[k], edges[k + 1], v, "value") for k, v in enumerate(r)))
        for r in s.rows
    ]
    return Block((*header, *body), boxed=True, keep_together=False, header_rows=len(header))


IMAGE_LINES = 7  # height of an image box (印影: 98 pt, room for a 25 mm seal)


def _image_block(s: ImageSection) -> Block:
    rows: list[Row] = []
    if s.heading is not None:
        rows.append(_heading_row(s.heading))
    value_start = LABEL_WIDTH
    image = Cell(value_start, COLUMNS, wrap(s.description, _inner(value_start, COLUMNS)),
                 "image", image=s.png)
    rows.append(Row((_text_cell(0, LABEL_WIDTH, s.label, "label"), image),
                    min_height=IMAGE_LINES))
    return Block(tuple(rows), boxed=True, keep_together=True)


def section_blocks(document: CertificateDocument) -> list[Block]:
    blocks: list[Block] = []
    person = 0
    for s in document.sections:
        if isinstance(s, TableSection):
            blocks.append(_table_block(s))
            continue
        if isinstance(s, ImageSection):
            blocks.append(_image_block(s))
            continue
        start = SIDE_WIDTH if isinstance(s, PersonSection) else 0
        rows: list[Row] = []
        if s.heading is not None:
            rows.append(_heading_row(s.heading, start))
        rows.extend(_field_rows(s.fields, start))
        if not rows:
            rows.append(Row((Cell(start, COLUMNS, ("",), "value"),)))
        if isinstance(s, HouseholdSection):
            blocks.append(Block(tuple(rows), boxed=True, keep_together=True))
        else:
            person += 1
            blocks.append(
                Block(tuple(rows), boxed=True, keep_together=True, side=str(person),
                      side_width=SIDE_WIDTH)
            )
    if document.remarks:
        rows = [Row((_text_cell(SIDE_WIDTH, COLUMNS, r, "value"),)) for r in document.remarks]
        blocks.append(
            Block(tuple(rows), boxed=True, keep_together=False, side="備考", side_width=SIDE_WIDTH)
        )
    return blocks


def closing_block(document: CertificateDocument) -> Block:
    """以下余白, the certification text, the date and the mayor: the last page only."""
    rows = [
        Row((Cell(0, COLUMNS, (CLOSING_MARK,), "text", align="right"),)),
        Row((), min_height=1),
        Row((_text_cell(4, COLUMNS - 4, document.certification, "text"),)),
        Row((_text_cell(8, COLUMNS // 2, document.issued_on, "text"),)),
        Row(
            (_text_cell(4, COLUMNS - 10,
                        f"{document.mayor_title}　{document.mayor_name}".rstrip("　"),
                        "mayor", "right"),),
            min_height=2,  # room for the official seal (公印) beside the name
        ),
        # The seal's words, for a printer that cannot stamp it (the PDF draws the seal).
        *(Row((_text_cell(COLUMNS // 2 - 6, COLUMNS - 10, f"［{document.official_seal}］",
                          "seal", "right"),))
          for _ in ([document.official_seal] if document.official_seal else [])),
        # 固定文言 (標準5.6: 公印省略, この印は黒色です …), under the certifier.
        *(Row((_text_cell(COLUMNS // 2 - 6, COLUMNS - 10, p, "text", "right"),))
          for p in document.phrases),
    ]
    return Block(tuple(rows), boxed=False, keep_together=True)


# ---------------------------------------------------------------------------------------------
# Pages


def paginate(
    blocks: Sequence[Block], closing: Block, capacity: int = BODY_LINES
) -> list[list[Block]]:
    """Blocks onto pages of *capacity* lines; the closing block ends the last page."""
    pages: list[list[Block]] = [[]]
    used = 0

    def new_page() -> None:
        nonlocal used
        pages.append([])
        used = 0

    def place(b: Block) -> None:
        nonlocal used
        if pages[-1] and used + b.height > capacity:
            new_page()
        pages[-1].append(b)
        used += b.height

    for block in blocks:
        if used + block.height <= capacity or (block.keep_together and block.height <= capacity):
            place(block)
            continue
        # Split between rows; a table's heading rows are repeated on each page it continues on,
        # and a value longer than a page is cut between its lines.
        header = block.rows[: block.header_rows]
        empty = block.gap + sum(r.height for r in header)
        body = [
            part
            for r in block.rows[block.header_rows:]
            for part in r.split(max(capacity - empty, 1))
        ]
        if pages[-1] and body and used + empty + body[0].height > capacity:
            new_page()
        part: list[Row] = []
        height = empty
        for row in body:
            if part and used + height + row.height > capacity:
                pages[-1].append(attrs.evolve(block, rows=(*header, *part)))
                new_page()
                part, height = [], empty
            part.append(row)
            height += row.height
        pages[-1].append(attrs.evolve(block, rows=(*header, *part)))
        used += height
    place(closing)
    return pages


def lay_out(
    document: CertificateDocument, can_print: Callable[[str], bool] | None = None
) -> Layout:
    printed, substitutions = substitute(document, can_print)
    pages = paginate(section_blocks(printed), closing_block(printed))
    total = len(pages)
    return Layout(
        document=printed,
        pages=tuple(Page(i + 1, total, tuple(p)) for i, p in enumerate(pages)),
        substitutions=substitutions,
    )
