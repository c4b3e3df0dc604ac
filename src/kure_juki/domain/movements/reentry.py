"""再転入者 (標準4.1.1.2) and codes never given to anybody else (番号法8条2項, 住基法30条の3).

A person moving in (転入, 国外転入, 住基法30条の46・47 registrations) whose 個人番号, 住民票コード
or 在留カード番号 is that of a 除票 of this register is a 再転入者: the standard forbids a new
entry and the person continues under the former 宛名番号. A 除票 matching only on 3情報
(氏名・性別・生年月日) raises an alert naming it; the clerk may then choose it
(``former_resident_id`` of the person entry: 「再転入者として選択できること」).

Who is "the same person". The codes are the person's (番号法7条: a 個人番号 is one person's for
life; 住基法30条の3: so is a 住民票コード until it is changed), so a code match is the identity,
with these checks, which a clerk would make at the counter:

- every code given that the register knows points to one and the same 除票 (a 除票 that a
  帰化・国籍取得・国籍喪失 left behind shares its codes with the record made from it and is not a
  person of its own);
- the birth date agrees with the 除票 (names change on marriage, and 性別 may change by 戸籍; a
  birth date does not — a wrong one is corrected on the 除票 first, by 職権修正);
- the 除票 was not deleted by death (死亡): a deceased person's codes are never accepted;
- a code whose only 除票 is one left by a kind change (the successor's code has since changed)
  is refused too: it is nobody's to take;
- a record deleted by 取消 was entered by mistake: it is nobody's 除票 and holds no code.

Codes of a 除票 are therefore never recorded for a different 宛名番号, except the one record
made from it by 帰化・国籍取得・国籍喪失 (住基法 keeps one 住民票 per kind of resident).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from kure_juki.domain.errors import Problem, problem
from kure_juki.domain.movements.cancellation import (
    CANCELLED_ADDITION,
    CANCELLED_CHANGE,
    CANCELLED_REMOVAL,
)
from kure_juki.domain.notifications import PersonEntry
from kure_juki.domain.register_view import RegisterView
from kure_juki.domain.resident import Resident

# 消除事由 after which the record's codes live on in the record made from it.
KIND_CHANGES = frozenset({"帰化", "国籍取得", "国籍喪失"})
# A record deleted by 取消 was entered by mistake: it is no person's 除票 and holds no code.
# Its 消除事由 is the 取消's label (標準4.6.0.1), or a bare 取消 in stores written before.
VOID = frozenset({CANCELLED_ADDITION, CANCELLED_REMOVAL, CANCELLED_CHANGE, "取消"})
DECEASED = "死亡"


@attrs.frozen
class ReEntryMatch:  # 再転入者の判定
    formers: tuple[Resident | None, ...]  # the 除票 each person continues, by position
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()


def is_kind_change(r: Resident) -> bool:
    return r.deletion is not None and r.deletion.reason in KIND_CHANGES


def is_void(r: Resident) -> bool:
    return r.deletion is not None and r.deletion.reason in VOID


def is_persons_deleted_record(r: Resident) -> bool:
    """A 除票 that stands for its person: not left by a kind change, not a voided entry."""
    return r.deletion is not None and not is_kind_change(r) and not is_void(r)


def _by_codes(p: PersonEntry, view: RegisterView) -> list[Resident]:
    found: dict[str, Resident] = {}
    if p.resident_code is not None:
        found.update((r.resident_id, r) for r in view.deleted_by_resident_code(p.resident_code))
    if p.my_number is not None:
        found.update((r.resident_id, r) for r in view.deleted_by_my_number(p.my_number))
    if p.residence_card_number is not None:
        found.update(
            (r.resident_id, r)
            for r in view.deleted_by_residence_card_number(p.residence_card_number)
        )
    return [found[k] for k in sorted(found)]


def _one(p: PersonEntry, view: RegisterView, at: str) -> tuple[Resident | None, list[Problem]]:
    """The 除票 person *p* continues, or the problems that forbid the codes given."""
    matched = _by_codes(p, view)
    persons = [r for r in matched if is_persons_deleted_record(r)]
    chosen_id = p.former_resident_id
    if chosen_id is not None:
        chosen = view.resident(chosen_id)
        if (
            chosen is None
            or chosen.deletion is None
            or not is_persons_deleted_record(chosen)
            or chosen.deletion.reason == DECEASED
            or chosen.birth_date != p.birth_date
            or chosen.sex != p.sex
        ):
            return None, [problem("KJ-LOGIC-605", "former_resident_id", f"{at}.former_resident_id")]
        if any(r.resident_id != chosen_id for r in persons):
            return None, [problem("KJ-LOGIC-603", "resident_code", at)]
        return chosen, []
    if not persons:
        if any(is_kind_change(r) for r in matched):
            return None, [problem("KJ-LOGIC-606", "resident_code", at)]
        return None, []
    if len(persons) > 1:
        return None, [problem("KJ-LOGIC-603", "resident_code", at)]
    former = persons[0]
    assert former.deletion is not None
    if former.deletion.reason == DECEASED:
        return None, [problem("KJ-LOGIC-601", "resident_code", at)]
    if p.birth_date is not None and former.birth_date != p.birth_date:
        return None, [problem("KJ-LOGIC-602", "birth_date", f"{at}.birth_date")]
    return former, []


def _alerts(p: PersonEntry, view: RegisterView, at: str) -> list[Problem]:
    """3情報 matches: alerts naming each candidate 除票."""
    if p.birth_date is None or p.sex is None:
        return []
    candidates = view.deleted_by_identity(p.family_name, p.given_name, p.sex, p.birth_date)
    return [
        attrs.evolve(problem("KJ-WARN-601", "former_resident_id", at), resident_id=r.resident_id)
        for r in candidates
        if is_persons_deleted_record(r) and r.deletion is not None and r.deletion.reason != DECEASED
    ]


def match_reentries(
    persons: Sequence[PersonEntry],
    view: RegisterView,
    where: str = "persons",
    *,
    alerts: bool = True,
) -> ReEntryMatch:
    """Which persons of a move-in are 再転入者, what forbids their codes, and (with *alerts*)
    the 3情報 alerts."""
    formers: list[Resident | None] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    taken: set[str] = set()
    for i, p in enumerate(persons):
        at = f"{where}[{i}]"
        former, wrong = _one(p, view, at)
        problems += wrong
        if former is not None and former.resident_id in taken:
            problems.append(problem("KJ-LOGIC-604", "resident_code", at))
            former = None
        if former is not None:
            taken.add(former.resident_id)
            warnings.append(
                attrs.evolve(
                    problem("KJ-WARN-602", "resident_id", at), resident_id=former.resident_id
                )
            )
        elif alerts and not wrong:
            warnings += _alerts(p, view, at)
        formers.append(former)
    return ReEntryMatch(formers=tuple(formers), problems=tuple(problems), warnings=tuple(warnings))


def codes_of_deleted(p: PersonEntry, view: RegisterView, at: str) -> list[Problem]:
    """For a person who cannot be anybody's 再転入 (a newborn): any code of a 除票 is refused."""
    if any(not is_void(r) for r in _by_codes(p, view)):
        return [problem("KJ-LOGIC-606", "resident_code", at)]
    return []
