"""``gedsi-bot demo``: a whole episode of the series against the sandboxes, in a minute or two."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gedsi_bot.cli import common
from gedsi_bot.demo.episode import PEOPLE, DemoFiles, Episode
from gedsi_bot.demo.people import DemoError
from gedsi_bot.locale import Language, t


def demo(
    people: Annotated[
        int, typer.Option(min=8, max=200, help="How many simulated people take part.")
    ] = PEOPLE,
) -> None:
    """Play one episode (plan, publish, register, remind, attend, feedback, certificates,
    report) with the real bot against the Telegram and Zoom sandboxes; no credentials needed."""
    config = common.settings()
    try:
        files = Episode(config, people=people, say=typer.echo).run()
    except DemoError as error:
        typer.echo(t("demo.failed", config.language, reason=error), err=True)
        raise typer.Exit(1) from error
    show_files(files, config.language)


def show_files(files: DemoFiles, language: Language) -> None:
    typer.echo("")
    typer.echo(t("demo.files.heading", language))
    groups: list[tuple[str, list[Path]]] = [
        ("flyers", files.flyers),
        ("calendar", files.calendar),
        ("certificates", files.certificates),
        ("reports", files.reports),
    ]
    for key, paths in groups:
        folders = sorted({str(path.parent) for path in paths})
        typer.echo(f"  {t(f'demo.files.{key}', language)} ({len(paths)}): {', '.join(folders)}")
    if files.bot_log is not None:
        typer.echo(f"  {t('demo.files.log', language)}: {files.bot_log}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
