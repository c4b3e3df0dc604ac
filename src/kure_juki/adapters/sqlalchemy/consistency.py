"""The consistency check of a stored register (after a restore, or any time: ``db check``).

Checks, streaming or in SQL so memory stays flat at a million residents: the audit chain
verifies; every vault value decrypts with the key store (My Numbers, movement and document
secrets) and every resident's vault ref exists; household invariants hold (each living resident
in an active household; a household with members has one head, the member it names, whose
続柄 is 世帯主, or none while a 世帯主変更 is awaited); 住民票コード and My Numbers are unique
among living residents. The report carries counts and codes only, never a value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from kure_juki.adapters.sqlalchemy import dialect
from kure_juki.adapters.sqlalchemy.outbox import body_context, identity_context
from kure_juki.adapters.sqlalchemy.tables import (
    cs_identity,
    cs_outbox,
    document_secrets,
    households,
    movement_secrets,
    my_numbers,
    residents,
)
from kure_juki.adapters.sqlalchemy.vault import document_context, number_context, secrets_context
from kure_juki.domain import audit as audit_chain
from kure_juki.domain.errors import IntegrityError, RegistryError, problem
from kure_juki.domain.resident import HEAD

if TYPE_CHECKING:
    from kure_juki.adapters.sqlalchemy.store import SqlAlchemyStore


@attrs.frozen
class CheckReport:  # 整合性確認の結果
    residents: int
    households: int
    audit_entries: int
    audit_ok: bool
    values_checked: int  # vault values opened
    values_bad: int  # vault values that did not open (wrong key, tampering)
    missing_refs: int  # residents pointing at no vault row
    homeless: int  # living residents without an active household
    bad_heads: int  # households whose head is not as the invariants require
    duplicate_codes: int  # 住民票コード held by two living residents
    duplicate_numbers: int  # My Numbers held by two living residents

    @property
    def codes(self) -> tuple[str, ...]:
        found = []
        if self.values_bad:
            found.append("KJ-INTEGRITY-001")
        if not self.audit_ok:
            found.append("KJ-INTEGRITY-004")
        if self.homeless or self.bad_heads:
            found.append("KJ-INTEGRITY-005")
        if self.duplicate_codes or self.duplicate_numbers:
            found.append("KJ-INTEGRITY-006")
        if self.missing_refs:
            found.append("KJ-INTEGRITY-007")
        return tuple(found)

    @property
    def ok(self) -> bool:
        return not self.codes

    def raise_for_problems(self) -> None:
        if self.codes:
            raise IntegrityError([problem(code) for code in self.codes])

    def to_dict(self) -> dict[str, Any]:
        return {**attrs.asdict(self), "ok": self.ok, "codes": list(self.codes)}


def check_store(store: SqlAlchemyStore) -> CheckReport:
    with store.unit_of_work() as uow:
        audit = audit_chain.verify_chain(uow.audit.iter_all())
    vault_engine = store.vault_engine or store.engine
    checked, bad = _open_everything(store, vault_engine, _vault_sources())
    more_checked, more_bad = _open_everything(store, store.engine, _register_sources())
    checked, bad = checked + more_checked, bad + more_bad
    with store.engine.connect() as conn:
        counts = {
            "residents": conn.execute(
                sa.select(sa.func.count()).select_from(residents)
            ).scalar_one(),
            "households": conn.execute(
                sa.select(sa.func.count()).select_from(households)
            ).scalar_one(),
        }
        homeless = _homeless(conn)
        bad_heads = _bad_heads(conn)
        duplicate_codes = conn.execute(
            sa.select(sa.func.count()).select_from(
                sa.select(residents.c.resident_code)
                .where(residents.c.living)
                .group_by(residents.c.resident_code)
                .having(sa.func.count() > 1)
                .subquery()
            )
        ).scalar_one()
        if store.vault_engine is None:
            missing = conn.execute(
                sa.select(sa.func.count())
                .select_from(residents)
                .where(
                    residents.c.my_number_ref.is_not(None),
                    ~sa.exists().where(my_numbers.c.ref == residents.c.my_number_ref),
                )
            ).scalar_one()
            duplicate_numbers = conn.execute(
                sa.select(sa.func.count()).select_from(
                    sa.select(my_numbers.c.blind)
                    .join(residents, residents.c.my_number_ref == my_numbers.c.ref)
                    .where(residents.c.living)
                    .group_by(my_numbers.c.blind)
                    .having(sa.func.count() > 1)
                    .subquery()
                )
            ).scalar_one()
        else:
            missing, duplicate_numbers = _split_vault_checks(conn, store.vault_engine)
        conn.rollback()
    return CheckReport(
        residents=int(counts["residents"]),
        households=int(counts["households"]),
        audit_entries=audit.entries,
        audit_ok=audit.ok,
        values_checked=checked,
        values_bad=bad,
        missing_refs=int(missing),
        homeless=int(homeless),
        bad_heads=int(bad_heads),
        duplicate_codes=int(duplicate_codes),
        duplicate_numbers=int(duplicate_numbers),
    )


def _vault_sources() -> list[tuple[sa.Select[Any], Any]]:
    return [
        (
            sa.select(my_numbers.c.key_id, my_numbers.c.box, my_numbers.c.resident_id),
            number_context,
        ),
        (
            sa.select(
                movement_secrets.c.key_id, movement_secrets.c.box, movement_secrets.c.movement_id
            ),
            secrets_context,
        ),
        (
            sa.select(
                document_secrets.c.key_id,
                document_secrets.c.box,
                document_secrets.c.kind,
                document_secrets.c.key,
            ),
            document_context,
        ),
    ]


def _register_sources() -> list[tuple[sa.Select[Any], Any]]:
    """Sealed values the register keeps itself: CS messages (a purged one is an empty
    tombstone) and the 本人確認情報ファイル."""
    return [
        (
            sa.select(cs_outbox.c.key_id, cs_outbox.c.box, cs_outbox.c.message_id).where(
                sa.func.length(cs_outbox.c.box) > 0
            ),
            body_context,
        ),
        (
            sa.select(cs_identity.c.key_id, cs_identity.c.box, cs_identity.c.resident_code),
            identity_context,
        ),
    ]


def _open_everything(
    store: SqlAlchemyStore, engine: sa.Engine, sources: list[tuple[sa.Select[Any], Any]]
) -> tuple[int, int]:
    cipher = store.vault.cipher
    checked = bad = 0
    with engine.connect() as conn:
        for query, context in sources:
            for key_id, box, *owner in conn.execution_options(yield_per=1000).execute(query):
                checked += 1
                try:
                    cipher.open(key_id, box, context(*owner))
                except RegistryError:
                    bad += 1
        conn.rollback()
    return checked, bad


def _homeless(conn: sa.Connection) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(residents)
            .where(
                residents.c.living,
                ~sa.exists().where(
                    households.c.household_id == residents.c.household_id, households.c.active
                ),
            )
        ).scalar_one()
    )


def _bad_heads(conn: sa.Connection) -> int:
    """Households with living members whose head is wrong: the named head is not a living
    member titled 世帯主, or the number of members titled 世帯主 is not one (none if no head)."""
    is_head = sa.case((residents.c.relationship == HEAD, 1), else_=0)
    named = sa.case((residents.c.resident_id == households.c.head_id, 1), else_=0)
    named_head = sa.case(
        (
            sa.and_(
                residents.c.resident_id == households.c.head_id, residents.c.relationship == HEAD
            ),
            1,
        ),
        else_=0,
    )
    per_household = (
        sa.select(
            households.c.household_id,
            households.c.head_id,
            sa.func.sum(is_head).label("titled"),
            sa.func.sum(named).label("named"),
            sa.func.sum(named_head).label("named_head"),
        )
        .join(residents, residents.c.household_id == households.c.household_id)
        .where(residents.c.living)
        .group_by(households.c.household_id, households.c.head_id)
        .subquery()
    )
    wrong = sa.or_(
        sa.and_(
            per_household.c.head_id.is_not(None),
            sa.or_(per_household.c.named_head != 1, per_household.c.titled != 1),
        ),
        sa.and_(per_household.c.head_id.is_(None), per_household.c.titled != 0),
    )
    return int(
        conn.execute(
            sa.select(sa.func.count()).select_from(per_household).where(wrong)
        ).scalar_one()
    )


def _split_vault_checks(conn: sa.Connection, vault_engine: sa.Engine) -> tuple[int, int]:
    """Missing refs and duplicate living My Numbers when the vault is another database:
    walk the vault in blind-index order (equal numbers are adjacent) and ask the register."""
    missing = 0
    duplicates = 0
    with vault_engine.connect() as vconn:
        # refs of residents that the vault lacks
        refs = conn.execution_options(yield_per=1000).execute(
            sa.select(residents.c.my_number_ref).where(residents.c.my_number_ref.is_not(None))
        )
        for batch in dialect.chunks(r for (r,) in refs):
            present = set(
                vconn.execute(
                    sa.select(my_numbers.c.ref).where(my_numbers.c.ref.in_(batch))
                ).scalars()
            )
            missing += sum(1 for r in batch if r not in present)
        run: list[str] = []
        previous: bytes | None = None
        rows = vconn.execution_options(yield_per=1000).execute(
            sa.select(my_numbers.c.blind, my_numbers.c.ref).order_by(my_numbers.c.blind)
        )
        for blind, ref in [*rows, (None, None)]:
            if blind != previous:
                if len(run) > 1:
                    living = conn.execute(
                        sa.select(sa.func.count())
                        .select_from(residents)
                        .where(residents.c.my_number_ref.in_(run), residents.c.living)
                    ).scalar_one()
                    duplicates += int(living > 1)
                run = []
                previous = blind
            if ref is not None:
                run.append(ref)
        vconn.rollback()
    return missing, duplicates
