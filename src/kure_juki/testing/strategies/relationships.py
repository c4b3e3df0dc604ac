"""続柄 chains, valid and not (標準1.1.11), written from the standard rather than the library.

Valid: 世帯主, 縁故者, 同居人, or one to four of 夫・妻・夫（未届）・妻（未届）・子・父・母・兄・
姉・弟・妹 joined by 「の」. Invalid: words the standard lists as not to be managed (孫, 祖父,
家事使用人 …), chains of five or more terms, chains with a foreign word in them, and the head's
word inside a chain.
"""

from __future__ import annotations

from hypothesis import strategies as st

KINSHIP_TERMS = ("夫", "妻", "夫（未届）", "妻（未届）", "子", "父", "母", "兄", "姉", "弟", "妹")
STANDALONE = ("世帯主", "縁故者", "同居人")
# 標準1.1.11 【実装しない機能】 and common words of the old 事務処理 that are not the standard's.
NOT_IN_THE_STANDARD = (
    "孫", "祖父", "祖母", "おじ", "おば", "甥", "姪", "家事使用人", "準世帯主", "長男", "長女",
    "次男", "養子", "義父", "内縁の妻", "子の長男", "妻の祖父",
)


def relationship_chains(min_terms: int = 1, max_terms: int = 4) -> st.SearchStrategy[str]:
    """「の」-joined chains of the standard's terms."""
    return st.lists(
        st.sampled_from(KINSHIP_TERMS), min_size=min_terms, max_size=max_terms
    ).map("の".join)


def valid_relationships() -> st.SearchStrategy[str]:
    """Every kind of 続柄 the standard allows, the head's too."""
    return st.one_of(st.sampled_from(STANDALONE), relationship_chains())


def member_relationships() -> st.SearchStrategy[str]:
    """A valid 続柄 of a member who is not the head."""
    return st.one_of(st.sampled_from(STANDALONE[1:]), relationship_chains())


@st.composite
def invalid_relationships(draw: st.DrawFn) -> str:
    """A 続柄 the register must refuse (each with the reason it is refused)."""
    kind = draw(st.sampled_from(["word", "five_or_more", "foreign_word_in_chain", "head_in_chain"]))
    if kind == "word":
        return draw(st.sampled_from(NOT_IN_THE_STANDARD))
    if kind == "five_or_more":
        return draw(relationship_chains(5, 7))
    chain = draw(st.lists(st.sampled_from(KINSHIP_TERMS), min_size=1, max_size=3))
    odd = draw(st.sampled_from(NOT_IN_THE_STANDARD)) if kind != "head_in_chain" else "世帯主"
    chain.insert(draw(st.integers(0, len(chain))), odd)
    return "の".join(chain)
