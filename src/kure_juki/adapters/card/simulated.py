"""A card-reader adapter that talks APDUs to a :class:`VirtualCard` in-process.

It behaves like a reader on a desk: the card can be taken off (``remove_card``) and put back
(``insert_card``), the reader can be unplugged (``unplug``); connecting powers the card on and
disconnecting powers it off, so a verified PIN does not outlive the connection.
"""

from __future__ import annotations

from kure_juki.adapters.card.kenhojo import KenhojoCardReader
from kure_juki.adapters.card.simulated_card import VirtualCard
from kure_juki.ports.card_reader import CardError


class SimulatedCardReader(KenhojoCardReader):
    def __init__(self, card: VirtualCard | None = None, *, plugged: bool = True) -> None:
        super().__init__()
        self.card = card
        self.plugged = plugged
        self._powered_card: VirtualCard | None = None

    def insert_card(self, card: VirtualCard) -> None:
        self.card = card

    def remove_card(self) -> None:
        if self.card is not None:
            self.card.power_off()
        self.card = None

    def unplug(self) -> None:
        if self._powered_card is not None:
            self._powered_card.power_off()
        self.plugged = False

    def plug_in(self) -> None:
        self.plugged = True

    def _open(self) -> None:
        if not self.plugged:
            raise CardError("KJ-CARD-004")
        if self.card is None:
            raise CardError("KJ-CARD-003")
        self.card.power_on()
        self._powered_card = self.card

    def _close(self) -> None:
        if self._powered_card is not None and self._powered_card is self.card:
            self._powered_card.power_off()
        self._powered_card = None

    def _transmit(self, command: bytes) -> bytes:
        if not self.plugged:
            raise CardError("KJ-CARD-004")
        card = self.card
        # A different card put on the reader is a removal too: the session was with the first.
        if card is None or card is not self._powered_card or not card.powered:
            raise CardError("KJ-CARD-003")
        return card.transmit(command)
