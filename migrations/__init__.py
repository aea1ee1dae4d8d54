"""Alembic migrations; applied with `dangjian db upgrade`."""
