"""Alembic environment of the kure_juki schema (shipped inside the package).

Run through :mod:`kure_juki.adapters.sqlalchemy.schema` (``kure-juki db upgrade URL``), which
hands over an open connection already inside the transaction the migration runs in and locked
against a concurrent migration; the ``alembic`` command line is not needed.
"""

from __future__ import annotations

from alembic import context

from kure_juki.adapters.sqlalchemy.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("run kure_juki migrations with kure-juki db upgrade URL")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
