"""続柄 (relationship to the head of household): the vocabulary of 標準1.1.11.

住基法7条4号 puts 世帯主との続柄 on every 住民票; the standard fixes what a register may record:

- 世帯主;
- the terms 夫, 妻, 夫（未届）, 妻（未届）, 子, 父, 母, 兄, 姉, 弟, 妹 (its ② — 子の夫 and 子の妻
  are 子 joined to 夫 and 妻);
- those terms joined by 「の」, at most four of them (③: a 世代 is the number of terms joined,
  counted mechanically, so 子の子の子の子 and 妻の父の母 are allowed and 子の子の子の子の子 is
  not — the standard's note says such a person is recorded as 縁故者);
- 縁故者 and 同居人.

Anything else — 長男, 孫, 祖父, 家事使用人, 準世帯主 (the standard's 実装しない機能) — is refused.
A clerk who types ASCII parentheses means the full-width ones of the standard: 夫(未届) is
recorded as 夫（未届）; surrounding spaces are dropped. Nothing else is rewritten.
"""

from __future__ import annotations

import enum
from typing import Final

from kure_juki.domain.resident import HEAD

JOINER: Final = "の"
# ② of 標準1.1.11, the terms a chain is made of.
TERMS: Final = ("夫", "妻", "夫（未届）", "妻（未届）", "子", "父", "母", "兄", "姉", "弟", "妹")
# ④ and ⑤: persons with no relation a chain can express.
STANDALONE: Final = ("縁故者", "同居人")
MAX_GENERATIONS: Final = 4

_TERM_SET: Final = frozenset(TERMS)
_PARENTHESES: Final = str.maketrans({"(": "（", ")": "）"})


class Verdict(enum.Enum):
    VALID = "valid"
    UNKNOWN = "unknown"  # not in the vocabulary
    TOO_MANY_GENERATIONS = "too_many_generations"  # five or more terms: 縁故者


class Relationship:  # 続柄
    """The grammar of a 続柄; values are plain strings in the record."""

    @staticmethod
    def normalize(text: str) -> str:
        """The standard's spelling of what a clerk typed (full-width parentheses, no spaces
        around); text outside the vocabulary is returned as it is, for the check to refuse."""
        candidate = text.strip().translate(_PARENTHESES)
        return candidate if Relationship.judge(candidate) is Verdict.VALID else text

    @staticmethod
    def judge(text: str) -> Verdict:
        """Whether *text* (already normalized) is a 続柄 the standard allows."""
        if text == HEAD or text in STANDALONE:
            return Verdict.VALID
        terms = text.split(JOINER)
        if not all(t in _TERM_SET for t in terms):
            return Verdict.UNKNOWN
        if len(terms) > MAX_GENERATIONS:
            return Verdict.TOO_MANY_GENERATIONS
        return Verdict.VALID

    @staticmethod
    def generations(text: str) -> int:
        """Number of terms joined by 「の」 (0 for 世帯主, 縁故者, 同居人)."""
        if text == HEAD or text in STANDALONE:
            return 0
        return len(text.split(JOINER))

    @staticmethod
    def is_valid(text: object) -> bool:
        return isinstance(text, str) and Relationship.judge(text) is Verdict.VALID


def normalize_relationship(value: str | None) -> str | None:
    """attrs converter of a notification's 続柄."""
    return Relationship.normalize(value) if isinstance(value, str) else value


def normalize_relationships(value: dict[str, str]) -> dict[str, str]:
    """attrs converter of a notification's 続柄 by 宛名番号."""
    return {k: Relationship.normalize(v) if isinstance(v, str) else v for k, v in value.items()}
