"""Counter operations through the 市町村CS: 特例転入 (card-based move-in, 住基法24条の2).

The person presents the My Number card; the clerk reads it (``session.read_card``) and calls
:meth:`CsOps.special_move_in`. The register asks the national server which 住民票コード the
card's My Number belongs to, fetches the former municipality's 転出証明書情報 by that code (only
the destination it names may), checks the card against it, and records a 転入 built from it. The
movement is sent to the prefecture as 特例転入 and the 転入通知 goes to the former municipality,
which confirms the move-out (消除) when it takes the notice in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kure_juki.domain.blocks import ALERT_CODES, touched_ids
from kure_juki.domain.card import CardIdentity
from kure_juki.domain.cs_messages import MoveOutCertificate, QueryByMyNumber
from kure_juki.domain.errors import FormatError, LinkError, LogicError, Problem, problem
from kure_juki.domain.identity_check import compare_text
from kure_juki.domain.parsing import parse_notification
from kure_juki.domain.resident import HEAD
from kure_juki.ports.cs_link import CsLink
from kure_juki.service.cs_sync import special_move_in
from kure_juki.service.receipt import Receipt
from kure_juki.service.session_base import SessionBase, check_movement, members_of

__all__ = ["CsOps", "card_problems", "move_in_from_certificate"]


def _split(text: str, item: str) -> tuple[str, str]:
    for separator in ("\u3000", " "):
        family, found, given = text.partition(separator)
        if found and family.strip() and given.strip():
            return family.strip(), given.strip()
    raise FormatError(problem("KJ-FMT-114", item))


def card_problems(card: CardIdentity, certificate: MoveOutCertificate) -> list[Problem]:
    """The card's items that differ from the 転出証明書情報 (KJ-LOGIC-118 per item)."""
    found: list[Problem] = []
    if card.my_number != certificate.my_number:
        found.append(problem("KJ-LOGIC-118", "my_number"))
    if card.birth_date != certificate.birth_date:
        found.append(problem("KJ-LOGIC-118", "birth_date"))
    if card.sex != certificate.sex:
        found.append(problem("KJ-LOGIC-118", "sex"))
    if compare_text(card.name, certificate.name_kanji) != "match":
        found.append(problem("KJ-LOGIC-118", "name"))
    if compare_text(card.address, certificate.address) != "match":
        found.append(problem("KJ-LOGIC-118", "address"))
    return found


def move_in_from_certificate(
    certificate: MoveOutCertificate,
    *,
    address: dict[str, str],
    household: dict[str, Any],
    occurred_on: dt.date | str,
    notified_on: dt.date | str | None = None,
    relationship: str | None = None,
) -> dict[str, Any]:
    """The 転入届 (as a notification dict) that the 転出証明書情報 and the counter's answers make.

    ``relationship`` defaults to 世帯主 in a new household, else to the one on the certificate.
    """
    family, given = _split(certificate.name_kanji, "name_kanji")
    family_kana, given_kana = _split(certificate.name_kana, "name_kana")
    new_household = bool(household.get("new"))
    person: dict[str, Any] = {
        "family_name": family,
        "given_name": given,
        "family_name_kana": family_kana,
        "given_name_kana": given_kana,
        "birth_date": certificate.birth_date.isoformat(),
        "sex": certificate.sex,
        "relationship": relationship or (HEAD if new_household else certificate.relationship),
        "resident_code": certificate.resident_code,
        "my_number": certificate.my_number,
    }
    optional = {
        "registered_domicile": certificate.registered_domicile,
        "domicile_head": certificate.domicile_head,
        "nationality": certificate.nationality,
        "category_30_45": certificate.category_30_45,
        "residence_status": certificate.residence_status,
        "stay_expires_on": (
            certificate.stay_expires_on.isoformat() if certificate.stay_expires_on else None
        ),
        "residence_card_number": certificate.residence_card_number,
        "alias": certificate.alias,
    }
    person.update({k: v for k, v in optional.items() if v is not None})
    notification: dict[str, Any] = {
        "type": "move_in",
        "occurred_on": str(occurred_on),
        "address": dict(address),
        "previous_address": {
            "municipality_code": certificate.from_municipality_code,
            "text": certificate.address,
        },
        "household": dict(household),
        "persons": [person],
    }
    if notified_on is not None:
        notification["notified_on"] = str(notified_on)
    return notification


class CsOps(SessionBase):
    def special_move_in(
        self,
        card: CardIdentity,
        *,
        address: dict[str, str],
        household: dict[str, Any],
        occurred_on: dt.date | str,
        notified_on: dt.date | str | None = None,
        relationship: str | None = None,
        link: CsLink | None = None,
    ) -> Receipt:
        """特例転入: the move-in of the card holder, from the CS 転出証明書情報.

        Raises LinkError KJ-LINK-029 without a CS link, KJ-LINK-030 when the national server
        knows no one with the card's My Number, PeerRefused (KJ-LINK-026) when no certificate
        names this municipality, LogicError KJ-LOGIC-118 when the card differs from the
        certificate; then the register's own checks of a 転入. Audited like every submit.
        """
        self._guard("submit")
        concerned: list[str] = []  # a refusal names the persons the move-in concerns

        def run() -> Receipt:
            cs = link if link is not None else self._reg.cs_link
            if cs is None:
                raise LinkError(problem("KJ-LINK-029"))
            found = cs.query_identity(QueryByMyNumber(card.my_number))
            if not found:
                raise LinkError(problem("KJ-LINK-030", "my_number"))
            certificate = cs.fetch_move_out_certificate(
                found[0].resident_code, self._reg.municipality_code
            )
            mismatched = card_problems(card, certificate)
            if mismatched:
                raise LogicError(mismatched)
            data = move_in_from_certificate(
                certificate,
                address=address,
                household=household,
                occurred_on=occurred_on,
                notified_on=notified_on,
                relationship=relationship,
            )
            n = parse_notification(data)
            persons, households = touched_ids(n)
            with self._reg.store.unit_of_work() as uow:  # 異動抑止, as for any submit
                concerned.extend(persons)
                concerned.extend(members_of(uow, households))
                check_movement(uow, persons, households, now=self._reg.now())
            with special_move_in(certificate.certificate_number):
                receipt = self._reg.run_movement(
                    n,
                    operator_id=self.operator_id,
                    terminal_id=self.terminal_id,
                    purpose=self.purpose,
                    operation="special_move_in",
                )
            if any(w.code in ALERT_CODES for w in receipt.warnings):
                self._audit(
                    "block_alert",
                    subject_ids=receipt.resident_ids,
                    detail={"movement_id": receipt.movement_id},
                )
            return receipt

        return self._audited("special_move_in", run, concerned)
