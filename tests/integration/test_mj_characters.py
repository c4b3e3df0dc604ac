"""Names and addresses with MJ characters (行政事務標準文字) through the public API, on every
store: they read back exactly, search finds them by kanji and by kana, the CS receives them as
住基ネット統一文字, a JIS X 0208 receiver gets them degraded with a record of each character, and
the 文字溢れ report lists what does not fit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import kure_juki as kj
from kure_juki.domain.cs_messages import IdentityUpdate, MoveInNotice, decode_message
from kure_juki.service.cs_sync import outbox_of
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

pytestmark = pytest.mark.kj_store("memory", "sqlite", "postgresql")

KATSU = "\u845b\U000e0103"  # 葛󠄃 MJ022336
TAKA = "\u9ad9"  # 髙 MJ028902
SAKI = "\ufa11"  # 﨑 MJ030196
YOSHI = "\U00020bb7"  # 𠮷 MJ032129
TSUCHI = "\U0002123d"  # 𡈽 MJ032932
ADDRESS = f"広島県呉市{TSUCHI}町{TAKA}{SAKI}一丁目1番1号"
PASSWORD = "a-long-passphrase"


def _family() -> dict[str, Any]:
    return move_in(
        [
            person(
                family_name=f"{KATSU}西",
                given_name=f"{YOSHI}男",
                family_name_kana="くずにし",
                given_name_kana="よしお",
            ),
            person(
                relationship="妻",
                sex="female",
                birth_date="1982-05-02",
                family_name=f"{TAKA}{SAKI}",
                given_name="{MJ032932}子",  # intake by MJ文字図形名
                family_name_kana="たかさき",
                given_name_kana="つちこ",
            ),
        ],
        address=ADDRESS,
    )


def test_mj_names_read_back_exactly(kj_admin: kj.Session) -> None:
    receipt = kj_admin.submit(_family())
    assert receipt.warnings == ()
    husband, wife = (kj_admin.resident(rid) for rid in receipt.resident_ids)
    assert (husband["family_name"], husband["given_name"]) == (f"{KATSU}西", f"{YOSHI}男")
    assert (wife["family_name"], wife["given_name"]) == (f"{TAKA}{SAKI}", f"{TSUCHI}子")
    assert husband["address"]["text"] == ADDRESS
    assert husband["gaiji_count"] == 2  # 葛󠄃 and 𠮷 are one character each


def _found(s: kj.Session, **criteria: Any) -> set[str]:
    return {r["resident_id"] for r in s.search(**criteria)}


def test_search_finds_mj_names_by_kanji_and_kana(kj_admin: kj.Session) -> None:
    husband, wife = kj_admin.submit(_family()).resident_ids
    born, wife_born = "1980-04-01", "1982-05-02"
    for query in (f"{KATSU}西", "葛西", KATSU, "葛", "くずにし", "クズニシ"):
        assert husband in _found(kj_admin, family_name=query, birth_date=born), query
    assert husband in _found(kj_admin, given_name=f"{YOSHI}男", birth_date=born)
    assert husband in _found(kj_admin, given_name="よしお", birth_date=born)
    for query in (f"{TAKA}{SAKI}", TAKA, "たかさき"):
        assert wife in _found(kj_admin, family_name=query, birth_date=wife_born), query
    assert wife in _found(kj_admin, given_name=f"{TSUCHI}子", birth_date=wife_born)
    assert wife in _found(kj_admin, family_name="たかさき", address=f"{TSUCHI}町")
    assert _found(kj_admin, family_name="高崎", birth_date=wife_born) == set()


def test_a_character_outside_mj_is_accepted_with_an_alert(kj_admin: kj.Session) -> None:
    receipt = kj_admin.submit(move_in([person(given_name="한")]))
    assert [(w["code"], w["where"]) for w in receipt.warnings] == [
        ("KJ-WARN-951", "persons[0].given_name")
    ]


def test_an_unknown_mj_id_is_refused(kj_admin: kj.Session) -> None:
    with pytest.raises(kj.FormatError) as refused:
        kj_admin.submit(move_in([person(family_name="{MJ999999}")]))
    assert refused.value.code == "KJ-FMT-902"
    assert kj_admin.search(family_name="{MJ999999}", birth_date="1980-04-01") == []


def test_transfer_to_a_jis_x_0208_receiver_records_what_was_degraded(
    kj_admin: kj.Session,
) -> None:
    husband, _ = kj_admin.submit(_family()).resident_ids
    full = kj_admin.transfer("municipal_tax")
    assert full["charset"] == "mj" and full["degraded"] == []
    mine = next(r for r in full["records"] if r["resident_id"] == husband)
    assert mine["family_name"] == f"{KATSU}西"

    sent = kj_admin.transfer("municipal_tax", charset="jis_x_0208")
    mine = next(r for r in sent["records"] if r["resident_id"] == husband)
    assert (mine["family_name"], mine["given_name"]) == ("葛西", "吉男")
    assert mine["address"]["text"] == "広島県呉市土町高崎一丁目1番1号"
    lost = {
        (d["resident_id"], d["item"], d["original"], d["replacement"]) for d in sent["degraded"]
    }
    assert (husband, "family_name", KATSU, "葛") in lost
    assert (husband, "given_name", YOSHI, "吉") in lost
    assert (husband, "address.text", TSUCHI, "土") in lost
    record = kj_admin.transfer_records("municipal_tax")[-1]
    assert record["charset"] == "jis_x_0208"
    assert record["degraded"] == sent["degraded"]
    assert all(d["mj_id"] and d["map"] for d in record["degraded"])

    with pytest.raises(kj.FormatError) as refused:
        kj_admin.transfer("municipal_tax", charset="sjis")
    assert refused.value.code == "KJ-FMT-903"


def test_character_overflow_report(kj_admin: kj.Session) -> None:
    long_address = "広島県呉市" + "中央" * 30 + "1番地"
    husband, wife = kj_admin.submit(_family()).resident_ids
    (other,) = kj_admin.submit(
        move_in([person(given_name="한")], address=long_address)
    ).resident_ids
    report = kj_admin.character_overflow_report()
    kinds = {(f["resident_id"], f["item"], f["kind"]) for f in report}
    assert (other, "address", "overflow") in kinds
    assert (other, "name", "not_mj") in kinds
    assert (husband, "name", "degraded") in kinds
    assert (wife, "address", "degraded") in kinds
    overflow = next(f for f in report if f["kind"] == "overflow")
    assert (overflow["width"], overflow["capacity"], overflow["lines"]) == (135, 52, 3)
    in_0213 = kj_admin.character_overflow_report(charset="jis_x_0213")
    degraded = next(f for f in in_0213 if f["resident_id"] == wife and f["item"] == "address")
    assert [c["original"] for c in degraded["characters"]] == [TAKA]  # 𡈽 and 﨑 are JIS X 0213
    trail = kj_admin.audit_trail()
    assert any(e["operation"] == "character_report" for e in trail)


def test_viewers_get_no_character_report(kj_viewer: kj.Session) -> None:
    with pytest.raises(kj.AccessDenied):
        kj_viewer.character_overflow_report()


def test_refuse_policy(kj_store_url: str, kj_clock: SettableClock) -> None:
    policy = kj.load_policy()
    import attrs

    strict = attrs.evolve(policy, non_mj_characters="refuse")
    reg = kj.open_registry(kj_store_url, municipality_code="342025", clock=kj_clock, policy=strict)
    try:
        reg.bootstrap_admin("admin", PASSWORD)
        s = reg.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")
        with pytest.raises(kj.FormatError) as refused:
            s.submit(move_in([person(given_name="한")]))
        assert refused.value.code == "KJ-FMT-901"
        assert s.submit(_family()).warnings == ()
    finally:
        reg.close()


# --- the CS -----------------------------------------------------------------------------------


@pytest.fixture
def cs_reg(kj_store_url: str, kj_clock: SettableClock, kj_cs_link: Any) -> Iterator[kj.Registry]:
    reg = kj.open_registry(
        kj_store_url, municipality_code="342025", clock=kj_clock, cs_link=kj_cs_link
    )
    reg.bootstrap_admin("admin", PASSWORD)
    yield reg
    reg.close()


def _sent(reg: kj.Registry) -> list[Any]:
    with reg.store.unit_of_work() as uow:
        return [decode_message(e.body) for e in outbox_of(uow).entries()]


def test_the_cs_receives_unified_character_codes(cs_reg: kj.Registry) -> None:
    s = cs_reg.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")
    s.submit(_family())
    messages = _sent(cs_reg)
    updates = [m for m in messages if isinstance(m, IdentityUpdate)]
    by_name = {u.record.name_kanji: u for u in updates}
    husband = by_name[f"{KATSU}西\u3000{YOSHI}男"]
    codes = {u.item: u.codes for u in husband.unified}
    assert codes["name_kanji"] == ("J+B9D5", "J+897F", "J+3000", "J+AEAC", "J+7537")
    assert codes["address"][5] == "J+AABE"  # 𡈽
    assert len(codes["address"]) == len(list(ADDRESS.replace("\U000e0103", "")))
    wife = by_name[f"{TAKA}{SAKI}\u3000{TSUCHI}子"]
    assert dict((u.item, u.codes) for u in wife.unified)["name_kanji"][:2] == ("J+9AD9", "J+FA11")
    notices = [m for m in messages if isinstance(m, MoveInNotice)]
    assert notices and all(n.unified for n in notices)


def test_a_character_without_a_unified_code_is_refused_before_sending(
    cs_reg: kj.Registry,
) -> None:
    s = cs_reg.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")
    no_code = "\u845b\U000e0107"  # 葛󠄇 MJ022337: MJ, but no 住基ネット統一文字コード
    with pytest.raises(kj.RegistryError) as refused:
        s.submit(move_in([person(family_name=f"{no_code}{no_code}", given_name="한")]))
    where = [p.where for p in refused.value.problems if p.code == "KJ-LINK-901"]
    assert where == ["name_kanji[0]", "name_kanji[1]", "name_kanji[3]"]
    assert _sent(cs_reg) == []
    assert s.search(family_name="葛", birth_date="1980-04-01") == []


def test_a_lone_selector_is_refused_by_the_format_check(kj_admin: kj.Session) -> None:
    with pytest.raises(kj.FormatError) as refused:
        kj_admin.submit(move_in([person(family_name="\U000e0103山", given_name="a\U000e0100")]))
    assert [(p.code, p.where) for p in refused.value.problems] == [
        ("KJ-FMT-012", "persons[0].family_name"),
        ("KJ-FMT-012", "persons[0].given_name"),
    ]
