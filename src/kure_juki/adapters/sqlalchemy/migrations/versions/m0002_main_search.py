"""main: search indexes (清音化かな, name, birth date) and import checkpoints.

Revision ID: m0002
Revises: m0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "m0002"
down_revision: str | Sequence[str] | None = "m0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_residents_family_seion_given_seion": ["family_seion", "given_seion"],
    "ix_residents_family_fold_given_fold": ["family_fold", "given_fold"],
    "ix_residents_given_seion": ["given_seion"],
    "ix_residents_given_fold": ["given_fold"],
    "ix_residents_birth_date": ["birth_date"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "residents", columns)
    op.create_table(
        "import_checkpoints",
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("last_line", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("bad_lines", sa.BigInteger(), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_import_checkpoints"),
    )


def downgrade() -> None:
    op.drop_table("import_checkpoints")
    for name in INDEXES:
        op.drop_index(name, "residents")
