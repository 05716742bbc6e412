"""``gedsi-bot check``: validate a catalog file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gedsi_bot.catalog import load_catalog
from gedsi_bot.cli import common
from gedsi_bot.locale import t


def check(
    path: Annotated[
        Path | None,
        typer.Argument(help="Catalog file to check (default: GEDSI_CATALOG, ./themes.yaml)."),
    ] = None,
) -> None:
    """Validate a themes.yaml catalog; exit 2 and list every problem when it is invalid."""
    config = common.settings()
    target = path or config.catalog_path
    checked = load_catalog(target, language=config.language)
    speakers = sum(1 for person in checked.people if person.can_speak)
    moderators = sum(1 for person in checked.people if person.can_moderate)
    typer.echo(
        t(
            "cli.catalog_ok",
            config.language,
            path=target,
            themes=len(checked.themes),
            speakers=speakers,
            moderators=moderators,
        )
    )


def register(app: typer.Typer) -> None:
    app.command("check")(check)
