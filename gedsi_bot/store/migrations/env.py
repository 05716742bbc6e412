"""Alembic environment: run migrations on the connection we are given, or on the configured URL."""

from __future__ import annotations

from alembic import context

from gedsi_bot.store.tables import Base

target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # Called from the alembic command line: use the configured database.
    from gedsi_bot.config import load_settings  # noqa: PLC0415 - only for the alembic CLI
    from gedsi_bot.store.engine import create_database_engine  # noqa: PLC0415

    engine = create_database_engine(load_settings().resolved_database_url)
    with engine.begin() as own:
        _run(own)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
