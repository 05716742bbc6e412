"""``gedsi-bot flyer …`` and ``gedsi-bot certificate sample``: flyers and certificates as files."""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from gedsi_bot.cli import common
from gedsi_bot.config import Settings
from gedsi_bot.errors import InvalidInput
from gedsi_bot.locale import t
from gedsi_bot.render.template import (
    FlyerFormat,
    load_certificate_template,
    load_flyer_templates,
)
from gedsi_bot.services.flyers import (
    SessionCancelled,
    session_flyer_contents,
    write_flyers,
    write_sample_certificate,
)

certificate_app = typer.Typer(help="E-certificates.", no_args_is_help=True)


class FormatChoice(StrEnum):
    POST = "post"
    SQUARE = "square"
    STORY = "story"
    A4 = "a4"
    ALL = "all"

    def formats(self) -> list[FlyerFormat]:
        if self is FormatChoice.ALL:
            return list(FlyerFormat)
        return [FlyerFormat(self.value)]


class _ImageProblems(logging.Handler):
    """Counts the renderer's warnings about unusable photos and logos during one command."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.count += 1


def _warn_without_username(config: Settings) -> None:
    if not config.bot_username:
        common.echo_err(t("render.cli.no_username", config.language))


def flyer(
    session: Annotated[
        int | None, typer.Argument(help="Session number (see: gedsi-bot sessions list).")
    ] = None,
    upcoming: Annotated[
        bool,
        typer.Option("--upcoming", help="Every upcoming approved or published session."),
    ] = False,
    output_format: Annotated[
        FormatChoice, typer.Option("--format", help="post, square, story, a4 or all.")
    ] = FormatChoice.ALL,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the files (default: GEDSI_DATA_DIR/flyers)."),
    ] = None,
) -> None:
    """Draw the flyers of a session, or of every upcoming session, as PNG files."""
    config = common.settings()
    if (session is None) == (not upcoming):
        key = "render.cli.both_given" if upcoming else "render.cli.need_session"
        raise InvalidInput(t(key, config.language))
    plan = common.catalog(config)
    templates = load_flyer_templates(config.resolved_flyers_dir, plan, language=config.language)
    db = common.database(config)
    try:
        contents = session_flyer_contents(
            db,
            plan,
            numbers=[session] if session is not None else [],
            upcoming_from=common.now() if upcoming else None,
            bot_username=config.bot_username,
            language=config.language,
        )
    except SessionCancelled as cancelled:
        raise InvalidInput(
            t("render.cli.cancelled", config.language, number=cancelled.number)
        ) from None
    finally:
        db.dispose()
    if not contents:
        typer.echo(t("render.cli.no_upcoming", config.language))
        return
    _warn_without_username(config)
    folder = out or config.data_dir / "flyers"
    formats = output_format.formats()
    problems = _ImageProblems()
    logging.getLogger("gedsi_bot.render").addHandler(problems)
    try:
        with Progress(
            TextColumn(t("render.cli.progress", config.language)),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
            disable=len(contents) * len(formats) < 2,
        ) as progress:
            task = progress.add_task("flyers", total=len(contents) * len(formats))
            written = write_flyers(
                contents,
                templates=templates,
                formats=formats,
                out_dir=folder,
                on_file=lambda _: progress.advance(task),
            )
    finally:
        logging.getLogger("gedsi_bot.render").removeHandler(problems)
    for path in written:
        typer.echo(str(path))
    if problems.count:
        common.echo_err(t("render.cli.image_fallback", config.language))
    typer.echo(t("render.cli.written", config.language, count=len(written), folder=folder))


@certificate_app.command("sample")
def certificate_sample(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the files (default: GEDSI_DATA_DIR/certificates)."),
    ] = None,
) -> None:
    """Draw a sample certificate (PNG and PDF), marked as a sample, to check the design."""
    config = common.settings()
    plan = common.catalog(config)
    template = load_certificate_template(
        config.resolved_flyers_dir, plan, language=config.language
    )
    folder = out or config.data_dir / "certificates"
    written = write_sample_certificate(
        plan,
        template=template,
        out_dir=folder,
        bot_username=config.bot_username,
        language=config.language,
        today=common.now().astimezone(plan.series.zone).date(),
    )
    for path in written:
        typer.echo(str(path))
    typer.echo(t("render.cli.written", config.language, count=len(written), folder=folder))


def register(app: typer.Typer) -> None:
    app.command("flyer")(flyer)
    app.add_typer(certificate_app, name="certificate")
