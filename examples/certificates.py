"""Certificates at the counter: issue, write to files, verify offline (synthetic people only).

    python examples/certificates.py                       # into ./out/certificates
    python examples/certificates.py --out /tmp/certs      # into a folder of your choice
    python examples/certificates.py --every-kind --images docs/images   # + a PNG of each kind

A household moves in; the counter issues the household's 住民票の写し, a copy with the head's
個人番号 for the 住民基本台帳事務 (a purpose that may use it) and, after the head and his wife
notify their 転出, their 転出証明書. Each file is checked twice: by the register, and offline
with nothing but the municipality's published public keys (as ``kure-juki verify-certificate``
does). With ``--every-kind`` the other kinds are issued too (除票の写し, 記載事項証明書, 転出証明書
に準ずる証明書, 住民票コード通知票, 閲覧用一部の写し, 印鑑登録証明書); ``--images`` renders the
first page of each PDF to PNG with pdftoppm.

The register is a SQLite file in the output folder when SQLAlchemy is installed, else memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kure_juki as kj
from kure_juki.adapters.printing.signing import verify_certificate
from kure_juki.cli_certificates import load_public_keys, public_keys_document
from kure_juki.domain.identifiers import complete_my_number, complete_resident_code
from kure_juki.service.registry_certificates import configure_certificates
from kure_juki.testing.clock import SettableClock

ADMIN, CLERK = "a-long-passphrase", "clerk-passphrase-01"


def person(given: str, kana: str, birth: str, sex: str, rel: str, n: int) -> dict[str, Any]:
    return {
        "family_name": "呉", "given_name": given, "family_name_kana": "くれ",
        "given_name_kana": kana, "birth_date": birth, "sex": sex, "relationship": rel,
        "registered_domicile": "広島県呉市中央四丁目1番", "domicile_head": "呉　一郎",
        "resident_code": complete_resident_code(f"{5_000_000_000 + n:010d}"),
        "my_number": complete_my_number(f"{60_000_000_000 + n * 97:011d}"),
    }


def open_register(out: Path, clock: SettableClock) -> kj.Registry:
    if importlib.util.find_spec("kure_juki.adapters.sqlalchemy") is not None:
        for old in out.glob("register.db*"):
            if not old.name.endswith(".signing.json"):  # keep the key: old files still verify
                old.unlink()
        url = f"sqlite:///{out / 'register.db'}"
    else:
        url = "memory://"
    print(f"register: {url}")
    reg = kj.open_registry(url, municipality_code="342025", clock=clock)
    configure_certificates(reg, mayor_name="架空　太郎")
    reg.bootstrap_admin("admin", ADMIN)
    admin = reg.login("admin", ADMIN, terminal_id="T-ADMIN", purpose="resident_records")
    admin.add_operator("clerk01", password=CLERK, role="clerk")
    admin.logout()
    return reg


def save(out: Path, name: str, cert: Any, files: list[tuple[Path, Any]]) -> None:
    suffix = ".pdf" if cert.media_type == "application/pdf" else ".txt"
    path = out / f"{name}{suffix}"
    path.write_bytes(cert.content)
    files.append((path, cert))
    print(f"  {cert.serial}  {cert.document.title:<24} {cert.pages} page(s)  "
          f"items={','.join(cert.items) or '-'}  -> {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/certificates", help="output folder")
    parser.add_argument("--date", default="2026-11-26", help="the counter's day (YYYY-MM-DD)")
    parser.add_argument("--every-kind", action="store_true", help="issue every kind")
    parser.add_argument("--images", help="render page 1 of each PDF to PNG in this folder")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    day = dt.date.fromisoformat(args.date)
    clock = SettableClock(f"{day.isoformat()}T10:00:00+09:00")
    reg = open_register(out, clock)
    s = reg.login("clerk01", CLERK, terminal_id="T-001", purpose="resident_records")

    moved_in = (day - dt.timedelta(days=40)).isoformat()
    family = s.submit({
        "type": "move_in", "occurred_on": moved_in, "notified_on": moved_in,
        "address": {"postal_code": "737-0045", "text": "広島県呉市本通九丁目99番9号"},
        "previous_address": {"municipality_code": "341002",
                             "text": "広島県広島市中区架空町一丁目2番3号"},
        "household": {"new": True},
        "persons": [person("一郎", "いちろう", "1975-04-01", "male", "世帯主", 1),
                    person("花子", "はなこ", "1977-10-12", "female", "妻", 2),
                    person("健太", "けんた", "2008-01-31", "male", "子", 3),
                    person("美咲", "みさき", "2013-06-03", "female", "子", 4)],
    })
    head, wife, son, daughter = family.resident_ids
    assert family.household_id is not None
    s.submit({"type": "move_within", "occurred_on": (day - dt.timedelta(days=10)).isoformat(),
              "resident_ids": list(family.resident_ids),
              "address": {"postal_code": "737-0046", "text": "広島県呉市中通九丁目8番7号"}})

    files: list[tuple[Path, Any]] = []
    print("issued:")
    save(out, "household-copy", s.issue_certificate(
        "juminhyo", household_id=family.household_id, include=("relationship",),
        format="pdf"), files)
    save(out, "copy-with-my-number", s.issue_certificate(
        "juminhyo", resident_ids=[head], include=("my_number", "resident_code", "relationship",
                                                  "registered_domicile"),
        with_history=True, format="pdf"), files)
    save(out, "copy-with-my-number", s.issue_certificate(
        "juminhyo", resident_ids=[head], include=("my_number",), format="text"), files)
    s.submit({"type": "move_out", "occurred_on": (day + dt.timedelta(days=9)).isoformat(),
              "notified_on": day.isoformat(), "resident_ids": [head, wife],
              "destination": {"municipality_code": "131016",
                              "text": "東京都千代田区架空一丁目1番1号"}})
    save(out, "move-out", s.issue_certificate("tenshutsu", resident_ids=[head, wife],
                                              format="pdf"), files)

    if args.every_kind:
        every_kind(s, out, files, day, son, daughter, family.household_id)

    public = out / "public-keys.json"
    public.write_text(json.dumps(public_keys_document(reg.signing_keys, "342025"), indent=1),
                      "utf-8")
    keys = load_public_keys(public)
    print(f"verified (register, and offline with {public}):")
    for path, _ in files:
        by_register = reg.verify_certificate(path.read_bytes())
        offline = verify_certificate(path.read_bytes(), keys)
        tampered = bytearray(path.read_bytes())
        tampered[len(tampered) // 3] ^= 0x01
        caught = not verify_certificate(bytes(tampered), keys)
        print(f"  {path.name:<28} register={by_register} offline={offline.ok} "
              f"one-bit-change-caught={caught}")
        assert by_register and offline.ok and caught
    history = s.issuance_history(resident_id=head)
    print(f"issuance history of the head: {[h['serial'] + ' ' + h['kind'] for h in history]}")
    if args.images:
        render(files, Path(args.images))
    s.logout()
    reg.close()


def every_kind(s: kj.Session, out: Path, files: list[tuple[Path, Any]], day: dt.date,
               son: str, daughter: str, household_id: str) -> None:
    from kure_juki.adapters.printing.sample import sample_seal_impression

    save(out, "kisai-jiko", s.issue_certificate(
        "kisai_jiko", resident_ids=[son], include=("address", "birth_date"), format="pdf"), files)
    save(out, "code-notice", s.issue_certificate("code_notice", resident_ids=[son],
                                                 format="pdf"), files)
    s.register_seal(son, seal_png=sample_seal_impression("呉"),
                    identity_verified_by="個人番号カード")
    save(out, "inkan", s.issue_certificate("inkan", resident_ids=[son], format="pdf"), files)
    save(out, "etsuran", s.issue_certificate("etsuran", area="広島県呉市中通", format="pdf"),
         files)
    late = s.submit({
        "type": "move_in", "occurred_on": (day - dt.timedelta(days=200)).isoformat(),
        "notified_on": (day - dt.timedelta(days=200)).isoformat(),
        "address": {"postal_code": "737-0051", "text": "広島県呉市中央九丁目1番2号"},
        "previous_address": {"municipality_code": "342122",
                             "text": "広島県東広島市架空町三丁目4番5号"},
        "household": {"new": True},
        "persons": [person("次郎", "じろう", "1990-02-03", "male", "世帯主", 9)],
    })
    (jiro,) = late.resident_ids
    s.submit({"type": "move_out", "occurred_on": (day - dt.timedelta(days=60)).isoformat(),
              "notified_on": day.isoformat(), "resident_ids": [jiro],
              "destination": {"municipality_code": "271004",
                              "text": "大阪府大阪市北区架空町六丁目7番8号"}})
    save(out, "move-out-ex-officio", s.issue_certificate("tenshutsu", resident_ids=[jiro],
                                                         format="pdf"), files)
    s.submit({"type": "death", "occurred_on": (day - dt.timedelta(days=1)).isoformat(),
              "resident_id": daughter})
    save(out, "jojo", s.issue_certificate("jojo", resident_ids=[daughter], with_history=True,
                                          format="pdf"), files)


def render(files: list[tuple[Path, Any]], folder: Path) -> None:
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found (apt-get install -y poppler-utils): no images")
        return
    folder.mkdir(parents=True, exist_ok=True)
    done: set[str] = set()
    for path, cert in files:
        if path.suffix != ".pdf" or cert.kind in done:
            continue
        done.add(cert.kind)
        target = folder / f"certificate-{cert.kind}"
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                        str(path), str(target)], check=True)
        print(f"  image: {target}.png")


if __name__ == "__main__":
    main()
