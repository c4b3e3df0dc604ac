"""The card reader port (カードリーダー): read a My Number card (個人番号カード) at the counter.

An adapter talks to one reader and the card on it. ``verify_pin`` unlocks the 券面事項入力補助AP
(card input support application) with its 4-digit PIN; the reads then return the My Number and
the four basic items. Every failure is a :class:`CardError` (a LinkError) with a ``KJ-CARD-…``
code, or a FormatError when the card's data is malformed. The PIN and the My Number never
appear in an error, a repr or a log line.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from kure_juki.domain.card import CardIdentity
from kure_juki.domain.errors import LinkError

MAX_PIN_TRIES = 3  # the 券面事項入力補助用暗証番号 blocks after three wrong entries


class CardError(LinkError):
    """A reader or card problem (KJ-CARD-…). ``tries_left`` is set for a wrong PIN."""

    def __init__(self, code: str, *, tries_left: int | None = None) -> None:
        super().__init__(code)
        self.tries_left = tries_left


@runtime_checkable
class CardReader(Protocol):
    """One reader and the My Number card on it; use as a context manager to connect."""

    def connect(self) -> None:
        """Wait for a card and open it (KJ-CARD-004 no reader, KJ-CARD-003 no card,
        KJ-CARD-005 not a My Number card)."""

    def disconnect(self) -> None:
        """Release the card; the card forgets a verified PIN. Safe to call twice."""

    def verify_pin(self, pin: str) -> None:
        """Unlock the card input support application (KJ-CARD-007 not 4 digits, KJ-CARD-001
        wrong PIN with ``tries_left``, KJ-CARD-002 blocked)."""

    def pin_tries_left(self) -> int:
        """Tries left before the PIN blocks (0 when blocked); does not use a try."""

    def read_identity(self) -> CardIdentity:
        """The My Number and the four basic items (KJ-CARD-008 when the PIN is not verified)."""

    def read_my_number(self) -> str:
        """The My Number alone (KJ-CARD-008 when the PIN is not verified)."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
