"""What every command shares: settings, the catalog, the database, and how errors are shown."""

from __future__ import annotations

import datetime as dt
import sys

import typer
from pydantic import ValidationError

from gedsi_bot.catalog import load_catalog
from gedsi_bot.config import Settings, load_settings
from gedsi_bot.domain.series import Catalog
from gedsi_bot.errors import CatalogError, GedsiError, MissingCredentials, NotFound
from gedsi_bot.locale import DEFAULT_LANGUAGE, Language, t
from gedsi_bot.logs import configure_logging
from gedsi_bot.store import Database, open_database
from gedsi_bot.store.sessions import ensure_series


def settings() -> Settings:
    """The settings for this command, with logging configured from them."""
    loaded = load_settings()
    configure_logging(loaded.log_level)
    return loaded


def catalog(config: Settings) -> Catalog:
    return load_catalog(config.catalog_path, language=config.language)


def database(config: Settings) -> Database:
    """The database with its schema brought up to date."""
    return open_database(config.resolved_database_url)


def series_id(db: Database, plan: Catalog) -> int:
    with db.write() as session:
        return ensure_series(session, slug=plan.series.id, name=plan.series.name)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def echo_err(text: str) -> None:
    typer.echo(text, err=True)


def language() -> Language:
    """The office's language from the settings; Indonesian if the settings cannot be read."""
    try:
        return load_settings().language
    except ValidationError:
        return DEFAULT_LANGUAGE


def fail(error: GedsiError | None) -> int:
    """Tell the office what went wrong, in its language; return the exit code."""
    lang = language()
    if isinstance(error, CatalogError):
        for issue in error.issues:
            echo_err(str(issue))
        echo_err(t(error.summary_key, lang, count=len(error.issues)))
    elif isinstance(error, MissingCredentials):
        variables = ", ".join(error.variables)
        echo_err(t("cli.missing_credentials", lang, service=error.service, variables=variables))
    elif isinstance(error, NotFound):
        echo_err(t("cli.not_found", lang, what=str(error)))
    elif error is not None:
        echo_err(t("cli.error", lang, message=str(error)))
    else:
        echo_err(t("cli.unexpected", lang))
        return 1
    sys.stderr.flush()
    return error.exit_code


def database_unavailable() -> int:
    echo_err(t("cli.database_unavailable", language()))
    return 1
