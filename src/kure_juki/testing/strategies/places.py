"""Addresses (住所) in the municipality, places in other municipalities and abroad."""

from __future__ import annotations

from hypothesis import strategies as st

from kure_juki.testing.strategies.identifiers import FULL_WIDTH, KURE, local_gov_codes, postal_codes

KURE_TOWNS = (
    "中央", "本通", "中通", "西中央", "広古新開", "阿賀中央", "焼山中央", "吉浦新町", "音戸町",
    "警固屋", "宮原", "川尻町", "天応", "仁方本町", "広大新開",
)
KANJI_NUMBERS = ("一", "二", "三", "四", "五", "六", "七", "八", "九")
DOMESTIC_PLACES = (  # (全国地方公共団体コード, an address there)
    ("131016", "東京都千代田区霞が関一丁目1番"),
    ("011002", "北海道札幌市中央区北1条西2丁目"),
    ("341002", "広島県広島市中区基町10番52号"),
    ("342076", "広島県福山市東桜町3番5号"),
    ("271004", "大阪府大阪市北区中之島一丁目3番20号"),
    ("401307", "福岡県福岡市中央区天神一丁目8番1号"),
    ("472018", "沖縄県那覇市泉崎一丁目1番1号"),
)
COUNTRIES = (
    ("大韓民国", "ソウル特別市中区世宗大路110"),
    ("アメリカ合衆国", "Washington, D.C. 1600 Pennsylvania Avenue NW"),
    ("ベトナム", "ハノイ市バーディン区"),
    ("ブラジル", "サンパウロ州サンパウロ市"),
    ("フィリピン", "マニラ首都圏マカティ市"),
)


@st.composite
def address_texts(draw: st.DrawFn, municipality: str = "広島県呉市") -> str:
    """An address in the municipality: town, 丁目 in kanji, 番 and 号 in ASCII or full-width
    digits, now and then a 外字 or a building name."""
    town = draw(st.sampled_from(KURE_TOWNS))
    chome = draw(st.sampled_from(KANJI_NUMBERS))
    ban, go = draw(st.integers(1, 40)), draw(st.integers(1, 30))
    numbers = f"{ban}番{go}号"
    if draw(st.integers(0, 4)) == 0:
        numbers = f"{ban}－{go}".translate(FULL_WIDTH)
    extra = draw(st.sampled_from(["", "", "", " 呉ハイツ101", "　髙﨑荘２０３", " Kure Tower 5F"]))
    return f"{municipality}{town}{chome}丁目{numbers}{extra}"


@st.composite
def addresses(draw: st.DrawFn, municipality: str = "広島県呉市") -> dict[str, str]:
    """An address entry of a notification: ``{"postal_code", "text"}``."""
    return {"postal_code": draw(postal_codes()), "text": draw(address_texts(municipality))}


@st.composite
def domestic_places(draw: st.DrawFn, *, exclude: str = KURE) -> dict[str, str]:
    """A place in another municipality (前住所・転出先): ``{"municipality_code", "text"}``."""
    if draw(st.booleans()):
        code, text = draw(st.sampled_from([p for p in DOMESTIC_PLACES if p[0] != exclude]))
        return {"municipality_code": code, "text": text}
    code = draw(local_gov_codes(exclude=[exclude]))
    return {"municipality_code": code, "text": f"某県某市本町{draw(st.integers(1, 99))}番"}


@st.composite
def foreign_places(draw: st.DrawFn) -> dict[str, str]:
    """A place abroad (国外の転入元・転出先): ``{"country", "text"}``."""
    country, text = draw(st.sampled_from(COUNTRIES))
    return {"country": country, "text": text}
