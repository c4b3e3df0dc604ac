"""本人確認情報ファイルの初期作成: a register that had residents before it was linked to the CS —
a city migrated from its old system with ``kure-juki import`` — takes over the file its 市町村CS
keeps, as the prefecture holds it (都道府県知事保存本人確認情報), bookkeeping included.

Nothing is sent: the prefecture already has these persons from the old system. Each of its
records is written to the register's file as it is, so the next movement's update is planned
from what the CS was really told, and the register's update numbering continues after the
highest 更新順番号 the prefecture holds for the city. Each record is also compared with the
register's own resident: where they disagree (the item names, never values), where the register
has a person the prefecture lacks, or the prefecture one the register lacks, the report says so
for the clerk to put right (a 職権修正, or a 職権記載). Records the file already holds are kept as
they are, so the load can be run again after a crash; 整合性確認 afterwards is clean by
construction.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING

import attrs

from kure_juki.domain.identity_file import BOOKKEEPING_ITEMS, IdentityRecord
from kure_juki.domain.identity_mapping import UpdateFacts, identity_record
from kure_juki.domain.resident import Resident
from kure_juki.domain.search import SearchCriteria
from kure_juki.logs import get_logger
from kure_juki.ports.cs_link import CsLink
from kure_juki.ports.storage import UnitOfWork
from kure_juki.service.cs_sync import outbox_of

if TYPE_CHECKING:
    from kure_juki.service.registry import Registry

log = get_logger()

# Items the CS keeps for itself or the register cannot know: not the register's to compare.
_NOT_COMPARED = BOOKKEEPING_ITEMS | {"planned", "resident_code_used_from", "old_resident_code"}


@attrs.frozen
class IdentityLoadReport:  # 本人確認情報ファイル初期作成の結果
    adopted: int  # the prefecture's records written to the file
    kept: int  # codes the file already held, left as they were
    differing: tuple[tuple[str, tuple[str, ...]], ...]  # (宛名番号, item names) to put right
    missing_there: tuple[str, ...]  # 宛名番号 of living residents the prefecture lacks
    missing_here: tuple[str, ...]  # 住民票コード the prefecture holds and the register lacks
    last_update_sequence: int  # the highest 更新順番号 held: the next update is one above

    @property
    def ok(self) -> bool:
        return not (self.differing or self.missing_there or self.missing_here)


def _resident_for(uow: UnitOfWork, resident_code: str) -> Resident | None:
    """The register's record for a 住民票コード: the living one, else the latest 除票."""
    criteria = SearchCriteria(resident_code=resident_code, include_deleted=True)
    found = uow.residents.search(criteria, 20)
    living = [r for r in found if r.is_living]
    if living or not found:
        return living[0] if living else None

    def deleted_on(r: Resident) -> dt.date:
        return r.deletion.deleted_on if r.deletion is not None else r.became_resident_on

    return max(found, key=deleted_on)


def _differing(r: Resident, theirs: IdentityRecord) -> tuple[str, ...]:
    """The items of the prefecture's record the register's resident does not bear out."""
    facts = UpdateFacts(
        municipality_code=theirs.municipality_code,
        changed_on=theirs.changed_on,
        notified_on=theirs.notified_on,
        operator_id=theirs.operator_id,
        terminal_id=theirs.terminal_id,
        request_number=theirs.request_number,
        update_sequence=theirs.update_sequence,
        timestamp=theirs.timestamp,
    )
    ours = identity_record(
        r, theirs.change_reason, facts, resident_code_used_from=theirs.resident_code_used_from
    )
    return tuple(
        f.name
        for f in attrs.fields(IdentityRecord)
        if f.name not in _NOT_COMPARED and getattr(ours, f.name) != getattr(theirs, f.name)
    )


def load_identity_file(
    registry: Registry,
    link: CsLink | None = None,
    *,
    operator_id: str = "SYSTEM",
    terminal_id: str = "CS",
    batch: int = 1000,
    listed: int = 1000,
) -> IdentityLoadReport:
    """Take over the prefecture's copy as the register's 本人確認情報ファイル (see the module
    docstring). At most ``listed`` persons are named in each list of the report (the audit
    entry counts them all). The update numbering is raised to the prefecture's highest, never
    lowered: a register with updates still in its outbox keeps numbering after them."""
    from kure_juki.service.registry_cs import cs_link_of

    cs = cs_link_of(registry, link)
    adopted = kept = highest = 0
    seen_here: set[str] = set()  # resident ids the prefecture's records matched
    differing: list[tuple[str, tuple[str, ...]]] = []
    missing_here: list[str] = []
    counts = {"differing": 0, "missing_there": 0, "missing_here": 0}
    streamed = cs.reconciliation_records()
    for records in iter(lambda: list(itertools.islice(streamed, batch)), []):
        with registry.store.unit_of_work() as uow:
            files = outbox_of(uow).identities
            for theirs in records:
                highest = max(highest, theirs.update_sequence)
                if files.get(theirs.resident_code) is not None:
                    kept += 1
                else:
                    files.put(theirs)
                    adopted += 1
                r = _resident_for(uow, theirs.resident_code)
                if r is None:
                    counts["missing_here"] += 1
                    if len(missing_here) < listed:
                        missing_here.append(theirs.resident_code)
                    continue
                seen_here.add(r.resident_id)
                items = _differing(r, theirs)
                if items:
                    counts["differing"] += 1
                    if len(differing) < listed:
                        differing.append((r.resident_id, items))
            uow.commit()
    with registry.store.unit_of_work() as uow:
        box = outbox_of(uow)
        if box.last_update_sequence() < highest:
            box.continue_update_sequence(highest)
            uow.commit()
    missing_there: list[str] = []
    with registry.store.unit_of_work() as uow:
        for r in uow.residents.iter_all():
            if r.is_living and r.resident_id not in seen_here:
                counts["missing_there"] += 1
                if len(missing_there) < listed:
                    missing_there.append(r.resident_id)
    report = IdentityLoadReport(
        adopted, kept, tuple(differing), tuple(missing_there), tuple(missing_here), highest
    )
    registry.audit_now(
        operation="identity_file_load",
        operator_id=operator_id,
        terminal_id=terminal_id,
        detail={"adopted": adopted, "kept": kept, "last_update_sequence": highest, **counts},
    )
    log.info("identity_file_load", adopted=adopted, kept=kept, **counts)
    return report
