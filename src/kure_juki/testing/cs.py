"""Builders of valid synthetic 本人確認情報 (never real people) for CS-link tests and benchmarks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from kure_juki.domain.identity_file import IdentityRecord, Sex
from kure_juki.domain.names import count_gaiji, seion_kana
from kure_juki.testing.factories import FAMILY, GIVEN_F, GIVEN_M, unique_codes

JST = dt.timezone(dt.timedelta(hours=9))
KURE = "342025"


def with_derived_items(record: IdentityRecord) -> IdentityRecord:
    """The record with 清音化かな, every 外字数 and the 外字フラグ recomputed from its text."""
    counts: dict[str, Any] = {
        "name_gaiji_count": count_gaiji(record.name_kanji),
        "address_gaiji_count": count_gaiji(record.address),
        "previous_address_gaiji_count": count_gaiji(record.previous_address or ""),
        "former_surname_gaiji_count": count_gaiji(record.former_surname or ""),
    }
    return attrs.evolve(
        record,
        name_seion_kana=seion_kana(record.name_kana),
        gaiji_flag=any(counts.values()),
        **counts,
    )


def identity_record(
    n: int = 1, *, municipality_code: str = KURE, update_sequence: int = 1, **changes: Any
) -> IdentityRecord:
    """The n-th synthetic person's record, as first written by a 転入 on 2020-04-01.

    Distinct ``n`` give distinct 住民票コード and 個人番号; ``changes`` override any item, and
    the derived items are recomputed afterwards.
    """
    resident_code, my_number = unique_codes(n)
    sex: Sex = "male" if n % 2 else "female"
    family, family_kana = FAMILY[n % len(FAMILY)]
    given, given_kana = (GIVEN_M if sex == "male" else GIVEN_F)[n // len(FAMILY) % 4]
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=(n * 37) % 20_000)
    moved_in = dt.date(2020, 4, 1)
    record = IdentityRecord(
        resident_code=resident_code,
        name_kanji=f"{family}　{given}",
        name_gaiji_count=0,
        name_kana=f"{family_kana}　{given_kana}",
        name_seion_kana="",
        birth_date=birth,
        sex=sex,
        municipality_code=municipality_code,
        oaza_code=f"{n % 900 + 100:03d}0000",
        postal_code="737-0045",
        address=f"広島県呉市本通{n % 9 + 1}丁目{n % 30 + 1}番{n % 20 + 1}号",
        address_gaiji_count=0,
        my_number=my_number,
        became_resident_on=moved_in,
        address_set_on=moved_in,
        notified_on=moved_in,
        previous_municipality_code="341002",
        previous_address="広島県広島市中区基町10番52号",
        relationship="世帯主",
        change_reason="転入",
        changed_on=moved_in,
        resident_code_used_from=dt.date(2002, 8, 5),
        request_number=f"REQ-{n:08d}",
        operator_id="clerk01",
        terminal_id="T-001",
        update_sequence=update_sequence,
        timestamp=dt.datetime(2020, 4, 1, 10, 0, tzinfo=JST),
    )
    return with_derived_items(attrs.evolve(record, **changes))


def updated(
    record: IdentityRecord,
    reason: str,
    update_sequence: int,
    *,
    on: dt.date = dt.date(2024, 6, 3),
    **changes: Any,
) -> IdentityRecord:
    """``record`` after a movement: the items in ``changes`` and the bookkeeping of an update."""
    items: dict[str, Any] = {
        "change_reason": reason,
        "changed_on": on,
        "notified_on": on,
        "update_sequence": update_sequence,
        "request_number": f"REQ-{update_sequence:08d}",
        "timestamp": dt.datetime.combine(on, dt.time(10, 0), tzinfo=JST),
    }
    return with_derived_items(attrs.evolve(record, **(items | changes)))
