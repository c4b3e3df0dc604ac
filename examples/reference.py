"""The reference example, end to end on the embedded default (synthetic people only).

    python examples/reference.py [OUT_DIR]          # default ./out/reference

A SQLite register for 呉市 (342025) in OUT_DIR: a family moves in, a child is born with a
住民票コード from the pool and a 個人番号 from the simulated CS, the family moves within the
city; at the counter the head presents a (simulated) My Number card — a wrong PIN, then the
right one — and the card is checked against the register; a 住民票の写し is printed to PDF and
verified offline; the identity updates go to the simulated prefecture server over a loopback
socket and the register is reconciled with the prefecture's copy (整合性確認); finally the
store is closed, reopened, and the audit chain verified.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path
from typing import Any

import kure_juki as kj
from kure_juki.adapters.card.simulated import SimulatedCardReader
from kure_juki.adapters.card.simulated_card import SimulatedMyNumberCard
from kure_juki.adapters.cs.numbering import CsNumbering
from kure_juki.adapters.cs.simulated_peers import PREFECTURE_ID, SimulatedNetwork
from kure_juki.domain.card import CardIdentity
from kure_juki.domain.identifiers import complete_my_number, complete_resident_code
from kure_juki.domain.wareki import to_wareki
from kure_juki.ports.card_reader import CardError
from kure_juki.service.cs_delivery import deliver
from kure_juki.testing.clock import SettableClock

MUNICIPALITY = "342025"  # 呉市
PIN = "4321"


def person(given: str, kana: str, birth: str, sex: str, rel: str, n: int) -> dict[str, Any]:
    return {
        "family_name": "呉",
        "given_name": given,
        "family_name_kana": "くれ",
        "given_name_kana": kana,
        "birth_date": birth,
        "sex": sex,
        "relationship": rel,
        "registered_domicile": "広島県呉市中央四丁目1番",
        "domicile_head": "呉　一郎",
        "resident_code": complete_resident_code(f"{5_100_000_000 + n:010d}"),
        "my_number": complete_my_number(f"{61_000_000_000 + n * 89:011d}"),
    }


def main(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    clock = SettableClock("2026-11-20T09:30:00+09:00")
    # The simulated prefecture server (with the national server and J-LIS) on loopback.
    network = SimulatedNetwork([MUNICIPALITY], clock=clock)
    with network.serve_tcp() as addresses:
        host, port = addresses[PREFECTURE_ID]
        print(f"模擬都道府県サーバー {host}:{port}")
        run(out, clock, network)


def run(out: Path, clock: SettableClock, network: SimulatedNetwork) -> None:
    url = f"sqlite:///{out / 'register.db'}"
    link = network.tcp_link(MUNICIPALITY)
    reg = kj.open_registry(
        url, municipality_code=MUNICIPALITY, clock=clock, cs_link=link, numbering=CsNumbering(link)
    )
    reg.bootstrap_admin("admin", "a-long-passphrase")
    admin = reg.login(
        "admin", "a-long-passphrase", terminal_id="T-ADMIN", purpose="resident_records"
    )
    admin.add_operator("clerk01", password="clerk-passphrase-01", role="clerk")
    s = reg.login("clerk01", "clerk-passphrase-01", terminal_id="T-001", purpose="resident_records")
    print(f"呉市 住民基本台帳 — {url}\n処理日 {to_wareki(clock.today)}")

    head = person("一郎", "いちろう", "1975-04-01", "male", "世帯主", 1)
    r = s.submit(
        {
            "type": "move_in",
            "occurred_on": "2026-11-15",
            "notified_on": "2026-11-20",
            "address": {"postal_code": "737-0045", "text": "広島県呉市本通一丁目1番1号"},
            "previous_address": {
                "municipality_code": "131016",
                "text": "東京都千代田区霞が関一丁目1番",
            },
            "household": {"new": True},
            "persons": [head, person("花子", "はなこ", "1978-05-02", "female", "妻", 2)],
        }
    )
    print(f"■ 転入: 世帯 {r.household_id}, 住民 {', '.join(r.resident_ids)}")
    assert r.household_id is not None
    b = s.submit(
        {
            "type": "birth",
            "occurred_on": "2026-11-18",
            "household_id": r.household_id,
            "person": {
                "family_name": "呉",
                "given_name": "陽菜",
                "family_name_kana": "くれ",
                "given_name_kana": "ひな",
                "sex": "female",
                "relationship": "子",
            },
        }
    )
    child = s.resident(b.resident_ids[0])
    print(
        f"■ 出生: {child['family_name']} {child['given_name']}, "
        f"住民票コード {child['resident_code']} (払出し), 個人番号 付番済み"
    )
    s.submit(
        {
            "type": "move_within",
            "occurred_on": "2026-11-19",
            "resident_ids": [*r.resident_ids, b.resident_ids[0]],
            "address": {"postal_code": "737-0046", "text": "広島県呉市中通二丁目2番2号"},
        }
    )
    print("■ 転居: 広島県呉市中通二丁目2番2号")

    # At the counter: the head's My Number card on a (simulated) reader.
    card = SimulatedMyNumberCard(
        CardIdentity(
            my_number=head["my_number"],
            name="呉　一郎",
            address="広島県呉市中通二丁目2番2号",
            birth_date=dt.date(1975, 4, 1),
            sex="male",
        ),
        pin=PIN,
    )
    try:
        s.read_card(SimulatedCardReader(card), "0000")
    except CardError as e:
        print(f"■ カード: 暗証番号誤り ({e.code}), 残り {e.tries_left} 回")
    identity = s.read_card(SimulatedCardReader(card), PIN)
    check = s.check_identity(identity)
    print(f"■ 本人確認: {check['verdict']} (宛名番号 {check['resident_id']})")

    # A 住民票の写し of the household, PDF, verified offline.
    cert = s.issue_certificate(
        "juminhyo", household_id=r.household_id, include=("relationship",), format="pdf"
    )
    pdf = out / f"juminhyo-{cert.serial}.pdf"
    pdf.write_bytes(cert.content)
    tampered = bytearray(cert.content)
    tampered[len(tampered) // 2] ^= 0x01
    print(
        f"■ 住民票の写し: {pdf} ({cert.pages} 頁, 発行番号 {cert.issue_number}); "
        f"検証 {reg.verify_certificate(cert.content)}, 改ざん後 "
        f"{reg.verify_certificate(bytes(tampered))}"
    )

    # The identity updates go to the prefecture in 更新順番号 order; then 整合性確認.
    sent = deliver(reg)
    print(f"■ 住基ネット: 本人確認情報の更新 {sent.sent} 件を送信 (未送信 {sent.pending})")
    print(reg.reconcile().to_text())

    s.logout()
    admin.logout()
    reg.close()
    link.close()
    again = kj.open_registry(url, municipality_code=MUNICIPALITY, clock=clock)
    report = again.verify_audit_log()
    print(
        f"■ 再オープン: 操作ログ {report.entries} 件, 改ざん検知 {'正常' if report.ok else '異常'}"
    )
    again.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out/reference"))
