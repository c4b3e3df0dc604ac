"""``kure-juki verify-certificate`` and ``kure-juki export-public-keys``.

The municipality publishes its public keys (``export-public-keys``: a JSON file of key id →
Ed25519 public key in hex); anyone holding that file checks an issued certificate offline::

    kure-juki export-public-keys --url sqlite:///register.db -o kure-public-keys.json
    kure-juki verify-certificate juminhyo.pdf --keys kure-public-keys.json

Exit status of ``verify-certificate``: 0 the signature holds, 1 it does not (altered, forged or
unsigned), 2 the file or the keys could not be read.
"""

from __future__ import annotations

import argparse
import binascii
import json
import sys
from pathlib import Path
from typing import Any

from kure_juki.adapters.printing.signing import verify_certificate
from kure_juki.domain.codes import CATALOGUE
from kure_juki.service.signing_keys import SigningKeys, default_key_path

KEYS_FORMAT = "kure_juki-public-keys/1"
OK, INVALID, UNREADABLE = 0, 1, 2


def _fail(code: str, status: int = UNREADABLE) -> int:
    ja, en = CATALOGUE[code]
    print(f"{code} {ja} / {en}", file=sys.stderr)
    return status


def public_keys_document(keys: SigningKeys, municipality_code: str | None = None) -> dict[str, Any]:
    """The JSON a municipality publishes: every key ever used, by key id, in hex."""
    out: dict[str, Any] = {
        "format": KEYS_FORMAT,
        "current": keys.current_id,
        "keys": keys.public_keys_hex(),
    }
    if municipality_code is not None:
        out["municipality_code"] = municipality_code
    return out


def load_public_keys(path: str | Path) -> dict[str, bytes]:
    """Key id → 32-byte public key from a published keys file (or a plain id → hex mapping).

    Raises ValueError when the file is not such a document.
    """
    data = json.loads(Path(path).read_text("utf-8"))
    if isinstance(data, dict) and data.get("format") == KEYS_FORMAT:
        data = data.get("keys")
    if not isinstance(data, dict) or not data:
        raise ValueError("no keys")
    keys: dict[str, bytes] = {}
    for kid, value in data.items():
        if not isinstance(kid, str) or not isinstance(value, str) or len(value) != 64:
            raise ValueError("a key is not 32 bytes of hex")
        try:
            keys[kid] = binascii.unhexlify(value)
        except binascii.Error as exc:
            raise ValueError("a key is not hex") from exc
    return keys


def _signing_keys(args: argparse.Namespace) -> SigningKeys | None:
    """The register's key file, named or beside its SQLite database; never created here."""
    path: Path | None = None
    if getattr(args, "signing_keys", None):
        path = Path(args.signing_keys)
    elif getattr(args, "url", None):
        path = default_key_path(args.url)
    if path is None or not path.is_file():
        return None
    return SigningKeys.at_path(path)


def verification(args: argparse.Namespace) -> tuple[dict[str, Any], int]:
    """The verdict on FILE with the published keys (``--keys``) or the register's own, and the
    exit status (0 holds, 1 does not, 2 unreadable)."""
    try:
        content = Path(args.file).read_bytes()
    except OSError:
        return {"ok": False, "reason": "unreadable", "file": str(args.file)}, UNREADABLE
    public: dict[str, Any]
    if getattr(args, "keys", None):
        try:
            public = dict(load_public_keys(args.keys))
        except (OSError, ValueError):
            return {"ok": False, "reason": "KJ-CERT-027"}, UNREADABLE
    else:
        keys = _signing_keys(args)
        if keys is None:
            return {"ok": False, "reason": "KJ-CERT-027"}, UNREADABLE
        public = dict(keys.public_keys())
    result = verify_certificate(content, public)
    if result.ok:
        return {"ok": True, "serial": result.serial, "key_id": result.key_id}, OK
    assert result.reason is not None
    ja, en = CATALOGUE[result.reason]
    return (
        {
            "ok": False,
            "reason": result.reason,
            "serial": result.serial,
            "message_ja": ja,
            "message_en": en,
        },
        INVALID,
    )


