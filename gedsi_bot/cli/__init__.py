"""The ``gedsi-bot`` command line.

Each command group lives in its own module and registers itself on ``app``; ``main`` turns
gedsi-bot's errors into Indonesian messages and exit codes (0 ok, 2 invalid input, 1 other).
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError

from gedsi_bot import __version__
from gedsi_bot.cli import (
    aftercare_cmd,
    catalog_cmd,
    db_cmd,
    deliver_cmd,
    demo_cmd,
    plan_cmd,
    render_cmd,
    report_cmd,
    run_cmd,
    sandbox_cmd,
    sessions_cmd,
    team_cmd,
    zoom_cmd,
)
from gedsi_bot.cli.common import database_unavailable, fail
from gedsi_bot.errors import GedsiError

app = typer.Typer(
    name="gedsi-bot",
    help="Runs the Caring Gedsi webinar series: plan, publish, register, remind, certify, report.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gedsi-bot {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """gedsi-bot: GEDSI webinar series for Indonesian local government offices."""


catalog_cmd.register(app)
db_cmd.register(app)
demo_cmd.register(app)
run_cmd.register(app)
sandbox_cmd.register(app)
sessions_cmd.register(app)
zoom_cmd.register(app)
render_cmd.register(app)
report_cmd.register(app)
plan_cmd.register(app)
deliver_cmd.register(app)
team_cmd.register(app)
aftercare_cmd.register(app)


def main() -> None:
    """Entry point of the console script."""
    try:
        app()  # standalone: usage errors exit 2, --help and --version exit 0
    except GedsiError as error:
        sys.exit(fail(error))
    except OperationalError as error:
        logging.getLogger(__name__).error("database unavailable: %s", error.orig)
        sys.exit(database_unavailable())
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception:
        logging.getLogger(__name__).exception("unexpected error")
        sys.exit(fail(None))
