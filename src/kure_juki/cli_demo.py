"""``kure-juki demo [URL]``: the reference flow, end to end, on synthetic people.

A family moves in (転入), a child is born (出生), they move within the city (転居), the head dies
(死亡) and the wife becomes head (世帯主変更), the son moves out (転出) and the move-out is
confirmed (転出確定); a 住民票の写し is issued and its signature verified; the wife's simulated
My Number card is read with its PIN and checked against the register (窓口での本人確認); when
the store keeps a CS outbox, the identity updates (本人確認情報) are delivered to a simulated
prefecture server; the audit log is verified last. Dates are simulated (April–November 2026).

``URL`` defaults to ``memory://``; on a file (``sqlite:///demo.db``) the demo needs a store it
has not run on yet. ``--out DIR`` writes the certificate there. Exit status 0 when every step
did what it should, 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kure_juki.adapters.private_files import open_private
from kure_juki.cli import Outcome, command
from kure_juki.domain.card import CardIdentity
from kure_juki.domain.identifiers import complete_my_number, complete_resident_code
from kure_juki.service.receipt import Receipt
from kure_juki.service.registry import Registry, open_registry
from kure_juki.service.session import Session
from kure_juki.testing.clock import SettableClock

ADMIN, CLERK = "demo-admin", "demo-clerk"
PASSWORD = "demo-passphrase-2026"
CARD_PIN = "2468"
ADDRESS = {"postal_code": "737-0045", "text": "広島県呉市本通一丁目1番1号"}
NEW_ADDRESS = {"postal_code": "737-0046", "text": "広島県呉市中通二丁目2番2号"}


def _person(given: str, kana: str, birth: str, sex: str, rel: str, n: int) -> dict[str, Any]:
    return {
        "family_name": "髙橋", "given_name": given, "family_name_kana": "たかはし",
        "given_name_kana": kana, "birth_date": birth, "sex": sex, "relationship": rel,
        "registered_domicile": "広島県呉市中央四丁目1番", "domicile_head": "髙橋　一郎",
        "resident_code": complete_resident_code(f"{7_100_000_000 + n:010d}"),
        "my_number": complete_my_number(f"{71_000_000_000 + n * 89:011d}"),
    }


FAMILY = [
    _person("一郎", "いちろう", "1960-04-01", "male", "世帯主", 1),
    _person("花子", "はなこ", "1962-05-02", "female", "妻", 2),
    _person("健太", "けんた", "1990-06-03", "male", "子", 3),
]


class Demo:
    """Runs the steps, reporting each as it goes (``say``) and keeping a record of them."""

    def __init__(self, registry: Registry, clock: SettableClock, say: Callable[[str], None]):
        self.reg = registry
        self.clock = clock
        self.say = say
        self.steps: list[dict[str, Any]] = []

    def workday(self, when: str) -> Session:
        """The clerk logs in on the day of the visit (a session ends when idle)."""
        self.clock.set(when)
        return self.reg.login(CLERK, PASSWORD, terminal_id="DEMO-T01", purpose="resident_records")

    def record(self, step: str, ja: str, **detail: Any) -> None:
        self.steps.append({"step": step, "ja": ja, "on": self.clock.today.isoformat(), **detail})
        shown = ", ".join(f"{k} {v}" for k, v in detail.items())
        self.say(f"■ {ja} ({step}) {self.clock.today}: {shown}")

    def movement(self, s: Session, step: str, ja: str, notification: dict[str, Any]) -> Receipt:
        receipt = s.submit(notification)
        self.record(
            step, ja, movement_id=receipt.movement_id, residents=list(receipt.resident_ids),
            household_id=receipt.household_id, warnings=[w.code for w in receipt.warnings],
        )
        return receipt


def run(url: str, *, out: Path | None, say: Callable[[str], None]) -> dict[str, Any]:
    """The reference flow on the store at *url*; returns what each step did."""
    clock = SettableClock("2026-04-10T09:00:00+09:00")
    cs = _simulated_cs(clock)
    options: dict[str, Any] = {"cs_link": cs.link("342025")} if cs and _has_outbox(url) else {}
    reg = open_registry(url, municipality_code="342025", clock=clock, **options)
    try:
        return _flow(Demo(reg, clock, say), cs if options else None, out)
    finally:
        reg.close()


def _simulated_cs(clock: SettableClock) -> Any:
    from kure_juki.adapters.cs.simulated_peers import SimulatedNetwork

    return SimulatedNetwork(["342025"], clock=clock)


def _has_outbox(url: str) -> bool:
    """Whether the store at *url* keeps a CS outbox (else the demo runs without a CS)."""
    from kure_juki.service.stores import open_store

    store = open_store(url)
    try:
        with store.unit_of_work() as uow:
            return getattr(uow, "outbox", None) is not None
    finally:
        store.close()


def _flow(d: Demo, cs: Any, out: Path | None) -> dict[str, Any]:
    d.reg.bootstrap_admin(ADMIN, PASSWORD)
    admin = d.reg.login(ADMIN, PASSWORD, terminal_id="DEMO-T00", purpose="resident_records")
    admin.add_operator(CLERK, password=PASSWORD, role="clerk")
    admin.logout()
    d.record("open", "開設", url=d.reg.store.url.split("://", 1)[0], municipality="342025 呉市")

    s = d.workday("2026-04-10T09:00:00+09:00")
    moved = d.movement(s, "move_in", "転入", {
        "type": "move_in", "occurred_on": "2026-04-01", "notified_on": "2026-04-10",
        "address": ADDRESS, "household": {"new": True}, "persons": FAMILY,
        "previous_address": {"municipality_code": "131016",
                             "text": "東京都千代田区霞が関一丁目1番"},
    })
    head, wife, son = moved.resident_ids
    hid = moved.household_id
    s = d.workday("2026-05-20T10:00:00+09:00")
    born = d.movement(s, "birth", "出生", {
        "type": "birth", "occurred_on": "2026-05-18", "household_id": hid,
        "person": {"family_name": "髙橋", "given_name": "陽菜", "family_name_kana": "たかはし",
                   "given_name_kana": "ひな", "sex": "female", "relationship": "子の子"},
    })
    child = born.resident_ids[0]
    s = d.workday("2026-07-01T10:00:00+09:00")
    d.movement(s, "move_within", "転居", {
        "type": "move_within", "occurred_on": "2026-06-28",
        "resident_ids": [head, wife, son, child], "address": NEW_ADDRESS,
    })
    s = d.workday("2026-09-15T10:00:00+09:00")
    d.movement(s, "death", "死亡",
               {"type": "death", "occurred_on": "2026-09-12", "resident_id": head})
    d.movement(s, "change_head", "世帯主変更", {
        "type": "change_head", "household_id": hid, "new_head_id": wife,
        "relationships": {son: "子", child: "子の子"},
    })
    s = d.workday("2026-11-02T10:00:00+09:00")
    d.movement(s, "move_out", "転出", {
        "type": "move_out", "occurred_on": "2026-11-10", "resident_ids": [son],
        "destination": {"municipality_code": "011002", "text": "北海道札幌市中央区北1条西2丁目"},
    })
    s = d.workday("2026-11-16T10:00:00+09:00")
    confirmed = s.confirm_move_out([son], occurred_on="2026-11-10")
    d.record("confirm_move_out", "転出確定", movement_id=confirmed.movement_id,
             status=s.resident(son)["status"])

    checks = {"household_members": len(s.household(hid or "")["members"]) == 2}
    cert = s.issue_certificate("juminhyo", household_id=hid, format="text")
    checks["certificate_verifies"] = d.reg.verify_certificate(cert.content)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        with open_private(out / f"juminhyo-{cert.serial}.txt") as fh:  # a certificate: personal
            fh.write(cert.content)
    d.record("certificate", "住民票の写し", serial=cert.serial, pages=cert.pages,
             verified=checks["certificate_verifies"])

    verdict = _card_check(s, wife)
    checks["card_matches"] = verdict == "match"
    d.record("identity_check", "窓口での本人確認", verdict=verdict)

    if cs is not None:
        from kure_juki.service.cs_delivery import deliver

        report = deliver(d.reg)
        held = sum(1 for _ in cs.prefecture.records("342025"))
        checks["cs_delivered"] = not report.refused and report.pending == 0
        d.record("cs", "本人確認情報の送信", sent=report.sent, prefecture_records=held)
    s.logout()

    audit = d.reg.verify_audit_log()
    checks["audit_verifies"] = audit.ok
    d.record("audit", "操作ログの検証", entries=audit.entries, ok=audit.ok)
    return {"steps": d.steps, "checks": checks, "ok": all(checks.values())}


def _card_check(s: Session, resident_id: str) -> str:
    """Read the resident's (simulated) My Number card with its PIN and compare it."""
    from kure_juki.adapters.card.simulated import SimulatedCardReader
    from kure_juki.adapters.card.simulated_card import SimulatedMyNumberCard

    view = s.resident(resident_id)
    identity = CardIdentity(
        my_number=view["my_number"],
        name=f"{view['family_name']}　{view['given_name']}",
        address=view["address"]["text"],
        birth_date=dt.date.fromisoformat(view["birth_date"]),
        sex=view["sex"],
    )
    reader = SimulatedCardReader(SimulatedMyNumberCard(identity, pin=CARD_PIN))
    card = s.read_card(reader, CARD_PIN)
    verdict: str = s.check_identity(card)["verdict"]
    return verdict


def _demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", nargs="?", default="memory://",
                   help="a store the demo has not run on (default memory://)")
    p.add_argument("--out", type=Path, help="write the issued certificate into this directory")


@command("demo", help="run the reference flow on synthetic residents", configure=_demo_args)
def demo(args: argparse.Namespace) -> Outcome:
    as_json = getattr(args, "json", False)

    def say(line: str) -> None:
        if not as_json:
            print(line, flush=True)  # progress, step by step

    result = run(args.url, out=args.out, say=say)
    if as_json:
        return result, result["ok"]
    failed = [name for name, ok in result["checks"].items() if not ok]
    return {"ok": result["ok"], "failed_checks": failed}, result["ok"]


if __name__ == "__main__":  # pragma: no cover
    from kure_juki.cli import main

    sys.exit(main(["demo", *sys.argv[1:]]))
