"""ISO/IEC 7816-4 APDUs as the My Number card (個人番号カード) expects them.

Built after the public behaviour of OpenSC's jpki driver and the jpki/myna tool: SELECT by DF
name (P1=04) and by EF identifier (P1=02), both with P2=0C (no FCI returned); VERIFY with P2=80
(the PIN of the currently selected EF) with the PIN as data, or without data to ask for the
tries left (63Cx); READ BINARY with a 15-bit offset in P1-P2 and a short Le (00 = 256).
Used by the adapters and the simulated card alike, so both sides read the same bytes.
"""

from __future__ import annotations

import attrs

CLA = 0x00
INS_SELECT = 0xA4
INS_VERIFY = 0x20
INS_READ_BINARY = 0xB0

P1_SELECT_DF_NAME = 0x04
P1_SELECT_EF = 0x02
P2_NO_RESPONSE = 0x0C
P2_PIN_OF_CURRENT_EF = 0x80

# 券面事項入力補助AP (card input support application)
AID_CARD_INPUT_SUPPORT = bytes.fromhex("D3921000310001010408")
EF_MY_NUMBER = bytes.fromhex("0001")  # 個人番号
EF_BASIC_FOUR = bytes.fromhex("0002")  # 基本4情報
EF_PIN = bytes.fromhex("0011")  # 券面事項入力補助用暗証番号

MAX_SHORT_LE = 256
MAX_OFFSET = 0x7FFF  # P1 bit 8 set would mean a short EF identifier instead of an offset

# Status words (SW1-SW2)
SW_OK = 0x9000
SW_END_OF_FILE = 0x6282  # fewer bytes than Le: end of file reached
SW_WRONG_LENGTH = 0x6700
SW_INCOMPATIBLE_FILE = 0x6981  # command incompatible with the file structure
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_PIN_BLOCKED = 0x6983  # authentication method blocked
SW_NO_CURRENT_EF = 0x6986  # command not allowed: no current EF
SW_FILE_NOT_FOUND = 0x6A82
SW_WRONG_P1P2 = 0x6A86
SW_REFERENCE_NOT_FOUND = 0x6A88
SW_OFFSET_OUTSIDE = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00


def is_wrong_pin(sw: int) -> bool:
    """63Cx: verification failed (or, without data, not yet done), x tries left."""
    return sw & 0xFFF0 == 0x63C0


def tries_left(sw: int) -> int:
    return sw & 0x0F


@attrs.frozen(repr=False)
class Command:
    """A command APDU (short length fields only, as the card uses)."""

    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None  # expected length 1…256; None when no response data is expected
    cla: int = CLA

    def __repr__(self) -> str:
        # The data of a VERIFY is the PIN: never show it.
        return (f"Command(cla={self.cla:02X}, ins={self.ins:02X}, p1={self.p1:02X}, "
                f"p2={self.p2:02X}, lc={len(self.data)}, le={self.le})")

    def to_bytes(self) -> bytes:
        if len(self.data) > 255:
            raise ValueError("command data longer than a short Lc")
        out = bytes([self.cla, self.ins, self.p1, self.p2])
        if self.data:
            out += bytes([len(self.data)]) + self.data
        if self.le is not None:
            if not 1 <= self.le <= MAX_SHORT_LE:
                raise ValueError("Le must be 1…256")
            out += bytes([self.le % MAX_SHORT_LE])
        return out

    @classmethod
    def parse(cls, raw: bytes) -> Command | None:
        """Decode the four cases of ISO/IEC 7816-3 (short form); None when malformed.

        An extended-length command (Lc byte 00 followed by more bytes) is malformed here: the
        card works with short APDUs.
        """
        if len(raw) < 4:
            return None
        cla, ins, p1, p2 = raw[0], raw[1], raw[2], raw[3]
        body = raw[4:]
        if not body:
            return cls(cla=cla, ins=ins, p1=p1, p2=p2)
        if len(body) == 1:
            return cls(cla=cla, ins=ins, p1=p1, p2=p2, le=body[0] or MAX_SHORT_LE)
        lc = body[0]
        if lc == 0:
            return None
        if len(body) == 1 + lc:
            return cls(cla=cla, ins=ins, p1=p1, p2=p2, data=bytes(body[1:]))
        if len(body) == 2 + lc:
            return cls(cla=cla, ins=ins, p1=p1, p2=p2, data=bytes(body[1:-1]),
                       le=body[-1] or MAX_SHORT_LE)
        return None


@attrs.frozen(repr=False)
class Response:
    """A response APDU: data then SW1-SW2."""

    data: bytes
    sw: int

    def __repr__(self) -> str:
        # The data may be a My Number or a name.
        return f"Response(sw={self.sw:04X}, length={len(self.data)})"

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK

    def to_bytes(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")

    @classmethod
    def parse(cls, raw: bytes) -> Response | None:
        if len(raw) < 2:
            return None
        return cls(data=bytes(raw[:-2]), sw=int.from_bytes(raw[-2:], "big"))


def select_df(aid: bytes) -> Command:
    return Command(ins=INS_SELECT, p1=P1_SELECT_DF_NAME, p2=P2_NO_RESPONSE, data=aid)


def select_ef(file_id: bytes) -> Command:
    return Command(ins=INS_SELECT, p1=P1_SELECT_EF, p2=P2_NO_RESPONSE, data=file_id)


def verify(pin: bytes | None = None) -> Command:
    """VERIFY of the current EF's PIN; without ``pin`` it asks for the tries left."""
    return Command(ins=INS_VERIFY, p1=0x00, p2=P2_PIN_OF_CURRENT_EF, data=pin or b"")


def read_binary(offset: int, le: int) -> Command:
    if not 0 <= offset <= MAX_OFFSET:
        raise ValueError("offset outside 0…32767")
    return Command(ins=INS_READ_BINARY, p1=offset >> 8, p2=offset & 0xFF, le=le)
