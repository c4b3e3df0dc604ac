"""A clerk's day under the access policy, and a tampered audit log caught (synthetic people).

    python examples/access_and_audit.py                     # a SQLite file in a temp dir
    python examples/access_and_audit.py out/day.db          # a SQLite file you keep

Searches refused and allowed (本人特定の検索条件), items by qualification and purpose, a 支援措置
protecting a victim from the perpetrator at the counter, a bulk export with a supervisor's
prior approval (大量出力の事前承認), 庁内連携 to the tax office in full and as differences, the
audit trail of one person, and finally an audit row edited behind the library with plain SQL —
which ``verify_audit_log`` catches.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

import kure_juki as kj
from kure_juki.testing.clock import SettableClock
from kure_juki.testing.factories import move_in, person

ADMIN, SUP, CLERK = "admin-passphrase", "super-passphrase", "clerk-passphrase"


def refused(what: str, call: object) -> None:
    try:
        call()  # type: ignore[operator]
    except kj.RegistryError as e:
        print(f"  ✗ {what}: {e.code} {e.message_ja}")
    else:
        raise AssertionError(f"{what} should have been refused")


def main(path: str | None = None) -> None:
    if importlib.util.find_spec("kure_juki.adapters.sqlalchemy") is None:
        url, db = "memory://", None  # no SQL adapter installed: the tamper step is skipped
    else:
        db = Path(path) if path else Path(tempfile.mkdtemp()) / "register.db"
        db.parent.mkdir(parents=True, exist_ok=True)
        for stale in (db, Path(f"{db}.signing.json")):
            stale.unlink(missing_ok=True)
        url = f"sqlite:///{db}"
    clock = SettableClock("2026-11-26T08:30:00+09:00")
    reg = kj.open_registry(url, municipality_code="342025", clock=clock)
    reg.bootstrap_admin("admin", ADMIN)
    admin = reg.login("admin", ADMIN, terminal_id="T-000", purpose="resident_records")
    admin.add_operator("sup01", password=SUP, role="supervisor")
    admin.add_operator("clerk01", password=CLERK, role="clerk")
    admin.add_operator("view01", password=CLERK, role="viewer", hidden_items=["resident_code"])
    print(f"呉市 住民基本台帳 — {url}")

    print("■ 08:30 窓口: 転入届 (a family moves in)")
    clerk = reg.login("clerk01", CLERK, terminal_id="T-101", purpose="resident_records")
    head = person()
    wife = person(relationship="妻", sex="female", given=1, birth_date="1982-05-02")
    r = clerk.submit(move_in([head, wife]))
    print(f"  ✓ 異動番号 {r.movement_id}: 宛名番号 {', '.join(r.resident_ids)}")

    print("■ 09:00 本人特定の検索 (two of name, address, birth date — or a code)")
    refused("氏名だけで検索", lambda: clerk.search(family_name=head["family_name"]))
    refused("氏名と性別で検索", lambda: clerk.search(family_name=head["family_name"], sex="male"))
    hits = clerk.search(family_name=head["family_name_kana"], birth_date="昭和55年4月1日")
    print(f"  ✓ かな氏名＋和暦生年月日: {len(hits)} 件, 一覧に個人番号なし: "
          f"{all('my_number' not in h for h in hits)}")
    elections = reg.login("clerk01", CLERK, terminal_id="T-101", purpose="elections")
    refused("選挙事務で個人番号検索", lambda: elections.search(my_number=head["my_number"]))
    shown = elections.resident(r.resident_ids[0])
    print(f"  ✓ 選挙事務の照会に個人番号なし: {'my_number' not in shown}")
    viewer = reg.login("view01", CLERK, terminal_id="T-102", purpose="resident_records")
    v = viewer.resident(r.resident_ids[0])
    print(f"  ✓ 照会専用職員の画面: 本籍 {'registered_domicile' in v}, "
          f"個人番号 {'my_number' in v}, 住民票コード(表示切替で非表示) {'resident_code' in v}")

    print("■ 10:00 支援措置 (a victim protected from the perpetrator)")
    abuser = clerk.submit(move_in([person(family=5)], address="広島県呉市広古新開三丁目3番"))
    clerk.set_support_measure(r.resident_ids[1], perpetrator_ids=abuser.resident_ids)
    refused("加害者からの写し・照会の請求",
            lambda: clerk.resident(r.resident_ids[1], requester_resident_id=abuser.resident_ids[0]))
    alert = clerk.resident(r.resident_ids[1])["warnings"][0]
    print(f"  ✓ 職員には注意喚起: {alert['code']} {alert['message_ja']}")

    print("■ 11:00 大量出力 (bulk export)")
    refused("承認なしの出力 (管理者でも)", lambda: admin.export("residents"))
    sup = reg.login("sup01", SUP, terminal_id="T-900", purpose="resident_records")
    token = sup.approve_bulk_output(operator_id="clerk01", max_records=5000)
    data = clerk.export("residents", approval=token)
    print(f"  ✓ 所属長の承認で {len(data.splitlines())} 件を出力, 個人番号を含まない: "
          f"{head['my_number'].encode() not in data}")
    refused("同じ承認の再使用", lambda: clerk.export("residents", approval=token))

    print("■ 13:00 庁内連携 (transfers to the tax office)")
    full = clerk.transfer("municipal_tax", since="last")
    clerk.submit({"type": "move_within", "occurred_on": "2026-11-25",
                  "resident_ids": list(r.resident_ids),
                  "address": {"postal_code": "737-0046", "text": "広島県呉市中通二丁目2番"}})
    diff = clerk.transfer("municipal_tax", since="last")
    print(f"  ✓ 市民税課: 全件 {full['count']} 件, 差分 {diff['count']} 件 "
          f"(項目 {len(diff['items'])}: 個人番号 {'my_number' in diff['items']})")
    votes = clerk.transfer("elections")
    print(f"  ✓ 選挙管理委員会: {votes['count']} 件, 個人番号 {'my_number' in votes['items']}")
    clerk.logout()

    print("■ 17:00 操作ログ (audit)")
    trail = sup.audit_trail(resident_id=r.resident_ids[1])
    print(f"  ✓ 宛名番号 {r.resident_ids[1]} へのアクセス: "
          + ", ".join(f"{e['operation']}/{e['outcome']}" for e in trail))
    anchor = reg.checkpoint_audit_log()
    report = reg.verify_audit_log(anchors=[anchor])
    print(f"  ✓ 検証: {report.entries} 件, 署名済みチェックポイント {report.checkpoints}, "
          f"正常 {report.ok}")
    text = json.dumps(sup.audit_trail(), ensure_ascii=False)
    clean = head["my_number"] not in text and head["given_name"] not in text
    print(f"  ✓ ログに個人番号・氏名なし: {clean}")
    reg.close()

    if db is None:
        print("(memory store: the SQL adapter is not installed, so no database to tamper with)")
        return
    print("■ 深夜: 誰かが sqlite3 で操作ログを書き換える (an audit row edited behind the library)")
    with sqlite3.connect(db) as con:
        con.execute("UPDATE audit_log SET outcome = 'ok' WHERE outcome = 'refused'")
    reg = kj.open_registry(url, municipality_code="342025", clock=clock)
    caught = reg.verify_audit_log(anchors=[anchor])
    print(f"  ✗ 検証: 正常 {caught.ok} — " + "; ".join(caught.problems[:3]))
    reg.close()


if __name__ == "__main__":
    main(*sys.argv[1:2])
