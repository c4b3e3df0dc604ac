"""Counter identity check: the card's items against a resident's register view.

Properties:
* a register view made from the card's own items matches, however it is spaced or written in
  full-width or half-width forms;
* changing any one item gives ``mismatch`` naming exactly that item and its code;
* variant kanji (髙/高, 﨑/崎, a variation selector) never match: ``kanji_differs``;
* the result never holds a value (no name, address or My Number in its repr or dict).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kure_juki.domain.card import CardIdentity
from kure_juki.domain.errors import FormatError
from kure_juki.domain.identifiers import complete_my_number
from kure_juki.domain.identity_check import compare_card_to_register, compare_text, normalise

CARD = CardIdentity(
    my_number=complete_my_number("11122233344"),
    name="髙橋　一郎",
    address="広島県呉市中央四丁目1番6号",
    birth_date=datetime.date(1975, 12, 3),
    sex="male",
)


def _view(**changes: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "family_name": "髙橋",
        "given_name": "一郎",
        "birth_date": "1975-12-03",
        "sex": "male",
        "address": {"postal_code": "737-0045", "text": "広島県呉市中央四丁目1番6号"},
        "my_number": CARD.my_number,
    }
    view.update(changes)
    return view


def test_the_same_person_matches() -> None:
    result = compare_card_to_register(CARD, _view())
    assert result.verdict == "match"
    assert result.matches == dict.fromkeys(
        ("name", "address", "birth_date", "sex", "my_number"), True
    )
    assert result.mismatched == () and result.problems == ()


@pytest.mark.parametrize(
    ("changes", "item", "outcome", "code"),
    [
        ({"family_name": "高橋"}, "name", "kanji_differs", "KJ-CARD-021"),
        ({"family_name": "髙田"}, "name", "kanji_differs", "KJ-CARD-021"),
        ({"family_name": "タカハシ"}, "name", "mismatch", "KJ-CARD-020"),
        ({"given_name": "一"}, "name", "mismatch", "KJ-CARD-020"),
        ({"address": {"postal_code": "", "text": "広島県呉市中央四丁目1番7号"}}, "address",
         "mismatch", "KJ-CARD-022"),
        ({"address": {"postal_code": "", "text": "廣島県呉市中央四丁目1番6号"}}, "address",
         "kanji_differs", "KJ-CARD-023"),
        ({"birth_date": "1975-12-04"}, "birth_date", "mismatch", "KJ-CARD-024"),
        ({"sex": "female"}, "sex", "mismatch", "KJ-CARD-025"),
        ({"my_number": complete_my_number("11122233345")}, "my_number", "mismatch",
         "KJ-CARD-026"),
    ],
)
def test_one_item_differs(changes: dict[str, Any], item: str, outcome: str, code: str) -> None:
    result = compare_card_to_register(CARD, _view(**changes))
    assert result.verdict == "mismatch"
    assert result.mismatched == (item,)
    assert (result.item(item).outcome, result.item(item).code) == (outcome, code)
    assert [p.code for p in result.problems] == [code]
    assert all(result.matches[other] for other in result.matches if other != item)


def test_my_number_hidden_by_policy_is_not_compared() -> None:
    view = _view()
    del view["my_number"]
    result = compare_card_to_register(CARD, view)
    assert result.verdict == "incomplete"
    assert result.item("my_number").code == "KJ-CARD-027"
    assert compare_card_to_register(CARD, _view(sex="female", my_number=None)).verdict == "mismatch"


def test_spacing_and_width_do_not_matter() -> None:
    card = CardIdentity(
        my_number=CARD.my_number, name="ＳＭＩＴＨ　ＪＯＨＮ", address="呉市中央４－１－６",
        birth_date=CARD.birth_date, sex="male",
    )
    view = _view(family_name="Smith", given_name=" john",
                 address={"postal_code": "", "text": "呉市 中央4-1-6"})
    assert compare_card_to_register(card, view).verdict == "match"


def test_a_variation_selector_is_a_different_glyph() -> None:
    assert compare_text("葛\U000E0100飾", "葛飾") == "kanji_differs"
    assert compare_text("﨑山", "崎山") == "kanji_differs"  # U+FA11 stays itself under NFKC


@given(st.text(min_size=1, max_size=20), st.data())
def test_normalising_ignores_white_space_only(text: str, data: st.DataObject) -> None:
    spaces = data.draw(st.lists(st.sampled_from([" ", "\u3000", "\t"]), max_size=3))
    spaced = "".join(spaces) + text + "".join(spaces)
    assert normalise(spaced) == normalise(text)
    assert compare_text(spaced, text) == "match"


@pytest.mark.parametrize(
    ("changes", "code", "item"),
    [
        ({"family_name": None}, "KJ-FMT-002", "family_name"),
        ({"given_name": 3}, "KJ-FMT-003", "given_name"),
        ({"birth_date": "1975-2-3"}, "KJ-FMT-004", "birth_date"),
        ({"birth_date": "19751203"}, "KJ-FMT-004", "birth_date"),
        ({"address": "呉市"}, "KJ-FMT-003", "address"),
        ({"address": {"postal_code": ""}}, "KJ-FMT-002", "text"),
        ({"my_number": 111222333444}, "KJ-FMT-003", "my_number"),
    ],
)
def test_a_malformed_register_view_is_a_format_error(
    changes: dict[str, Any], code: str, item: str
) -> None:
    with pytest.raises(FormatError) as caught:
        compare_card_to_register(CARD, _view(**changes))
    assert (caught.value.code, caught.value.item) == (code, item)


def test_the_result_carries_no_values() -> None:
    result = compare_card_to_register(CARD, _view(family_name="高橋"))
    shown = repr(result) + repr(result.to_dict())
    for value in (CARD.my_number, "髙橋", "高橋", "一郎", "呉市", "1975"):
        assert value not in shown
    assert result.to_dict()["verdict"] == "mismatch"
