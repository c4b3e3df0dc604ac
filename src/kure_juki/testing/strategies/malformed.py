"""Malformed notifications: a valid one with one fault, and the code its rejection carries."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import attrs
from hypothesis import strategies as st

from kure_juki.domain.notifications import NOTIFICATION_TYPES
from kure_juki.testing.strategies.identifiers import (
    invalid_local_gov_codes,
    invalid_my_numbers,
    invalid_postal_codes,
    invalid_residence_card_numbers,
    invalid_resident_codes,
)
from kure_juki.testing.strategies.names import invalid_kana
from kure_juki.testing.strategies.notifications import available_types, notification
from kure_juki.testing.strategies.register import RegisterState


@attrs.frozen
class Malformed:  # 形式誤りの届出
    """A notification with one fault, and the KJ-FMT code its rejection must carry."""

    notification: Any
    code: str
    fault: str  # which fault was put in (a key of FAULTS)


Notification = dict[str, Any]
Damage = Callable[[st.DrawFn, Notification], Any]


class Fault(NamedTuple):
    code: str  # the code the rejection carries
    types: frozenset[str] | None  # the types it can be put in (None: every type)
    damage: Damage  # returns the damaged notification (it may change the one given)


def _fields(kind: str) -> set[str]:
    return {f.name for f in attrs.fields(NOTIFICATION_TYPES[kind])}


def _types_with(*names: str) -> frozenset[str]:
    return frozenset(k for k in NOTIFICATION_TYPES if _fields(k) & set(names))


def _required(kind: str) -> list[str]:
    return sorted(
        f.name for f in attrs.fields(NOTIFICATION_TYPES[kind]) if f.default is attrs.NOTHING
    )


def _set(key: str, values: st.SearchStrategy[Any]) -> Damage:
    def damage(draw: st.DrawFn, n: Notification) -> Notification:
        n[key] = draw(values)
        return n

    return damage


def _missing(draw: st.DrawFn, n: Notification) -> Notification:
    n.pop(draw(st.sampled_from(_required(n["type"]))))
    return n


def _not_object(draw: st.DrawFn, n: Notification) -> Any:
    return draw(st.sampled_from([[n], "move_in", 1, None]))


def _bad_id(draw: st.DrawFn, n: Notification) -> Notification:
    bad = draw(st.sampled_from(["", "??", "1" * 40, "宛名1", " 100"]))
    if "resident_id" in n:
        n["resident_id"] = bad
    else:
        n["resident_ids"] = [*n["resident_ids"], bad]
    return n


def _place_code(draw: st.DrawFn, n: Notification) -> Notification:
    key = "previous_address" if n["type"] == "move_in" else "destination"
    n[key] = {**n[key], "municipality_code": draw(invalid_local_gov_codes())}
    return n


def _postal_code(draw: st.DrawFn, n: Notification) -> Notification:
    n["address"] = {**n["address"], "postal_code": draw(invalid_postal_codes())}
    return n


def _person_item(item: str, values: Callable[[], st.SearchStrategy[Any]]) -> Damage:
    """Spoil *item* of one person of the notification (a foreign one for foreign items)."""

    def damage(draw: st.DrawFn, n: Notification) -> Notification:
        key = "persons" if "persons" in n else "person"
        people = list(n[key]) if key == "persons" else [n[key]]
        foreign_only = item in ("category_30_45", "residence_card_number")
        choices = [i for i, p in enumerate(people) if "nationality" in p or not foreign_only]
        index = draw(st.sampled_from(choices))
        people[index] = {**people[index], item: draw(values())}
        n[key] = people if key == "persons" else people[0]
        return n

    return damage


_WITH_PERSONS = _types_with("persons", "person")
# Types whose persons are all foreign residents (法30条46・47の届出).
_FOREIGN_PERSONS = frozenset({"foreign_registration_30_46", "foreign_registration_30_47"})

FAULTS: dict[str, Fault] = {
    "unknown_key": Fault("KJ-FMT-001", None, _set("unexpected_item", st.sampled_from(["x", 1]))),
    "missing": Fault("KJ-FMT-002", None, _missing),
    "wrong_type": Fault(
        "KJ-FMT-003", None, _set("notified_on", st.sampled_from([20261126, 2026.11, True, []]))
    ),
    "bad_date": Fault(
        "KJ-FMT-004",
        None,
        _set(
            "notified_on",
            st.sampled_from(
                ["2026-02-30", "2026/11/26", "26-11-2026", "令和8年11月26日", "2026-11-26T10:00",
                 "2026-13-01", ""]
            ),
        ),
    ),
    "unknown_type": Fault(
        "KJ-FMT-013", None, _set("type", st.sampled_from(["move_sideways", "MOVE_IN", "転入", ""]))
    ),
    "not_object": Fault("KJ-FMT-018", None, _not_object),
    "resident_id": Fault("KJ-FMT-017", _types_with("resident_id", "resident_ids"), _bad_id),
    "municipality_code": Fault(
        "KJ-FMT-007", frozenset({"move_in", "move_out"}), _place_code
    ),
    "postal_code": Fault("KJ-FMT-008", _types_with("address"), _postal_code),
    "my_number": Fault("KJ-FMT-005", _WITH_PERSONS, _person_item("my_number", invalid_my_numbers)),
    "resident_code": Fault(
        "KJ-FMT-006", _WITH_PERSONS, _person_item("resident_code", invalid_resident_codes)
    ),
    "kana": Fault("KJ-FMT-011", _WITH_PERSONS, _person_item("family_name_kana", invalid_kana)),
    "sex": Fault(
        "KJ-FMT-010",
        _WITH_PERSONS,
        _person_item("sex", lambda: st.sampled_from(["男", "M", "other", "Male", ""])),
    ),
    "category": Fault(
        "KJ-FMT-016",
        _FOREIGN_PERSONS,
        _person_item("category_30_45", lambda: st.sampled_from(["永住者", "resident", "中長期"])),
    ),
    "residence_card": Fault(
        "KJ-FMT-009",
        _FOREIGN_PERSONS,
        _person_item("residence_card_number", invalid_residence_card_numbers),
    ),
}


@st.composite
def malformed_notifications(
    draw: st.DrawFn, state: RegisterState | None = None, faults: Iterable[str] | None = None
) -> Malformed:
    """A valid notification for *state* with one fault of :data:`FAULTS` (or of *faults*) put
    in: a key no type knows, a required item left out, a value of the wrong JSON type, an
    impossible date, an unknown type, not an object, a bad 宛名番号, 地方公共団体コード, 郵便番号,
    個人番号, 住民票コード, reading, sex, 30条45 区分 or 在留カード番号. ``submit`` raises
    FormatError with ``code`` among its problems, and changes nothing."""
    state = state or RegisterState()
    possible = set(available_types(state))
    usable = {
        name: fault
        for name, fault in FAULTS.items()
        if (faults is None or name in set(faults)) and possible & (fault.types or possible)
    }
    if not usable:
        raise ValueError(f"none of these faults fits a notification possible here: {faults}")
    name = draw(st.sampled_from(sorted(usable)))
    fault = usable[name]
    kind = draw(st.sampled_from(sorted(possible & (fault.types or possible))))
    damaged = fault.damage(draw, dict(draw(notification(kind, state))))
    return Malformed(damaged, fault.code, name)
