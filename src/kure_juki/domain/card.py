"""What the My Number card (個人番号カード) carries, and the BER-TLV it is written in.

The 券面事項入力補助AP (card input support application) holds, behind a 4-digit PIN:

- EF 0001: the My Number (個人番号) as ``FF10 0C`` followed by twelve ASCII digits;
- EF 0002: the four basic items (基本4情報) in an ``FF20`` container: ``DF21`` header,
  ``DF22`` name (氏名), ``DF23`` address (住所), ``DF24`` birth date (生年月日, ``YYYYMMDD``),
  ``DF25`` sex (性別, one ISO 5218 digit), text in UTF-8.

These layouts are those read by public code (OpenSC's jpki driver, the jpki/myna tool). Lengths
are read from the encoding and never assumed: long addresses use long-form lengths.

Everything read from a card is untrusted: any malformed input raises :class:`FormatError` with a
``KJ-CARD-…`` or ``KJ-FMT-…`` code and never another exception. Values are never put into a
message or a repr, because they are a name, an address or a My Number.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterator
from typing import Literal

import attrs

from kure_juki.domain.errors import FormatError, problem
from kure_juki.domain.identifiers import is_valid_my_number

Sex = Literal["male", "female", "unknown", "not_applicable"]

# ISO 5218: 0 not known, 1 male, 2 female, 9 not applicable.
_SEX_BY_ISO5218: dict[bytes, Sex] = {
    b"0": "unknown",
    b"1": "male",
    b"2": "female",
    b"9": "not_applicable",
}
_ISO5218_BY_SEX: dict[Sex, bytes] = {v: k for k, v in _SEX_BY_ISO5218.items()}

TAG_MY_NUMBER = 0xFF10  # 個人番号
TAG_BASIC_FOUR = 0xFF20  # 基本4情報
TAG_HEADER = 0xDF21
TAG_NAME = 0xDF22  # 氏名
TAG_ADDRESS = 0xDF23  # 住所
TAG_BIRTH_DATE = 0xDF24  # 生年月日
TAG_SEX = 0xDF25  # 性別

# FF10 has the constructed bit set yet holds the digits themselves: never recurse into it.
CARD_OPAQUE_TAGS = frozenset({TAG_MY_NUMBER})

MAX_DEPTH = 8  # the card nests two levels; deeper input is hostile or broken
_MAX_TAG_BYTES = 3
_MAX_LENGTH_BYTES = 3  # 0x83: up to 16 MiB, far beyond any EF of the card
PIN_LENGTH = 4


def _malformed(item: str | None = None) -> FormatError:
    return FormatError(problem("KJ-CARD-006", item))


@attrs.frozen(repr=False)
class TLV:
    """One BER-TLV data object. ``children`` is filled for constructed objects only."""

    tag: int
    value: bytes
    constructed: bool
    children: tuple[TLV, ...] = ()

    def __repr__(self) -> str:
        # The value may be a name or a My Number: show its size only.
        return f"TLV(tag=0x{self.tag:X}, length={len(self.value)}, children={len(self.children)})"

    def find(self, tag: int) -> TLV | None:
        return next((c for c in self.children if c.tag == tag), None)


@attrs.frozen
class TLVHeader:
    """Tag and length of a data object: enough to know how many bytes to read from a file."""

    tag: int
    constructed: bool
    header_length: int
    value_length: int

    @property
    def total_length(self) -> int:
        return self.header_length + self.value_length


def read_header(data: bytes, offset: int = 0) -> TLVHeader:
    """Decode the tag and length at ``offset``; the value itself need not be present."""
    pos = offset
    end = len(data)
    if pos >= end:
        raise _malformed()
    first = data[pos]
    pos += 1
    tag = first
    if first & 0x1F == 0x1F:  # multi-byte tag: continuation bytes have bit 8 set
        count = 1
        while True:
            if pos >= end:
                raise _malformed()
            byte = data[pos]
            pos += 1
            count += 1
            if count > _MAX_TAG_BYTES or (count == 2 and byte == 0x80):
                raise _malformed()
            tag = (tag << 8) | byte
            if not byte & 0x80:
                break
    if pos >= end:
        raise _malformed()
    first_length = data[pos]
    pos += 1
    if first_length < 0x80:
        length = first_length
    else:
        count = first_length & 0x7F
        # 0x80 is the indefinite form, which a card file never uses; 0xFF is reserved.
        if count == 0 or count > _MAX_LENGTH_BYTES:
            raise _malformed()
        if pos + count > end:
            raise _malformed()
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    return TLVHeader(
        tag=tag,
        constructed=bool(first & 0x20),
        header_length=pos - offset,
        value_length=length,
    )


def _parse(data: bytes, opaque: Collection[int], depth: int) -> Iterator[TLV]:
    if depth > MAX_DEPTH:
        raise FormatError(problem("KJ-CARD-016"))
    pos = 0
    while pos < len(data):
        header = read_header(data, pos)
        start = pos + header.header_length
        stop = start + header.value_length
        if stop > len(data):
            raise _malformed()
        value = bytes(data[start:stop])
        children: tuple[TLV, ...] = ()
        if header.constructed and header.tag not in opaque:
            children = tuple(_parse(value, opaque, depth + 1))
        yield TLV(tag=header.tag, value=value, constructed=header.constructed, children=children)
        pos = stop


def parse_tlv(data: bytes, *, opaque: Collection[int] = ()) -> list[TLV]:
    """Decode a sequence of BER-TLV objects, recursing into constructed ones.

    Tags in ``opaque`` are kept as bytes even when their constructed bit is set. Truncated
    input, lengths beyond the data, the indefinite form, oversize tags or lengths and trailing
    bytes that do not form an object all raise :class:`FormatError`.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise FormatError(problem("KJ-CARD-006"))
    return list(_parse(bytes(data), opaque, 0))


