"""domain/input_text.py: what may enter the register, found at any depth with its path."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kure_juki.domain.input_text import (
    BIGINT_MAX,
    BIGINT_MIN,
    MAX_PROBLEMS,
    input_problems,
    printable,
)

ANY_TEXT = st.text(st.characters(codec=None, categories=None))
JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=20,
)


def found(value: Any, path: str = "") -> list[tuple[str, str | None, str | None]]:
    return [(p.code, p.item, p.where) for p in input_problems(value, path, path or None)]


def test_each_offence_is_named_with_its_path() -> None:
    n = {
        "type": "move_in",
        "persons": [{"given_name": "太郎"}, {"given_name": "花\x00子", "family_name": "\ud800"}],
        "address": {"text": "呉市\x1b"},
        "movement_id": 2**70,
    }
    assert found(n) == [
        ("KJ-FMT-801", "given_name", "persons[1].given_name"),
        ("KJ-FMT-802", "family_name", "persons[1].family_name"),
        ("KJ-FMT-803", "text", "address.text"),
        ("KJ-FMT-805", "movement_id", "movement_id"),
    ]


def test_a_list_element_belongs_to_the_list_item() -> None:
    assert found(["R1", "R\x00"], "resident_ids") == [
        ("KJ-FMT-801", "resident_ids", "resident_ids[1]")
    ]


def test_keys_are_checked_and_named_escaped() -> None:
    assert found({"a\x00b": "x"}) == [("KJ-FMT-801", None, "a\\x00b")]
    assert found({1: "x"}, "changes") == [("KJ-FMT-804", "changes", "changes")]


def test_line_breaks_only_where_an_item_allows_them() -> None:
    assert found(["line\r\n", "\tcell\n"], "lines") == []
    assert found({"given_name": "太\n郎"}) == [("KJ-FMT-803", "given_name", "given_name")]
    assert found({"text": "\t"}) == [("KJ-FMT-803", "text", "text")]
    assert found(["line\x00\n"], "lines") == [("KJ-FMT-801", "lines", "lines[0]")]


def test_64_bit_bounds() -> None:
    assert found([BIGINT_MIN, BIGINT_MAX, True]) == []
    assert [c for c, _, _ in found([BIGINT_MIN - 1, BIGINT_MAX + 1])] == ["KJ-FMT-805"] * 2


def test_deep_nesting_and_cycles_are_walked_without_recursion() -> None:
    deep: list[Any] = ["\x00"]
    for _ in range(100_000):
        deep = [deep]
    assert [c for c, _, _ in found(deep)] == ["KJ-FMT-801"]
    loop: dict[str, Any] = {"name": "\ud800"}
    loop["self"] = loop
    assert found(loop) == [("KJ-FMT-802", "name", "name")]


def test_a_flood_of_problems_is_capped() -> None:
    assert len(input_problems(["\x00"] * (MAX_PROBLEMS * 3))) == MAX_PROBLEMS


def test_printable_escapes_what_cannot_be_stored() -> None:
    assert printable("呉\x00\ud800\x85\t") == "呉\\x00\\ud800\\x85\\x09"
    assert printable("呉市 本通") == "呉市 本通"


@given(ANY_TEXT)
def test_printable_text_always_encodes_and_passes(text: str) -> None:
    safe = printable(text)
    safe.encode("utf-8")
    assert input_problems(safe) == []


@given(JSON_LIKE)
def test_any_json_like_value_is_judged_without_raising(value: Any) -> None:
    for p in input_problems(value, "root"):
        assert p.code.startswith("KJ-FMT-80")
        assert p.where is not None
        printable(p.where).encode("utf-8")


def test_search_criteria_fold_whitespace_controls_but_not_others() -> None:
    assert input_problems({"address": "\t\n\x0b\x1c\x85"}, spacing=True) == []
    assert [p.code for p in input_problems({"address": "\x1b"}, spacing=True)] == ["KJ-FMT-803"]
    assert [p.code for p in input_problems({"address": "\x00"}, spacing=True)] == ["KJ-FMT-801"]
    assert [p.code for p in input_problems({"address": "\t"})] == ["KJ-FMT-803"]
