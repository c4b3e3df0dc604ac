"""Japanese TrueType fonts for the PDF printer, loaded once per process.

The body font is IPAmj明朝 when it is installed (Debian: ``apt-get install -y
fonts-ipamj-mincho``): it draws every 行政事務標準文字 (MJ) character, with the Moji_Joho variation
sequences of the 文字情報基盤 (標準2.2.3, 7.2.3), so a name prints as registered. Without it the
body is IPAex明朝 (``fonts-ipaexfont``), which lacks characters such as 𠮷 U+20BB7. Headings
are IPAexゴシック. Any TrueType font can be configured instead (``KURE_JUKI_BODY_FONT``,
``KURE_JUKI_HEADING_FONT``, or the printer's arguments). The fonts are embedded (as subsets)
so the PDF looks the same everywhere and its text can be extracted (:mod:`.truetype`).

reportlab draws the .notdef box without a word for a character the font lacks, so the character
map is read here and the layout substitutes what the body font cannot draw. A heading string
the heading font cannot draw whole is drawn in the body font instead.
"""

from __future__ import annotations

import hashlib
import os
import struct
import sys
import threading
from pathlib import Path

import attrs
from fontTools.ttLib import TTLibError
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError

from kure_juki.adapters.printing.truetype import SequenceTTFont, is_variation_selector
from kure_juki.domain.errors import RegistryError, problem

# IPAex明朝 and IPAexゴシック where Debian's fonts-ipaexfont puts them.
DEBIAN_BODY_FONT = Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf")
DEBIAN_HEADING_FONT = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
# IPAmj明朝 where Debian's fonts-ipamj-mincho puts it.
DEBIAN_MJ_FONT = Path("/usr/share/fonts/truetype/ipamj/ipamjm.ttf")
# Where `scripts/dev.py` puts IPAexゴシック on a machine without the Debian package (taken
# from a PyPI distribution that ships it), inside the virtual environment.
PRIVATE_FONT_DIR = Path(sys.prefix) / "share" / "kure_juki" / "fonts"


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return candidates[0]


def default_fonts() -> tuple[Path, Path]:
    """Body and heading fonts: $KURE_JUKI_BODY_FONT / $KURE_JUKI_HEADING_FONT, else IPAmj明朝
    (body) and IPAex from Debian, else the IPAexゴシック kept in the virtual environment."""
    private = PRIVATE_FONT_DIR / "ipaexg.ttf"
    heading = Path(os.environ.get("KURE_JUKI_HEADING_FONT", "")) if os.environ.get(
        "KURE_JUKI_HEADING_FONT") else _first_existing(DEBIAN_HEADING_FONT, private)
    body = Path(os.environ.get("KURE_JUKI_BODY_FONT", "")) if os.environ.get(
        "KURE_JUKI_BODY_FONT") else _first_existing(
        DEBIAN_MJ_FONT, DEBIAN_BODY_FONT, heading)
    return body, heading


# IPAex's paths under their first names: what a caller asks for to print in IPAex even where
# IPAmj明朝 is installed (the body font is then IPAmj by default, see default_fonts).
DEFAULT_BODY_FONT, DEFAULT_HEADING_FONT = DEBIAN_BODY_FONT, DEBIAN_HEADING_FONT

SUBSTITUTE_CHAR = "〓"


@attrs.frozen
class FontSet:
    body: str  # reportlab name of the registered body font (明朝)
    heading: str  # reportlab name of the registered heading font (ゴシック)
    printable: frozenset[int]  # code points the body font draws
    # (base, selector) pairs the body font draws as their own variant glyph (cmap format 14)
    sequences: frozenset[tuple[int, int]] = frozenset()
    heading_font: SequenceTTFont | None = attrs.field(default=None, eq=False, repr=False)

    def can_print(self, ch: str) -> bool:
        """Whether the body font draws *ch*: one character, or a base and its selector."""
        if len(ch) == 2 and is_variation_selector(ord(ch[1])):
            return (ord(ch[0]), ord(ch[1])) in self.sequences
        return len(ch) == 1 and ord(ch) in self.printable

    def heading_for(self, text: str) -> str:
        """The heading font, or the body font when the heading font lacks part of *text*."""
        if self.heading_font is None or self.heading_font.can_draw(text):
            return self.heading
        return self.body


_lock = threading.Lock()
_loaded: dict[Path, SequenceTTFont] = {}
_sets: dict[tuple[Path, Path], FontSet] = {}


def _register(path: Path) -> SequenceTTFont:
    """Register *path* with reportlab (once) and return the font."""
    found = _loaded.get(path)
    if found is not None:
        return found
    if not path.is_file():
        raise RegistryError(problem("KJ-CERT-010", "font", str(path)))
    name = "KJ-" + hashlib.sha256(str(path).encode()).hexdigest()[:12]
    try:
        font = SequenceTTFont(name, str(path))
    except (TTFError, TTLibError, OSError, ValueError, KeyError, struct.error) as exc:
        # fontTools reports a damaged table as one of these; reportlab as TTFError.
        raise RegistryError(problem("KJ-CERT-011", "font", str(path))) from exc
    pdfmetrics.registerFont(font)
    _loaded[path] = font
    return font


def load_fonts(
    body: str | Path | None = None, heading: str | Path | None = None
) -> FontSet:
    """The fonts at *body* and *heading* (:func:`default_fonts`), registered once per process."""
    default_body, default_heading = default_fonts()
    body_path = Path(body) if body is not None else default_body
    heading_path = Path(heading) if heading is not None else default_heading
    key = (body_path, heading_path)
    with _lock:
        fonts = _sets.get(key)
        if fonts is None:
            body_font = _register(body_path)
            heading_font = _register(heading_path)
            if ord(SUBSTITUTE_CHAR) not in body_font.characters:
                raise RegistryError(problem("KJ-CERT-012", "font"))
            fonts = FontSet(
                body_font.fontName,
                heading_font.fontName,
                body_font.characters,
                frozenset(body_font.sequence_keys),
                heading_font,
            )
            _sets[key] = fonts
    return fonts
