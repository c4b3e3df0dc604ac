"""What the register itself does for certificates: its printers, its settings, offline
verification, and the batch that abolishes the seals of deleted residents.

The functions take the :class:`~kure_juki.service.registry.Registry`; ``Registry`` exposes them as
methods (``reg.verify_certificate(content)`` …).
"""

from __future__ import annotations

import hashlib
import threading
import unicodedata
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from kure_juki.adapters.printing.signing import CertificateSigner
from kure_juki.adapters.printing.signing import verify_certificate as verify_signed_file
from kure_juki.domain.certificates import Municipality, municipality_for
from kure_juki.domain.errors import FormatError, problem
from kure_juki.domain.movement_record import MovementRecord
from kure_juki.ports.printer import Printer, VerificationResult

if TYPE_CHECKING:
    from kure_juki.service.registry import Registry

Format = Literal["text", "pdf"]
FORMATS: tuple[Format, ...] = ("text", "pdf")
ISSUANCE_KIND = "certificate_issuance"  # 証明書発行履歴, key = 発行番号
ISSUANCE_SUBJECT_KIND = "certificate_issuance_subject"  # index: 宛名番号 -> 発行番号
MEMBER_ORDER_KIND = "household_member_order"  # 世帯員の並び順 set by a clerk, key = 世帯番号


def joined_at(movements: Iterable[MovementRecord], household_id: str) -> int:
    """When a person joined *household_id*: the first of their movements that names it (0 when
    none does, e.g. a record loaded in bulk: one of the household's first members)."""
    return min((m.movement_id for m in movements if household_id in m.household_ids), default=0)


@attrs.frozen
class CertificateSettings:  # 証明書の設定
    mayor_name: str = ""  # 市区町村長の氏名
    municipality_name: str | None = None  # when the code is not in the built-in table
    mayor_title: str | None = None  # replaces the title made from the code (広島県呉市長)
    deputy_title: str = ""  # 職務代理者の職名, e.g. 呉市副市長 (標準5.6)
    deputy_name: str = ""  # 職務代理者の氏名
    printer_id: str = ""  # 発行プリンタ番号 printed in the 発行番号 (標準5.5); may stay empty
    body_font: str | None = None  # TrueType path (default IPAmj明朝 if installed, else IPAex明朝)
    heading_font: str | None = None  # TrueType path (default IPAexゴシック)


_lock = threading.Lock()
_settings: weakref.WeakKeyDictionary[Registry, CertificateSettings] = (
    weakref.WeakKeyDictionary()
)
_printers: weakref.WeakKeyDictionary[Registry, dict[tuple[str, str], Printer]] = (
    weakref.WeakKeyDictionary()
)


def configure_certificates(
    registry: Registry,
    *,
    mayor_name: str | None = None,
    municipality_name: str | None = None,
    mayor_title: str | None = None,
    body_font: str | Path | None = None,
    heading_font: str | Path | None = None,
    deputy_title: str | None = None,
    deputy_name: str | None = None,
    printer_id: str | None = None,
) -> CertificateSettings:
    """Set the mayor's name, the municipality's name and title, the 職務代理者, the printer
    named in the 発行番号, the fonts of the PDF printer."""
    with _lock:
        current = _settings.get(registry, CertificateSettings())
        changes: dict[str, Any] = {}
        if mayor_name is not None:
            changes["mayor_name"] = mayor_name
        if municipality_name is not None:
            changes["municipality_name"] = municipality_name
        if mayor_title is not None:
            changes["mayor_title"] = mayor_title
        for key, value in (("deputy_title", deputy_title), ("deputy_name", deputy_name),
                           ("printer_id", printer_id)):
            if value is not None:
                changes[key] = check_setting(value, key)
        if body_font is not None:
            changes["body_font"] = str(body_font)
        if heading_font is not None:
            changes["heading_font"] = str(heading_font)
        updated = attrs.evolve(current, **changes)
        _settings[registry] = updated
        if body_font is not None or heading_font is not None:
            _printers.pop(registry, None)
        return updated


def check_setting(value: object, item: str) -> str:
    """A printed setting: one line of clean text (KJ-CERT-701)."""
    if not isinstance(value, str) or len(value) > 40 or any(
        unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") for ch in value
    ):
        raise FormatError(problem("KJ-CERT-701", item))
    return value.strip()


def certificate_settings(registry: Registry) -> CertificateSettings:
    return _settings.get(registry, CertificateSettings())


def municipality(registry: Registry) -> Municipality:
    s = certificate_settings(registry)
    return municipality_for(
        registry.municipality_code,
        name=s.municipality_name,
        mayor_name=s.mayor_name,
        mayor_title=s.mayor_title,
        deputy_title=s.deputy_title,
        deputy_name=s.deputy_name,
    )


def printer_for(registry: Registry, fmt: Format) -> Printer:
    """The registry's printer of *fmt*, signing with its current key; made once per key.

    A PDF printer registers its fonts when made (the costly part), so printers are kept per
    registry and rebuilt only when the key rotates or the fonts change.
    """
    keys = registry.signing_keys
    cache_key = (fmt, keys.current_id)
    with _lock:
        cached = _printers.setdefault(registry, {})
        found = cached.get(cache_key)
        if found is not None:
            return found
        signer = CertificateSigner(keys.current, keys.current_id)
        printer: Printer
        if fmt == "pdf":
            from kure_juki.adapters.printing.pdf import PdfPrinter

            s = certificate_settings(registry)
            printer = PdfPrinter(signer, body_font=s.body_font, heading_font=s.heading_font)
        else:
            from kure_juki.adapters.printing.text import TextPrinter

            printer = TextPrinter(signer)
        cached[cache_key] = printer
        return printer


def verify_certificate_result(
    registry: Registry, content: bytes, *, against_register: bool = False
) -> VerificationResult:
    """Check an issued file offline with the municipality's public keys (every key ever used).

    With *against_register*, a file whose signature holds is also compared with the issuance
    record of its serial (SHA-256 of the issued bytes): reason KJ-CERT-026 when they differ.
    """
    if not isinstance(content, bytes | bytearray | memoryview):
        return VerificationResult(False, reason="KJ-CERT-021")
    data = bytes(content)
    result = verify_signed_file(data, registry.signing_keys.public_keys())
    if not result.ok or not against_register:
        return result
    with registry.store.unit_of_work() as uow:
        record = uow.documents.get(ISSUANCE_KIND, result.serial or "")
    if record is None or record.get("content_sha256") != hashlib.sha256(data).hexdigest():
        return VerificationResult(False, result.serial, result.key_id, "KJ-CERT-026")
    return result


def verify_certificate(registry: Registry, content: bytes) -> bool:
    """``reg.verify_certificate(content)``: True when the signature it carries holds."""
    return verify_certificate_result(registry, content).ok


def abolish_seals_of_deleted(registry: Registry) -> list[str]:
    """Batch: abolish every active seal whose resident's record was deleted (消除による廃止).

    Returns the registration numbers abolished; each abolition is audited with the batch.
    """
    from kure_juki.service.registry import SYSTEM_OPERATOR
    from kure_juki.service.session_seals import abolish_if_deleted, load_seals

    done: list[str] = []
    with registry.store.unit_of_work() as uow:
        for seal in load_seals(uow):
            number = abolish_if_deleted(
                registry, uow, seal, operator_id=SYSTEM_OPERATOR, terminal_id="BATCH",
                purpose="resident_records", operation="batch",
            )
            if number is not None:
                done.append(number)
        uow.commit()
    return done
