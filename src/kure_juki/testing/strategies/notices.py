"""Valid notices about one person for a register: 職権修正, 在留資格変更, 在留期間更新, 通称,
旧氏, 帰化・国籍取得・国籍喪失, 個別記載事項, 住民票コード・個人番号の変更, 取消."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from kure_juki.domain.foreign_categories import check_category_items
from kure_juki.domain.movements.individual import INDIVIDUAL_ITEMS
from kure_juki.domain.resident import HEAD, Resident
from kure_juki.testing.strategies.common import (
    TypeStrategy,
    dated_by_notice,
    recent,
    with_notice_day,
)
from kure_juki.testing.strategies.identifiers import postal_codes, residence_card_numbers
from kure_juki.testing.strategies.names import (
    FAMILY_NAMES,
    FOREIGN_GIVEN,
    GIVEN_NAMES,
    foreign_names,
    japanese_names,
    kana_readings,
)
from kure_juki.testing.strategies.persons import (
    CATEGORY_ITEMS,
    NATIONALITIES,
    REGISTERED_DOMICILES,
    RELATIONSHIPS,
    RESIDENCE_STATUSES,
    category_key,
    dates_between,
    stay_periods,
)
from kure_juki.testing.strategies.places import address_texts
from kure_juki.testing.strategies.register import RegisterState


@st.composite
def _correction_value(draw: st.DrawFn, item: str, r: Resident, today: dt.date) -> Any:
    name = draw(foreign_names() if r.kind == "foreign" else japanese_names())
    if item in ("family_name", "family_name_kana"):
        return getattr(name, item)
    if item == "given_name":
        return name.given_name or draw(st.sampled_from(FOREIGN_GIVEN))[0]
    if item == "given_name_kana":
        return name.given_name_kana or draw(kana_readings())
    if item == "birth_date":
        return draw(dates_between(dt.date(1920, 1, 1), today)).isoformat()
    if item == "sex":
        return draw(st.sampled_from(["male", "female"]))
    if item == "address":
        return {"postal_code": draw(postal_codes()), "text": draw(address_texts())}
    if item == "relationship":
        return HEAD if r.is_head else draw(st.sampled_from(RELATIONSHIPS))
    if item == "registered_domicile":
        return draw(st.sampled_from(REGISTERED_DOMICILES))
    if item == "domicile_head":
        return f"{name.family_name}　{draw(st.sampled_from(GIVEN_NAMES))[0]}"
    if item == "nationality":
        return draw(st.sampled_from(NATIONALITIES))
    if item == "residence_status":
        return draw(st.sampled_from(RESIDENCE_STATUSES))
    if item == "alias":
        return draw(st.sampled_from(["山田太郎", "金田花子"]))
    if item == "category_30_45":
        return draw(category_key(draw(st.sampled_from(sorted(CATEGORY_ITEMS)))))
    if item == "stay_expires_on":
        return (today + dt.timedelta(days=draw(st.integers(1, 1500)))).isoformat()
    assert item == "residence_card_number", item
    return draw(residence_card_numbers())


CORRECTABLE_COMMON = (
    "family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date", "sex",
    "address", "relationship",
)
CORRECTABLE_JAPANESE = ("registered_domicile", "domicile_head")
CORRECTABLE_FOREIGN = (
    "nationality", "residence_status", "alias", "category_30_45", "stay_expires_on",
    "residence_card_number",
)
CORRECTION_REASONS = ("誤記修正", "職権による記載の修正", "戸籍の記載に合わせた修正")


@st.composite
def _correction(draw: st.DrawFn, state: RegisterState) -> dict[str, Any]:
    r = draw(st.sampled_from(state.residents))  # 除票 included: they take 職権修正 only
    kind_items = CORRECTABLE_FOREIGN if r.kind == "foreign" else CORRECTABLE_JAPANESE
    items = draw(
        st.lists(st.sampled_from(CORRECTABLE_COMMON + kind_items), min_size=1, max_size=3,
                 unique=True)
    )
    return dated_by_notice(draw, state, {
        "type": "correction",
        "resident_id": r.resident_id,
        "changes": {item: draw(_correction_value(item, r, state.today)) for item in items},
        "reason": draw(st.sampled_from(CORRECTION_REASONS)),
    })


def living_of_kind(state: RegisterState, kind: str | None = None) -> list[Resident]:
    return [r for r in state.living if kind is None or r.kind == kind]


def _status_change_candidates(state: RegisterState, kind: str) -> list[Resident]:
    """Foreign residents whose category would still have every item it requires after the
    notice (a 在留期間更新 keeps the status; a new card number is always given)."""
    out = []
    for r in living_of_kind(state, "foreign"):
        assert r.foreign is not None
        status = "定住者" if kind == "residence_status_change" else r.foreign.residence_status
        missing = check_category_items(
            r.foreign.category_30_45, residence_status=status, stay_expires_on=state.today,
            residence_card_number="AA00000000AA", occurred_on=None,
        )
        if not missing:
            out.append(r)
    return out


@st.composite
def _status_change(draw: st.DrawFn, state: RegisterState, kind: str) -> dict[str, Any]:
    r = draw(st.sampled_from(_status_change_candidates(state, kind)))
    assert r.foreign is not None
    expires = state.today + dt.timedelta(days=draw(st.integers(1, 5 * 366)))
    n: dict[str, Any] = {
        "type": kind,
        "resident_id": r.resident_id,
        "stay_expires_on": expires.isoformat(),
        "residence_card_number": draw(residence_card_numbers()),
    }
    if kind == "residence_status_change":
        n["residence_status"] = draw(st.sampled_from(RESIDENCE_STATUSES))
    if draw(st.booleans()):
        n["stay_period"] = draw(stay_periods())
    if draw(st.booleans()):  # the immigration agency's "before", as the register holds it
        before = {
            "residence_status": r.foreign.residence_status,
            "stay_expires_on": (
                r.foreign.stay_expires_on.isoformat() if r.foreign.stay_expires_on else None
            ),
            "residence_card_number": r.foreign.residence_card_number,
        }
        n["before"] = {k: v for k, v in before.items() if v is not None}
    return with_notice_day(draw, state, n)


def _foreign_with_alias(state: RegisterState, present: bool) -> list[Resident]:
    found = living_of_kind(state, "foreign")
    return [r for r in found if bool(r.foreign and r.foreign.alias) == present]


@st.composite
def _alias_entry(draw: st.DrawFn, state: RegisterState) -> dict[str, Any]:
    r = draw(st.sampled_from(_foreign_with_alias(state, False)))
    alias, kana = draw(st.sampled_from([("山田太郎", "やまだたろう"), ("金田花子", "かねだはなこ"),
                                        ("髙山一郎", "たかやまいちろう")]))
    n: dict[str, Any] = {"type": "alias_entry", "resident_id": r.resident_id, "alias": alias}
    if draw(st.booleans()):
        n["alias_kana"] = kana
    return dated_by_notice(draw, state, n)


@st.composite
def _alias_deletion(draw: st.DrawFn, state: RegisterState) -> dict[str, Any]:
    r = draw(st.sampled_from(_foreign_with_alias(state, True)))
    return dated_by_notice(draw, state, {"type": "alias_deletion", "resident_id": r.resident_id})


def _japanese_with_former_surname(state: RegisterState, present: bool) -> list[Resident]:
    found = living_of_kind(state, "japanese")
    return [r for r in found if (r.former_surname is not None) == present]


@st.composite
def _former_surname_entry(draw: st.DrawFn, state: RegisterState) -> dict[str, Any]:
    r = draw(st.sampled_from(_japanese_with_former_surname(state, False)))
    family, kana, _ = draw(st.sampled_from(FAMILY_NAMES))
    return dated_by_notice(draw, state, {
        "type": "former_surname_entry",
        "resident_id": r.resident_id,
        "former_surname": family,
        "former_surname_kana": kana,
    })


@st.composite
def _former_surname_deletion(draw: st.DrawFn, state: RegisterState) -> dict[str, Any]:
    r = draw(st.sampled_from(_japanese_with_former_surname(state, True)))
    return dated_by_notice(
        draw, state, {"type": "former_surname_deletion", "resident_id": r.resident_id}
    )


def not_leaving(state: RegisterState, kind: str) -> list[Resident]:
    return [r for r in living_of_kind(state, kind) if r.planned_move_out is None]


@st.composite
def _naturalization(draw: st.DrawFn, state: RegisterState, kind: str) -> dict[str, Any]:
    r = draw(st.sampled_from(not_leaving(state, "foreign")))
    name = draw(japanese_names())
    return with_notice_day(draw, state, {
        "type": kind,
        "occurred_on": draw(recent(state)).isoformat(),
        "resident_id": r.resident_id,
        **name.items(),
        "registered_domicile": draw(st.sampled_from(REGISTERED_DOMICILES)),
        "domicile_head": f"{name.family_name}　{name.given_name}",
    })


@st.composite
def _nationality_loss(draw: st.DrawFn, state: RegisterState) -> dict[str, Any]:
    r = draw(st.sampled_from(not_leaving(state, "japanese")))
    n: dict[str, Any] = {
        "type": "nationality_loss",
        "occurred_on": draw(recent(state)).isoformat(),
        "resident_id": r.resident_id,
        "nationality": draw(st.sampled_from(NATIONALITIES)),
    }
    if draw(st.booleans()):  # a name of the new nationality; empty items keep the old ones
        n.update({k: v for k, v in draw(foreign_names()).items().items() if v})
    return with_notice_day(draw, state, n)


@st.composite
def _individual_entry(draw: st.DrawFn, state: RegisterState) -> dict[str, Any]:
    r = draw(st.sampled_from(state.living))
    fields = draw(
        st.none()
        | st.dictionaries(
            st.sampled_from(["資格取得日", "記号番号", "投票区", "受給者番号", "種別"]),
            st.sampled_from(["2026-04-01", "第3投票区", "12-3456", "第1号被保険者"]),
            min_size=1, max_size=3,
        )
    )
    return dated_by_notice(draw, state, {
        "type": "individual_entry",
        "resident_id": r.resident_id,
        "item": draw(st.sampled_from(sorted(INDIVIDUAL_ITEMS))),
        "fields": fields,
    })


@st.composite
def _code_change(draw: st.DrawFn, state: RegisterState, kind: str) -> dict[str, Any]:
    r = draw(st.sampled_from(state.living))
    return dated_by_notice(draw, state, {"type": kind, "resident_id": r.resident_id})


def _cancellable(state: RegisterState) -> bool:
    """The last movement can always be undone (unless it is itself a 取消)."""
    last = state.last_movement
    return last is not None and last.type != "cancellation"


@st.composite
def _cancellation(draw: st.DrawFn, state: RegisterState) -> dict[str, Any]:
    assert state.last_movement is not None
    return with_notice_day(draw, state, {
        "type": "cancellation",
        "movement_id": state.last_movement.movement_id,
        "reason": draw(st.sampled_from(["誤入力", "届出の取下げ", "二重登録"])),
    })


NOTICES: dict[str, TypeStrategy] = {
    "correction": TypeStrategy(lambda s: bool(s.residents), _correction),
    "residence_status_change": TypeStrategy(
        lambda s: bool(_status_change_candidates(s, "residence_status_change")),
        lambda s: _status_change(s, "residence_status_change"),
    ),
    "stay_extension": TypeStrategy(
        lambda s: bool(_status_change_candidates(s, "stay_extension")),
        lambda s: _status_change(s, "stay_extension"),
    ),
    "alias_entry": TypeStrategy(lambda s: bool(_foreign_with_alias(s, False)), _alias_entry),
    "alias_deletion": TypeStrategy(lambda s: bool(_foreign_with_alias(s, True)), _alias_deletion),
    "former_surname_entry": TypeStrategy(
        lambda s: bool(_japanese_with_former_surname(s, False)), _former_surname_entry
    ),
    "former_surname_deletion": TypeStrategy(
        lambda s: bool(_japanese_with_former_surname(s, True)), _former_surname_deletion
    ),
    "naturalization": TypeStrategy(
        lambda s: bool(not_leaving(s, "foreign")), lambda s: _naturalization(s, "naturalization")
    ),
    "nationality_acquisition": TypeStrategy(
        lambda s: bool(not_leaving(s, "foreign")),
        lambda s: _naturalization(s, "nationality_acquisition"),
    ),
    "nationality_loss": TypeStrategy(lambda s: bool(not_leaving(s, "japanese")), _nationality_loss),
    "individual_entry": TypeStrategy(lambda s: bool(s.living), _individual_entry),
    "resident_code_change": TypeStrategy(
        lambda s: bool(s.living), lambda s: _code_change(s, "resident_code_change")
    ),
    "my_number_change": TypeStrategy(
        lambda s: bool(s.living), lambda s: _code_change(s, "my_number_change")
    ),
    "cancellation": TypeStrategy(_cancellable, _cancellation),
}
