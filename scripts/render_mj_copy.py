"""Render `docs/images/juminhyo-mj.png`: a 住民票の写し of a synthetic household whose names
need the MJ characters, issued through the public API and drawn with pdftoppm.

    .venv/bin/python scripts/render_mj_copy.py [OUT.png]

Needs IPAmj明朝 (Debian `fonts-ipamj-mincho`) and poppler-utils; the register is in memory.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import kure_juki as kj
from kure_juki.adapters.printing.fonts import default_fonts
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-passphrase"
KATSURAGI = "{MJ022340}城"  # 葛 with 人 inside: U+845B U+E0104


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "images" / "juminhyo-mj.png"
    body, _ = default_fonts()
    if "ipamj" not in body.name:
        sys.exit(f"IPAmj明朝 is not installed (body font {body}): "
                 "apt-get install fonts-ipamj-mincho")
    clock = SettableClock("2026-11-26T10:00:00+09:00")
    reg = kj.open_registry("memory://", municipality_code="342025", clock=clock)
    reg.bootstrap_admin("admin", PASSWORD)
    s = reg.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")
    reg.configure_certificates(mayor_name="架空　太郎")
    members = [
        person(family_name=KATSURAGI, given_name="{MJ032129}男", family_name_kana="かつらぎ",
               given_name_kana="よしお", birth_date="1975-04-01"),
        person(family_name=KATSURAGI, given_name="𩸽子", family_name_kana="かつらぎ",
               given_name_kana="ほっけこ", birth_date="1977-10-12", sex="female",
               relationship="妻"),
        person(family_name=KATSURAGI, given_name="𠮟", family_name_kana="かつらぎ",
               given_name_kana="しかる", birth_date="2013-06-03", sex="female",
               relationship="子"),
        person(family_name="髙﨑", given_name="𡈽", family_name_kana="たかさき",
               given_name_kana="はに", birth_date="2010-01-31", relationship="同居人"),
    ]
    receipt = s.submit(move_in(members, address="広島県呉市𡈽ケ丘九丁目99番99号"))
    cert = s.issue_certificate("juminhyo", household_id=receipt.household_id,
                               include=("relationship",), format="pdf")
    assert not cert.substitutions, cert.substitutions
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "copy.pdf"
        pdf.write_bytes(cert.content)
        subprocess.run(["pdftoppm", "-png", "-r", "90", "-singlefile", str(pdf),
                        str(Path(tmp) / "page")], check=True)
        out.write_bytes((Path(tmp) / "page.png").read_bytes())
    reg.close()
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
