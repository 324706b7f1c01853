"""Alembic environment: runs the migrations on the connection that :func:`posture.store.engine.migrate`
hands over (already inside a transaction that holds the database's write lock), so two processes
opening an old database at once upgrade it once."""

from __future__ import annotations

from alembic import context

from posture.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only for `alembic` on the command line
    from posture.store.engine import create_engine_for, resolve_url

    engine = create_engine_for(resolve_url(None))
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things in place: batch mode copies the table instead.
        render_as_batch=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
