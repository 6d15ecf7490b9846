"""Alembic migrations of the hosted database (`upwatch server migrate`)."""
