"""Builders of valid synthetic notifications (never real people) for tests and examples."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from kure_juki.domain.identifiers import complete_my_number, complete_resident_code

_counter = itertools.count(1)

FAMILY = [
    ("佐藤", "さとう"),
    ("鈴木", "すずき"),
    ("高橋", "たかはし"),
    ("田中", "たなか"),
    ("渡辺", "わたなべ"),
    ("山本", "やまもと"),
    ("中村", "なかむら"),
    ("小林", "こばやし"),
]
GIVEN_M = [("一郎", "いちろう"), ("健太", "けんた"), ("翔", "しょう"), ("大輔", "だいすけ")]
GIVEN_F = [("花子", "はなこ"), ("陽菜", "ひな"), ("美咲", "みさき"), ("結衣", "ゆい")]


def unique_codes(n: int | None = None) -> tuple[str, str]:
    """A fresh (住民票コード, 個人番号) pair, valid and distinct from every other pair made here."""
    k = n if n is not None else next(_counter)
    return (
        complete_resident_code(f"{(k * 7_919 + 3) % 10**10:010d}"),
        complete_my_number(f"{(k * 104_729 + 11) % 10**11:011d}"),
    )


def person(
    *,
    relationship: str = "世帯主",
    sex: str = "male",
    birth_date: str = "1980-04-01",
    family: int = 0,
    given: int = 0,
    codes: bool = True,
    foreign: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    fam, fam_kana = FAMILY[family % len(FAMILY)]
    names = GIVEN_M if sex == "male" else GIVEN_F
    giv, giv_kana = names[given % len(names)]
    p: dict[str, Any] = {
        "family_name": fam,
        "given_name": giv,
        "family_name_kana": fam_kana,
        "given_name_kana": giv_kana,
        "birth_date": birth_date,
        "sex": sex,
        "relationship": relationship,
    }
    if foreign:
        p.update(
            family_name="SMITH",
            given_name="JOHN",
            family_name_kana="すみす",
            given_name_kana="じょん",
            nationality="アメリカ合衆国",
            category_30_45="中長期在留者",
            residence_status="技術・人文知識・国際業務",
            stay_expires_on="2029-03-31",
            residence_card_number="AB12345678CD",
        )
    else:
        p.update(registered_domicile="広島県呉市中央四丁目1番", domicile_head=f"{fam}　一郎")
    if codes:
        code, number = unique_codes()
        p.update(resident_code=code, my_number=number)
    p.update(extra)
    return p


def move_in(
    persons: list[dict[str, Any]] | None = None,
    *,
    occurred_on: str | dt.date = "2026-11-20",
    notified_on: str | dt.date | None = "2026-11-25",
    household: dict[str, Any] | None = None,
    address: str = "広島県呉市本通一丁目1番1号",
) -> dict[str, Any]:
    n: dict[str, Any] = {
        "type": "move_in",
        "occurred_on": str(occurred_on),
        "address": {"postal_code": "737-0045", "text": address},
        "previous_address": {
            "municipality_code": "131016",
            "text": "東京都千代田区霞が関一丁目1番",
        },
        "household": household or {"new": True},
        "persons": persons
        or [person(), person(relationship="妻", sex="female", birth_date="1982-05-02")],
    }
    if notified_on is not None:
        n["notified_on"] = str(notified_on)
    return n
