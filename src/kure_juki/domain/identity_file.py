"""The 本人確認情報ファイル as the 市町村CS holds it, and the CS-side checks (SPEC 2.1 file 2).

One :class:`IdentityRecord` per person, with the forty items of the seed's 別添1 (2), in the
seed's order. Those items, and nothing else, may leave the register for the CS (seed Ⅲ(2) 2:
the CS obtains only what 総務省告示第334号 第6-7 allows): :data:`WHITELIST` is derived from the
class, and :func:`to_cs_payload` refuses a record that carries anything more.

Before an update is registered at the CS and sent to the prefecture (住基法30条の6), every item
is format-checked (:func:`check_identity_record`) and the change logic-checked
(:func:`check_update`): the seed's own examples are a 転入 for a person who is already held
alive, and a 転居 that changes anything but the address. :func:`reconcile` compares our file
with the peer's copy for 整合性確認 (住基法14条) in one streaming pass; :func:`cut_ranges` and
:func:`range_digest` let both sides compare digests of ranges of 住民票コード first, so that only
the ranges that differ are moved and compared item by item.

更新順番号 (item 29) is numbered per municipality: every update the CS sends takes the next
number, and a record holds the number of the update that last wrote it. The prefecture checks
the per-municipality stream is contiguous; a record alone can only check that its number grew.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from kure_juki.domain.errors import FormatError, LinkError, Problem, problem
from kure_juki.domain.format_checks import SEXES, is_clean_text
from kure_juki.domain.identifiers import (
    is_valid_local_gov_code,
    is_valid_my_number,
    is_valid_postal_code,
    is_valid_resident_code,
)
from kure_juki.domain.names import count_gaiji, is_kana, seion_kana

__all__ = [
    "ADDITIONS",
    "ADDRESS_ITEMS",
    "CHANGES",
    "DIGEST_KEY_SIZE",
    "DIGEST_SIZE",
    "ITEM_NAMES_JA",
    "REASONS",
    "REMOVALS",
    "WHITELIST",
    "Difference",
    "DifferenceKind",
    "IdentityRecord",
    "RangeDigest",
    "RecordRange",
    "RecordState",
    "Sex",
    "canonical_payload",
    "check_identity_record",
    "check_update",
    "cut_ranges",
    "fingerprint",
    "identity_record_from_payload",
    "range_digest",
    "reconcile",
    "to_cs_payload",
]

Sex = Literal["male", "female"]
RecordState = Literal["current", "deleted"]  # レコード状況: 現存 / 消除

_JA: Final = "ja"


def _ja(name: str) -> dict[str, str]:
    """Field metadata naming the item in Japanese (記録項目名)."""
    return {_JA: name}


@attrs.frozen(kw_only=True)
class IdentityRecord:  # 本人確認情報
    """One person's 本人確認情報 as the 市町村CS holds it (seed 別添1 (2), items 1–40).

    Dates are values, never read from a clock; ``timestamp`` is the aware time the update was
    made. ``my_number`` is left out of repr so a logged record never shows it.
    """

    resident_code: str = attrs.field(metadata=_ja("住民票コード"))  # 1
    name_kanji: str = attrs.field(metadata=_ja("漢字氏名"))  # 2
    name_gaiji_count: int = attrs.field(metadata=_ja("外字数(氏名)"))  # 3
    name_kana: str = attrs.field(metadata=_ja("ふりがな氏名"))  # 4
    name_seion_kana: str = attrs.field(metadata=_ja("清音化かな氏名"))  # 5
    birth_date: dt.date = attrs.field(metadata=_ja("生年月日"))  # 6
    sex: Sex = attrs.field(metadata=_ja("性別"))  # 7
    municipality_code: str = attrs.field(metadata=_ja("市町村コード"))  # 8
    oaza_code: str | None = attrs.field(metadata=_ja("大字・字コード"), default=None)  # 9
    postal_code: str = attrs.field(metadata=_ja("郵便番号"))  # 10
    address: str = attrs.field(metadata=_ja("住所"))  # 11
    address_gaiji_count: int = attrs.field(metadata=_ja("外字数(住所)"))  # 12
    my_number: str = attrs.field(metadata=_ja("個人番号"), repr=False)  # 13
    became_resident_on: dt.date = attrs.field(metadata=_ja("住民となった日"))  # 14
    address_set_on: dt.date = attrs.field(metadata=_ja("住所を定めた日"))  # 15
    notified_on: dt.date = attrs.field(metadata=_ja("届出の年月日"))  # 16
    previous_municipality_code: str | None = attrs.field(
        metadata=_ja("市町村コード(転入前)"), default=None
    )  # 17
    previous_address: str | None = attrs.field(metadata=_ja("転入前住所"), default=None)  # 18
    previous_address_gaiji_count: int = attrs.field(
        metadata=_ja("外字数(転入前住所)"), default=0
    )  # 19
    relationship: str = attrs.field(metadata=_ja("続柄"))  # 20
    change_reason: str = attrs.field(metadata=_ja("異動事由"))  # 21
    changed_on: dt.date = attrs.field(metadata=_ja("異動年月日"))  # 22
    change_reason_detail: str | None = attrs.field(metadata=_ja("異動事由詳細"), default=None)  # 23
    old_resident_code: str | None = attrs.field(metadata=_ja("旧住民票コード"), default=None)  # 24
    resident_code_used_from: dt.date = attrs.field(metadata=_ja("住民票コード使用年月日"))  # 25
    request_number: str = attrs.field(metadata=_ja("依頼管理番号"))  # 26
    operator_id: str = attrs.field(metadata=_ja("操作者ID"))  # 27
    terminal_id: str = attrs.field(metadata=_ja("操作端末ID"))  # 28
    update_sequence: int = attrs.field(metadata=_ja("更新順番号"))  # 29
    abnormal_update_sequence: int | None = attrs.field(
        metadata=_ja("異常時更新順番号"), default=None
    )  # 30
    update_prohibited: bool = attrs.field(metadata=_ja("更新禁止フラグ"), default=False)  # 31
    planned: bool = attrs.field(metadata=_ja("予定者フラグ"), default=False)  # 32
    exclusive_lock: bool = attrs.field(metadata=_ja("排他フラグ"), default=False)  # 33
    gaiji_flag: bool = attrs.field(metadata=_ja("外字フラグ"), default=False)  # 34
    record_state: RecordState = attrs.field(
        metadata=_ja("レコード状況フラグ"), default="current"
    )  # 35
    timestamp: dt.datetime = attrs.field(metadata=_ja("タイムスタンプ"))  # 36
    former_surname: str | None = attrs.field(metadata=_ja("旧氏 漢字"), default=None)  # 37
    former_surname_gaiji_count: int = attrs.field(metadata=_ja("旧氏 外字数"), default=0)  # 38
    former_surname_kana: str | None = attrs.field(metadata=_ja("旧氏 ふりがな"), default=None)  # 39
    former_surname_gaiji_serial: int = attrs.field(
        metadata=_ja("旧氏 外字変更連番"), default=0
    )  # 40


attrs.resolve_types(IdentityRecord)
_FIELDS: Final[tuple[attrs.Attribute[Any], ...]] = attrs.fields(IdentityRecord)
_FIELD_NAMES: Final[tuple[str, ...]] = tuple(f.name for f in _FIELDS)

WHITELIST: Final[frozenset[str]] = frozenset(_FIELD_NAMES)
"""The only items that may leave the register for the CS: the forty of 別添1 (2)."""

ITEM_NAMES_JA: Final[Mapping[str, str]] = {f.name: f.metadata[_JA] for f in _FIELDS}
"""English item name -> Japanese 記録項目名."""

# 異動事由 as the CS knows them, by effect on the record.
ADDITIONS: Final = frozenset(  # 記載: the record (re)appears
    {"転入", "特例転入", "国外転入", "出生", "職権記載", "帰化", "国籍取得"}
)
REMOVALS: Final = frozenset(  # 消除 (転出 and 国外転出 first as 予定者)
    {"転出", "国外転出", "死亡", "職権消除", "国籍喪失"}
)
CHANGES: Final = frozenset(  # 修正: the record stays
    {
        "転居",
        "職権修正",
        "住民票コード変更",
        "個人番号変更",
        "氏名変更",
        "続柄変更",
        "世帯変更",
        "旧氏記載",
        "旧氏削除",
        "転出取消",
    }
)
REASONS: Final = ADDITIONS | REMOVALS | CHANGES

ADDRESS_ITEMS: Final = frozenset(
    {"oaza_code", "postal_code", "address", "address_gaiji_count", "address_set_on"}
)
# Written by every update whatever its reason: who, when, why, and derived flags.
BOOKKEEPING_ITEMS: Final = frozenset(
    {
        "change_reason",
        "changed_on",
        "change_reason_detail",
        "notified_on",
        "request_number",
        "operator_id",
        "terminal_id",
        "update_sequence",
        "abnormal_update_sequence",
        "exclusive_lock",
        "gaiji_flag",
        "timestamp",
    }
)
_STATE: Final = frozenset({"planned", "record_state"})
_CODE_CHANGE_ITEMS: Final = frozenset(
    {"resident_code", "old_resident_code", "resident_code_used_from"}
)
_PLANNED_REASONS: Final = frozenset({"転出", "国外転出"})
# 排他フラグ is the CS's own transient lock, not part of what the two copies must agree on.
_RECONCILE_IGNORED: Final = frozenset({"exclusive_lock"})

_MAX_NAME: Final = 100
_MAX_TEXT: Final = 200
_MAX_RELATIONSHIP: Final = 23  # 標準1.1.11: four 夫（未届） joined by 「の」
_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._:-]{0,31}")
_OAZA = re.compile(r"[0-9]{1,12}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --- wire form -------------------------------------------------------------------------------


def to_cs_payload(record: IdentityRecord) -> dict[str, Any]:
    """The record as the JSON-ready dict sent to the CS: whitelisted items only.

    A subclass or an object dressed up with extra attributes is refused with KJ-LINK-012 for
    every item outside the whitelist, rather than silently trimmed: something upstream is
    trying to send what the CS may not hold.
    """
    if type(record) is IdentityRecord:  # slotted and exact: nothing more can ride on it
        return _write(record)
    if not isinstance(record, IdentityRecord):
        raise LinkError(problem("KJ-LINK-012", type(record).__name__))
    names = [f.name for f in attrs.fields(type(record))]
    names += list(getattr(record, "__dict__", {}))
    outside = [name for name in names if name not in WHITELIST]
    if outside:
        raise LinkError([problem("KJ-LINK-012", name) for name in outside])
    return _write(record)


def _parse_date(value: object) -> dt.date | None:
    if not isinstance(value, str) or _ISO_DATE.fullmatch(value) is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _parse_datetime(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    # Only the form we write: Python 3.11 also reads "20240101T…" and other ISO variants.
    return parsed if parsed.isoformat() == value else None


def _base_kind(tp: object) -> tuple[object, bool]:
    """The type of a field without ``| None``, and whether None is allowed."""
    args = typing.get_args(tp)
    if isinstance(tp, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0], True
    return tp, False


def _value_matches(kind: object, value: object) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is str:
        return isinstance(value, str)
    if kind is dt.datetime:
        return isinstance(value, dt.datetime)
    if kind is dt.date:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if typing.get_origin(kind) is Literal:
        return value in typing.get_args(kind)
    raise AssertionError("unhandled field type")


_TYPE_CODES: Final = {"sex": "KJ-FMT-010", "record_state": "KJ-FMT-104"}


def _type_problem(name: str, kind: object) -> Problem:
    if kind is dt.date or kind is dt.datetime:
        return problem("KJ-FMT-004", name)
    return problem(_TYPE_CODES.get(name, "KJ-FMT-003"), name)


_INVALID: Final = object()


def _reader(kind: object, optional: bool) -> Callable[[object], object]:
    """Reads one item from its JSON value: the typed value, or _INVALID. Built once per field
    (reconciliation reads millions of records, so the type is not re-inspected per value)."""
    check: Callable[[object], object]
    if kind is dt.datetime or kind is dt.date:
        parse = _parse_datetime if kind is dt.datetime else _parse_date

        def check(value: object) -> object:
            parsed = parse(value)
            return _INVALID if parsed is None else parsed

    elif kind in (str, int, bool):
        exact = typing.cast(type, kind)  # type() is: True is not an int here, 1 not a bool

        def check(value: object) -> object:
            return value if type(value) is exact else _INVALID

    else:
        allowed = typing.get_args(kind)  # a Literal

        def check(value: object) -> object:
            return value if type(value) is str and value in allowed else _INVALID

    if not optional:
        return check

    def check_optional(value: object) -> object:
        return None if value is None else check(value)

    return check_optional


_READERS: Final = tuple(
    (f.name, f.default is attrs.NOTHING, _base_kind(f.type)[0], _reader(*_base_kind(f.type)))
    for f in _FIELDS
)


class _Unreadable(Exception):
    """Raised by the generated reader; the item-by-item reader then says what is wrong."""


# Dates repeat a great deal across a file (days of moves, birthdays), and parsing one strictly
# costs as much as reading the rest of an item; dates are immutable, so sharing them is safe.
_cached_date: Final = functools.lru_cache(maxsize=1 << 16)(_parse_date)


def _date_or_raise(value: object) -> dt.date:
    if type(value) is not str:
        raise _Unreadable
    parsed = _cached_date(value)
    if parsed is None:
        raise _Unreadable
    return parsed


def _datetime_or_raise(value: object) -> dt.datetime:
    parsed = _parse_datetime(value)
    if parsed is None:
        raise _Unreadable
    return parsed


Writer = Callable[[IdentityRecord], dict[str, Any]]
Reader = Callable[[dict[str, Any]], IdentityRecord]


def _compile_codec() -> tuple[Writer, Reader]:
    """A straight-line writer and reader of the forty items, generated once, as attrs generates
    ``__init__``: 整合性確認 moves millions of records, and a loop over the fields of each
    record cost more than the rest of the path together. The reader accepts exactly what the
    item-by-item reader accepts and raises _Unreadable otherwise (tested against it)."""
    namespace: dict[str, Any] = {
        "IdentityRecord": IdentityRecord,
        "_Unreadable": _Unreadable,
        "_date": _date_or_raise,
        "_datetime": _datetime_or_raise,
    }
    write = ["def write(r):", "    return {"]
    read = ["def read(p):", f"    if len(p) != {len(_FIELDS)}:", "        raise _Unreadable"]
    arguments = []
    for i, field in enumerate(_FIELDS):
        name, (kind, optional) = field.name, _base_kind(field.type)
        value, guard = f"v{i}", f"v{i} is not None and " if optional else ""
        read.append(f"    {value} = p[{name!r}]")
        if kind is dt.date or kind is dt.datetime:
            parse = "_date" if kind is dt.date else "_datetime"
            written = f"r.{name}.isoformat()"
            if optional:
                written = f"(None if r.{name} is None else {written})"
                read.append(f"    if {value} is not None:")
                read.append(f"        {value} = {parse}({value})")
            else:
                read.append(f"    {value} = {parse}({value})")
        else:
            written = f"r.{name}"
            if kind in (str, int, bool):
                namespace[f"t{i}"] = kind
                test = f"type({value}) is not t{i}"  # exact: True is no int, 1 no bool
            else:
                namespace[f"a{i}"] = frozenset(typing.get_args(kind))  # a Literal
                test = f"(type({value}) is not str or {value} not in a{i})"
            read.append(f"    if {guard}{test}:")
            read.append("        raise _Unreadable")
        write.append(f"        {name!r}: {written},")
        arguments.append(f"{name}={value}")
    write.append("    }")
    read.append(f"    return IdentityRecord({', '.join(arguments)})")
    source = "\n".join([*write, "", *read])
    exec(compile(source, "<identity_file codec>", "exec"), namespace)
    return namespace["write"], namespace["read"]


_write, _read = _compile_codec()


def identity_record_from_payload(payload: Mapping[str, Any]) -> IdentityRecord:
    """The record a CS payload describes, checked strictly item by item.

    Unknown keys are refused (KJ-LINK-012: the receiving side holds the same whitelist),
    missing ones are KJ-FMT-002, values of the wrong JSON type KJ-FMT-003 (sex KJ-FMT-010,
    record state KJ-FMT-104), dates not written "YYYY-MM-DD" KJ-FMT-004. Every problem is
    reported at once. Values are typed here, not judged: run :func:`check_identity_record`.
    """
    if type(payload) is dict:
        try:
            return _read(payload)
        except (_Unreadable, KeyError):
            pass  # read again item by item, to report every problem
    if not isinstance(payload, Mapping):
        raise FormatError(problem("KJ-FMT-018"))
    if not WHITELIST.issuperset(payload):
        raise LinkError([problem("KJ-LINK-012", str(k)) for k in payload if k not in WHITELIST])
    found: list[Problem] = []
    values: dict[str, Any] = {}
    for name, required, kind, read in _READERS:
        if name not in payload:
            if required:
                found.append(problem("KJ-FMT-002", name))
            continue
        value = read(payload[name])
        if value is _INVALID:
            found.append(_type_problem(name, kind))
        else:
            values[name] = value
    if found:
        raise FormatError(found)
    return IdentityRecord(**values)


# --- format checks ---------------------------------------------------------------------------


def _wrong_types(record: IdentityRecord) -> list[Problem]:
    found: list[Problem] = []
    for field in _FIELDS:
        value = getattr(record, field.name)
        kind, optional = _base_kind(field.type)
        if value is None and optional:
            continue
        if not _value_matches(kind, value):
            found.append(_type_problem(field.name, kind))
    return found


def _gaiji_count_problem(text: str | None, count: int, item: str) -> list[Problem]:
    if count < 0:
        return [problem("KJ-FMT-113", item)]
    expected = 0 if text is None else count_gaiji(text)
    return [] if expected == count else [problem("KJ-FMT-102", item)]


def check_identity_record(record: IdentityRecord) -> list[Problem]:
    """Every format problem of one 本人確認情報 (形式チェック); empty when well formed.

    Check digits of 住民票コード, 個人番号 and 市町村コード, postal code, kana, 清音化かな
    against ふりがな, 外字数 against the text, flags, identifiers and sequence numbers. Never
    raises: an item of the wrong type is reported and its further checks skipped.
    """
    found = _wrong_types(record)
    bad = {p.item for p in found}

    def ok(item: str) -> bool:
        return item not in bad

    def need(item: str, valid: Callable[[Any], bool], code: str) -> None:
        value = getattr(record, item)
        if ok(item) and value is not None and not valid(value):
            found.append(problem(code, item))

    need("resident_code", is_valid_resident_code, "KJ-FMT-006")
    need("old_resident_code", is_valid_resident_code, "KJ-FMT-006")
    need("my_number", is_valid_my_number, "KJ-FMT-005")
    need("municipality_code", is_valid_local_gov_code, "KJ-FMT-007")
    need("previous_municipality_code", is_valid_local_gov_code, "KJ-FMT-007")
    need("postal_code", is_valid_postal_code, "KJ-FMT-008")
    need("oaza_code", lambda v: _OAZA.fullmatch(v) is not None, "KJ-FMT-106")
    need("name_kanji", lambda v: is_clean_text(v, _MAX_NAME), "KJ-FMT-012")
    need("name_kana", is_kana, "KJ-FMT-011")
    need("address", lambda v: is_clean_text(v, _MAX_TEXT), "KJ-FMT-015")
    need("previous_address", lambda v: is_clean_text(v, _MAX_TEXT), "KJ-FMT-015")
    need("relationship", lambda v: is_clean_text(v, _MAX_RELATIONSHIP), "KJ-FMT-014")
    need("change_reason", lambda v: v in REASONS, "KJ-FMT-103")
    need("change_reason_detail", lambda v: is_clean_text(v, _MAX_TEXT), "KJ-FMT-015")
    for item in ("request_number", "operator_id", "terminal_id"):
        need(item, lambda v: _ID.fullmatch(v) is not None, "KJ-FMT-112")
    need("update_sequence", lambda v: v >= 1, "KJ-FMT-105")
    need("abnormal_update_sequence", lambda v: v >= 1, "KJ-FMT-105")
    need("former_surname", lambda v: is_clean_text(v, _MAX_NAME), "KJ-FMT-012")
    need("former_surname_kana", is_kana, "KJ-FMT-011")
    need("former_surname_gaiji_serial", lambda v: v >= 0, "KJ-FMT-113")
    need("timestamp", lambda v: v.utcoffset() is not None, "KJ-FMT-107")
    need("sex", lambda v: v in SEXES, "KJ-FMT-010")

    if (
        ok("name_kana")
        and ok("name_seion_kana")
        and is_kana(record.name_kana)
        and record.name_seion_kana != seion_kana(record.name_kana)
    ):
        found.append(problem("KJ-FMT-101", "name_seion_kana"))

    gaiji_pairs = (
        ("name_kanji", "name_gaiji_count"),
        ("address", "address_gaiji_count"),
        ("previous_address", "previous_address_gaiji_count"),
        ("former_surname", "former_surname_gaiji_count"),
    )
    counts_ok = True
    for text_item, count_item in gaiji_pairs:
        if ok(text_item) and ok(count_item):
            more = _gaiji_count_problem(
                getattr(record, text_item), getattr(record, count_item), count_item
            )
            counts_ok = counts_ok and not more
            found += more
        else:
            counts_ok = False
    if counts_ok and ok("gaiji_flag"):
        has_gaiji = any(getattr(record, count) > 0 for _, count in gaiji_pairs)
        if record.gaiji_flag != has_gaiji:
            found.append(problem("KJ-FMT-110", "gaiji_flag"))

    if (
        ok("former_surname")
        and ok("former_surname_kana")
        and ((record.former_surname is None) != (record.former_surname_kana is None))
    ):
        found.append(problem("KJ-FMT-108", "former_surname_kana"))
    if (
        ok("previous_municipality_code")
        and record.previous_municipality_code is not None
        and record.previous_address is None
    ):
        found.append(problem("KJ-FMT-109", "previous_municipality_code"))
    if (
        ok("old_resident_code")
        and ok("resident_code")
        and record.old_resident_code is not None
        and record.old_resident_code == record.resident_code
    ):
        found.append(problem("KJ-FMT-111", "old_resident_code"))
    return found


# --- logic checks of an update ---------------------------------------------------------------


def _changed_items(before: IdentityRecord, after: IdentityRecord) -> list[str]:
    return [name for name in _FIELD_NAMES if getattr(before, name) != getattr(after, name)]


def _check_dates(new: IdentityRecord, reason: str) -> list[Problem]:
    found: list[Problem] = []
    born = new.birth_date
    for item in ("became_resident_on", "address_set_on", "changed_on", "notified_on"):
        if getattr(new, item) < born:
            found.append(problem("KJ-LOGIC-115", item))
    # A move-out is notified before it happens: its 異動年月日 is the planned date.
    if reason not in _PLANNED_REASONS and new.notified_on < new.changed_on:
        found.append(problem("KJ-LOGIC-006", "notified_on"))
    if reason == "出生" and new.birth_date != new.changed_on:
        found.append(problem("KJ-LOGIC-035", "birth_date"))
    if new.planned and new.record_state == "deleted":
        found.append(problem("KJ-LOGIC-112", "planned"))
    return found


def _check_addition(
    previous: IdentityRecord | None, new: IdentityRecord, reason: str
) -> list[Problem]:
    found: list[Problem] = []
    # A newborn's code cannot already be known, alive or not.
    if previous is not None and (previous.record_state == "current" or reason == "出生"):
        found.append(problem("KJ-LOGIC-001", "resident_code"))
    if new.record_state != "current" or new.planned:
        found.append(problem("KJ-LOGIC-111", "record_state"))
    return found


def _check_removal(
    previous: IdentityRecord, new: IdentityRecord, reason: str, changed: list[str]
) -> list[Problem]:
    found: list[Problem] = []
    if previous.record_state == "deleted":
        return [problem("KJ-LOGIC-037", "record_state")]
    planned_only = reason in _PLANNED_REASONS and new.planned and new.record_state == "current"
    if new.record_state != "deleted" and not planned_only:
        found.append(problem("KJ-LOGIC-109", "record_state"))
    allowed = BOOKKEEPING_ITEMS | _STATE
    found += [problem("KJ-LOGIC-110", item) for item in changed if item not in allowed]
    return found


def _check_change(
    previous: IdentityRecord, new: IdentityRecord, reason: str, changed: list[str]
) -> list[Problem]:
    found: list[Problem] = []
    if previous.record_state == "deleted" and reason != "職権修正":
        found.append(problem("KJ-LOGIC-011", "record_state"))
    if "record_state" in changed:
        found.append(problem("KJ-LOGIC-117", "record_state"))
    if reason == "転居":
        allowed = BOOKKEEPING_ITEMS | ADDRESS_ITEMS
        found += [problem("KJ-LOGIC-003", item) for item in changed if item not in allowed]
        if not any(item in ADDRESS_ITEMS - {"address_set_on"} for item in changed):
            found.append(problem("KJ-LOGIC-032", "address"))
    if reason == "住民票コード変更":
        if new.resident_code == previous.resident_code:
            found.append(problem("KJ-LOGIC-114", "resident_code"))
        if new.old_resident_code != previous.resident_code:
            found.append(problem("KJ-LOGIC-113", "old_resident_code"))
    return found


def check_update(
    previous: IdentityRecord | None,
    new: IdentityRecord,
    reason: str,
    *,
    last_applied_sequence: int | None = None,
) -> list[Problem]:
    """Every logic problem of registering ``new`` over ``previous`` for ``reason`` (論理チェック).

    ``previous`` is the record the checking side holds for the person (for 住民票コード変更,
    the record under the old code), None when it holds none. ``new`` should have passed
    :func:`check_identity_record`. With ``last_applied_sequence`` (the last 更新順番号 the
    checking side applied for the municipality) ``new`` must carry the next number.

    The seed's rules: 転入 of a record held alive is KJ-LOGIC-001; 転居 changing anything but
    the address items is KJ-LOGIC-003 for each such item. Our own: the reason must be known and
    be the record's 異動事由; 消除 or change of an unknown record; removals that do not remove
    or that change identity items; 住民票コード and 個人番号 change only under their own
    reasons; the 予定者 flag and the record state change only with the movements that set
    them; update-prohibited and locked records; 更新順番号 that does not grow; dates before
    birth, 届出日 before 異動日 (except for a planned move-out), a birth on another day.
    """
    if reason not in REASONS:
        return [problem("KJ-FMT-103", "change_reason")]
    found: list[Problem] = []
    if new.change_reason != reason:
        found.append(problem("KJ-LOGIC-108", "change_reason"))
    found += _check_dates(new, reason)
    if last_applied_sequence is not None and new.update_sequence != last_applied_sequence + 1:
        found.append(problem("KJ-LOGIC-105", "update_sequence"))

    if reason in ADDITIONS:
        return found + _check_addition(previous, new, reason)
    if previous is None:
        return [*found, problem("KJ-LOGIC-101", "resident_code")]

    changed = _changed_items(previous, new)
    if new.update_sequence <= previous.update_sequence:
        found.append(problem("KJ-LOGIC-104", "update_sequence"))
    if previous.update_prohibited and reason != "職権修正":
        found.append(problem("KJ-LOGIC-106", "update_prohibited"))
    if previous.exclusive_lock:
        found.append(problem("KJ-LOGIC-107", "exclusive_lock"))
    if reason != "住民票コード変更":
        found += [problem("KJ-LOGIC-102", item) for item in changed if item in _CODE_CHANGE_ITEMS]
    if reason != "個人番号変更" and "my_number" in changed:
        found.append(problem("KJ-LOGIC-103", "my_number"))
    if "planned" in changed:
        sets_planned = new.planned and reason in _PLANNED_REASONS
        clears_planned = not new.planned and (reason == "転出取消" or reason in REMOVALS)
        if not (sets_planned or clears_planned):
            found.append(problem("KJ-LOGIC-116", "planned"))

    if reason in REMOVALS:
        return found + _check_removal(previous, new, reason, changed)
    return found + _check_change(previous, new, reason, changed)


# --- 整合性確認 (reconciliation) -------------------------------------------------------------

DifferenceKind = Literal[
    "missing_here", "missing_there", "differing_items", "sequence_gap", "sequence_behind"
]


@attrs.frozen
class Difference:  # 整合性確認の差異
    """One disagreement between our 本人確認情報 and the peer's copy.

    - ``missing_here``: the peer holds a record we do not.
    - ``missing_there``: we hold a record the peer does not.
    - ``sequence_gap``: the peer's copy carries an older 更新順番号 than ours: updates we made
      never reached it (resend from ``theirs_sequence``).
    - ``sequence_behind``: our copy is older than the peer's (e.g. the register was restored
      from a backup): the peer holds updates we no longer have.
    - ``differing_items``: same 更新順番号, different items: a copy was altered outside the
      update stream.

    ``items`` names the items that differ (never their values).
    """

    kind: DifferenceKind
    resident_code: str
    items: tuple[str, ...] = ()
    ours_sequence: int | None = None
    theirs_sequence: int | None = None


def _differing(ours: IdentityRecord, theirs: IdentityRecord) -> tuple[str, ...]:
    return tuple(
        name
        for name in _FIELD_NAMES
        if name not in _RECONCILE_IGNORED and getattr(ours, name) != getattr(theirs, name)
    )


def _ordered(records: Iterable[IdentityRecord], side: str) -> Iterator[IdentityRecord]:
    last: str | None = None
    for record in records:
        code = record.resident_code
        if last is not None and code <= last:
            raise LinkError(problem("KJ-LINK-022", side))
        last = code
        yield record


def _compare(ours: IdentityRecord, theirs: IdentityRecord) -> Difference | None:
    if ours == theirs:
        return None
    items = _differing(ours, theirs)
    if not items:
        return None
    code = ours.resident_code
    mine, peer = ours.update_sequence, theirs.update_sequence
    if peer < mine:
        return Difference("sequence_gap", code, items, mine, peer)
    if peer > mine:
        return Difference("sequence_behind", code, items, mine, peer)
    return Difference("differing_items", code, items, mine, peer)


def reconcile(
    ours: Iterable[IdentityRecord], theirs: Iterable[IdentityRecord]
) -> Iterator[Difference]:
    """The differences between two identity files, each iterated in 住民票コード order.

    A merge join: one record of each side in memory at a time, so a million records cost no
    more memory than ten. Either side out of order (or repeating a code) raises KJ-LINK-022
    when the fault is met; the differences before it have already been yielded.
    """
    left = _ordered(ours, "ours")
    right = _ordered(theirs, "theirs")
    mine = next(left, None)
    peer = next(right, None)
    while mine is not None and peer is not None:
        if mine.resident_code < peer.resident_code:
            yield Difference("missing_there", mine.resident_code, (), mine.update_sequence)
            mine = next(left, None)
        elif peer.resident_code < mine.resident_code:
            yield Difference("missing_here", peer.resident_code, (), None, peer.update_sequence)
            peer = next(right, None)
        else:
            difference = _compare(mine, peer)
            if difference is not None:
                yield difference
            mine = next(left, None)
            peer = next(right, None)
    while mine is not None:
        yield Difference("missing_there", mine.resident_code, (), mine.update_sequence)
        mine = next(left, None)
    while peer is not None:
        yield Difference("missing_here", peer.resident_code, (), None, peer.update_sequence)
        peer = next(right, None)


# --- range digests: 整合性確認 digest first --------------------------------------------------
#
# Almost every record agrees with the peer's copy, and moving and decoding a million records to
# find a few hundred differences costs more than everything else together. Both sides cut the
# file into ranges of 住民票コード and digest each range; only the ranges whose count or digest
# differ are fetched and compared item by item with :func:`reconcile`.
#
# The canonical payload of a record is the compact UTF-8 JSON array of the items compared in
# 整合性確認 (all forty but 排他フラグ), in 別添1 order, dates as "YYYY-MM-DD", the timestamp as
# its ISO text: each item has one JSON type, so equal payloads mean equal items. A record's
# fingerprint is the BLAKE2b-128 of that payload, something a server can keep beside each row;
# a range's digest is the BLAKE2b-128, keyed with the requester's key for this reconciliation,
# of its records' fingerprints in 住民票コード order.

DIGEST_SIZE: Final = 16
DIGEST_KEY_SIZE: Final = 16
_DAYS_KEPT: Final = 1 << 16


class _IsoDays(dict[dt.date, str]):
    """Each day's ISO text, remembered: a file repeats the same days (moves, birthdays), and
    formatting one costs more than the rest of an item. Bounded by clearing when full.
    Timestamps are not kept: nearly each is a record's own."""

    def __missing__(self, day: dt.date) -> str:
        if len(self) >= _DAYS_KEPT:
            self.clear()
        text = self[day] = day.isoformat()
        return text


