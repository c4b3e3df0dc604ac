"""MJ characters from intake to the printed 住民票の写し, through the public API on every store.

Residents are moved in with names carrying a Moji_Joho variation sequence (葛󠄃: U+845B U+E0103),
髙 and 﨑, and characters outside the BMP (𠮷 𡈽 𩸽); the copy issued with
``Session.issue_certificate(..., format="pdf")`` in IPAmj明朝 has no 〓 and extracts the
registered code points with pypdf and pdftotext. In IPAex only, 𠮷 becomes 〓 with the 備考
note and 𡈽 still extracts exactly. Synthetic names only.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pypdf
import pytest

import kure_juki as kj
from kure_juki.adapters.printing.fonts import DEFAULT_BODY_FONT
from kure_juki.ports.printer import Substitution
from kure_juki.service.registry_certificates import configure_certificates
from kure_juki.testing.factories import move_in, person
from kure_juki.testing.fonts import require_mj_font

pytestmark = pytest.mark.skipif(
    not DEFAULT_BODY_FONT.is_file() or shutil.which("pdftotext") is None,
    reason="needs fonts-ipaexfont and poppler-utils (installed by .ci/run)",
)

# (family, given, family kana, given kana)
NAMES = [
    ("葛\U000e0103西", "太郎", "くずにし", "たろう"),
    ("髙﨑", "𠮷男", "たかさき", "よしお"),
    ("𡈽屋", "𩸽子", "つちや", "ほっけこ"),
]


def mj_household(clerk: kj.Session) -> kj.Receipt:
    persons: list[dict[str, Any]] = []
    for i, (family, given, family_kana, given_kana) in enumerate(NAMES):
        p = person(relationship="世帯主" if i == 0 else "子",
                   birth_date="1980-04-01" if i == 0 else f"20{10 + i:02d}-05-01", given=i)
        p.update(family_name=family, given_name=given, family_name_kana=family_kana,
                 given_name_kana=given_kana, domicile_head=f"{NAMES[0][0]}　{NAMES[0][1]}")
        persons.append(p)
    return clerk.submit(move_in(persons))


def extracted(content: bytes) -> tuple[str, str]:
    reader = pypdf.PdfReader(io.BytesIO(content), strict=True)
    by_pypdf = "\n".join(page.extract_text() for page in reader.pages)
    done = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=content,
                          capture_output=True, check=True)
    return by_pypdf, done.stdout.decode("utf-8")


def issue(clerk: kj.Session, registry: kj.Registry, font: Path) -> tuple[kj.Receipt, Any]:
    configure_certificates(registry, body_font=font)
    r = mj_household(clerk)
    cert = clerk.issue_certificate("juminhyo", household_id=r.household_id, format="pdf")
    return r, cert


def test_mj_names_print_in_ipamj_and_extract_as_registered(
    clerk: kj.Session, registry: kj.Registry
) -> None:
    r, cert = issue(clerk, registry, require_mj_font())
    for rid, (family, given, _, _) in zip(r.resident_ids, NAMES, strict=True):
        stored = clerk.resident(rid)
        assert (stored["family_name"], stored["given_name"]) == (family, given)
    assert cert.substitutions == ()
    by_pypdf, by_poppler = extracted(cert.content)
    assert "〓" not in by_pypdf and "〓" not in by_poppler
    for family, given, _, _ in NAMES:
        assert f"{family}　{given}" in by_pypdf, ascii(family + given)
        assert family in by_poppler and given in by_poppler, ascii(family + given)


def test_in_ipaex_only_what_it_lacks_is_substituted_and_noted(
    clerk: kj.Session, registry: kj.Registry
) -> None:
    _, cert = issue(clerk, registry, DEFAULT_BODY_FONT)
    originals = {s.original for s in cert.substitutions}
    assert "𠮷" in originals and "葛\U000e0103" in originals
    assert all(isinstance(s, Substitution) for s in cert.substitutions)
    by_pypdf, by_poppler = extracted(cert.content)
    assert "髙﨑　〓男" in by_pypdf and "𡈽屋　𩸽子" in by_pypdf
    assert "𡈽屋" in by_poppler and "𩸽子" in by_poppler
    assert "「〓」は、印字できない文字に代えて表示しています(U+20BB7)。" in by_pypdf
    assert "(U+E0103)" in by_pypdf
