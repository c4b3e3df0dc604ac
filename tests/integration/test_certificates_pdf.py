"""Issued certificates as files: a real PDF with extractable Japanese text, rendered by pdftoppm,
pages numbered, and an Ed25519 signature that no changed byte survives — checked by the
registry and by the offline command with the published keys alone.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import kure_juki as kj
from kure_juki.adapters.printing.fonts import DEFAULT_BODY_FONT
from kure_juki.cli_certificates import (
    export_public_keys_command,
    load_public_keys,
    main,
    verify_certificate_command,
)
from kure_juki.service.registry_certificates import verify_certificate_result
from kure_juki.testing.factories import move_in, person

pytestmark = pytest.mark.skipif(
    not DEFAULT_BODY_FONT.is_file() or shutil.which("pdftoppm") is None,
    reason="needs fonts-ipaexfont and poppler-utils (installed by .ci/run)",
)

FLIP = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def household(clerk: kj.Session, members: int = 2) -> kj.Receipt:
    persons = [person()] + [
        person(relationship="子", birth_date=f"20{10 + i:02d}-0{1 + i % 9}-15", given=i)
        for i in range(members - 1)
    ]
    return clerk.submit(move_in(persons))


def pdf_text(content: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(content), strict=True)
    return [page.extract_text() for page in reader.pages]


def rendered_page(content: bytes, tmp_path: Path, page: int = 1) -> Image.Image:
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "50", "-gray", "-png", "-f", str(page), "-l", str(page),
                    str(pdf), str(tmp_path / "page")], check=True, capture_output=True)
    (png,) = sorted(tmp_path.glob("page-*.png"))
    return Image.open(png).convert("L")


def test_pdf_is_real_and_its_japanese_text_extractable(
    clerk: kj.Session, tmp_path: Path
) -> None:
    r = household(clerk)
    head = clerk.resident(r.resident_ids[0])
    cert = clerk.issue_certificate("juminhyo", household_id=r.household_id, format="pdf")
    assert cert.media_type == "application/pdf" and cert.content.startswith(b"%PDF-")
    (text,) = pdf_text(cert.content)
    assert f"{head['family_name']}　{head['given_name']}" in text
    assert "広島県呉市長" in text and "令和8年11月26日" in text and cert.issue_number in text
    assert f"{cert.issue_number} 1/1" in text  # 標準5.5: 発行番号 with page/pages
    assert head["my_number"] not in text and head["resident_code"] not in text
    image = rendered_page(cert.content, tmp_path)
    histogram = image.histogram()
    dark = sum(histogram[:128])
    assert 0.005 < dark / (image.width * image.height) < 0.5  # ink on paper, not blank


def test_my_number_in_the_pdf_when_asked_for(clerk: kj.Session) -> None:
    r = household(clerk)
    head = clerk.resident(r.resident_ids[0])
    cert = clerk.issue_certificate("juminhyo", resident_ids=[head["resident_id"]],
                                   include=("my_number",), format="pdf")
    assert head["my_number"] in pdf_text(cert.content)[0]


def test_pages_are_numbered_and_certified_on_the_last_only(clerk: kj.Session) -> None:
    r = household(clerk, members=7)
    cert = clerk.issue_certificate("juminhyo", household_id=r.household_id, with_history=True)
    pages = cert.content.decode("utf-8").split("\f")
    assert cert.pages == len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"{cert.issue_number} {number}/{len(pages)}" in page  # 標準5.5
        assert ("相違ないことを証明する" in page) == (number == len(pages))
    pdf = clerk.issue_certificate("juminhyo", household_id=r.household_id, with_history=True,
                                  format="pdf")
    texts = pdf_text(pdf.content)
    assert pdf.pages == len(texts) == len(pages)
    assert ["相違ないことを証明する" in t for t in texts] == [False] * (len(texts) - 1) + [True]


@pytest.mark.parametrize("fmt", ["text", "pdf"])
def test_any_changed_byte_fails_verification(
    registry: kj.Registry, clerk: kj.Session, fmt: str
) -> None:
    r = household(clerk)
    content = clerk.issue_certificate("juminhyo", household_id=r.household_id,
                                      format=fmt).content
    assert registry.verify_certificate(content)

    @FLIP
    @given(position=st.integers(0, len(content) - 1), mask=st.integers(1, 255))
    def flipped(position: int, mask: int) -> None:
        changed = bytearray(content)
        changed[position] ^= mask
        assert not registry.verify_certificate(bytes(changed))

    flipped()
    assert not registry.verify_certificate(content[:-1])
    assert not registry.verify_certificate(content + b"\n")
    assert not registry.verify_certificate(b"%PDF-1.4\n" + content)


def test_signed_file_must_match_the_issuance_record(
    registry: kj.Registry, clerk: kj.Session
) -> None:
    r = household(clerk)
    cert = clerk.issue_certificate("juminhyo", resident_ids=[r.resident_ids[0]])
    assert verify_certificate_result(registry, cert.content, against_register=True).ok
    (entry,) = clerk.issuance_history(serial=cert.serial)
    assert entry["content_sha256"] and entry["kind"] == "juminhyo"


def _namespace(**values: Any) -> argparse.Namespace:
    return argparse.Namespace(**values)


def test_offline_command_with_published_keys(
    tmp_path: Path, clock: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'register.db'}"
    reg = kj.open_registry(url, municipality_code="342025", clock=clock)
    reg.bootstrap_admin("admin", "a-long-passphrase")
    s = reg.login("admin", "a-long-passphrase", terminal_id="T-1", purpose="resident_records")
    r = household(s)
    issued = tmp_path / "juminhyo.pdf"
    issued.write_bytes(s.issue_certificate("juminhyo", household_id=r.household_id,
                                           format="pdf").content)
    reg.close()
    keys = tmp_path / "public-keys.json"
    assert export_public_keys_command(_namespace(url=url, out=str(keys),
                                                 municipality_code="342025")) == 0
    published = json.loads(keys.read_text("utf-8"))
    assert published["municipality_code"] == "342025" and load_public_keys(keys)
    private = json.loads((tmp_path / "register.db.signing.json").read_text("utf-8"))["keys"]
    assert not any(seed in keys.read_text("utf-8") for seed in private.values())
    assert verify_certificate_command(_namespace(file=str(issued), keys=str(keys))) == 0
    assert capsys.readouterr().out.startswith("OK serial=R08-")
    forged = tmp_path / "forged.pdf"
    data = bytearray(issued.read_bytes())
    data[len(data) // 2] ^= 0x20
    forged.write_bytes(bytes(data))
    assert main(["verify-certificate", str(forged), "--keys", str(keys)]) == 1
    assert "NG KJ-CERT-023" in capsys.readouterr().out
    assert main(["verify-certificate", str(tmp_path / "missing.pdf"), "--keys", str(keys)]) == 2
    stranger = tmp_path / "other-keys.json"
    stranger.write_text(json.dumps({"someone": "00" * 32}), "utf-8")
    assert main(["verify-certificate", str(issued), "--keys", str(stranger)]) == 1