def _encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    size = (length.bit_length() + 7) // 8
    if size > _MAX_LENGTH_BYTES:
        raise FormatError(problem("KJ-CARD-016"))
    return bytes([0x80 | size]) + length.to_bytes(size, "big")


def encode_tlv(tag: int, value: bytes) -> bytes:
    """Encode one data object (the tag as its bytes, e.g. ``0xDF22``; shortest length form)."""
    tag_bytes = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    return tag_bytes + _encode_length(len(value)) + value


def _check_my_number(value: str) -> None:
    if not is_valid_my_number(value):
        raise FormatError(problem("KJ-FMT-005", "my_number"))


@attrs.frozen
class CardIdentity:
    """The My Number and the four basic items (基本4情報) read from a card."""

    my_number: str = attrs.field(repr=False)  # 個人番号
    name: str = attrs.field(repr=False)  # 氏名, as printed: family and given name in one string
    address: str = attrs.field(repr=False)  # 住所
    birth_date: datetime.date = attrs.field(repr=False)  # 生年月日
    sex: Sex  # 性別

    def __attrs_post_init__(self) -> None:
        _check_my_number(self.my_number)
        for item in ("name", "address"):
            value = getattr(self, item)
            if not isinstance(value, str) or not value.strip():
                raise FormatError(problem("KJ-CARD-015", item))
        if self.sex not in _ISO5218_BY_SEX:
            raise FormatError(problem("KJ-FMT-010", "sex"))
        if not isinstance(self.birth_date, datetime.date) or isinstance(
            self.birth_date, datetime.datetime
        ):
            raise FormatError(problem("KJ-CARD-014", "birth_date"))


def _single(data: bytes, tag: int) -> TLV:
    """The one top-level object of an EF, which must be ``tag``."""
    nodes = parse_tlv(data, opaque=CARD_OPAQUE_TAGS)
    if len(nodes) != 1 or nodes[0].tag != tag:
        raise _malformed()
    return nodes[0]


