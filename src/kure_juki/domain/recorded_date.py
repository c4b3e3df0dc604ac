"""Dates as 戸籍 records them (戸籍の記載どおりの年月日, 標準1.1.8).

生年月日, 住民となった年月日, 住所を定めた年月日, 外国人住民となった年月日 and
the 異動日 of 出生 and 死亡 keep whatever the 戸籍 (or, for a foreign resident,
the passport or residence card) says: a day that is not on the calendar
(昭和55年2月30日, 明治45年7月30日 after 明治 ended, 昭和64年1月8日) or one of
the standard's 不詳日 forms (「昭和55年頃」, 「推定昭和55年3月」, 「昭和55年3月上旬」,
「年月日不詳」, 「昭和55年3月1日から3月10日頃までの間」 …). The register keeps
the text as written and, beside it, an internal calendar day (内部日付) for
sorting, ages and searches: the first day of the period the text states, so
two texts whose periods follow each other sort in that order and a person's
age is never understated.

* a day written out (calendar or not): that day, a day past the month's end
  (2月30日, 4月31日) becoming the month's last day;
* 上旬 / 中旬 / 下旬: the 1st, 11th, 21st of the month;
* a month alone (「3月頃」, 「推定3月」, 「3月 日不詳」): its 1st;
* 春 / 夏 / 秋 / 冬: 3月1日, 6月1日, 9月1日, 12月1日 (the seasons of the
  気象庁: 冬 = 12月〜翌2月);
* a year alone (「昭和55年頃」, 「昭和55年 月日不詳」): 1月1日 of that year,
  also when an era began during it (「平成元年頃」 sorts from 1989-01-01, before
  「平成元年1月8日」, as the days it may mean do);
* 「…から…までの間」: its first day;
* 「年月日不詳」: nothing is known, so the caller's ``sort_date`` or, failing
  that, the item's own rule (:data:`UNKNOWN_SORT_DATE`; a death's 届出日).

Years are written with an era (明治 to 令和, 元年 for the first) or in the Western calendar
(``1980年``, as a foreign resident's 生年月日 is, 標準1.1.9); digits may be full-width or kanji
numerals (昭和五十五年二月三十日). An era year must be one the era had (平成31年 exists, 平成32年
does not); within it any month 1–12 and day 1–31 is accepted, since the 戸籍 is what it is.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata

import attrs

from kure_juki.domain.wareki import ERAS

__all__ = [
    "UNKNOWN",
    "UNKNOWN_SORT_DATE",
    "RecordedDate",
    "parse_recorded_date",
]

UNKNOWN = "年月日不詳"
# 「年月日不詳」 with no sort_date: the first day the register's era table knows (明治元年1月1日),
# so a wholly unknown date sorts before every known one.
UNKNOWN_SORT_DATE = ERAS[0].starts_on

_PARTS = {"上旬": 1, "中旬": 11, "下旬": 21}
_PART_ENDS = {"上旬": 10, "中旬": 20}
_SEASONS = {"春": 3, "夏": 6, "秋": 9, "冬": 12}
_KANJI_DIGITS = {
    "〇": 0, "○": 0, "零": 0, "一": 1, "壱": 1, "二": 2, "弐": 2, "三": 3, "参": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_ISO = re.compile(r"\A([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_KANJI_NUMBER = re.compile("[〇○零一壱二弐三参四五六七八九十拾廿卅]+")


@attrs.frozen
class RecordedDate:  # 戸籍の記載どおりの年月日
    """A date as written, the period it states and the internal day kept for sorting."""

    text: str  # as written (記載どおり)
    sort_date: dt.date  # 内部日付: sorting, age, search
    first: dt.date | None  # the period the text states (None for 年月日不詳)
    last: dt.date | None
    exact: bool  # a single day is written (calendar or not), no 不詳 wording

    @property
    def on_calendar(self) -> bool:
        """A plain calendar day: nothing to keep beside the internal date."""
        return self.exact and self.first == self.last == self.sort_date and self.first is not None


def _kanji_to_int(text: str) -> str:
    """Kanji numerals as the 戸籍 writes them (五十五, 弐拾, 三〇) in ASCII digits."""
    if all(c in _KANJI_DIGITS for c in text):
        return "".join(str(_KANJI_DIGITS[c]) for c in text)
    total, digit = 0, None
    for c in text:
        if c in ("十", "拾"):
            total += (digit if digit is not None else 1) * 10
            digit = None
        elif c == "廿":
            total += 20
        elif c == "卅":
            total += 30
        else:
            digit = _KANJI_DIGITS[c]
    return str(total + (digit or 0))


def _fold(text: str) -> str:
    folded = "".join(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())
    folded = _KANJI_NUMBER.sub(lambda m: _kanji_to_int(m.group()), folded)
    # "1980-02-30" marked as recorded is the Western form 1980年2月30日.
    return _ISO.sub(lambda m: f"{m[1]}年{int(m[2])}月{int(m[3])}日", folded)


_ERA_NAMES = {era.name: era for era in ERAS}
_YEAR = rf"(?:(?P<era>{'|'.join(_ERA_NAMES)})(?P<ey>元|[0-9]{{1,2}})|(?P<wy>[0-9]{{4}}))年"
_M = r"(?P<{}>[0-9]{{1,2}})月"
_D = r"(?P<{}>[0-9]{{1,2}})日"
_EST = r"(?P<{}>推定)?"
_ABOUT = r"(?P<{}>頃)?"

_SHAPES = [
    # 「推定」? Y年 (頃)?                 「令和○○年頃」
    re.compile(rf"(?P<est>推定)?{_YEAR}(?P<about>頃)?"),
    # Y年 月日不詳                         「令和○○年 月日不詳」
    re.compile(rf"{_YEAR}(?P<nomd>月日不詳)"),
    # 推定? Y年 季節 頃?                   「令和○○年春」
    re.compile(rf"(?P<est>推定)?{_YEAR}(?P<season>[春夏秋冬])(?P<about>頃)?"),
    # 推定? Y年 M月 (旬)? 頃?              「令和○○年○月頃」「推定令和○○年○月」「○月中旬頃」
    re.compile(
        rf"(?P<est>推定)?{_YEAR}{_M.format('m')}(?P<part>上旬|中旬|下旬)?(?P<about>頃)?"
    ),
    # Y年 M月 日不詳                       「令和○○年○○月 日不詳」
    re.compile(rf"{_YEAR}{_M.format('m')}(?P<nod>日不詳)"),
    # 推定? Y年 M月 D日 頃?               「令和○○年〇月〇日頃」「推定令和○○年○月○日」
    re.compile(rf"(?P<est>推定)?{_YEAR}{_M.format('m')}{_D.format('d')}(?P<about>頃)?"),
    # Y年 M月 推定? D日 頃? から (M月)? 推定? D日 頃? までの間
    re.compile(
        rf"{_YEAR}{_M.format('m')}{_EST.format('est1')}{_D.format('d')}{_ABOUT.format('ab1')}"
        rf"から(?:{_M.format('m2')})?{_EST.format('est2')}{_D.format('d2')}"
        rf"{_ABOUT.format('ab2')}までの間"
    ),
]


def _year(match: re.Match[str]) -> int:
    if match.group("wy") is not None:
        year = int(match.group("wy"))
        if year < 1 or year > 9999:
            raise ValueError("year out of range")
        return year
    era = _ERA_NAMES[match.group("era")]
    text = match.group("ey")
    era_year = 1 if text == "元" else int(text)
    index = ERAS.index(era)
    last_year = (
        ERAS[index + 1].starts_on.year - era.starts_on.year + 1 if index + 1 < len(ERAS) else 99
    )
    if not 1 <= era_year <= last_year:
        raise ValueError("the era had no such year")
    return era.starts_on.year + era_year - 1


def _month(text: str) -> int:
    month = int(text)
    if not 1 <= month <= 12:
        raise ValueError("no such month")
    return month


def _day(year: int, month: int, text: str) -> dt.date:
    """The day as written, a day past the month's end counted as the month's last day."""
    day = int(text)
    if not 1 <= day <= 31:
        raise ValueError("no such day")
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _period(match: re.Match[str]) -> tuple[dt.date, dt.date, bool]:
    groups = match.groupdict()
    year = _year(match)
    if groups.get("m") is None:
        season = groups.get("season")
        if season is not None:
            start = dt.date(year, _SEASONS[season], 1)
            end = (
                dt.date(year + 1, 2, calendar.monthrange(year + 1, 2)[1])
                if season == "冬" and year < 9999
                else _month_end(year, _SEASONS[season] + 2 if season != "冬" else 12)
            )
            return start, end, False
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        return first, last, False
    month = _month(groups["m"])
    if groups.get("d") is None:
        part = groups.get("part")
        if part is not None:
            start = dt.date(year, month, _PARTS[part])
            end = (
                dt.date(year, month, _PART_ENDS[part])
                if part in _PART_ENDS
                else _month_end(year, month)
            )
            return start, end, False
        first, last = dt.date(year, month, 1), _month_end(year, month)
        return first, last, False
    start = _day(year, month, groups["d"])
    if groups.get("d2") is None:
        exact = not (groups.get("est") or groups.get("about"))
        return start, start, exact
    month2 = _month(groups["m2"]) if groups.get("m2") is not None else month
    end = _day(year, month2, groups["d2"])
    if end < start:  # 「12月25日から1月5日頃までの間」 runs into the next year
        if year >= 9999:
            raise ValueError("year out of range")
        end = _day(year + 1, month2, groups["d2"])
    return start, end, False


def parse_recorded_date(text: str, sort_date: dt.date | None = None) -> RecordedDate:
    """The date *text* states, as the 戸籍 writes it.

    ``sort_date``, when given, is kept as the internal date instead of the rule's; it must lie
    in the period the text states. Raises ``ValueError`` for a text that is none of the forms
    of 標準1.1.8 or a ``sort_date`` outside its period.
    """
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    if not text.strip() or len(text) > 64:
        raise ValueError("not a date as the 戸籍 records it")
    folded = _fold(text)
    if folded == UNKNOWN:
        return RecordedDate(
            text=text,
            sort_date=sort_date or UNKNOWN_SORT_DATE,
            first=None,
            last=None,
            exact=False,
        )
    for shape in _SHAPES:
        match = shape.fullmatch(folded)
        if match is None:
            continue
        try:
            first, last, exact = _period(match)
        except (ValueError, OverflowError):
            raise ValueError("not a date as the 戸籍 records it") from None
        if sort_date is not None and not first <= sort_date <= last:
            raise ValueError("sort_date outside the period the text states")
        return RecordedDate(
            text=text, sort_date=sort_date or first, first=first, last=last, exact=exact
        )
    raise ValueError("not a date as the 戸籍 records it")
