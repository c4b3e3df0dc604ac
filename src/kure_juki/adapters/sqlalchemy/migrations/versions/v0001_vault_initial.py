"""vault: My Numbers and movement secrets, encrypted (特定個人情報ファイル).

Revision ID: v0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "v0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("vault",)
depends_on: str | Sequence[str] | None = None


def _key() -> sa.types.TypeEngine[str]:
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "my_numbers",
        sa.Column("ref", _key(), nullable=False),
        sa.Column("resident_id", _key(), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("box", sa.LargeBinary(), nullable=False),
        sa.Column("blind", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("ref", name="pk_my_numbers"),
    )
    op.create_index("ix_my_numbers_blind", "my_numbers", ["blind"])
    op.create_table(
        "movement_secrets",
        sa.Column("movement_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("box", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("movement_id", name="pk_movement_secrets"),
    )
    op.create_table(
        "document_secrets",
        sa.Column("kind", _key(), nullable=False),
        sa.Column("key", _key(), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("box", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name="pk_document_secrets"),
    )
    op.create_table(
        "vault_meta",
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_vault_meta"),
    )


def downgrade() -> None:
    op.drop_table("vault_meta")
    op.drop_table("document_secrets")
    op.drop_table("movement_secrets")
    op.drop_table("my_numbers")
