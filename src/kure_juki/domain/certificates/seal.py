"""Seal registration (印鑑登録): who may register, the impression's image, and abolition.

The rules follow the model 印鑑登録事務処理要領 (総務省): a resident aged 15 or more registers one
seal after their identity is verified; the registration is abolished on request, or of itself
when the resident's record is deleted (death, 転出). Records are kept after abolition: the
history of a person's seals is the list of their registrations.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import struct
import zlib
from typing import Any, Literal

import attrs

from kure_juki.domain.errors import FormatError, LogicError, Problem, problem
from kure_juki.domain.resident import Resident

SealStatus = Literal["active", "abolished"]  # 登録中 / 廃止
MIN_AGE = 15  # 15歳未満の者は登録できない
MAX_PNG_BYTES = 1_000_000
MIN_SIDE, MAX_SIDE = 16, 2000
_PNG = b"\x89PNG\r\n\x1a\n"


def age_on(birth: dt.date, today: dt.date) -> int:
    """Completed years of age on *today* (年齢計算: the birthday counts)."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a well-formed PNG; FormatError for anything else.

    Every chunk's CRC is checked and the image data must inflate, so a truncated or altered
    file is refused at registration rather than at the first certificate.
    """
    bad = FormatError(problem("KJ-CERT-050", "seal_png"))
    if not isinstance(data, bytes) or len(data) > MAX_PNG_BYTES or not data.startswith(_PNG):
        raise bad
    at = len(_PNG)
    size: tuple[int, int] | None = None
    inflater = zlib.decompressobj()
    seen_end = False
    try:
        while at < len(data):
            length, tag = struct.unpack(">I4s", data[at:at + 8])
            body = data[at + 8:at + 8 + length]
            (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
            if len(body) != length or zlib.crc32(tag + body) != crc:
                raise bad
            if tag == b"IHDR":
                size = struct.unpack(">II", body[:8])
            elif tag == b"IDAT":
                inflater.decompress(body, 1 << 16)
            elif tag == b"IEND":
                seen_end = True
                break
            at += 12 + length
    except (struct.error, zlib.error):
        raise bad from None
    if size is None or not seen_end or not all(MIN_SIDE <= s <= MAX_SIDE for s in size):
        raise bad
    return size


def check_can_register(resident: Resident, today: dt.date) -> list[Problem]:
    found: list[Problem] = []
    if resident.deletion is not None:
        found.append(problem("KJ-CERT-055", "resident_id"))
    if age_on(resident.birth_date, today) < MIN_AGE:
        found.append(problem("KJ-CERT-056", "resident_id"))
    return found


def check_text(value: object, code: str, item: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise FormatError(problem(code, item))
    return value.strip()


@attrs.frozen
class SealEvent:  # 印鑑登録の履歴の一件
    at: str  # ISO timestamp
    event: str  # registered | abolished
    operator_id: str
    detail: str = ""


@attrs.frozen
class SealRegistration:  # 印鑑登録原票
    registration_number: str  # 印鑑登録番号 (= 印鑑登録証の番号)
    resident_id: str  # 宛名番号
    registered_on: dt.date
    identity_verified_by: str  # 本人確認の方法 (個人番号カード, 保証書, 照会書 …)
    png: bytes = attrs.field(repr=False)  # 印影
    status: SealStatus = "active"
    abolished_on: dt.date | None = None
    abolition_reason: str | None = None
    events: tuple[SealEvent, ...] = ()

    @property
    def png_sha256(self) -> str:
        return hashlib.sha256(self.png).hexdigest()

    @property
    def active(self) -> bool:
        return self.status == "active"

    def abolish(self, on: dt.date, reason: str, *, at: str, operator_id: str) -> SealRegistration:
        if not self.active:
            raise LogicError(problem("KJ-CERT-054", "resident_id"))
        return attrs.evolve(
            self,
            status="abolished",
            abolished_on=on,
            abolition_reason=reason,
            events=(*self.events, SealEvent(at, "abolished", operator_id, reason)),
        )

    def to_document(self) -> dict[str, Any]:
        return {
            "registration_number": self.registration_number,
            "resident_id": self.resident_id,
            "registered_on": self.registered_on.isoformat(),
            "identity_verified_by": self.identity_verified_by,
            "png": base64.b64encode(self.png).decode("ascii"),
            "png_sha256": self.png_sha256,
            "status": self.status,
            "abolished_on": self.abolished_on.isoformat() if self.abolished_on else None,
            "abolition_reason": self.abolition_reason,
            "events": [attrs.asdict(e) for e in self.events],
        }

    @classmethod
    def from_document(cls, data: dict[str, Any]) -> SealRegistration:
        abolished = data.get("abolished_on")
        return cls(
            registration_number=data["registration_number"],
            resident_id=data["resident_id"],
            registered_on=dt.date.fromisoformat(data["registered_on"]),
            identity_verified_by=data["identity_verified_by"],
            png=base64.b64decode(data["png"], validate=True),
            status=data["status"],
            abolished_on=dt.date.fromisoformat(abolished) if abolished else None,
            abolition_reason=data.get("abolition_reason"),
            events=tuple(SealEvent(**e) for e in data.get("events", ())),
        )

    def view(self) -> dict[str, Any]:
        """What an operator sees: the record without the image bytes' encoding."""
        out = self.to_document()
        del out["png"]
        out["seal_png"] = self.png
        return out


def deletion_reason(resident: Resident) -> str | None:
    """The abolition reason when *resident*'s record was deleted (消除による廃止), else None."""
    if resident.deletion is None:
        return None
    return f"住民票の消除({resident.deletion.reason})"
