"""What the register itself does with its 市町村CS: deliver the outbox, take in 転入通知, check
its identity file against the prefecture's copy (整合性確認), delete 送付先情報 past retention.

The functions take the :class:`~kure_juki.service.registry.Registry`; :class:`CsRegistryOps`
exposes them as methods (``reg.reconcile(link)``, ``reg.process_move_in_notices(link)`` …) when
mixed into ``Registry``.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import itertools
import secrets
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Final

import attrs

from kure_juki.domain.cs_messages import MoveInNotice
from kure_juki.domain.errors import LinkError, Problem, RegistryError, problem
from kure_juki.domain.identity_check import compare_text
from kure_juki.domain.identity_file import (
    DIGEST_KEY_SIZE,
    Difference,
    DifferenceKind,
    IdentityRecord,
    RangeDigest,
    RecordRange,
    cut_ranges,
)
from kure_juki.domain.identity_file import reconcile as reconcile_files
from kure_juki.domain.notifications import ConfirmMoveOut, OtherPlaceEntry
from kure_juki.domain.resident import Resident
from kure_juki.domain.search import SearchCriteria
from kure_juki.logs import get_logger
from kure_juki.ports.cs_link import CsLink
from kure_juki.service.cs_delivery import DeliveryReport, deliver
from kure_juki.service.cs_sync import outbox_of
from kure_juki.service.delivery_info import purge_delivery_info

if TYPE_CHECKING:
    from kure_juki.service.identity_load import IdentityLoadReport
    from kure_juki.service.registry import Registry

__all__ = [
    "CsRegistryOps",
    "MoveInNoticeReport",
    "ReconciliationReport",
    "process_move_in_notices",
    "reconcile",
]

log = get_logger()

KINDS: Final[tuple[DifferenceKind, ...]] = (
    "missing_here",
    "missing_there",
    "differing_items",
    "sequence_gap",
    "sequence_behind",
)
_KIND_JA: Final = {
    "missing_here": "当方になし(相手先のみ)",
    "missing_there": "相手先になし(当方のみ)",
    "differing_items": "項目の相違(同じ更新順番号)",
    "sequence_gap": "相手先が古い(未到達の更新あり)",
    "sequence_behind": "当方が古い(当方にない更新あり)",
}


def cs_link_of(registry: Registry, link: CsLink | None) -> CsLink:
    """The link given, else the register's own; KJ-LINK-029 when there is none."""
    chosen = link if link is not None else registry.cs_link
    if chosen is None:
        raise LinkError(problem("KJ-LINK-029"))
    return chosen


# --- 整合性確認 (住基法14条) -----------------------------------------------------------------


@attrs.frozen
class ReconciliationReport:  # 整合性確認結果
    """The differences between the register's identity file and the prefecture's copy.

    ``counts`` has every kind; ``differences`` lists the first ``listed`` of them (item names
    and sequence numbers only, never values); ``in_flight`` counts the ``sequence_gap`` records
    whose newer update still waits in the outbox (expected, not a fault).
    """

    municipality_code: str
    checked_at: dt.datetime
    ours: int
    theirs: int
    counts: dict[str, int]
    differences: tuple[Difference, ...]
    in_flight: int
    pending_updates: int

    @property
    def ok(self) -> bool:
        return sum(self.counts.values()) == self.in_flight

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_text(self) -> str:
        lines = [
            f"整合性確認 (reconciliation) 市町村コード {self.municipality_code}"
            f"  {self.checked_at.isoformat(timespec='seconds')}",
            f"  当方 {self.ours} 件 / 都道府県 {self.theirs} 件   "
            f"送信待ち更新 {self.pending_updates} 件",
        ]
        for kind in KINDS:
            lines.append(f"  {kind:<16} {self.counts[kind]:>8}  {_KIND_JA[kind]}")
        lines.append(
            f"  結果: {'一致' if self.ok else '不一致'}"
            f" ({self.total} 件の差異, うち送信中 {self.in_flight} 件)"
        )
        for d in self.differences:
            items = ",".join(d.items) if d.items else "-"
            lines.append(
                f"    {d.kind:<16} 住民票コード {d.resident_code}"
                f"  更新順番号 当方={d.ours_sequence} 相手先={d.theirs_sequence}  項目={items}"
            )
        if len(self.differences) < self.total:
            lines.append(f"    … ほか {self.total - len(self.differences)} 件")
        return "\n".join(lines)