def _compile_compared_items() -> Callable[[IdentityRecord], list[Any]]:
    """A straight-line function listing the items 整合性確認 compares as JSON values, in 別添1
    order (generated once, as ``_write``)."""
    namespace: dict[str, Any] = {"_day": _IsoDays()}
    values = []
    for field in _FIELDS:
        name, (kind, optional) = field.name, _base_kind(field.type)
        if name in _RECONCILE_IGNORED:
            continue
        value = f"r.{name}"
        if kind is dt.datetime:
            value = f"r.{name}.isoformat()"
        elif kind is dt.date:
            value = f"_day[r.{name}]"
        if optional and value != f"r.{name}":
            value = f"(None if r.{name} is None else {value})"
        values.append(value)
    source = f"def compared_items(r):\n    return [{', '.join(values)}]"
    exec(compile(source, "<identity_file compared items>", "exec"), namespace)
    return typing.cast(Callable[[IdentityRecord], list[Any]], namespace["compared_items"])


def _compile_json() -> Callable[[list[Any]], str]:
    """Compact JSON text of a list of plain values. The C encoder is made once: the public
    ``JSONEncoder.encode`` builds it again on every call, a fifth of the cost of a record."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    iterencode = make(
        None, encoder.default, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )

    def encode(values: list[Any]) -> str:
        return "".join(iterencode(values, 0))

    return encode


_compared_items: Final = _compile_compared_items()
_json_text: Final = _compile_json()


def canonical_payload(record: IdentityRecord) -> bytes:
    """The bytes a record's fingerprint is taken of (see the comment above)."""
    return _json_text(_compared_items(record)).encode("utf-8")


