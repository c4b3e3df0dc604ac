"""main: the register's tables (住民マスタ, 世帯, 異動履歴, 操作ログ, 操作者, 採番, 文書).

Revision ID: m0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "m0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("main",)
depends_on: str | Sequence[str] | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "households",
        sa.Column("household_id", _key(), nullable=False),
        sa.Column("head_id", _key(), nullable=True),
        sa.Column("formed_on", sa.Date(), nullable=False),
        sa.Column("dissolved_on", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("household_id", name="pk_households"),
    )
    op.create_table(
        "residents",
        sa.Column("resident_id", _key(), nullable=False),
        sa.Column("household_id", _key(), nullable=False),
        sa.Column("resident_code", _key(), nullable=False),
        sa.Column("living", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("my_number_ref", _key(), nullable=True),
        sa.Column("family_name", sa.Text(), nullable=False),
        sa.Column("given_name", sa.Text(), nullable=False),
        sa.Column("family_name_kana", sa.Text(), nullable=False),
        sa.Column("given_name_kana", sa.Text(), nullable=False),
        sa.Column("family_fold", _key(), nullable=False),
        sa.Column("given_fold", _key(), nullable=False),
        sa.Column("family_seion", _key(), nullable=False),
        sa.Column("given_seion", _key(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(10), nullable=False),
        sa.Column("relationship", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("postal_code", sa.String(10), nullable=False),
        sa.Column("address_text", sa.Text(), nullable=False),
        sa.Column("address_fold", sa.Text(), nullable=False),
        sa.Column("address_since", sa.Date(), nullable=False),
        sa.Column("address_notified_on", sa.Date(), nullable=False),
        sa.Column("became_resident_on", sa.Date(), nullable=False),
        sa.Column("became_resident_reason", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("resident_id", name="pk_residents"),
    )
    op.create_index("ix_residents_household_id_living", "residents", ["household_id", "living"])
    op.create_index("ix_residents_resident_code", "residents", ["resident_code"])
    op.create_index("ix_residents_my_number_ref", "residents", ["my_number_ref"])
    op.create_table(
        "movements",
        sa.Column("movement_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("processed_on", sa.Date(), nullable=False),
        sa.Column("operator_id", _key(), nullable=False),
        sa.Column("terminal_id", sa.Text(), nullable=False),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("movement_id", name="pk_movements"),
    )
    op.create_table(
        "movement_residents",
        sa.Column("movement_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("resident_id", _key(), nullable=False),
        sa.ForeignKeyConstraint(
            ["movement_id"],
            ["movements.movement_id"],
            name="fk_movement_residents_movement_id_movements",
        ),
        sa.PrimaryKeyConstraint("movement_id", "position", name="pk_movement_residents"),
    )
    op.create_index(
        "ix_movement_residents_resident_id_movement_id",
        "movement_residents",
        ["resident_id", "movement_id"],
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.Text(), nullable=False),
        sa.Column("operator_id", _key(), nullable=True),
        sa.Column("terminal_id", sa.Text(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("code", sa.String(40), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_operator_id_seq", "audit_log", ["operator_id", "seq"])
    op.create_table(
        "audit_subjects",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("subject_id", _key(), nullable=False),
        sa.ForeignKeyConstraint(["seq"], ["audit_log.seq"], name="fk_audit_subjects_seq_audit_log"),
        sa.PrimaryKeyConstraint("seq", "position", name="pk_audit_subjects"),
    )
    op.create_index("ix_audit_subjects_subject_id_seq", "audit_subjects", ["subject_id", "seq"])
    op.create_table(
        "operators",
        sa.Column("operator_id", _key(), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("operator_id", name="pk_operators"),
    )
    op.create_table(
        "sequences",
        sa.Column("name", _key(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_sequences"),
    )
    op.create_table(
        "code_pool",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("code", _key(), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_code_pool"),
    )
    op.create_index("ix_code_pool_code", "code_pool", ["code"])
    chain = op.create_table(
        "chain_head",
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("name", name="pk_chain_head"),
    )
    op.bulk_insert(chain, [{"name": "audit", "generation": 0}])
    op.create_table(
        "documents",
        sa.Column("kind", _key(), nullable=False),
        sa.Column("key", _key(), nullable=False),
        sa.Column("subject", _key(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("sealed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name="pk_documents"),
    )
    op.create_index("ix_documents_kind_subject_key", "documents", ["kind", "subject", "key"])
    op.create_table(
        "cs_outbox",
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("stream", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("key", _key(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=True),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("box", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_cs_outbox"),
    )
    op.create_index(
        "ix_cs_outbox_stream_state_message_id", "cs_outbox", ["stream", "state", "message_id"]
    )
    streams = op.create_table(
        "cs_outbox_streams",
        sa.Column("stream", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("stream", name="pk_cs_outbox_streams"),
    )
    op.bulk_insert(
        streams,
        [{"stream": s} for s in ("prefecture", "exchange", "card_management")],
    )
    state = op.create_table(
        "cs_outbox_state",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_cs_outbox_state"),
    )
    op.bulk_insert(
        state, [{"name": "update_sequence", "value": 0}, {"name": "message_id", "value": 0}]
    )
    op.create_table(
        "cs_identity",
        sa.Column("resident_code", _key(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("box", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("resident_code", name="pk_cs_identity"),
    )


def downgrade() -> None:
    for table in (
        "cs_identity",
        "cs_outbox_state",
        "cs_outbox_streams",
        "cs_outbox",
        "documents",
        "chain_head",
        "code_pool",
        "sequences",
        "operators",
        "audit_subjects",
        "audit_log",
        "movement_residents",
        "movements",
        "residents",
        "households",
    ):
        op.drop_table(table)
