"""Replaying the movement history (異動履歴) into an empty store.

The history is the register's source of truth: each entry keeps the notification, the
identifiers allocated and the processing date, so applying the entries in order rebuilds every
record exactly. Used to prove that property, and to rebuild a store from an archive.
"""

from __future__ import annotations

from collections.abc import Iterable

from kure_juki.domain.movement_record import MovementRecord, join_secrets
from kure_juki.domain.movements import engine
from kure_juki.domain.movements.base import Allocation, Context
from kure_juki.domain.parsing import parse_notification
from kure_juki.ports.storage import Store
from kure_juki.service.registry import store_outcome
from kure_juki.service.uow_view import UowView


def allocation_of(record: MovementRecord) -> Allocation:
    data = join_secrets(record.allocation, "allocation", record.secrets)
    return Allocation(
        resident_ids=tuple(data["resident_ids"]),
        household_id=data["household_id"],
        resident_codes=tuple(data["resident_codes"]),
        my_numbers=tuple(data["my_numbers"]),
    )


def replay(records: Iterable[MovementRecord], store: Store, municipality_code: str) -> int:
    """Apply *records* in order to *store*; returns how many were applied."""
    count = 0
    for record in records:
        n = parse_notification(join_secrets(record.notification, "notification", record.secrets))
        ctx = Context(today=record.processed_on, municipality_code=municipality_code)
        with store.unit_of_work() as uow:
            outcome = engine.apply(n, UowView(uow), ctx, allocation_of(record))
            store_outcome(uow, outcome)
            uow.movements.append(record)
            uow.commit()
        count += 1
    return count
