"""Counter operations with the My Number card (個人番号カード): read it, check identity.

The PIN goes to the card and nowhere else; the My Number read from the card is used to find the
record and compared, never logged or audited (the audit names the 宛名番号 and the verdict).
"""

from __future__ import annotations

from typing import Any

from kure_juki.domain.card import CardIdentity
from kure_juki.domain.errors import AccessDenied, NotFound, RegistryError, problem
from kure_juki.domain.identity_check import compare_card_to_register
from kure_juki.domain.search import SearchCriteria
from kure_juki.ports.card_reader import CardReader
from kure_juki.service.session_base import SessionBase
from kure_juki.service.views import full_view, project


class CardOps(SessionBase):
    def read_card(self, reader: CardReader, pin: str) -> CardIdentity:
        """Connect, verify the 4-digit PIN of the 券面事項入力補助AP, read the card's items.

        A wrong PIN raises CardError with ``tries_left``; the attempt is audited without it.
        """
        self._guard("read")
        try:
            with reader:
                reader.verify_pin(pin)
                card = reader.read_identity()
        except RegistryError as error:
            tries = getattr(error, "tries_left", None)
            self._audit(
                "card_read", outcome="refused", code=error.code, detail={"tries_left": tries}
            )
            raise
        self._audit("card_read", detail={"sex": card.sex})
        return card

    def check_identity(self, card: CardIdentity, resident_id: str | None = None) -> dict[str, Any]:
        """窓口での本人確認: the card's four items and My Number against the register.

        The record is found by the card's My Number when the purpose may use it, else by
        *resident_id*. Returns the verdict ("match", "mismatch", "incomplete"), the outcome per
        item and the problems, plus ``resident_id`` and the record's 住民票コード check.
        """
        self._guard("read", [resident_id] if resident_id else [])

        def run() -> dict[str, Any]:
            may_use = self._reg.policy.purpose(self.purpose).may_use_my_number
            if resident_id is None and not may_use:
                raise AccessDenied(problem("KJ-ACCESS-005", "my_number"))
            with self._reg.store.unit_of_work() as uow:
                if resident_id is not None:
                    r = uow.residents.get(resident_id)
                else:
                    hits = uow.residents.search(SearchCriteria(my_number=card.my_number), 1)
                    r = hits[0] if hits else None
                if r is None:
                    raise NotFound(problem("KJ-NOTFOUND-001", "resident_id"))
                # An inquiry block (照会抑止) stops the check as it stops any read.
                blocked = [
                    p for p in self._inquiry(uow, [r], None)[r.resident_id] if p.severity == "error"
                ]
                if blocked:
                    raise AccessDenied(blocked)
                view = project(full_view(r), self._items())
                result = compare_card_to_register(card, view)
                outcome = result.to_dict()
                outcome["resident_id"] = r.resident_id
                outcome["status"] = r.status
                outcome["resident_code_on_record"] = "resident_code" in view
                self._reg.append_audit(
                    uow,
                    operation="identity_check",
                    operator_id=self.operator_id,
                    terminal_id=self.terminal_id,
                    purpose=self.purpose,
                    subject_ids=(r.resident_id,),
                    detail={"verdict": result.verdict, "codes": [p.code for p in result.problems]},
                )
                uow.commit()
                return outcome

        return self._audited("identity_check", run, [resident_id] if resident_id else [])
