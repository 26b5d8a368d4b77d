"""Alembic's entry point: migrations always run on a connection the archive hands over."""

from __future__ import annotations

from alembic import context

from reader.archive.schema import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
