"""Storage: SQLAlchemy tables, the engine, migrations and repository functions."""

from __future__ import annotations

from gedsi_bot.store.engine import Database, create_database_engine, upgrade


def open_database(url: str, *, migrate: bool = True) -> Database:
    """Connect to ``url`` and, unless told otherwise, bring its schema up to date."""
    database = Database(create_database_engine(url))
    if migrate:
        upgrade(database.engine)
    return database


__all__ = ["Database", "create_database_engine", "open_database", "upgrade"]
