"""The items each category of foreign resident must carry (住基法30条の45 の表).

Categories (法30条45区分) and what their records hold besides nationality:
中長期在留者 — 在留資格, 在留期間 and its end, 在留カードの番号;
特別永住者 — 特別永住者証明書の番号;
一時庇護許可者 — 上陸期間 (its end);
仮滞在許可者 — 仮滞在期間 (its end);
出生による経過滞在者 and 国籍喪失による経過滞在者 — nothing further
(they may stay 60 days from the birth or the loss of nationality).
"""

from __future__ import annotations

import datetime as dt

from kure_juki.domain.errors import Problem, problem

MID_LONG = "中長期在留者"
SPECIAL_PERMANENT = "特別永住者"
TEMPORARY_REFUGE = "一時庇護許可者"
PROVISIONAL_STAY = "仮滞在許可者"
TRANSITIONAL_BIRTH = "出生による経過滞在者"
TRANSITIONAL_LOSS = "国籍喪失による経過滞在者"


def check_category_items(
    category: str,
    *,
    residence_status: str | None,
    stay_expires_on: dt.date | None,
    residence_card_number: str | None,
    occurred_on: dt.date | None,
    where: str = "",
) -> list[Problem]:
    """Every item the category requires, each missing one with its own code."""

    def at(item: str) -> str:
        return f"{where}.{item}" if where else item

    found: list[Problem] = []
    if category == MID_LONG:
        if residence_status is None:
            found.append(problem("KJ-LOGIC-040", "residence_status", at("residence_status")))
        if stay_expires_on is None:
            found.append(problem("KJ-LOGIC-041", "stay_expires_on", at("stay_expires_on")))
        if residence_card_number is None:
            found.append(
                problem("KJ-LOGIC-042", "residence_card_number", at("residence_card_number"))
            )
    elif category == SPECIAL_PERMANENT:
        if residence_card_number is None:
            found.append(
                problem("KJ-LOGIC-043", "residence_card_number", at("residence_card_number"))
            )
    elif category == TEMPORARY_REFUGE:
        if stay_expires_on is None:
            found.append(problem("KJ-LOGIC-044", "stay_expires_on", at("stay_expires_on")))
    elif category == PROVISIONAL_STAY and stay_expires_on is None:
        found.append(problem("KJ-LOGIC-045", "stay_expires_on", at("stay_expires_on")))
    if (
        stay_expires_on is not None
        and occurred_on is not None
        and stay_expires_on < occurred_on
        and category in (MID_LONG, TEMPORARY_REFUGE, PROVISIONAL_STAY)
    ):
        found.append(problem("KJ-LOGIC-046", "stay_expires_on", at("stay_expires_on")))
    return found
