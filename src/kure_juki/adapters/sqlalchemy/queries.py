"""Statements built once per kind of store and reused with bound parameters.

Building a Core statement costs several times more than executing a prepared one on SQLite;
a submit runs a few dozen of them, so the hot ones are built here once.
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kure_juki.adapters.sqlalchemy.tables import (
    audit_log,
    audit_subjects,
    chain_head,
    code_pool,
    documents,
    households,
    movement_residents,
    movements,
    my_numbers,
    operators,
    residents,
    sequences,
)

PAGE = 500  # rows per page when streaming a table in key order


def _ids(name: str = "ids") -> sa.BindParameter[Any]:
    return sa.bindparam(name, expanding=True)


class Queries:
    def __init__(self, dialect_name: str, vault_shared: bool) -> None:
        rid = residents.c.resident_id
        if vault_shared:
            base = sa.select(
                residents,
                my_numbers.c.key_id.label("mn_key_id"),
                my_numbers.c.box.label("mn_box"),
            ).select_from(
                residents.outerjoin(my_numbers, my_numbers.c.ref == residents.c.my_number_ref)
            )
        else:
            base = sa.select(residents)
        self.residents_base: sa.Select[Any] = base
        self.resident_by_id = base.where(rid == sa.bindparam("key"))
        self.residents_of_household = base.where(
            residents.c.household_id == sa.bindparam("key"), residents.c.living
        ).order_by(rid)
        self.residents_by_code = base.where(
            residents.c.resident_code == sa.bindparam("key"), residents.c.living
        ).order_by(rid)
        self.residents_by_blind = base.where(
            my_numbers.c.blind == sa.bindparam("blind"), residents.c.living
        ).order_by(rid)
        self.residents_by_refs = base.where(
            residents.c.my_number_ref.in_(_ids("refs")), residents.c.living
        ).order_by(rid)
        # 除票 by what identifies a person (再転入, 標準4.1.1.2)
        deleted = ~residents.c.living
        self.deleted_by_code = base.where(
            residents.c.resident_code == sa.bindparam("key"), deleted
        ).order_by(rid)
        self.deleted_by_refs = base.where(
            residents.c.my_number_ref.in_(_ids("refs")), deleted
        ).order_by(rid)
        if vault_shared:
            self.deleted_by_blind = base.where(
                my_numbers.c.blind == sa.bindparam("blind"), deleted
            ).order_by(rid)
        self.deleted_by_card = base.where(
            residents.c.residence_card == sa.bindparam("card"), deleted
        ).order_by(rid)
        self.deleted_by_identity = base.where(
            residents.c.birth_date == sa.bindparam("birth_date"),
            residents.c.sex == sa.bindparam("sex"),
            residents.c.family_fold == sa.bindparam("family"),
            residents.c.given_fold == sa.bindparam("given"),
            deleted,
        ).order_by(rid)
        self.residents_first = base.order_by(rid).limit(PAGE)
        self.residents_after = base.where(rid > sa.bindparam("after")).order_by(rid).limit(PAGE)
        self.resident_versions = sa.select(
            rid, residents.c.version, residents.c.my_number_ref
        ).where(rid.in_(_ids()))
        self.resident_living = sa.select(rid, residents.c.living).where(rid.in_(_ids()))
        self.count_residents = sa.select(sa.func.count()).select_from(residents)
        self.count_living = self.count_residents.where(residents.c.living)
        self.update_resident = residents.update().where(rid == sa.bindparam("b_id"))
        self.insert_resident = residents.insert()

        hid = households.c.household_id
        self.household_by_id = sa.select(households).where(hid == sa.bindparam("key"))
        self.households_first = sa.select(households).order_by(hid).limit(PAGE)
        self.households_after = (
            sa.select(households).where(hid > sa.bindparam("after")).order_by(hid).limit(PAGE)
        )
        self.household_versions = sa.select(hid, households.c.version).where(hid.in_(_ids()))
        self.update_household = households.update().where(hid == sa.bindparam("b_id"))
        self.insert_household = households.insert()

        mid = movements.c.movement_id
        self.movements_of_resident = (
            sa.select(movements)
            .where(
                sa.exists().where(
                    movement_residents.c.movement_id == mid,
                    movement_residents.c.resident_id == sa.bindparam("key"),
                )
            )
            .order_by(mid)
        )
        self.movement_by_id = sa.select(movements).where(mid == sa.bindparam("key"))
        self.movements_after = (
            sa.select(movements).where(mid > sa.bindparam("after")).order_by(mid).limit(PAGE)
        )
        self.last_movement_id = sa.select(sa.func.max(mid))
        self.insert_movement = movements.insert()
        self.insert_movement_residents = movement_residents.insert()

        seq = audit_log.c.seq
        self.audit_last = sa.select(audit_log).order_by(seq.desc()).limit(1)
        self.audit_after = (
            sa.select(audit_log).where(seq > sa.bindparam("after")).order_by(seq).limit(PAGE)
        )
        by_subject = sa.exists().where(
            audit_subjects.c.seq == seq, audit_subjects.c.subject_id == sa.bindparam("subject")
        )
        by_operator = audit_log.c.operator_id == sa.bindparam("operator")
        ordered = sa.select(audit_log).order_by(seq)
        self.audit_search = {
            (False, False): ordered,
            (True, False): ordered.where(by_subject),
            (False, True): ordered.where(by_operator),
            (True, True): ordered.where(by_subject, by_operator),
        }
        self.insert_audit = audit_log.insert()
        self.insert_audit_subjects = audit_subjects.insert()
        subject_key = sa.tuple_(audit_subjects.c.seq, audit_subjects.c.position)
        self.audit_subjects_after = (
            sa.select(audit_subjects.c.seq, audit_subjects.c.position, audit_subjects.c.subject_id)
            .where(subject_key > sa.tuple_(sa.bindparam("seq"), sa.bindparam("position")))
            .order_by(audit_subjects.c.seq, audit_subjects.c.position)
            .limit(PAGE)
        )

        oid = operators.c.operator_id
        self.operator_by_id = sa.select(operators).where(oid == sa.bindparam("key"))
        self.any_operator = sa.select(oid).limit(1)
        self.all_operators = sa.select(operators).order_by(oid)
        dialect_insert = sqlite.insert if dialect_name == "sqlite" else postgresql.insert
        upsert = dialect_insert(operators)
        self.upsert_operator = upsert.on_conflict_do_update(
            index_elements=[oid],
            set_={c: upsert.excluded[c] for c in ("role", "active", "version", "extra")},
        )

        seq_insert = dialect_insert(sequences)
        self.next_value = (
            seq_insert.values(name=sa.bindparam("name"), value=1)
            .on_conflict_do_update(
                index_elements=[sequences.c.name], set_={"value": sequences.c.value + 1}
            )
            .returning(sequences.c.value)
        )

        # Rows another transaction is taking are skipped, not waited for (PostgreSQL); SQLite
        # compiles no FOR UPDATE and holds its single write lock already.
        chosen = (
            sa.select(code_pool.c.position)
            .order_by(code_pool.c.position)
            .limit(sa.bindparam("n", type_=sa.Integer()))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        self.take_codes = (
            code_pool.delete()
            .where(code_pool.c.position.in_(chosen))
            .returning(code_pool.c.position, code_pool.c.code)
        )
        self.insert_code = code_pool.insert()
        self.count_codes = sa.select(sa.func.count()).select_from(code_pool)

        kind, dkey = documents.c.kind, documents.c.key
        self.document_by_key = sa.select(documents).where(
            kind == sa.bindparam("kind"), dkey == sa.bindparam("key")
        )
        self.documents_of_subject = (
            sa.select(documents)
            .where(kind == sa.bindparam("kind"), documents.c.subject == sa.bindparam("subject"))
            .order_by(dkey)
        )
        self.documents_first = (
            sa.select(documents).where(kind == sa.bindparam("kind")).order_by(dkey).limit(PAGE)
        )
        self.documents_after = (
            sa.select(documents)
            .where(kind == sa.bindparam("kind"), dkey > sa.bindparam("after"))
            .order_by(dkey)
            .limit(PAGE)
        )
        doc_upsert = dialect_insert(documents)
        self.upsert_document = doc_upsert.on_conflict_do_update(
            index_elements=[kind, dkey],
            set_={c: doc_upsert.excluded[c] for c in ("subject", "data", "sealed")},
        )

        head = chain_head.c.name == "audit"
        self.generation = sa.select(chain_head.c.generation).where(head)
        self.bump_generation = (
            chain_head.update()
            .where(head)
            .values(generation=chain_head.c.generation + 1)
            .returning(chain_head.c.generation)
        )


@functools.cache
def queries(dialect_name: str, vault_shared: bool) -> Queries:
    return Queries(dialect_name, vault_shared)
