"""``gedsi-bot db …``: apply, undo and inspect database migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from gedsi_bot.cli import common
from gedsi_bot.locale import t
from gedsi_bot.store import create_database_engine
from gedsi_bot.store.engine import current_revision, downgrade, head_revision, upgrade

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Bring the database schema up to date (run automatically on start too)."""
    config = common.settings()
    engine = create_database_engine(config.resolved_database_url)
    try:
        upgrade(engine, revision)
        typer.echo(t("cli.db_upgraded", config.language, revision=current_revision(engine)))
    finally:
        engine.dispose()


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, or 'base'.")],
) -> None:
    """Undo migrations down to REVISION ('base' removes every table and its data)."""
    config = common.settings()
    engine = create_database_engine(config.resolved_database_url)
    try:
        downgrade(engine, revision)
        remaining = current_revision(engine)
        if remaining is None:
            typer.echo(t("cli.db_emptied", config.language))
        else:
            typer.echo(t("cli.db_downgraded", config.language, revision=remaining))
    finally:
        engine.dispose()


@db_app.command("current")
def db_current() -> None:
    """Show the database's migration revision and the newest one available."""
    config = common.settings()
    engine = create_database_engine(config.resolved_database_url)
    try:
        none = t("cli.db_none", config.language)
        typer.echo(
            t(
                "cli.db_current",
                config.language,
                revision=current_revision(engine) or none,
                head=head_revision() or none,
            )
        )
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
