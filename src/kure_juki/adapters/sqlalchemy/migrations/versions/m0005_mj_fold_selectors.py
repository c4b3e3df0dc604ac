"""main: search keys of names and addresses compare without variation selectors.

The comparison form (``kure_juki.domain.search.fold``) now drops variation selectors, so a name
registered as 葛󠄃 (U+845B U+E0103) is found by 葛. Rows written before keep a key with the
selector: recompute the keys of exactly those rows. Nothing else changes; a store without such
names upgrades without writing.

Revision ID: m0005
Revises: m0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "m0005"
down_revision: str | Sequence[str] | None = "m0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_BATCH = 1000


def _fold(text: str) -> str:
    # Frozen here as it stands at this revision: a later change of fold() gets its own revision.
    return "".join(_SELECTORS.sub("", unicodedata.normalize("NFKC", text)).split())


def upgrade() -> None:
    conn = op.get_bind()
    residents = sa.table(
        "residents",
        sa.column("resident_id", sa.String()),
        sa.column("family_name", sa.Text()),
        sa.column("given_name", sa.Text()),
        sa.column("address_text", sa.Text()),
        sa.column("family_fold", sa.String()),
        sa.column("given_fold", sa.String()),
        sa.column("address_fold", sa.Text()),
    )
    rows = conn.execute(
        sa.select(
            residents.c.resident_id,
            residents.c.family_name,
            residents.c.given_name,
            residents.c.address_text,
        )
    )
    changed = []
    for rid, family, given, address in rows:
        if _SELECTORS.search(f"{family}{given}{address}"):
            changed.append(
                {
                    "rid": rid,
                    "family_fold": _fold(family),
                    "given_fold": _fold(given),
                    "address_fold": _fold(address),
                }
            )
    statement = (
        residents.update()
        .where(residents.c.resident_id == sa.bindparam("rid"))
        .values(
            family_fold=sa.bindparam("family_fold"),
            given_fold=sa.bindparam("given_fold"),
            address_fold=sa.bindparam("address_fold"),
        )
    )
    for start in range(0, len(changed), _BATCH):
        conn.execute(statement, changed[start : start + _BATCH])


def downgrade() -> None:
    """Keys without selectors still find every name the old keys found: nothing to undo."""
