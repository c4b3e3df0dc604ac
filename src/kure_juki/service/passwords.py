"""Operator passwords: argon2id hashes (PyNaCl / libsodium), never the password itself."""

from __future__ import annotations

import nacl.exceptions
import nacl.pwhash

# libsodium's "interactive" limits: about 0.1 s and 64 MiB per hash on this class of machine.
_OPS = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
_MEM = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE


def hash_password(password: str) -> str:
    return nacl.pwhash.argon2id.str(password.encode("utf-8"), opslimit=_OPS, memlimit=_MEM).decode(
        "ascii"
    )


def check_password(stored: str, password: str) -> bool:
    try:
        return bool(nacl.pwhash.verify(stored.encode("ascii"), password.encode("utf-8")))
    except (nacl.exceptions.InvalidkeyError, ValueError):
        return False
