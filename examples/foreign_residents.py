"""Foreign residents, 通称, an immigration notice, a seal, and a cancelled mistake.

    python examples/foreign_residents.py [OUT_DIR]       # default ./out/foreign_residents

A foreign family moves in from abroad (国外転入: 中長期在留者 with 在留資格, 在留期間 and
在留カード); one member registers a 通称; the immigration agency's notice renews the father's
period of stay (在留期間更新, checked against the register before it is applied); the father
registers a seal (印鑑登録) and a 印鑑登録証明書 is printed; a move recorded by mistake is
cancelled (取消) by an appended movement, and the history shows both. Synthetic people only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import kure_juki as kj
from kure_juki.adapters.printing.sample import sample_seal_impression
from kure_juki.testing.clock import SettableClock

PASSWORD = "a-long-passphrase"


def foreigner(family: str, given: str, kana: tuple[str, str], birth: str, sex: str, rel: str,
              card: str) -> dict[str, Any]:
    return {
        "family_name": family, "given_name": given, "family_name_kana": kana[0],
        "given_name_kana": kana[1], "birth_date": birth, "sex": sex, "relationship": rel,
        "nationality": "ベトナム", "category_30_45": "中長期在留者",
        "residence_status": "技術・人文知識・国際業務", "stay_expires_on": "2027-03-31",
        "residence_card_number": card,
    }


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    clock = SettableClock("2026-11-02T09:00:00+09:00")
    reg = kj.open_registry("memory://", municipality_code="342025", clock=clock)
    reg.bootstrap_admin("admin", PASSWORD)
    s = reg.login("admin", PASSWORD, terminal_id="T-010", purpose="resident_records")

    family = s.submit({
        "type": "move_in_from_abroad", "occurred_on": "2026-10-28", "notified_on": "2026-11-02",
        "address": {"postal_code": "737-0051", "text": "広島県呉市中央三丁目3番3号"},
        "previous_address": {"country": "ベトナム", "text": "ハノイ市"},
        "household": {"new": True},
        "persons": [
            foreigner("NGUYEN", "VAN AN", ("グエン", "ヴァン アン"), "1988-02-14", "male",
                      "世帯主", "AB12345678CD"),
            foreigner("NGUYEN", "THI MAI", ("グエン", "ティ マイ"), "1990-07-01", "female",
                      "妻", "EF23456789GH"),
        ],
    })
    father, mother = family.resident_ids
    print(f"1. 国外転入: 世帯 {family.household_id}, 住民 {father}, {mother}")

    s.submit({"type": "alias_entry", "resident_id": mother, "alias": "中村　舞",
              "alias_kana": "なかむら まい"})
    v = s.resident(mother)
    print(f"2. 通称の記載: {v['family_name']} {v['given_name']} の通称は「{v['alias']}」"
          f" (通称履歴 {len(v['alias_history'])} 件)")

    notice = json.dumps({
        "notice_id": "IM-2026-0001", "kind": "stay_extension",
        "residence_card_number": "AB12345678CD", "occurred_on": "2026-11-01",
        "before": {"stay_expires_on": "2027-03-31", "residence_status": "技術・人文知識・国際業務"},
        "after": {"stay_expires_on": "2030-03-31", "residence_card_number": "JK34567890LM"},
    }, ensure_ascii=False)
    report = s.import_immigration_notices([notice])
    outcome = report.outcomes[0]
    checks = ", ".join(f"{item} {'一致' if ok else '不一致'}" for item, ok in outcome.checks)
    v = s.resident(father)
    print(f"3. 在留期間更新 (入管庁通知): {outcome.status}; 照合 {checks}; "
          f"満了日 {v['stay_expires_on']}, 在留カード {v['residence_card_number']}")

    number = s.register_seal(father, seal_png=sample_seal_impression("阮"),
                             identity_verified_by="在留カード")
    cert = s.issue_certificate("inkan", resident_ids=[father], format="pdf")
    path = out / f"inkan-{cert.serial}.pdf"
    path.write_bytes(cert.content)
    print(f"4. 印鑑登録 (登録番号 {number}); 印鑑登録証明書 {path} — "
          f"検証 {reg.verify_certificate(cert.content)}")

    clock.set("2026-11-05T09:00:00+09:00")
    s = reg.login("admin", PASSWORD, terminal_id="T-010", purpose="resident_records")
    wrong = s.submit({"type": "move_within", "occurred_on": "2026-11-04",
                      "resident_ids": [father, mother],
                      "address": {"postal_code": "737-0052", "text": "広島県呉市東中央一丁目1番"}})
    print(f"5. 転居 (誤って入力): 異動番号 {wrong.movement_id}, "
          f"住所 {s.resident(father)['address']['text']}")
    s.submit({"type": "cancellation", "movement_id": wrong.movement_id,
              "reason": "別世帯の届出を誤って入力"})
    v = s.resident(father)
    print(f"6. 取消: 住所は {v['address']['text']} に戻りました")
    for h in v["history"]:
        print(f"     異動履歴 {h['movement_id']}: {h['reason']} 異動日 {h['occurred_on']}")
    copy = s.issue_certificate("juminhyo", resident_ids=[father], with_history=True,
                               format="text")
    lines = [line.strip() for line in copy.text.splitlines() if "転居" in line or "取消" in line]
    print("   住民票の写し (履歴付き) の該当行:")
    for line in lines:
        print(f"     {line}")
    print(f"操作ログ: {reg.verify_audit_log().entries} 件, 改ざん検知 "
          f"{'正常' if reg.verify_audit_log().ok else '異常'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out/foreign_residents"))
