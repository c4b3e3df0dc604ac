"""Fault injection on the CS link: a transport that drops, delays, duplicates, reorders and
corrupts frames, or "kills" the sender, following a schedule.

Wrap any :class:`~kure_juki.adapters.cs.transport.Transport` (in process or TCP)::

    route = client.prefecture
    route.transport = FaultyTransport(route.transport, ["drop_reply", "corrupt_request", "ok"])

Each exchange takes the next fault from the schedule (``ok`` once it is used up). What the
sender sees is what a real network would show it: a timeout (KJ-LINK-010) for a lost frame or
reply, silence (KJ-LINK-016) for a request the peer refused to open, a reply that fails
authentication for a corrupted one, and :class:`SimulatedCrash` — a ``BaseException``, so no
``except Exception`` catches it — for a process killed just before or just after sending.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Iterable
from typing import Final, Literal

import attrs

from kure_juki.adapters.cs.transport import Transport
from kure_juki.domain.errors import LinkError

__all__ = ["FAULTS", "Fault", "FaultyTransport", "SimulatedCrash"]

FaultKind = Literal[
    "ok",
    "drop_request",  # the request is lost: the peer never sees it
    "drop_reply",  # the peer applies it, the reply is lost
    "duplicate",  # the network delivers the request twice
    "delay",  # the request arrives late: just before the next one
    "reorder",  # the request arrives late: just after the next one
    "corrupt_request",  # one bit of the request flipped on the way
    "corrupt_reply",  # one bit of the reply flipped on the way
    "crash_before_send",  # the sender dies after its commit, before sending
    "crash_after_send",  # the sender dies after sending, before recording the reply
]
FAULTS: Final[tuple[FaultKind, ...]] = (
    "ok",
    "drop_request",
    "drop_reply",
    "duplicate",
    "delay",
    "reorder",
    "corrupt_request",
    "corrupt_reply",
    "crash_before_send",
    "crash_after_send",
)


class SimulatedCrash(BaseException):
    """The sending process died (as if killed): nothing after this point ran."""


@attrs.frozen
class Fault:
    kind: FaultKind
    position: int = 0  # which bit to flip, modulo the frame's size


def _flip(frame: bytes, position: int) -> bytes:
    if not frame:
        return frame
    bit = position % (len(frame) * 8)
    data = bytearray(frame)
    data[bit // 8] ^= 1 << (bit % 8)
    return bytes(data)


class FaultyTransport:
    """Applies one scheduled fault per exchange to the frames crossing ``inner``."""

    def __init__(self, inner: Transport, schedule: Iterable[Fault | FaultKind] = ()):
        self.inner = inner
        self.schedule: deque[Fault] = deque(
            f if isinstance(f, Fault) else Fault(f) for f in schedule
        )
        # Frames held back: (frame, index of the exchange they arrive with, before its frame).
        self._late: list[tuple[bytes, int, bool]] = []
        self._index = 0
        self.applied: list[FaultKind] = []

    def _deliver_quietly(self, frame: bytes) -> None:
        with contextlib.suppress(LinkError):  # its reply goes nowhere
            self.inner.exchange(frame)

    def _arrive(self, *, before: bool) -> None:
        due = [x for x in self._late if x[1] <= self._index and x[2] == before]
        self._late = [x for x in self._late if x not in due]
        for frame, _, _ in due:
            self._deliver_quietly(frame)

    def flush(self) -> None:
        """Delivers every frame still held back (the network finally lets them through)."""
        late, self._late = self._late, []
        for frame, _, _ in late:
            self._deliver_quietly(frame)

    def exchange(self, frame: bytes) -> bytes:
        self._index += 1
        fault = self.schedule.popleft() if self.schedule else Fault("ok")
        self.applied.append(fault.kind)
        self._arrive(before=True)
        try:
            return self._exchange(fault, frame)
        finally:
            self._arrive(before=False)

    def _exchange(self, fault: Fault, frame: bytes) -> bytes:
        kind = fault.kind
        if kind == "crash_before_send":
            raise SimulatedCrash
        if kind == "drop_request":
            raise LinkError("KJ-LINK-010")
        if kind in ("delay", "reorder"):
            self._late.append((frame, self._index + 1, kind == "delay"))
            raise LinkError("KJ-LINK-010")
        if kind == "corrupt_request":
            return self.inner.exchange(_flip(frame, fault.position))
        reply = self.inner.exchange(frame)
        if kind == "duplicate":
            self._deliver_quietly(frame)
        elif kind == "drop_reply":
            raise LinkError("KJ-LINK-010")
        elif kind == "corrupt_reply":
            return _flip(reply, fault.position)
        elif kind == "crash_after_send":
            raise SimulatedCrash
        return reply

    def close(self) -> None:
        self.inner.close()
