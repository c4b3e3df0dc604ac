"""Names and addresses as MJ text: characters, 外字, MJ ids, intake notation, receivers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kure_juki.domain.character_report import FIELD_COLUMNS, display_width
from kure_juki.domain.cs_messages import unified_texts
from kure_juki.domain.format_checks import is_clean_text
from kure_juki.domain.mj_checks import mj_problems
from kure_juki.domain.mj_table import mj_table
from kure_juki.domain.mj_text import GETA, MjText, degrade, expand_mj_references, juki_codes
from kure_juki.domain.names import count_gaiji, seion_kana
from kure_juki.domain.parsing import parse_notification
from kure_juki.domain.search import fold
from kure_juki.testing.factories import move_in, person

KATSU = "\u845b\U000e0103"  # 葛󠄃 (Moji_Joho IVS)
TAKA = "\u9ad9"  # 髙
SAKI = "\ufa11"  # 﨑 (a CJK compatibility ideograph: NFC would turn it into 崎)
YOSHI = "\U00020bb7"  # 𠮷
TSUCHI = "\U0002123d"  # 𡈽


def test_a_base_and_its_ivs_are_one_character() -> None:
    text = MjText(f"{KATSU}飾{YOSHI}田")
    assert text.characters == (KATSU, "飾", YOSHI, "田")
    assert text.mj_ids[0] == "MJ022336" and text.mj_ids[2] == "MJ032129"
    assert count_gaiji(KATSU) == 1  # one character, outside JIS X 0208
    assert count_gaiji(f"{KATSU}飾{YOSHI}田{TAKA}{SAKI}{TSUCHI}") == 5


def test_gaiji_by_jis_set() -> None:
    text = MjText(f"{KATSU}{TAKA}{SAKI}{YOSHI}{TSUCHI}山")
    assert text.outside_jis_x_0208 == (0, 1, 2, 3, 4)
    # 﨑 and 𡈽 are JIS X 0213 characters; 髙 and 𠮷 are not, nor a variant with its IVS.
    assert text.outside_jis_x_0213 == (0, 1, 3)
    assert text.not_mj == ()


@pytest.mark.parametrize(
    "text",
    ["한국", "😀", "葛\U000e0100\U000e0100", "\U000e0103", "a\U000e0100"],
)
def test_characters_outside_mj_are_found(text: str) -> None:
    assert MjText(text).not_mj


def test_kana_ascii_and_jis_symbols_are_in_the_set() -> None:
    assert MjText("やまだ　タロウ Smith-1・２丁目").not_mj == ()


def test_seion_kana_still_works_on_readings() -> None:
    assert seion_kana("くずは") == "クスハ"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (f"{KATSU}西", True),
        (f"{YOSHI}田", True),
        (TSUCHI, True),
        (f"{TAKA}{SAKI}", True),
        ("\U000e0103", False),  # a lone selector
        (f"{KATSU}\U000e0103", False),  # two selectors in a row
        ("a\U000e0100", False),  # an ideographic selector after a letter
        (" \U000e0100山", False),
        ("山田\x00", False),
        ("\ufe00山", False),
    ],
)
def test_format_check_takes_ivs_and_non_bmp_and_refuses_garbage(value: str, ok: bool) -> None:
    assert is_clean_text(value, 60) is ok


def test_mj_references_are_expanded() -> None:
    assert expand_mj_references("{MJ032129}田&MJ022336;") == (f"{YOSHI}田葛", [])
    assert expand_mj_references("{MJ999999}") == ("{MJ999999}", ["MJ999999"])
    assert expand_mj_references("MJ032129") == ("MJ032129", [])  # bare ids are plain text


def test_intake_stores_unicode_for_mj_ids() -> None:
    n = parse_notification(move_in([person(family_name="{MJ032129}田", given_name="太郎")]))
    assert n.persons[0].family_name == f"{YOSHI}田"  # type: ignore[attr-defined]


def test_intake_lists_every_unknown_mj_id() -> None:
    from kure_juki.domain.errors import FormatError

    with pytest.raises(FormatError) as refused:
        parse_notification(move_in([person(family_name="{MJ999999}", given_name="{MJ000000}")]))
    assert [p.where for p in refused.value.problems] == [
        "persons[0].family_name",
        "persons[0].given_name",
    ]
    assert {p.code for p in refused.value.problems} == {"KJ-FMT-902"}


def test_non_mj_policy_alerts_or_refuses() -> None:
    n = parse_notification(move_in([person(family_name="한", given_name="太郎")]))
    alert = mj_problems(n, "alert")
    assert [(p.code, p.severity, p.where) for p in alert] == [
        ("KJ-WARN-951", "warning", "persons[0].family_name")
    ]
    refuse = mj_problems(n, "refuse")
    assert [(p.code, p.severity) for p in refuse] == [("KJ-FMT-901", "error")]
    assert mj_problems(parse_notification(move_in([person(family_name=YOSHI)])), "refuse") == []


def test_fold_ignores_selectors_so_search_finds_variants() -> None:
    assert fold(f"{KATSU}飾") == fold("葛飾") == "葛飾"
    assert fold(SAKI) == SAKI != fold("崎")  # a character of its own, not a variant


def test_juki_codes_per_character() -> None:
    codes, missing = juki_codes(f"{KATSU}{YOSHI}　一", "name_kanji")
    assert codes == ("J+B9D5", "J+AEAC", "J+3000", "J+4E00") and missing == []


def test_a_character_without_juki_code_is_listed_never_replaced() -> None:
    no_code = "\u845b\U000e0107"  # 葛󠄇 MJ022337 has no 住基ネット統一文字コード
    assert mj_table().lookup(no_code).juki_code is None  # type: ignore[union-attr]
    _, missing = unified_texts([("name_kanji", f"山{no_code}"), ("address", "한")])
    assert [(p.code, p.where) for p in missing] == [
        ("KJ-LINK-901", "name_kanji[1]"),
        ("KJ-LINK-901", "address[0]"),
    ]


def test_degradation_records_each_character() -> None:
    text, changes = degrade(f"{KATSU}{YOSHI}田{TAKA}{SAKI}{TSUCHI}", "jis_x_0208")
    assert text == "葛吉田高崎土"
    assert [(d.index, d.original, d.replacement) for d in changes] == [
        (0, KATSU, "葛"),
        (1, YOSHI, "吉"),
        (3, TAKA, "高"),
        (4, SAKI, "崎"),
        (5, TSUCHI, "土"),
    ]
    assert changes[1].mj_id == "MJ032129" and changes[1].map == "JIS包摂規準UCS統合規則"
    text_0213, changes_0213 = degrade(f"{SAKI}{TSUCHI}{TAKA}", "jis_x_0213")
    assert text_0213 == f"{SAKI}{TSUCHI}高" and len(changes_0213) == 1
    assert degrade("한", "jis_x_0208") == (GETA, degrade("한", "jis_x_0208")[1])
    assert degrade(f"{KATSU}", "mj") == (KATSU, ())


@given(st.lists(st.sampled_from(["山", "田", "や", "ー", KATSU, YOSHI, TAKA, SAKI])).map("".join))
def test_degraded_text_is_jis_x_0208_and_keeps_its_length(text: str) -> None:
    out, changes = degrade(text, "jis_x_0208")
    assert out.encode("cp932") is not None
    assert len(out) == len(list(MjText(text).characters))
    assert len(changes) == len(MjText(text).outside_jis_x_0208)


def test_display_width_matches_the_certificate_layout() -> None:
    from kure_juki.adapters.printing import layout

    assert layout._inner(layout.SIDE_WIDTH + layout.LABEL_WIDTH, layout.COLUMNS) == FIELD_COLUMNS
    for text in (f"{KATSU}{YOSHI}田 太郎", "広島県呉市中央４丁目1番6号", SAKI + TSUCHI):
        assert display_width(text) == layout.text_width(text)


def test_a_recipient_may_name_the_character_set_it_holds() -> None:
    from kure_juki.domain.policy import ALL_ITEMS
    from kure_juki.domain.transfers import degrade_record, parse_recipients

    entry = {
        "name_ja": "旧税務システム",
        "use_ja": "住民税の賦課",
        "legal_basis": "番号法第9条第1項 別表",
        "purpose": "tax",
        "may_use_my_number": False,
        "items": ["family_name", "address"],
    }
    table = parse_recipients(
        {"recipients": {"old": {**entry, "charset": "jis_x_0208"}, "new": entry}}, ALL_ITEMS
    )
    assert (table["old"].charset, table["new"].charset) == ("jis_x_0208", "mj")
    with pytest.raises(ValueError, match="character set"):
        parse_recipients({"recipients": {"bad": {**entry, "charset": "sjis"}}}, ALL_ITEMS)
    record, changes = degrade_record(
        {"family_name": f"{YOSHI}田", "address": {"text": f"{TSUCHI}町"}, "n": 1}, "jis_x_0208"
    )
    assert record == {"family_name": "吉田", "address": {"text": "土町"}, "n": 1}
    assert [(c["item"], c["original"], c["replacement"]) for c in changes] == [
        ("family_name", YOSHI, "吉"),
        ("address.text", TSUCHI, "土"),
    ]
