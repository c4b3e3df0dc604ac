"""A reportlab TrueType font that draws ideographic variation sequences and extracts back exactly.

reportlab (5.1) has two faults for a register of names, both fixed here by subclassing its
``TTFont`` rather than post-processing the saved file, because the subclass sees the code point
behind every glyph as it is drawn, where a post-processor would have to parse the PDF again:

- the ToUnicode map of each subset font is written as ``"<%02X> <%04X>"``, so a character outside
  the Basic Multilingual Plane (𡈽 U+2123D) becomes the five-digit ``<2123D>`` instead of the
  UTF-16 surrogate pair ``<D844DE3D>``; pypdf then drops it and pdftotext prints another
  character. The map is written here in UTF-16BE, as the PDF reference (9.10.3) requires.
- a variation sequence (葛 U+845B followed by the Moji_Joho selector U+E0103) is drawn as two
  characters: the base glyph and .notdef, the font's format-14 cmap never read. Here each
  sequence the font lists in that cmap (read with fontTools) gets a key of its own beyond the
  last Unicode code point, mapped to the variant glyph and its width, and written in the
  ToUnicode map as both code points, so the text extracts as registered, selector included.
"""

from __future__ import annotations

from collections.abc import Iterator

from fontTools.ttLib import TTFont as FontToolsFont
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont, TTFontFace

# Keys for variation sequences start past U+10FFFF, so no character can ever collide with one.
_SEQUENCE_BASE = 0x110000


def is_variation_selector(cp: int) -> bool:
    # VS1–16 (U+FE00–FE0F) and the ideographic VS17–256 (U+E0100–E01EF) of the IVD.
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def to_unicode_cmap(fontname: str, codes: list[int], sequences: dict[int, str]) -> str:
    """The ToUnicode CMap of one subset: byte *i* stands for ``codes[i]`` (or its sequence)."""
    entries = [
        f"<{i:02X}> <{_utf16_hex(sequences.get(code) or chr(code))}>"
        for i, code in enumerate(codes)
    ]
    return "\n".join([
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(codes) - 1:02X}>",
        "endcodespacerange",
        f"{len(codes)} beginbfchar",
        *entries,
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ])


def _variation_glyphs(path: str) -> dict[tuple[int, int], tuple[int, float]]:
    """(base, selector) → glyph index and advance width (per 1000 em), from the font's format-14
    cmap (none if it has none)."""
    font = FontToolsFont(path, lazy=True)
    try:
        found: dict[tuple[int, int], tuple[int, float]] = {}
        best = font.getBestCmap() or {}
        metrics = font["hmtx"]
        scale = 1000.0 / font["head"].unitsPerEm
        for table in font["cmap"].tables:
            if table.format != 14:
                continue
            for selector, pairs in table.uvsDict.items():
                for base, glyph_name in pairs:
                    # No glyph name: the default variant, the glyph the base maps to alone.
                    name = glyph_name if glyph_name is not None else best.get(base)
                    if name is not None:
                        found[(base, selector)] = (font.getGlyphID(name), metrics[name][0] * scale)
        return found
    finally:
        font.close()


class _TableSlices:
    """A font table read a piece at a time, without copying the whole table first."""

    def __init__(self, data: bytes, start: int, length: int) -> None:
        self._view = memoryview(data)[start:start + length]

    def __getitem__(self, where: slice) -> bytes:
        return bytes(self._view[where])


class _LeanFace(TTFontFace):  # type: ignore[misc]  # reportlab ships no type information
    """reportlab's face, except that making a subset no longer copies the glyph table.

    reportlab copies the whole ``glyf`` (and ``post``) table for each subset font it writes,
    only to take a few glyphs from it: 45 MB of IPAmj明朝 per subset, which made a certificate
    more than twice as slow as in IPAex. Those two tables are only ever sliced, so a view does.
    """

    def get_table(self, tag: str) -> bytes | _TableSlices:
        if tag in ("glyf", "post"):
            start, length = self.get_table_pos(tag)
            return _TableSlices(self._ttf_data, start, length)
        return bytes(super().get_table(tag))


