"""Quickstart: a family's life in the register, step by step (synthetic people only).

    python examples/quickstart.py                      # in memory
    python examples/quickstart.py sqlite:///out/q.db   # on a SQLite file

A family moves in (転入), a child is born (出生), they move within the city (転居), the head
dies (死亡), a new head is named (世帯主変更), one member moves out (転出) and the move-out is
confirmed when the new town's 転入通知 arrives.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import kure_juki as kj
from kure_juki.domain.identifiers import complete_my_number, complete_resident_code
from kure_juki.domain.wareki import to_wareki
from kure_juki.testing.clock import SettableClock


def show(step: str, receipt: kj.Receipt) -> None:
    alerts = "; ".join(f"{w.code} {w.message_ja}" for w in receipt.warnings) or "なし"
    print(f"■ {step}: 異動番号 {receipt.movement_id}, 対象 {', '.join(receipt.resident_ids)}, "
          f"世帯 {receipt.household_id}, 確認事項: {alerts}")


def household_line(s: kj.Session, household_id: str) -> None:
    h = s.household(household_id)
    for m in h["members"]:
        mark = "◎" if m["resident_id"] == h["head_id"] else "　"
        print(f"    {mark} {m['family_name']} {m['given_name']}（{m['relationship']}） "
              f"{m['address']['text']}  [{m['status']}]")


def person(given: str, kana: str, birth: str, sex: str, rel: str, n: int) -> dict[str, Any]:
    return {
        "family_name": "呉", "given_name": given, "family_name_kana": "くれ",
        "given_name_kana": kana, "birth_date": birth, "sex": sex, "relationship": rel,
        "registered_domicile": "広島県呉市中央四丁目1番", "domicile_head": "呉　一郎",
        "resident_code": complete_resident_code(f"{3_000_000_000 + n:010d}"),
        "my_number": complete_my_number(f"{40_000_000_000 + n * 97:011d}"),
    }


def main(url: str = "memory://") -> None:
    clock = SettableClock("2026-04-10T09:00:00+09:00")
    reg = kj.open_registry(url, municipality_code="342025", clock=clock)
    # A second run on a file finds its administrator already there.
    with contextlib.suppress(kj.AccessDenied):
        reg.bootstrap_admin("admin", "a-long-passphrase")
    admin = reg.login("admin", "a-long-passphrase", terminal_id="T-001",
                      purpose="resident_records")
    with contextlib.suppress(kj.ConflictError):
        admin.add_operator("clerk01", password="clerk-passphrase-01", role="clerk")

    def workday(when: str) -> kj.Session:
        """The clerk logs in on the day of the counter visit (sessions end when idle)."""
        clock.set(when)
        return reg.login("clerk01", "clerk-passphrase-01", terminal_id="T-002",
                         purpose="resident_records")

    s = workday("2026-04-10T09:00:00+09:00")
    print(f"呉市 住民基本台帳 ({url}) — 処理日 {to_wareki(clock.today)}")

    moved = s.submit({
        "type": "move_in", "occurred_on": "2026-04-01", "notified_on": "2026-04-10",
        "address": {"postal_code": "737-0045", "text": "広島県呉市本通一丁目1番1号"},
        "previous_address": {"municipality_code": "131016",
                             "text": "東京都千代田区霞が関一丁目1番"},
        "household": {"new": True},
        "persons": [person("一郎", "いちろう", "1960-04-01", "male", "世帯主", 1),
                    person("花子", "はなこ", "1962-05-02", "female", "妻", 2),
                    person("健太", "けんた", "1990-06-03", "male", "子", 3)],
    })
    show("転入", moved)
    head, wife, son = moved.resident_ids
    hid = moved.household_id
    assert hid is not None

    s = workday("2026-05-20T10:00:00+09:00")
    born = s.submit({"type": "birth", "occurred_on": "2026-05-18", "household_id": hid,
                     "person": {"family_name": "呉", "given_name": "陽菜",
                                "family_name_kana": "くれ", "given_name_kana": "ひな",
                                "sex": "female", "relationship": "子の子"}})
    show("出生", born)
    child = s.resident(born.resident_ids[0])
    print(f"    新しい住民票コード {child['resident_code']}, 個人番号は住基ネット経由で付番済み")

    s = workday("2026-07-01T10:00:00+09:00")
    within = s.submit({"type": "move_within", "occurred_on": "2026-06-28",
                       "resident_ids": [head, wife, son, born.resident_ids[0]],
                       "address": {"postal_code": "737-0046",
                                   "text": "広島県呉市中通二丁目2番2号"}})
    show("転居", within)

    s = workday("2026-09-15T10:00:00+09:00")
    died = s.submit({"type": "death", "occurred_on": "2026-09-12", "resident_id": head})
    show("死亡", died)
    household_line(s, hid)

    named = s.submit({"type": "change_head", "occurred_on": "2026-09-15", "household_id": hid,
                      "new_head_id": wife,
                      "relationships": {son: "子", born.resident_ids[0]: "子の子"}})
    show("世帯主変更", named)
    household_line(s, hid)

    s = workday("2026-11-02T10:00:00+09:00")
    out = s.submit({"type": "move_out", "occurred_on": "2026-11-10", "resident_ids": [son],
                    "destination": {"municipality_code": "011002",
                                    "text": "北海道札幌市中央区北1条西2丁目"}})
    show("転出（予定）", out)
    print(f"    状態: {s.resident(son)['status']}")

    s = workday("2026-11-16T10:00:00+09:00")
    confirmed = s.confirm_move_out([son], occurred_on="2026-11-10")
    show("転出確定（転入通知受理）", confirmed)
    print(f"    除票: {s.resident(son)['status']} / {s.resident(son)['deletion']}")
    household_line(s, hid)

    report = reg.verify_audit_log()
    print(f"操作ログ: {report.entries} 件, 改ざん検知チェーン {'正常' if report.ok else '異常'}")
    reg.close()


if __name__ == "__main__":
    main(*sys.argv[1:2])
