"""The My Number card at the counter, with a simulated card (no reader or pcscd needed).

    .venv/bin/python examples/card_reader.py

A resident of 呉市 (342025) has notified a move-out to 広島市 (341002). At the 広島市 counter she
presents her My Number card: a wrong PIN first (the card says how many tries are left), then
the right one; the card's four items and My Number are read; the clerk checks them against the
register of 呉市 (窓口での本人確認); then 広島市 records her 特例転入 from the 転出証明書情報 it
fetches through the (simulated, in-process) CS, and 呉市 confirms the move-out when the 転入通知
arrives. The PIN goes to the card only; neither it nor the My Number is printed or logged.
"""

from __future__ import annotations

import datetime as dt

import kure_juki as kj
from kure_juki.adapters.card.simulated import SimulatedCardReader
from kure_juki.adapters.card.simulated_card import SimulatedMyNumberCard
from kure_juki.adapters.cs.simulated_peers import SimulatedNetwork
from kure_juki.domain.card import CardIdentity
from kure_juki.domain.identifiers import complete_my_number, complete_resident_code
from kure_juki.ports.card_reader import CardError
from kure_juki.service.cs_delivery import deliver
from kure_juki.testing.clock import SettableClock

KURE, HIROSHIMA = "342025", "341002"
PASSWORD = "a-long-passphrase"
PIN = "1357"
MY_NUMBER = complete_my_number("73000000097")


def open_town(code: str, clock: SettableClock, network: SimulatedNetwork) -> kj.Registry:
    reg = kj.open_registry(
        "memory://", municipality_code=code, clock=clock, cs_link=network.link(code)
    )
    reg.bootstrap_admin("admin", PASSWORD)
    return reg


def login(reg: kj.Registry) -> kj.Session:
    return reg.login("admin", PASSWORD, terminal_id="T-001", purpose="resident_records")


def main() -> None:
    clock = SettableClock("2026-11-26T10:00:00+09:00")
    network = SimulatedNetwork([KURE, HIROSHIMA], clock=clock)
    kure, hiroshima = open_town(KURE, clock, network), open_town(HIROSHIMA, clock, network)

    s = login(kure)
    moved_in = s.submit({
        "type": "move_in", "occurred_on": "2026-11-02", "notified_on": "2026-11-05",
        "address": {"postal_code": "737-0045", "text": "広島県呉市本通一丁目1番1号"},
        "previous_address": {"municipality_code": "131016",
                             "text": "東京都千代田区霞が関一丁目1番"},
        "household": {"new": True},
        "persons": [{
            "family_name": "呉", "given_name": "花子", "family_name_kana": "くれ",
            "given_name_kana": "はなこ", "birth_date": "1982-05-02", "sex": "female",
            "relationship": "世帯主", "registered_domicile": "広島県呉市中央四丁目1番",
            "domicile_head": "呉　花子",
            "resident_code": complete_resident_code("7300000001"), "my_number": MY_NUMBER,
        }],
    })
    resident_id = moved_in.resident_ids[0]
    s.submit({
        "type": "move_out", "occurred_on": "2026-12-01", "resident_ids": [resident_id],
        "destination": {"municipality_code": HIROSHIMA, "text": "広島県広島市中区基町1番1号"},
    })
    deliver(kure)
    print("呉市: 呉　花子 notified her move-out to 広島市 (転出予定 2026-12-01)")

    card = SimulatedMyNumberCard(
        CardIdentity(my_number=MY_NUMBER, name="呉　花子", address="広島県呉市本通一丁目1番1号",
                     birth_date=dt.date(1982, 5, 2), sex="female"),
        pin=PIN,
    )
    reader = SimulatedCardReader(card)
    clock.set("2026-12-02T09:00:00+09:00")
    counter = login(hiroshima)

    print("\n広島市 counter: the card is on the reader")
    try:
        counter.read_card(reader, "0000")
    except CardError as wrong:
        print(f"  wrong PIN: {wrong.code} {wrong.message_en}; tries left {wrong.tries_left}")
    read = counter.read_card(reader, PIN)
    print(f"  right PIN: card read — name {read.name}, born {read.birth_date}, sex {read.sex}, "
          f"My Number {'*' * 12}")

    check = login(kure).check_identity(read)
    items = ", ".join(f"{k} {v['outcome']}" for k, v in check["items"].items())
    print(f"  identity check against 呉市's register: {check['verdict']} ({items})")

    receipt = counter.special_move_in(
        read,
        address={"postal_code": "730-0011", "text": "広島県広島市中区基町1番1号"},
        household={"new": True},
        occurred_on="2026-12-01",
    )
    view = counter.resident(receipt.resident_ids[0])
    print(f"\n広島市 recorded the 特例転入: 宛名番号 {view['resident_id']}, from "
          f"{view['previous_address']['text']}, status {view['status']}")
    deliver(hiroshima)
    taken = kure.process_move_in_notices()
    print(f"呉市 took the 転入通知 in: confirmed {len(taken.confirmed)}; her record is now "
          f"{login(kure).resident(resident_id)['status']}")
    deliver(kure)
    held_there = network.prefecture.record(HIROSHIMA, view["resident_code"])
    held_here = network.prefecture.record(KURE, view["resident_code"])
    if held_there is not None and held_here is not None:
        print(f"prefecture: 広島市 holds her by {held_there.change_reason}; "
              f"呉市's record is {held_here.record_state}")

if __name__ == "__main__":
    main()
