"""Alembic environment: runs on the connection handed over by `server.db.upgrade`."""

from alembic import context

import models

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `dangjian db upgrade`")

context.configure(
    connection=connection,
    target_metadata=models.Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
