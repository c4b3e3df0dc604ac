"""Japanese TrueType fonts for the PDF printer, loaded once per process.

The default is IPAex (Debian: ``apt-get install -y fonts-ipaexfont``): Mincho for the body,
Gothic for headings. Any TrueType font can be configured instead. The fonts are embedded (as
subsets) so the PDF looks the same everywhere and its text can be extracted.

reportlab draws the .notdef box without a word for a character the font lacks, so the character
map is read here and the layout substitutes what neither font can draw.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from pathlib import Path

import attrs
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from kure_juki.domain.errors import RegistryError, problem

# IPAex明朝 and IPAexゴシック where Debian's fonts-ipaexfont puts them.
DEBIAN_BODY_FONT = Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf")
DEBIAN_HEADING_FONT = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
# Where `scripts/dev.py` puts IPAexゴシック on a machine without the Debian package (taken
# from a PyPI distribution that ships it), inside the virtual environment.
PRIVATE_FONT_DIR = Path(sys.prefix) / "share" / "kure_juki" / "fonts"


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return candidates[0]


def default_fonts() -> tuple[Path, Path]:
    """Body and heading fonts: $KURE_JUKI_BODY_FONT / $KURE_JUKI_HEADING_FONT, else IPAex from
    Debian, else the IPAexゴシック kept in the virtual environment (for both)."""
    private = PRIVATE_FONT_DIR / "ipaexg.ttf"
    heading = Path(os.environ.get("KURE_JUKI_HEADING_FONT", "")) if os.environ.get(
        "KURE_JUKI_HEADING_FONT") else _first_existing(DEBIAN_HEADING_FONT, private)
    body = Path(os.environ.get("KURE_JUKI_BODY_FONT", "")) if os.environ.get(
        "KURE_JUKI_BODY_FONT") else _first_existing(DEBIAN_BODY_FONT, heading)
    return body, heading


DEFAULT_BODY_FONT, DEFAULT_HEADING_FONT = DEBIAN_BODY_FONT, DEBIAN_HEADING_FONT

SUBSTITUTE_CHAR = "〓"


@attrs.frozen
class FontSet:
    body: str  # reportlab name of the registered body font (明朝)
    heading: str  # reportlab name of the registered heading font (ゴシック)
    printable: frozenset[int]  # code points both fonts draw

    def can_print(self, ch: str) -> bool:
        return ord(ch) in self.printable


_lock = threading.Lock()
_loaded: dict[Path, tuple[str, frozenset[int]]] = {}
_sets: dict[tuple[Path, Path], FontSet] = {}


def _register(path: Path) -> tuple[str, frozenset[int]]:
    """Register *path* with reportlab (once) and return its name and character map."""
    found = _loaded.get(path)
    if found is not None:
        return found
    if not path.is_file():
        raise RegistryError(problem("KJ-CERT-010", "font", str(path)))
    name = "KJ-" + hashlib.sha256(str(path).encode()).hexdigest()[:12]
    try:
        font = TTFont(name, str(path))
    except (TTFError, OSError) as exc:
        raise RegistryError(problem("KJ-CERT-011", "font", str(path))) from exc
    pdfmetrics.registerFont(font)
    # Glyph 0 is .notdef: a code point mapped to it is not really in the font.
    cmap = frozenset(cp for cp, glyph in font.face.charToGlyph.items() if glyph)
    _loaded[path] = (name, cmap)
    return name, cmap


def load_fonts(
    body: str | Path | None = None, heading: str | Path | None = None
) -> FontSet:
    """The fonts at *body* and *heading* (IPAex by default), registered once per process."""
    default_body, default_heading = default_fonts()
    body_path = Path(body) if body is not None else default_body
    heading_path = Path(heading) if heading is not None else default_heading
    key = (body_path, heading_path)
    with _lock:
        fonts = _sets.get(key)
        if fonts is None:
            body_name, body_map = _register(body_path)
            heading_name, heading_map = _register(heading_path)
            printable = body_map & heading_map
            if ord(SUBSTITUTE_CHAR) not in printable:
                raise RegistryError(problem("KJ-CERT-012", "font"))
            fonts = FontSet(body_name, heading_name, printable)
            _sets[key] = fonts
    return fonts