class _Counted:
    def __init__(self, records: Iterable[IdentityRecord]) -> None:
        self._records = iter(records)
        self.count = 0

    def __iter__(self) -> Iterator[IdentityRecord]:
        for record in self._records:
            self.count += 1
            yield record


RANGE_SIZE: Final = 32
"""Our records per digested range: a difference costs fetching the peer's records of its range,
and a range costs a count and a digest on the wire."""
_RANGES_PER_CALL: Final = 1024
_CALLS_AHEAD: Final = 1


def _with_their_digests(
    cs: CsLink, ranges: Iterator[RecordRange], key: bytes
) -> Iterator[tuple[RecordRange, RangeDigest]]:
    """Each of our ranges with the peer's digest of it. The peer is asked from a worker thread,
    a call ahead: while it digests a batch of its copy (and the envelopes cross), we digest our
    next batch."""
    with concurrent.futures.ThreadPoolExecutor(1, "cs-reconcile") as pool:
        Asked = concurrent.futures.Future[tuple[RangeDigest, ...]]
        waiting: deque[tuple[list[RecordRange], Asked]] = deque()
        try:
            while True:
                batch = list(itertools.islice(ranges, _RANGES_PER_CALL))
                if batch:
                    bounds = [r.through for r in batch if r.through is not None]
                    to_end = batch[-1].through is None
                    asked = pool.submit(
                        cs.reconciliation_digests, key, batch[0].after, bounds, to_end=to_end
                    )
                    waiting.append((batch, asked))
                if not waiting:
                    return
                if len(waiting) > _CALLS_AHEAD or not batch:
                    mine, asked = waiting.popleft()
                    theirs = asked.result()
                    if len(theirs) != len(mine):
                        raise LinkError("KJ-LINK-017")
                    yield from zip(mine, theirs, strict=True)
        finally:
            for _, asked in waiting:
                asked.cancel()


@attrs.define
class _Tally:
    ours: int = 0
    theirs: int = 0


def _differences(
    cs: CsLink,
    ours: Iterable[IdentityRecord],
    tally: _Tally,
    *,
    page_size: int,
    range_size: int,
) -> Iterator[Difference]:
    """The differences between our file and the peer's copy, digest first: ranges whose count
    and digest agree hold the same records item for item; the peer's records of the others are
    fetched and compared with ours record by record. Counts both files in ``tally``."""
    key = secrets.token_bytes(DIGEST_KEY_SIZE)
    ranges = cut_ranges(ours, key, range_size)
    for mine, peer in _with_their_digests(cs, ranges, key):
        tally.ours += mine.digest.count
        if peer == mine.digest:
            tally.theirs += peer.count
            continue
        fetched = _Counted(
            cs.reconciliation_records(
                page_size=min(page_size, peer.count + 1), after=mine.after, through=mine.through
            )
            if peer.count
            else ()
        )
        yield from reconcile_files(mine.records, fetched)
        tally.theirs += fetched.count


