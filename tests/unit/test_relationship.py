"""続柄 (標準1.1.11): the standard's vocabulary, up to four generations joined by 「の」."""

from __future__ import annotations

import pytest
from hypothesis import given

from kure_juki.domain.format_checks import check_relationship
from kure_juki.domain.relationship import Relationship, Verdict
from kure_juki.testing.strategies.relationships import (
    invalid_relationships,
    member_relationships,
    relationship_chains,
    valid_relationships,
)


@pytest.mark.parametrize(
    "text",
    [
        "世帯主", "夫", "妻", "夫（未届）", "妻（未届）", "子", "子の夫", "子の妻", "父", "母",
        "兄", "姉", "弟", "妹", "子の子", "子の子の妻", "妻の父", "妻の父の母", "子の子の子の子",
        "妻（未届）の子", "縁故者", "同居人",
    ],
)
def test_the_standards_examples_are_valid(text: str) -> None:
    assert Relationship.judge(text) is Verdict.VALID
    assert check_relationship(text, "relationship") == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("長男", "KJ-FMT-601"),
        ("孫", "KJ-FMT-601"),
        ("祖父", "KJ-FMT-601"),
        ("家事使用人", "KJ-FMT-601"),
        ("準世帯主", "KJ-FMT-601"),
        ("子の子の子の子の子", "KJ-FMT-602"),  # five generations: the standard says 縁故者
        ("子の子の子の子の妻", "KJ-FMT-602"),
        ("世帯主の子", "KJ-FMT-601"),
        ("子の", "KJ-FMT-601"),
        ("の子", "KJ-FMT-601"),
        ("子のの子", "KJ-FMT-601"),
        ("縁故者の子", "KJ-FMT-601"),
        ("未届の妻", "KJ-FMT-601"),
        ("妻（未届", "KJ-FMT-601"),
    ],
)
def test_words_outside_the_standard_are_refused(text: str, code: str) -> None:
    assert [p.code for p in check_relationship(text, "relationship")] == [code]


def test_a_clerks_ascii_parentheses_mean_the_standards_full_width_ones() -> None:
    assert Relationship.normalize("夫(未届)") == "夫（未届）"
    assert Relationship.normalize(" 妻(未届)の子 ") == "妻（未届）の子"
    # anything outside the vocabulary is left as typed, for the check to refuse
    assert Relationship.normalize("長男(未届)") == "長男(未届)"


@given(relationship_chains())
def test_chains_of_one_to_four_terms_are_valid(chain: str) -> None:
    assert Relationship.is_valid(chain)
    assert 1 <= Relationship.generations(chain) <= 4


@given(relationship_chains(5, 8))
def test_chains_of_five_or_more_terms_are_recorded_as_enko_sha(chain: str) -> None:
    assert Relationship.judge(chain) is Verdict.TOO_MANY_GENERATIONS


@given(valid_relationships())
def test_every_valid_relationship_passes_the_format_check(text: str) -> None:
    assert check_relationship(text, "relationship") == []


@given(invalid_relationships())
def test_every_invalid_relationship_is_refused_with_its_own_code(text: str) -> None:
    assert not Relationship.is_valid(text)
    codes = [p.code for p in check_relationship(text, "relationship")]
    assert codes in (["KJ-FMT-601"], ["KJ-FMT-602"])


@given(member_relationships())
def test_a_members_relationship_is_never_the_heads(text: str) -> None:
    assert text != "世帯主" and Relationship.is_valid(text)
