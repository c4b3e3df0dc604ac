"""main: 在留カード等の番号 as an indexed column of residents (再転入者の照合, 標準4.1.1.2).

The number was only in the record's JSON; a 転入 now looks 除票 up by it. Existing rows are
filled from their JSON.

Revision ID: m0004
Revises: m0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "m0004"
down_revision: str | Sequence[str] | None = "m0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def _key() -> sa.types.TypeEngine[str]:
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")


def upgrade() -> None:
    op.add_column("residents", sa.Column("residence_card", _key(), nullable=True))
    conn = op.get_bind()
    residents = sa.table(
        "residents",
        sa.column("resident_id", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("extra", sa.Text()),
        sa.column("residence_card", sa.String()),
    )
    rows = conn.execute(
        sa.select(residents.c.resident_id, residents.c.extra).where(
            residents.c.kind == "foreign"
        )
    ).all()
    cards = []
    for resident_id, extra in rows:
        foreign = json.loads(extra).get("foreign") or {}
        card = foreign.get("residence_card_number") if isinstance(foreign, dict) else None
        if card:
            cards.append({"rid": resident_id, "card": card})
    update = (
        residents.update()
        .where(residents.c.resident_id == sa.bindparam("rid"))
        .values(residence_card=sa.bindparam("card"))
    )
    for start in range(0, len(cards), BATCH):
        conn.execute(update, cards[start : start + BATCH])
    op.create_index("ix_residents_residence_card", "residents", ["residence_card"])


def downgrade() -> None:
    op.drop_index("ix_residents_residence_card", "residents")
    op.drop_column("residents", "residence_card")