def reconcile(
    registry: Registry,
    link: CsLink | None = None,
    *,
    page_size: int = 1000,
    listed: int = 100,
    range_size: int = RANGE_SIZE,
) -> ReconciliationReport:
    """整合性確認: streams the register's 本人確認情報ファイル in 住民票コード order and compares it
    with the prefecture's copy range by range (:data:`RANGE_SIZE` of our records each): equal
    digests end a range's comparison, the peer's records of any other range are fetched
    (``page_size`` a page) and compared item by item. A few ranges in memory at a time; audited.
    """
    from kure_juki.service.registry import SYSTEM_OPERATOR

    cs = cs_link_of(registry, link)
    counts: dict[str, int] = dict.fromkeys(KINDS, 0)
    listed_differences: list[Difference] = []
    in_flight = 0
    tally = _Tally()
    with registry.store.unit_of_work() as uow:
        box = outbox_of(uow)
        pending = {
            e.sequence
            for e in box.entries(state="pending")
            if e.stream == "prefecture" and e.sequence is not None
        }
        ours = box.identities.iter_sorted()
        found = _differences(cs, ours, tally, page_size=page_size, range_size=range_size)
        for difference in found:
            counts[difference.kind] += 1
            if difference.kind == "sequence_gap" and difference.ours_sequence in pending:
                in_flight += 1
            if len(listed_differences) < listed:
                listed_differences.append(difference)
    report = ReconciliationReport(
        municipality_code=registry.municipality_code,
        checked_at=registry.now(),
        ours=tally.ours,
        theirs=tally.theirs,
        counts=counts,
        differences=tuple(listed_differences),
        in_flight=in_flight,
        pending_updates=len(pending),
    )
    registry.audit_now(
        operation="reconcile",
        operator_id=SYSTEM_OPERATOR,
        terminal_id="CS",
        detail={
            "consistent": report.ok,
            "ours": report.ours,
            "theirs": report.theirs,
            "in_flight": in_flight,
            **counts,
        },
    )
    log.info("reconcile", ours=report.ours, theirs=report.theirs, differences=report.total)
    return report


# --- 転入通知の受理 (消除) ----------------------------------------------------------------


@attrs.frozen
class MoveInNoticeReport:  # 転入通知の処理結果
    confirmed: tuple[str, ...] = ()  # 宛名番号 whose move-out was confirmed (消除)
    acknowledged: tuple[str, ...] = ()  # notice numbers acknowledged to the exchange
    problems: tuple[tuple[str, Problem], ...] = ()  # (notice number, problem): left pending


def _joined(*parts: str) -> str:
    return "\u3000".join(p for p in parts if p)


def _mismatch(notice: MoveInNotice, r: Resident) -> list[Problem]:
    found: list[Problem] = []
    if r.birth_date != notice.birth_date:
        found.append(problem("KJ-LOGIC-119", "birth_date"))
    if r.sex != notice.sex:
        found.append(problem("KJ-LOGIC-119", "sex"))
    name = _joined(r.name.family_name, r.name.given_name)
    if compare_text(notice.name_kanji, name) != "match":
        found.append(problem("KJ-LOGIC-119", "name"))
    return found


def _find(registry: Registry, resident_code: str) -> tuple[Resident | None, bool]:
    """(the living record with that code, whether a deleted one was moved out before)."""
    with registry.store.unit_of_work() as uow:
        living = uow.residents.living_by_resident_code(resident_code)
        if living is not None:
            return living, False
        hits = uow.residents.search(
            SearchCriteria(resident_code=resident_code, include_deleted=True), 10
        )
    moved_out = any(h.deletion is not None and h.deletion.reason == "転出" for h in hits)
    return None, moved_out