class SequenceTTFont(TTFont):  # type: ignore[misc]  # reportlab ships no type information
    """reportlab's embedded TrueType font, with variation sequences and a UTF-16 ToUnicode map."""

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        # reportlab makes its face inside TTFont.__init__, with no way to choose its class.
        self.face.__class__ = _LeanFace
        face = self.face
        # What the font draws for a single character, taken before any sequence key is added.
        self.characters: frozenset[int] = frozenset(
            cp for cp, glyph in face.charToGlyph.items() if glyph)
        self.sequence_keys: dict[tuple[int, int], int] = {}
        self.sequence_text: dict[int, str] = {}
        variants = sorted(_variation_glyphs(filename).items())
        for n, ((base, selector), (glyph, width)) in enumerate(variants):
            if not glyph:
                continue
            key = _SEQUENCE_BASE + n
            self.sequence_keys[(base, selector)] = key
            self.sequence_text[key] = chr(base) + chr(selector)
            face.charToGlyph[key] = glyph
            face.charWidths[key] = width

    def can_draw(self, text: str) -> bool:
        """Whether every character and variation sequence of *text* has its own glyph here."""
        previous = -1
        for cp in map(ord, text):
            if is_variation_selector(cp):
                if (previous, cp) not in self.sequence_keys:
                    return False
            elif cp not in self.characters:
                return False
            previous = cp
        return True

    def keys(self, text: str) -> Iterator[int]:
        """The glyph keys *text* is drawn with: a code point, or a sequence's key.

        A selector the font has no sequence for is not drawn: the layout has already printed
        the base alone and said so in the 備考 (代替文字), so it is skipped rather than drawn as
        the .notdef box.
        """
        pending: int | None = None
        for cp in map(ord, text):
            if is_variation_selector(cp):
                if pending is not None:
                    key = self.sequence_keys.get((pending, cp))
                    if key is not None:
                        pending = key
                continue
            if pending is not None:
                yield pending
            pending = 32 if cp == 0xA0 else cp  # as reportlab: a no-break space is a space
        if pending is not None:
            yield pending

    def stringWidth(self, text: str, size: float, encoding: str = "utf8") -> float:
        widths = self.face.charWidths
        default = self.face.defaultWidth
        return 0.001 * size * float(sum(widths.get(k, default) for k in self.keys(text)))

    def splitString(
        self, text: str, doc: object, encoding: str = "utf-8"
    ) -> list[tuple[int, bytes]]:
        """*text* as runs of (subset, bytes), assigning each new glyph key its subset byte.

        The same assignment as reportlab's own, over glyph keys instead of code points.
        """
        state = self._assignState(doc)
        skip31 = 31 if self._asciiReadable and state.nextCode < 32 else -256
        char_to_glyph = self.face.charToGlyph
        assignments: dict[int, int] = state.assignments
        subsets: list[list[int]] = state.subsets
        results: list[tuple[int, bytes]] = []
        current_set, current = -1, bytearray()
        for code in self.keys(text):
            n = assignments.get(code)
            if n is None:
                if code not in char_to_glyph:
                    n = 0
                else:
                    if state.frozen:
                        raise pdfdoc.PDFError(
                            f"Font {self.fontName} is already frozen, cannot add U+{code:04X}")
                    n = state.nextCode
                    if n & 0xFF == 32:  # byte 32 of every subset stays a space (word spacing)
                        if n != 32:
                            subsets[n >> 8].append(32)
                        state.nextCode += 1
                        n = state.nextCode
                    if n > 32:
                        if not n & 0xFF:
                            subsets.append([0])  # byte 0 of every subset is .notdef
                            state.nextCode += 1
                            n = state.nextCode
                        subsets[n >> 8].append(code)
                    else:
                        if n == skip31:
                            state.nextCode = 127
                        subsets[0][n] = code
                    state.nextCode += 1
                    assignments[code] = n
            if n >> 8 != current_set:
                if current:
                    results.append((current_set, bytes(current)))
                current_set, current = n >> 8, bytearray()
            current.append(n & 0xFF)
        if current:
            results.append((current_set, bytes(current)))
        return results

    def addObjects(self, doc: pdfdoc.PDFDocument) -> None:
        """reportlab's own, with the ToUnicode map of :func:`to_unicode_cmap`."""
        state = self._assignState(doc)
        state.frozen = 1
        for n, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(n, doc)[1:]
            base_font_name = b"".join(
                (SUBSETN(n), b"+", self.face.name, self.face.subfontNameX)).decode("pdfdoc")
            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.__Comment__ = f"Font {self.fontName} subset {n}"
            pdf_font.Name = internal_name
            pdf_font.BaseFont = base_font_name
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = pdfdoc.PDFArray(list(map(self.face.getCharWidth, subset)))
            cmap_stream = pdfdoc.PDFStream()
            cmap_stream.content = to_unicode_cmap(base_font_name, subset, self.sequence_text)
            if doc.compression:
                cmap_stream.filters = [pdfdoc.PDFZCompress]
            pdf_font.ToUnicode = doc.Reference(cmap_stream, "toUnicodeCMap:" + base_font_name)
            pdf_font.FontDescriptor = self.face.addSubsetObjects(doc, base_font_name, subset)
            doc.Reference(pdf_font, internal_name)
            doc.idToObject["BasicFonts"].dict[internal_name] = pdf_font
        del self.state[doc]