def fingerprint(record: IdentityRecord) -> bytes:
    """BLAKE2b-128 of the record's canonical payload: equal for records that agree on every
    item 整合性確認 compares."""
    return hashlib.blake2b(canonical_payload(record), digest_size=DIGEST_SIZE).digest()


@attrs.frozen
class RangeDigest:  # 範囲ダイジェスト
    """What one side holds in one range of 住民票コード: how many records, and their digest."""

    count: int
    digest: bytes = attrs.field(repr=lambda d: d.hex())


def range_digest(key: bytes, fingerprints: Sequence[bytes]) -> RangeDigest:
    """The digest of a range from its records' fingerprints, in 住民票コード order."""
    joined = b"".join(fingerprints)
    return RangeDigest(
        len(fingerprints), hashlib.blake2b(joined, key=key, digest_size=DIGEST_SIZE).digest()
    )


@attrs.frozen
class RecordRange:  # 住民票コードの範囲
    """Our records with a 住民票コード in (``after``, ``through``], and their digest.

    ``after`` None: from the start of the file; ``through`` None: to its end.
    """

    after: str | None
    through: str | None
    records: tuple[IdentityRecord, ...] = attrs.field(repr=False)
    digest: RangeDigest


def cut_ranges(
    records: Iterable[IdentityRecord], key: bytes, size: int
) -> Iterator[RecordRange]:
    """Our file, iterated in 住民票コード order, cut into ranges of ``size`` records, each with
    its digest under ``key``; then one empty range after our last code to the end of the file,
    where only the peer may hold records. The ranges cover every code once, so reconciling each
    range and concatenating gives :func:`reconcile` of the whole files.

    Our records out of order (or repeating a code) raise KJ-LINK-022 when met.
    """
    if size < 1:
        raise ValueError("a range holds one record or more")
    items, text, blake2b = _compared_items, _json_text, hashlib.blake2b
    after: str | None = None
    last: str | None = None
    chunk: list[IdentityRecord] = []
    fingerprints: list[bytes] = []
    for record in records:
        code = record.resident_code
        if last is not None and code <= last:
            raise LinkError(problem("KJ-LINK-022", "ours"))
        last = code
        chunk.append(record)
        payload = text(items(record)).encode("utf-8")
        fingerprints.append(blake2b(payload, digest_size=DIGEST_SIZE).digest())
        if len(chunk) == size:
            yield RecordRange(after, code, tuple(chunk), range_digest(key, fingerprints))
            after, chunk, fingerprints = code, [], []
    if chunk:
        yield RecordRange(after, last, tuple(chunk), range_digest(key, fingerprints))
        after = last
    yield RecordRange(after, None, (), range_digest(key, ()))
