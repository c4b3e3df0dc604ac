"""main: no two living residents share a 住民票コード (partial unique index).

A store written before this revision may already hold duplicates (the simulated numbering
restarted its counter with every process). The upgrade never picks a winner or rewrites a
record: it refuses, with one KJ-STORE-801 problem per living resident concerned (the 宛名番号
in ``where``), and changes nothing. The municipality corrects those records (職権修正 of the
住民票コード, 住基法30条の3) on the old library and upgrades again; ``kure-juki db check``
counts the duplicates beforehand.

Revision ID: m0003
Revises: m0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kure_juki.domain.errors import RegistryError, problem

revision: str = "m0003"
down_revision: str | Sequence[str] | None = "m0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "uq_residents_living_code"

_SHARED = sa.text(
    "SELECT resident_id FROM residents WHERE living AND resident_code IN ("
    " SELECT resident_code FROM residents WHERE living"
    " GROUP BY resident_code HAVING COUNT(*) > 1)"
    " ORDER BY resident_id"
)


def upgrade() -> None:
    shared = op.get_bind().execute(_SHARED).scalars().all()
    if shared:
        raise RegistryError([problem("KJ-STORE-801", "resident_code", str(rid)) for rid in shared])
    op.create_index(
        INDEX,
        "residents",
        ["resident_code"],
        unique=True,
        sqlite_where=sa.text("living"),
        postgresql_where=sa.text("living"),
    )


def downgrade() -> None:
    op.drop_index(INDEX, "residents")