def process_move_in_notices(
    registry: Registry, link: CsLink | None = None, *, limit: int = 100
) -> MoveInNoticeReport:
    """Takes the 転入通知 waiting for this municipality: each person's planned move-out is
    confirmed (消除, 住基法24条) and the notice acknowledged. Safe to run again after a crash:
    a notice whose person is already deleted is only acknowledged. A notice that matches no
    planned move-out stays waiting and is reported (and audited) for the clerk."""
    from kure_juki.service.registry import SYSTEM_OPERATOR

    cs = cs_link_of(registry, link)
    confirmed: list[str] = []
    acknowledged: list[str] = []
    problems: list[tuple[str, Problem]] = []
    groups: dict[tuple[Any, ...], list[tuple[MoveInNotice, Resident]]] = {}
    done: list[MoveInNotice] = []
    for notice in cs.pending_move_in_notices(limit=limit):
        resident, moved_out = _find(registry, notice.resident_code)
        found: list[Problem] = []
        if resident is None:
            if moved_out:
                done.append(notice)
                continue
            found = [problem("KJ-NOTFOUND-001", "resident_code")]
        elif resident.planned_move_out is None:
            found = [problem("KJ-LOGIC-120", "resident_code")]
        else:
            found = _mismatch(notice, resident)
        if found:
            problems += [(notice.notice_number, p) for p in found]
            registry.audit_now(
                operation="move_in_notice",
                operator_id=SYSTEM_OPERATOR,
                terminal_id="CS",
                outcome="refused",
                code=found[0].code,
                subject_ids=(resident.resident_id,) if resident else (),
                detail={"notice": notice.notice_number, "codes": [p.code for p in found]},
            )
            continue
        assert resident is not None
        key = (
            resident.household_id,
            notice.moved_in_on,
            notice.from_municipality_code,
            notice.new_address,
        )
        groups.setdefault(key, []).append((notice, resident))

    for (_, moved_in_on, from_code, new_address), members in groups.items():
        confirm = ConfirmMoveOut(
            resident_ids=tuple(r.resident_id for _, r in members),
            source="move_in_notice",
            occurred_on=min(moved_in_on, registry.today()),
            destination=OtherPlaceEntry(text=new_address, municipality_code=from_code),
        )
        try:
            receipt = registry.run_movement(
                confirm,
                operator_id=SYSTEM_OPERATOR,
                terminal_id="CS",
                purpose="resident_records",
                operation="move_in_notice",
            )
        except RegistryError as error:
            problems += [(n.notice_number, p) for n, _ in members for p in error.problems]
            registry.audit_now(
                operation="move_in_notice",
                operator_id=SYSTEM_OPERATOR,
                terminal_id="CS",
                outcome="refused",
                code=error.code,
                subject_ids=tuple(r.resident_id for _, r in members),
            )
            continue
        confirmed += receipt.resident_ids
        done += [n for n, _ in members]

    for notice in done:
        cs.acknowledge_move_in_notice(notice.notice_number)
        acknowledged.append(notice.notice_number)
    return MoveInNoticeReport(tuple(confirmed), tuple(acknowledged), tuple(problems))


class CsRegistryOps:
    """The CS operations as methods of the register (mix into ``Registry``)."""

    def deliver_outbox(self, link: CsLink | None = None, **options: Any) -> DeliveryReport:
        """Sends the CS outbox (see :func:`kure_juki.service.cs_delivery.deliver`)."""
        return deliver(self._registry(), link, **options)

    def reconcile(self, link: CsLink | None = None, **options: Any) -> ReconciliationReport:
        """整合性確認 against the prefecture's copy (see :func:`reconcile`)."""
        return reconcile(self._registry(), link, **options)

    def load_identity_file(self, link: CsLink | None = None, **options: Any) -> IdentityLoadReport:
        """本人確認情報ファイルの初期作成 from the prefecture's copy, after a migration (see
        :func:`kure_juki.service.identity_load.load_identity_file`)."""
        from kure_juki.service.identity_load import load_identity_file

        return load_identity_file(self._registry(), link, **options)

    def process_move_in_notices(
        self, link: CsLink | None = None, *, limit: int = 100
    ) -> MoveInNoticeReport:
        """Confirms the move-outs the waiting 転入通知 report (:func:`process_move_in_notices`)."""
        return process_move_in_notices(self._registry(), link, limit=limit)

    def purge_delivery_info(self) -> int:
        """Deletes the 送付先情報 past their retention (one business day after sending)."""
        return purge_delivery_info(self._registry())

    def _registry(self) -> Registry:
        from kure_juki.service.registry import Registry

        if not isinstance(self, Registry):
            raise TypeError("CsRegistryOps is mixed into Registry")
        return self
