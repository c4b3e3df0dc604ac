"""Text and numbers as they enter the register: the checks every public entry point runs first.

A string that reaches a store must be encodable (no lone surrogate: UTF-8 and PostgreSQL refuse
it) and free of NUL (PostgreSQL text cannot hold it) and of other control characters (C0, DEL,
C1), which no item of a 住民票 (住基法7条) can carry. Integers must fit the 64-bit columns
(BIGINT) that hold ids and movement numbers. :func:`input_problems` walks any JSON-like value —
dicts, lists, tuples, sets and attrs value objects, at any depth, without recursion — and
reports each offending string or number with its path (``persons[0].given_name``), so that a
caller can refuse it before reading the store.

Only a few free-text items may carry line breaks and tabs (:data:`MULTILINE_ITEMS`, e.g. the
lines of an imported file); names, ids and addresses never.

:func:`printable` turns any text into a form safe to record (the audit log, a path in an
error): the same characters, with each control character and lone surrogate written as an
escape (``\\x00``, ``\\ud800``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from kure_juki.domain.errors import Problem, problem

BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1

# Items whose free text may hold line breaks and tabs (the lines of a file keep their endings).
MULTILINE_ITEMS = frozenset({"lines", "note", "remarks", "memo", "description"})
LINE_WHITESPACE = frozenset("\t\n\r")

MAX_PROBLEMS = 1000  # a list of a million bad strings is refused, not itemised a million times
MAX_PATH_PART = 64  # a key named in a path is cut here (and escaped)

_NUL = "\x00"
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0 but \t \n \r, DEL, C1
_LINE_CONTROL = re.compile("[\t\n\r]")
# Controls that are not whitespace (str.isspace): refused even where spacing is folded away.
_NON_SPACE_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """*text* with each control character and lone surrogate escaped (``\\x00``, ``\\ud800``):
    safe to encode, store and log whatever it held."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: _escape(m.group()), text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text_problem(
    text: str, item: str | None, where: str | None, *, spacing: bool = False
) -> Problem | None:
    """The first thing wrong with one string (NUL, a lone surrogate, a control), or None.

    *spacing*: the text is a criterion whose whitespace is folded away (a search), so
    whitespace controls (tab, line breaks, U+001C–U+001F, U+0085) are only spacing there."""
    if not _UNSAFE.search(text):  # nearly all text: one scan
        return None
    if _NUL in text:
        return problem("KJ-FMT-801", item, where)
    if _SURROGATE.search(text):
        return problem("KJ-FMT-802", item, where)
    if spacing:
        return problem("KJ-FMT-803", item, where) if _NON_SPACE_CONTROL.search(text) else None
    found = _CONTROL.search(text)
    if found is None and (item is None or item not in MULTILINE_ITEMS):
        found = _LINE_CONTROL.search(text)
    if found is not None:
        return problem("KJ-FMT-803", item, where)
    return None


def int_problem(value: int, item: str | None, where: str | None) -> Problem | None:
    """An integer a 64-bit column cannot hold."""
    if BIGINT_MIN <= value <= BIGINT_MAX:
        return None
    return problem("KJ-FMT-805", item, where)


def _join(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    name = printable(part[:MAX_PATH_PART])
    return f"{path}.{name}" if path else name


def _leaf(part: str | int, parent: str | None) -> str | None:
    """The item a value belongs to: its key (already found clean), or for a list element,
    the list's item."""
    if isinstance(part, int):
        return parent
    return part[:MAX_PATH_PART]


def _children(value: Any) -> Iterator[tuple[str | int, Any]] | None:
    if isinstance(value, Mapping):
        return iter(value.items())
    if isinstance(value, list | tuple):
        return iter(enumerate(value))
    if isinstance(value, set | frozenset):
        # Unordered: elements are named by a stable position among their sorted reprs.
        return iter(enumerate(sorted(value, key=repr)))
    if attrs.has(type(value)):
        # A value object handed in whole (a card's identity, a policy): its fields by name.
        return iter((f.name, getattr(value, f.name)) for f in attrs.fields(type(value)))
    return None


def input_problems(
    value: Any, path: str = "", item: str | None = None, *, spacing: bool = False
) -> list[Problem]:
    """Every string (keys included) and integer in *value* that may not enter the register.

    *path* names *value* itself (empty for the root of a notification); *item* is the item it
    belongs to (the last key); *spacing* as for :func:`text_problem`. Other types (bytes,
    dates, objects without attrs fields) are left to their callers.
    """
    found: list[Problem] = []
    seen: set[int] = set()  # containers already walked: a cycle is walked once
    stack: list[tuple[Any, str, str | None]] = [(value, path, item)]
    unsafe = _UNSAFE.search
    while stack and len(found) < MAX_PROBLEMS:
        current, where, name = stack.pop()
        kind = type(current)
        if kind is str or isinstance(current, str):
            if unsafe(current):
                p = text_problem(current, name, where or None, spacing=spacing)
                if p is not None:
                    found.append(p)
            continue
        if kind is bool or current is None or kind is float:
            continue
        if kind is int or isinstance(current, int):
            p = int_problem(current, name, where or None)
            if p is not None:
                found.append(p)
            continue
        is_map = kind is dict or isinstance(current, Mapping)
        children = iter(current.items()) if kind is dict else _children(current)
        if children is None or id(current) in seen:
            continue
        seen.add(id(current))
        pending: list[tuple[Any, str, str | None]] = []
        for key, child in children:
            if is_map:
                if type(key) is not str and not isinstance(key, str):
                    found.append(problem("KJ-FMT-804", name, where or None))
                    continue
                if unsafe(key):
                    key_problem = text_problem(key, None, _join(where, key))
                    if key_problem is not None:
                        found.append(key_problem)
                        continue
                pending.append((child, f"{where}.{key}" if where else key, key)
                               if len(key) <= MAX_PATH_PART
                               else (child, _join(where, key), _leaf(key, name)))
            else:
                pending.append((child, _join(where, key), _leaf(key, name)))
        stack.extend(reversed(pending))  # depth first, in document order
    return found[:MAX_PROBLEMS]
