"""Anti-forgery of issued certificates (偽造・改ざん防止): Ed25519 signatures, checked offline.

Two signatures protect a certificate:

* The file signature, a last line appended to the issued file::

      %KJ-SIGNATURE/1 serial=<発行番号> key=<key id> ed25519=<base64, 88 characters>\\n

  It signs every byte before the line plus the line itself up to ``ed25519=``, so the serial and
  the key id are bound too. In a PDF the line follows ``%%EOF`` and is a comment, which keeps the
  file valid for readers; in a text certificate it is the trailing line. The line is parsed
  strictly (fixed format, base64 re-encoded and compared) so that no byte of the file can change
  without verification failing.
* The paper seal, carried by the QR code printed on every page: ``KJQ1 <serial> <key id>
  <signature>`` where the signature (base64url) is over the document's canonical text
  (:meth:`CertificateDocument.canonical_text`), so a paper copy can be checked against the
  issued content recorded under its serial.

The key id travels with every signature, so the municipality can rotate keys and keep old
public keys for verifying what was issued before.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from kure_juki.domain.certificate_document import CertificateDocument
from kure_juki.domain.errors import FormatError, problem
from kure_juki.ports.printer import VerificationResult

SIGNATURE_TAG = b"%KJ-SIGNATURE/1"
SEAL_TAG = "KJQ1"
_SEAL_CONTEXT = b"KJ-SEAL/1\n"  # keeps a seal signature from ever being valid as a file one

_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_SERIAL = re.compile(r"[A-Za-z0-9-]{1,32}")
_LINE = re.compile(
    rb"%KJ-SIGNATURE/1 serial=(?P<serial>[A-Za-z0-9-]{1,32}) key=(?P<key>[A-Za-z0-9._-]{1,64})"
    rb" ed25519=(?P<sig>[A-Za-z0-9+/]{86}==)\n"
)
_SEAL = re.compile(
    r"KJQ1 (?P<serial>[A-Za-z0-9-]{1,32}) (?P<key>[A-Za-z0-9._-]{1,64})"
    r" (?P<sig>[A-Za-z0-9_-]{86})"
)

PublicKeys = Mapping[str, VerifyKey | bytes]


def key_id_for(verify_key: VerifyKey) -> str:
    """A default key id: a short fingerprint of the public key."""
    return "ed25519-" + hashlib.sha256(bytes(verify_key)).hexdigest()[:16]


class CertificateSigner:
    """Signs certificates with the municipality's key (市区町村の署名鍵)."""

    def __init__(self, signing_key: SigningKey, key_id: str | None = None) -> None:
        self._key = signing_key
        self.verify_key: VerifyKey = signing_key.verify_key
        self.key_id: str = key_id if key_id is not None else key_id_for(self.verify_key)
        if not _KEY_ID.fullmatch(self.key_id):
            raise FormatError(problem("KJ-CERT-020", "key_id"))

    def sign_file(self, content: bytes, serial: str) -> bytes:
        """*content* followed by its signature line."""
        if not _SERIAL.fullmatch(serial):
            raise FormatError(problem("KJ-CERT-001", "serial"))
        if not content.endswith(b"\n"):
            content += b"\n"
        signed = b"%s%s serial=%s key=%s ed25519=" % (
            content, SIGNATURE_TAG, serial.encode("ascii"), self.key_id.encode("ascii")
        )
        signature = self._key.sign(signed).signature
        return signed + base64.b64encode(signature) + b"\n"

    def seal(self, document: CertificateDocument) -> str:
        """The QR code's text: serial, key id and a signature over the canonical text."""
        signature = self._key.sign(_SEAL_CONTEXT + document.canonical_text().encode()).signature
        sig = base64.urlsafe_b64encode(signature).rstrip(b"=").decode("ascii")
        return f"{SEAL_TAG} {document.serial} {self.key_id} {sig}"


def _verify_key(key: VerifyKey | bytes) -> VerifyKey | None:
    if isinstance(key, VerifyKey):
        return key
    if isinstance(key, bytes) and len(key) == 32:
        return VerifyKey(key)
    return None


def _check(
    message: bytes, signature: bytes, serial: str, key_id: str, public_keys: PublicKeys
) -> VerificationResult:
    if key_id not in public_keys:
        return VerificationResult(False, serial, key_id, "KJ-CERT-022")
    key = _verify_key(public_keys[key_id])
    if key is None:
        return VerificationResult(False, serial, key_id, "KJ-CERT-025")
    try:
        key.verify(message, signature)
    except BadSignatureError:
        return VerificationResult(False, serial, key_id, "KJ-CERT-023")
    return VerificationResult(True, serial, key_id)


def verify_certificate(content: bytes, public_keys: PublicKeys) -> VerificationResult:
    """Check an issued file (PDF or text) against the municipality's public keys, offline."""
    malformed = VerificationResult(False, reason="KJ-CERT-021")
    if not content.endswith(b"\n"):
        return malformed
    start = content.rfind(b"\n", 0, len(content) - 1) + 1
    if start == 0:  # nothing but a signature line: no certificate to speak of
        return malformed
    match = _LINE.fullmatch(content, start)
    if match is None:
        return malformed
    encoded = match.group("sig")
    try:
        signature = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        return malformed
    # A lenient decoder ignores the unused low bits of the last character: re-encode so that a
    # change there is caught as well.
    if base64.b64encode(signature) != encoded:
        return malformed
    serial = match.group("serial").decode("ascii")
    key_id = match.group("key").decode("ascii")
    return _check(content[: match.start("sig")], signature, serial, key_id, public_keys)


def verify_seal(
    payload: str, document: CertificateDocument, public_keys: PublicKeys
) -> VerificationResult:
    """Check the QR code of a paper copy against the content issued under its serial."""
    match = _SEAL.fullmatch(payload)
    if match is None:
        return VerificationResult(False, reason="KJ-CERT-024")
    encoded = match.group("sig")
    try:
        signature = base64.urlsafe_b64decode(encoded + "==")
    except binascii.Error:
        return VerificationResult(False, reason="KJ-CERT-024")
    if base64.urlsafe_b64encode(signature).rstrip(b"=").decode("ascii") != encoded:
        return VerificationResult(False, reason="KJ-CERT-024")
    serial, key_id = match.group("serial"), match.group("key")
    if serial != document.serial:
        return VerificationResult(False, serial, key_id, "KJ-CERT-023")
    message = _SEAL_CONTEXT + document.canonical_text().encode()
    return _check(message, signature, serial, key_id, public_keys)