def verify_certificate_command(args: argparse.Namespace) -> int:
    """Check FILE's signature with the published keys (``--keys``) or the register's own."""
    verdict, status = verification(args)
    if status == UNREADABLE:
        reason = verdict["reason"]
        if reason in CATALOGUE:
            return _fail(reason)
        print(f"cannot read {args.file}", file=sys.stderr)
        return status
    if verdict["ok"]:
        print(f"OK serial={verdict['serial']} key={verdict['key_id']}")
    else:
        serial = f" serial={verdict['serial']}" if verdict["serial"] else ""
        print(f"NG {verdict['reason']}{serial} {verdict['message_ja']} / {verdict['message_en']}")
    return status


def export_public_keys_command(args: argparse.Namespace) -> int:
    """Write the municipality's public keys as JSON (stdout, or ``--out``)."""
    keys = _signing_keys(args)
    if keys is None:
        return _fail("KJ-CERT-027")
    text = (
        json.dumps(
            public_keys_document(keys, getattr(args, "municipality_code", None)),
            ensure_ascii=False,
            indent=1,
        )
        + "\n"
    )
    out = getattr(args, "out", None)
    if out:
        Path(out).write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
    return OK


def _verify_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="the issued certificate (PDF or text)")
    p.add_argument("--keys", help="the municipality's published public keys (JSON)")
    p.add_argument("--url", help="a register (sqlite:///…) whose key file to use instead")
    p.add_argument("--signing-keys", help="a key file to use instead")


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", help="the register (sqlite:///…) beside whose file the keys are")
    p.add_argument("--signing-keys", help="the key file itself")
    p.add_argument("--municipality-code", help="recorded in the output")
    p.add_argument("-o", "--out", help="output file (default: standard output)")


def register_commands() -> None:
    """Both commands on the ``kure-juki`` command (exit 0 holds, 1 fails)."""
    from kure_juki.cli import command

    @command(
        "verify-certificate",
        help="check an issued certificate's signature offline",
        configure=_verify_args,
    )
    def _verify(args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
        verdict, status = verification(args)
        return verdict, status == OK

    @command(
        "export-public-keys",
        help="write the municipality's public keys as JSON",
        configure=_export_args,
    )
    def _export(args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
        keys = _signing_keys(args)
        if keys is None:
            return {"ok": False, "reason": "KJ-CERT-027"}, False
        document = public_keys_document(keys, getattr(args, "municipality_code", None))
        if getattr(args, "out", None):
            Path(args.out).write_text(
                json.dumps(document, ensure_ascii=False, indent=1) + "\n", "utf-8"
            )
            return {"ok": True, "written": args.out, "keys": len(document["keys"])}, True
        return document, True


def add_certificate_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Register both commands on the ``kure-juki`` parser (``func`` is the handler)."""
    verify = subparsers.add_parser(
        "verify-certificate", help="check an issued certificate's signature offline"
    )
    verify.add_argument("file", help="the issued certificate (PDF or text)")
    verify.add_argument("--keys", help="the municipality's published public keys (JSON)")
    verify.add_argument("--url", help="a register (sqlite:///…) whose key file to use instead")
    verify.add_argument("--signing-keys", help="a key file to use instead")
    verify.set_defaults(func=verify_certificate_command)
    export = subparsers.add_parser(
        "export-public-keys", help="write the municipality's public keys as JSON"
    )
    export.add_argument("--url", help="the register (sqlite:///…) beside whose file the keys are")
    export.add_argument("--signing-keys", help="the key file itself")
    export.add_argument("--municipality-code", help="recorded in the output")
    export.add_argument("-o", "--out", help="output file (default: standard output)")
    export.set_defaults(func=export_public_keys_command)


def main(argv: list[str] | None = None) -> int:
    """Both commands on their own (the ``kure-juki`` command registers them too)."""
    parser = argparse.ArgumentParser(prog="kure-juki")
    add_certificate_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
