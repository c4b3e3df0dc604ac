"""BER-TLV of the My Number card and the values decoded from it.

Properties:
* encode → parse is the identity for any tag, length form and value, nested or not;
* every proper prefix of an encoding, and an encoding with any byte appended, is rejected;
* whatever the bytes, parsing and decoding either succeed or raise FormatError with a
  KJ-CARD-/KJ-FMT- code — never another exception; mutated valid files included;
* a decoded identity is the one encoded, whatever its text and length (long-form lengths).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kure_juki.domain.card import (
    MAX_DEPTH,
    TAG_ADDRESS,
    TAG_BASIC_FOUR,
    TAG_BIRTH_DATE,
    TAG_HEADER,
    TAG_MY_NUMBER,
    TAG_NAME,
    TAG_SEX,
    TLV,
    CardIdentity,
    check_pin_format,
    decode_basic_four,
    decode_identity,
    decode_my_number,
    encode_basic_four,
    encode_my_number,
    encode_tlv,
    parse_tlv,
    read_header,
)
from kure_juki.domain.errors import FormatError
from kure_juki.domain.identifiers import complete_my_number

# --- strategies --------------------------------------------------------------------------

def tags(constructed: bool) -> st.SearchStrategy[int]:
    """Tags with the constructed bit as asked, in every class, of one to three bytes."""
    leading = st.integers(0, 3).map(lambda cls: (cls << 6) | (0x20 if constructed else 0))
    one_byte = st.builds(lambda first, number: first | number, leading, st.integers(0, 30))
    two_bytes = st.builds(  # FF10, a low number in the long form, occurs on the card
        lambda first, number: ((first | 0x1F) << 8) | number, leading, st.integers(1, 0x7F)
    )
    three_bytes = st.builds(
        lambda first, high, low: ((first | 0x1F) << 16) | (high << 8) | low,
        leading, st.integers(0x81, 0xFF), st.integers(0, 0x7F),
    )
    return st.one_of(one_byte, two_bytes, three_bytes)


Tree = tuple[int, bytes, list["Tree"]]  # tag, its encoding, the expected children


@st.composite
def tlv_trees(draw: st.DrawFn, depth: int = 3) -> Tree:
    """(tag, encoding, expected children) of a random object."""
    if depth == 0 or draw(st.booleans()):
        tag = draw(tags(constructed=False))
        value = draw(st.binary(max_size=300))
        return tag, encode_tlv(tag, value), []
    tag = draw(tags(constructed=True))
    children = draw(st.lists(tlv_trees(depth - 1), max_size=3))
    return tag, encode_tlv(tag, b"".join(c[1] for c in children)), children


def _matches(node: TLV, expected: Tree) -> bool:
    tag, encoding, children = expected
    return (
        node.tag == tag
        and encode_tlv(node.tag, node.value) == encoding
        and len(node.children) == len(children)
        and all(_matches(n, c) for n, c in zip(node.children, children, strict=True))
    )


texts = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=120
).filter(lambda s: s.strip() != "")
identities = st.builds(
    CardIdentity,
    my_number=st.from_regex(r"[0-9]{11}", fullmatch=True).map(complete_my_number),
    name=texts,
    address=texts,
    birth_date=st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)),
    sex=st.sampled_from(["male", "female", "unknown", "not_applicable"]),
)


def _identity(**overrides: object) -> CardIdentity:
    values: dict[str, object] = {
        "my_number": complete_my_number("12345678901"),
        "name": "呉　太郎",
        "address": "広島県呉市中央四丁目1番6号",
        "birth_date": datetime.date(1980, 4, 1),
        "sex": "male",
    }
    values.update(overrides)
    return CardIdentity(**values)  # type: ignore[arg-type]


def _four(*items: bytes) -> bytes:
    return encode_tlv(TAG_BASIC_FOUR, b"".join(items))


NAME = encode_tlv(TAG_NAME, "呉　太郎".encode())
ADDRESS = encode_tlv(TAG_ADDRESS, "広島県呉市".encode())
BIRTH = encode_tlv(TAG_BIRTH_DATE, b"19800401")
SEX = encode_tlv(TAG_SEX, b"2")
HEADER = encode_tlv(TAG_HEADER, bytes(8))


def _code(call: Callable[..., object], *args: object, **kwargs: object) -> str:
    with pytest.raises(FormatError) as caught:
        call(*args, **kwargs)
    return caught.value.code


# --- the generic parser -------------------------------------------------------------------


@given(st.lists(tlv_trees(), max_size=4))
def test_encode_then_parse_gives_back_every_object(trees: list[Tree]) -> None:
    nodes = parse_tlv(b"".join(t[1] for t in trees))
    assert len(nodes) == len(trees)
    assert all(_matches(n, t) for n, t in zip(nodes, trees, strict=True))


@pytest.mark.parametrize(
    ("length", "form"),
    [(0, b"\x00"), (127, b"\x7f"), (128, b"\x81\x80"), (255, b"\x81\xff"),
     (256, b"\x82\x01\x00"), (65535, b"\x82\xff\xff"), (65536, b"\x83\x01\x00\x00")],
)
def test_length_forms(length: int, form: bytes) -> None:
    encoding = encode_tlv(0xDF23, bytes(length))
    assert encoding[2:2 + len(form)] == form
    [node] = parse_tlv(encoding)
    assert (node.tag, len(node.value)) == (0xDF23, length)


def test_long_form_that_is_not_the_shortest_is_read() -> None:
    [node] = parse_tlv(b"\xdf\x22\x82\x00\x03abc")
    assert (node.tag, node.value) == (0xDF22, b"abc")


def test_multi_byte_tags_and_nesting() -> None:
    [outer] = parse_tlv(bytes.fromhex("FF2008 DF2101AA 5F2401BB".replace(" ", "")))
    assert outer.tag == 0xFF20 and outer.constructed
    assert [(c.tag, c.value) for c in outer.children] == [(0xDF21, b"\xaa"), (0x5F24, b"\xbb")]


def test_opaque_tags_keep_their_bytes() -> None:
    digits = complete_my_number("12345678901").encode()
    with pytest.raises(FormatError):
        parse_tlv(encode_tlv(TAG_MY_NUMBER, digits))  # constructed bit set, digits inside
    [node] = parse_tlv(encode_tlv(TAG_MY_NUMBER, digits), opaque={TAG_MY_NUMBER})
    assert node.value == digits and node.children == ()


@given(tlv_trees())
def test_every_truncation_is_rejected(tree: Tree) -> None:
    encoding = tree[1]
    for cut in range(1, len(encoding)):
        assert _code(parse_tlv, encoding[:cut]) == "KJ-CARD-006"


@given(tlv_trees(), st.integers(0, 255))
def test_a_trailing_byte_is_rejected(tree: Tree, extra: int) -> None:
    assert _code(parse_tlv, tree[1] + bytes([extra])) == "KJ-CARD-006"


@pytest.mark.parametrize(
    "data",
    [
        b"\xdf\x22\x80abc\x00\x00",  # indefinite length
        b"\xdf\x22\x84\x00\x00\x00\x03abc",  # more length bytes than any card file needs
        b"\xdf\x22\xffabc",  # reserved length byte
        b"\xdf\x22\x05abc",  # length beyond the data
        b"\xdf\x22\x82\x01",  # long-form length cut short
        b"\xdf",  # tag cut short
        b"\x1f\x80\x01\x00",  # tag with a leading zero continuation
        b"\x1f\x81\x81\x01\x00",  # tag longer than three bytes
    ],
)
def test_malformed_headers(data: bytes) -> None:
    assert _code(parse_tlv, data) == "KJ-CARD-006"


def test_nesting_deeper_than_the_limit_is_rejected_not_a_recursion_error() -> None:
    data = b"\x04\x00"
    for _ in range(MAX_DEPTH + 1):
        data = encode_tlv(0x30, data)
    assert _code(parse_tlv, data) == "KJ-CARD-016"
    deep = b"\x30\x02" * 5000 + b"\x04\x00"  # lengths are wrong too: either code is fine
    assert _code(parse_tlv, deep) in ("KJ-CARD-006", "KJ-CARD-016")


def test_header_alone_tells_the_size_to_read() -> None:
    encoding = encode_tlv(TAG_BASIC_FOUR, bytes(300))
    header = read_header(encoding[:8])
    assert (header.tag, header.header_length, header.total_length) == (0xFF20, 5, 305)


@given(st.binary(max_size=600))
@example(b"\xff\x20\x80\x00\x00")
@example(b"\xff\x10\x0c" + b"012345678901")
def test_any_bytes_parse_or_raise_format_error(data: bytes) -> None:
    for call in (parse_tlv, decode_my_number, decode_basic_four):
        try:
            call(data)
        except FormatError as error:
            assert error.code.startswith(("KJ-CARD-", "KJ-FMT-"))


# --- the card's files ---------------------------------------------------------------------


@given(identities)
def test_identity_round_trip(identity: CardIdentity) -> None:
    files = encode_my_number(identity.my_number), encode_basic_four(identity)
    assert decode_identity(*files) == identity


def test_the_published_my_number_layout() -> None:
    my_number = complete_my_number("12345678901")
    assert encode_my_number(my_number) == b"\xff\x10\x0c" + my_number.encode()
    # The public trace shows FF 10 0C 30 31 … 30 31: 012345678901 fails the check digit.
    assert _code(decode_my_number, b"\xff\x10\x0c012345678901") == "KJ-FMT-005"


@pytest.mark.parametrize(
    ("repeat", "container", "address"),
    [(5, b"\xff\x20\x81", b"\xdf\x23\x81"),  # address of 150 bytes, container under 256
     (10, b"\xff\x20\x82", b"\xdf\x23\x82")],  # address of 285 bytes
)
def test_long_address_uses_long_form_lengths(repeat: int, container: bytes, address: bytes) -> None:
    identity = _identity(address="広島県呉市" + "中央四丁目一番六号" * repeat)
    data = encode_basic_four(identity)
    assert data.startswith(container)
    assert address in data
    assert decode_basic_four(data).address == identity.address


@st.composite
def mutations(draw: st.DrawFn) -> bytes:
    data = bytearray(encode_basic_four(draw(identities)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "insert":
            data.insert(at, draw(st.integers(0, 255)))
        elif kind == "delete" and data:
            del data[at]
        else:
            del data[at:]
    return bytes(data)


@given(mutations())
def test_mutated_files_decode_or_raise_format_error(data: bytes) -> None:
    try:
        four = decode_basic_four(data)
    except FormatError as error:
        assert error.code.startswith(("KJ-CARD-", "KJ-FMT-"))
    else:  # a mutation inside a text can leave a valid file: it must still hold four items
        assert four.name.strip() and four.address.strip()


@pytest.mark.parametrize(
    ("missing", "item"),
    [(NAME, "name"), (ADDRESS, "address"), (BIRTH, "birth_date"), (SEX, "sex")],
)
def test_each_item_is_required(missing: bytes, item: str) -> None:
    items = [i for i in (HEADER, NAME, ADDRESS, BIRTH, SEX) if i != missing]
    with pytest.raises(FormatError) as caught:
        decode_basic_four(_four(*items))
    assert (caught.value.code, caught.value.item) == ("KJ-CARD-012", item)


def test_the_header_is_not_required_and_unknown_items_are_ignored() -> None:
    four = decode_basic_four(_four(NAME, ADDRESS, BIRTH, SEX, encode_tlv(0xDF30, b"x")))
    assert (four.birth_date, four.sex) == (datetime.date(1980, 4, 1), "female")


@pytest.mark.parametrize(
    ("items", "code", "item"),
    [
        ((encode_tlv(TAG_NAME, b"\xe5\x91"), ADDRESS, BIRTH, SEX), "KJ-CARD-013", "name"),
        ((NAME, encode_tlv(TAG_ADDRESS, b"\xff"), BIRTH, SEX), "KJ-CARD-013", "address"),
        ((encode_tlv(TAG_NAME, "\u3000 ".encode()), ADDRESS, BIRTH, SEX), "KJ-CARD-015", "name"),
        ((NAME, ADDRESS, encode_tlv(TAG_BIRTH_DATE, b"19800230"), SEX), "KJ-CARD-014",
         "birth_date"),
        ((NAME, ADDRESS, encode_tlv(TAG_BIRTH_DATE, b"1980-4-1"), SEX), "KJ-CARD-014",
         "birth_date"),
        ((NAME, ADDRESS, encode_tlv(TAG_BIRTH_DATE, "１９８００４０１".encode()), SEX),
         "KJ-CARD-014", "birth_date"),
        ((NAME, ADDRESS, BIRTH, encode_tlv(TAG_SEX, b"3")), "KJ-FMT-010", "sex"),
        ((NAME, ADDRESS, BIRTH, encode_tlv(TAG_SEX, b"12")), "KJ-FMT-010", "sex"),
        ((NAME, NAME, ADDRESS, BIRTH, SEX), "KJ-CARD-006", None),
    ],
)
def test_bad_items(items: tuple[bytes, ...], code: str, item: str | None) -> None:
    with pytest.raises(FormatError) as caught:
        decode_basic_four(_four(*items))
    assert (caught.value.code, caught.value.item) == (code, item)


@pytest.mark.parametrize(
    ("digit", "sex"), [(b"0", "unknown"), (b"1", "male"), (b"2", "female"),
                       (b"9", "not_applicable")],
)
def test_iso_5218_sex_codes(digit: bytes, sex: str) -> None:
    assert decode_basic_four(_four(NAME, ADDRESS, BIRTH, encode_tlv(TAG_SEX, digit))).sex == sex


@pytest.mark.parametrize(
    "data",
    [
        encode_tlv(TAG_BASIC_FOUR, b""),  # wrong file
        encode_tlv(TAG_MY_NUMBER, b"12345678901"),  # 11 digits
        encode_tlv(TAG_MY_NUMBER, "１２３４５６７８９０１８".encode()),  # not ASCII
        encode_my_number(complete_my_number("12345678901")) * 2,  # two objects
    ],
)
def test_bad_my_number_files(data: bytes) -> None:
    assert _code(decode_my_number, data) in ("KJ-CARD-006", "KJ-FMT-005")


def test_card_identity_validates_itself_and_hides_its_values() -> None:
    identity = _identity()
    shown = repr(identity) + str(identity)
    for secret in (identity.my_number, identity.name, identity.address, "1980"):
        assert secret not in shown
    assert _code(_identity, my_number="123456789012") == "KJ-FMT-005"
    assert _code(_identity, sex="other") == "KJ-FMT-010"
    assert _code(_identity, name="") == "KJ-CARD-015"
    assert _code(_identity, birth_date="1980-04-01") == "KJ-CARD-014"


def test_tlv_repr_shows_sizes_not_values() -> None:
    [node] = parse_tlv(encode_tlv(TAG_NAME, "呉　太郎".encode()))
    assert "呉" not in repr(node) and "length=12" in repr(node)


@given(st.text(max_size=6))
@example("1234")
@example("１２３４")
def test_pin_format_is_four_ascii_digits(pin: str) -> None:
    valid = len(pin) == 4 and all(c in "0123456789" for c in pin)
    if valid:
        assert check_pin_format(pin) == pin
    else:
        assert _code(check_pin_format, pin) == "KJ-CARD-007"
