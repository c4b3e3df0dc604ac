"""Synthetic registers for bulk-import tests and benchmarks: never real people.

Names are built from small kanji/kana lists (two parts each, so about 1,600 family names and
900 given names); 住民票コード and 個人番号 are valid (check digits from
:mod:`kure_juki.domain.identifiers`) and unique, derived from the person's number by a
bijection. Everything is deterministic for a given seed, and streamed: a million residents
cost no more memory than ten.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from kure_juki.domain.identifiers import complete_my_number, complete_resident_code

FAMILY_HEADS = [
    ("佐", "さ"),
    ("鈴", "すず"),
    ("高", "たか"),
    ("田", "た"),
    ("渡", "わた"),
    ("山", "やま"),
    ("中", "なか"),
    ("小", "こ"),
    ("加", "か"),
    ("吉", "よし"),
    ("松", "まつ"),
    ("井", "い"),
    ("木", "き"),
    ("林", "はやし"),
    ("清", "きよ"),
    ("森", "もり"),
    ("池", "いけ"),
    ("橋", "はし"),
    ("阿", "あ"),
    ("石", "いし"),
    ("前", "まえ"),
    ("藤", "ふじ"),
    ("岡", "おか"),
    ("長", "なが"),
    ("坂", "さか"),
    ("遠", "とお"),
    ("青", "あお"),
    ("西", "にし"),
    ("福", "ふく"),
    ("太", "おお"),
    ("三", "み"),
    ("原", "はら"),
    ("竹", "たけ"),
    ("村", "むら"),
    ("杉", "すぎ"),
    ("野", "の"),
    ("菅", "すが"),
    ("島", "しま"),
    ("宮", "みや"),
    ("今", "いま"),
]
FAMILY_TAILS = [
    ("藤", "とう"),
    ("木", "き"),
    ("橋", "はし"),
    ("中", "なか"),
    ("辺", "なべ"),
    ("本", "もと"),
    ("村", "むら"),
    ("林", "ばやし"),
    ("田", "だ"),
    ("川", "かわ"),
    ("崎", "さき"),
    ("口", "ぐち"),
    ("野", "の"),
    ("島", "じま"),
    ("原", "はら"),
    ("井", "い"),
    ("谷", "たに"),
    ("沢", "さわ"),
    ("山", "やま"),
    ("部", "べ"),
    ("内", "うち"),
    ("上", "かみ"),
    ("下", "した"),
    ("江", "え"),
    ("浦", "うら"),
    ("尾", "お"),
    ("城", "しろ"),
    ("岡", "おか"),
    ("宮", "みや"),
    ("森", "もり"),
    ("池", "いけ"),
    ("坂", "さか"),
    ("瀬", "せ"),
    ("浜", "はま"),
    ("畑", "はた"),
    ("丸", "まる"),
    ("竹", "たけ"),
    ("松", "まつ"),
    ("津", "つ"),
    ("倉", "くら"),
]
GIVEN_HEADS = [
    ("健", "けん"),
    ("大", "だい"),
    ("翔", "しょう"),
    ("陽", "はる"),
    ("美", "み"),
    ("結", "ゆ"),
    ("一", "いち"),
    ("誠", "まこと"),
    ("真", "ま"),
    ("優", "ゆう"),
    ("花", "はな"),
    ("莉", "り"),
    ("直", "なお"),
    ("和", "かず"),
    ("光", "ひかり"),
    ("智", "とも"),
    ("恵", "めぐ"),
    ("秀", "ひで"),
    ("春", "はる"),
    ("夏", "なつ"),
    ("秋", "あき"),
    ("冬", "ふゆ"),
    ("明", "あき"),
    ("正", "まさ"),
    ("幸", "ゆき"),
    ("浩", "ひろ"),
    ("洋", "よう"),
    ("雅", "まさ"),
    ("拓", "たく"),
    ("蓮", "れん"),
]
GIVEN_TAILS = [
    ("太", "た"),
    ("介", "すけ"),
    ("郎", "ろう"),
    ("子", "こ"),
    ("菜", "な"),
    ("斗", "と"),
    ("也", "や"),
    ("人", "と"),
    ("美", "み"),
    ("香", "か"),
    ("樹", "き"),
    ("司", "じ"),
    ("彦", "ひこ"),
    ("代", "よ"),
    ("恵", "え"),
    ("生", "お"),
    ("平", "へい"),
    ("奈", "な"),
    ("花", "か"),
    ("輝", "き"),
    ("衣", "い"),
    ("乃", "の"),
    ("朗", "ろう"),
    ("吾", "ご"),
    ("実", "み"),
    ("里", "り"),
    ("枝", "え"),
    ("成", "なり"),
    ("彰", "あき"),
    ("佳", "か"),
]
TOWNS = [
    "中央",
    "本通",
    "中通",
    "広古新開",
    "阿賀北",
    "吉浦中町",
    "焼山中央",
    "警固屋",
    "音戸町",
    "倉橋町",
    "川尻町",
    "安浦町",
    "天応南町",
    "宮原",
    "西中央",
    "朝日町",
    "東中央",
    "和庄",
]
DOMICILES = ["広島県呉市中央四丁目1番", "広島県広島市中区基町10番", "東京都千代田区霞が関一丁目1番"]
_CODE_STEP = 7_919  # prime, coprime with 10**10: codes never repeat
_NUMBER_STEP = 104_729  # prime, coprime with 10**11


def family_name(n: int) -> tuple[str, str]:
    head = FAMILY_HEADS[n % len(FAMILY_HEADS)]
    tail = FAMILY_TAILS[(n // len(FAMILY_HEADS)) % len(FAMILY_TAILS)]
    return head[0] + tail[0], head[1] + tail[1]


def given_name(n: int) -> tuple[str, str]:
    head = GIVEN_HEADS[n % len(GIVEN_HEADS)]
    tail = GIVEN_TAILS[(n // len(GIVEN_HEADS)) % len(GIVEN_TAILS)]
    return head[0] + tail[0], head[1] + tail[1]


def codes(n: int, seed: int = 0) -> tuple[str, str]:
    """The (住民票コード, 個人番号) of synthetic person *n*: valid, unique per seed."""
    code = complete_resident_code(f"{(seed * 1_000_003 + n * _CODE_STEP) % 10**10:010d}")
    number = complete_my_number(f"{(seed * 1_000_033 + n * _NUMBER_STEP) % 10**11:011d}")
    return code, number


def address(rng: random.Random) -> dict[str, str]:
    town = rng.choice(TOWNS)
    return {
        "postal_code": f"737-{rng.randrange(0, 10000):04d}",
        "text": f"広島県呉市{town}{rng.randrange(1, 10)}丁目{rng.randrange(1, 40)}番"
        f"{rng.randrange(1, 30)}号",
    }


def households(residents: int, *, seed: int = 1) -> Iterator[dict[str, Any]]:
    """Import lines (one household each) holding *residents* persons in all."""
    rng = random.Random(seed)
    person = 0
    household = 0
    while person < residents:
        household += 1
        size = min(rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5)), residents - person)
        fam_n = rng.randrange(len(FAMILY_HEADS) * len(FAMILY_TAILS))
        family, family_kana = family_name(fam_n)
        home = address(rng)
        since = dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(0, 12000))
        head_birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 25000))
        people = []
        for i in range(size):
            person += 1
            rel = "世帯主" if i == 0 else ("妻" if i == 1 else "子")
            birth = (
                head_birth
                if i == 0
                else head_birth
                + dt.timedelta(days=rng.randrange(0, 9000) if i > 1 else rng.randrange(-2000, 2000))
            )
            birth = min(birth, since)
            given, given_kana = given_name(rng.randrange(len(GIVEN_HEADS) * len(GIVEN_TAILS)))
            code, number = codes(person, seed)
            people.append(
                {
                    "resident_id": f"1{person:09d}",
                    "family_name": family,
                    "given_name": given,
                    "family_name_kana": family_kana,
                    "given_name_kana": given_kana,
                    "birth_date": birth.isoformat(),
                    "sex": "male" if i != 1 and rng.random() < 0.5 else "female",
                    "relationship": rel,
                    "resident_code": code,
                    "my_number": number,
                    "registered_domicile": rng.choice(DOMICILES),
                    "domicile_head": f"{family}　{given}",
                    "became_resident_on": since.isoformat(),
                    "became_resident_reason": "転入",
                    "address_since": since.isoformat(),
                    "address_notified_on": since.isoformat(),
                }
            )
        yield {
            "household_id": f"5{household:09d}",
            "formed_on": since.isoformat(),
            "address": home,
            "persons": people,
        }