def decode_my_number(data: bytes) -> str:
    """The My Number from the contents of EF 0001 (exactly the TLV, without padding)."""
    node = _single(data, TAG_MY_NUMBER)
    if not node.value.isascii():
        raise FormatError(problem("KJ-FMT-005", "my_number"))
    value = node.value.decode("ascii")
    _check_my_number(value)
    return value


def _text(container: TLV, tag: int, item: str) -> str:
    node = container.find(tag)
    if node is None:
        raise FormatError(problem("KJ-CARD-012", item))
    try:
        text = node.value.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(problem("KJ-CARD-013", item)) from None
    if not text.strip():
        raise FormatError(problem("KJ-CARD-015", item))
    return text


def _birth_date(container: TLV) -> datetime.date:
    node = container.find(TAG_BIRTH_DATE)
    if node is None:
        raise FormatError(problem("KJ-CARD-012", "birth_date"))
    raw = node.value
    if len(raw) != 8 or not raw.isdigit():  # bytes.isdigit is ASCII-only
        raise FormatError(problem("KJ-CARD-014", "birth_date"))
    try:
        return datetime.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise FormatError(problem("KJ-CARD-014", "birth_date")) from None


def _sex(container: TLV) -> Sex:
    node = container.find(TAG_SEX)
    if node is None:
        raise FormatError(problem("KJ-CARD-012", "sex"))
    sex = _SEX_BY_ISO5218.get(node.value)
    if sex is None:
        raise FormatError(problem("KJ-FMT-010", "sex"))
    return sex


@attrs.frozen
class BasicFour:  # 基本4情報
    name: str = attrs.field(repr=False)
    address: str = attrs.field(repr=False)
    birth_date: datetime.date = attrs.field(repr=False)
    sex: Sex


def decode_basic_four(data: bytes) -> BasicFour:
    """The four basic items from the contents of EF 0002 (exactly the TLV, without padding)."""
    container = _single(data, TAG_BASIC_FOUR)
    if not container.constructed:
        raise _malformed()
    seen = [c.tag for c in container.children]
    if len(seen) != len(set(seen)):  # two names or two addresses: which one is on the card?
        raise _malformed()
    return BasicFour(
        name=_text(container, TAG_NAME, "name"),
        address=_text(container, TAG_ADDRESS, "address"),
        birth_date=_birth_date(container),
        sex=_sex(container),
    )


def decode_identity(my_number_file: bytes, basic_four_file: bytes) -> CardIdentity:
    four = decode_basic_four(basic_four_file)
    return CardIdentity(
        my_number=decode_my_number(my_number_file),
        name=four.name,
        address=four.address,
        birth_date=four.birth_date,
        sex=four.sex,
    )


def encode_my_number(my_number: str) -> bytes:
    """EF 0001 as the card writes it (used by the simulated card and by tests)."""
    _check_my_number(my_number)
    return encode_tlv(TAG_MY_NUMBER, my_number.encode("ascii"))


def encode_basic_four(identity: CardIdentity, header: bytes = bytes(8)) -> bytes:
    """EF 0002 as the card writes it. The DF21 header's meaning is not public; we never read it."""
    birth = identity.birth_date
    items = b"".join(
        (
            encode_tlv(TAG_HEADER, header),
            encode_tlv(TAG_NAME, identity.name.encode("utf-8")),
            encode_tlv(TAG_ADDRESS, identity.address.encode("utf-8")),
            encode_tlv(
                TAG_BIRTH_DATE, f"{birth.year:04d}{birth.month:02d}{birth.day:02d}".encode()
            ),
            encode_tlv(TAG_SEX, _ISO5218_BY_SEX[identity.sex]),
        )
    )
    return encode_tlv(TAG_BASIC_FOUR, items)


def check_pin_format(pin: object) -> str:
    """The PIN if it is exactly four ASCII digits (券面事項入力補助用暗証番号)."""
    if not isinstance(pin, str) or len(pin) != PIN_LENGTH or not (pin.isascii() and pin.isdigit()):
        raise FormatError(problem("KJ-CARD-007", "pin"))
    return pin
