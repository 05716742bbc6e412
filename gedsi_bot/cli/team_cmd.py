"""``gedsi-bot session …``: the team's steps from the terminal, the same as in Telegram.

``approve``, ``invite``, ``publish``, ``reschedule``, ``cancel`` and ``participants`` call the
same services as the bot's ``/setujui``, ``/terbitkan``, ``/ubahjadwal``, ``/batalkan`` and
``/peserta``. What they queue is sent by the delivery worker of ``gedsi-bot run``. Exit codes:
0 done, 2 for a step that cannot be done as asked, 1 when Zoom cannot be reached (run the same
command again; nothing is sent twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, TypeVar

import typer
from telegram import Bot

from gedsi_bot.cli import common
from gedsi_bot.config import Settings
from gedsi_bot.errors import InvalidInput
from gedsi_bot.locale import t
from gedsi_bot.services import team as service
from gedsi_bot.services import team_texts as texts
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.zoom import ZoomClient, ZoomError, describe

T = TypeVar("T")
session_app = typer.Typer(help="The team's steps for one session.", no_args_is_help=True)
SessionNumber = Annotated[int, typer.Argument(min=1, help="The session's number (#).")]


def _context(config: Settings) -> ServiceContext:
    catalog = common.catalog(config)
    return ServiceContext.open(common.database(config), catalog)


def _channel_id(config: Settings) -> int | None:
    """The channel's chat id; a channel given by ``@name`` is looked up with the bot's token."""
    channel = config.telegram_channel
    if not channel or service.numeric_chat(channel) is not None:
        return None
    name = channel if channel.startswith("@") else f"@{channel}"
    token = config.require_telegram_token().get_secret_value()

    async def ask() -> int:
        root = config.telegram_api_url
        async with Bot(token, base_url=f"{root}/bot", base_file_url=f"{root}/file/bot") as bot:
            return (await bot.get_chat(name)).id

    return asyncio.run(ask())


@contextlib.contextmanager
def _opened(
    config: Settings, *, posts: bool = False
) -> Iterator[tuple[ServiceContext, service.TeamSetup]]:
    """The services and setup; ``posts`` when the step may post to the channel."""
    ctx = _context(config)
    try:
        with _told(config, ctx):
            channel_id = _channel_id(config) if posts else None
            setup = service.TeamSetup.from_settings(config, ctx, channel_id=channel_id)
            yield ctx, setup
    finally:
        ctx.database.dispose()


@contextlib.contextmanager
def _told(config: Settings, ctx: ServiceContext) -> Iterator[None]:
    """The team's problems in its language (exit 2); Zoom's refusals (exit 1)."""
    try:
        yield
    except ZoomError as error:
        common.echo_err(describe(error, config.language, zone=ctx.catalog.series.zone))
        common.echo_err(t("team.command.zoom_failed", config.language))
        raise typer.Exit(1) from None
    except InvalidInput as error:
        text = texts.problem_text(error, config.language)
        if text is None:
            raise
        common.echo_err(texts.plain(text))
        raise typer.Exit(2) from None


def _with_zoom(config: Settings, work: Callable[[ZoomClient | None], Awaitable[T]]) -> T:
    async def run() -> T:
        if not config.has_zoom_credentials:
            return await work(None)
        async with ZoomClient.from_settings(config) as client:
            return await work(client)

    return asyncio.run(run())


@session_app.command("approve")
def approve(number: SessionNumber) -> None:
    """Approve a draft and invite its speakers and moderator."""
    config = common.settings()
    with _opened(config) as (ctx, setup):
        result = service.approve_session(ctx, setup, number=number)
        typer.echo(texts.plain(texts.approve_text(result, ctx.catalog, config.language)))


@session_app.command("invite")
def invite(number: SessionNumber) -> None:
    """Print everyone's personal invitation link; invite again those linked who did not answer."""
    config = common.settings()
    with _opened(config) as (ctx, setup):
        infos = service.invite_people(ctx, setup, number=number)
        for info in infos:
            typer.echo(
                f"{info.person_id}\t{info.role.value}\t{info.response.value}\t"
                f"{'linked' if info.linked else info.link or '-'}"
            )


@session_app.command("publish")
def publish(number: SessionNumber) -> None:
    """Meeting, flyer, channel post, announcement and reminders (safe to run again)."""
    config = common.settings()
    with _opened(config, posts=True) as (ctx, setup):
        result = _with_zoom(
            config, lambda zoom: service.publish_session(ctx, zoom, setup, number=number)
        )
        typer.echo(texts.plain(texts.publish_text(result, config.language)))
        typer.echo(str(result.flyer))


def _new_time(day: str, clock: str, ctx: ServiceContext, config: Settings) -> dt.datetime:
    parsed = service.local_start(day, clock, ctx.catalog.series.zone)
    if parsed is None:
        common.echo_err(texts.plain(t("team.command.bad_when", config.language)))
        raise typer.Exit(2)
    return parsed


@session_app.command("reschedule")
def reschedule(
    number: SessionNumber,
    day: Annotated[str, typer.Argument(help="The new date, YYYY-MM-DD.")],
    clock: Annotated[str, typer.Argument(help="The new start, HH.MM (local time).")],
) -> None:
    """Move a session: registrants are told, reminders replaced, Zoom updated."""
    config = common.settings()
    with _opened(config, posts=True) as (ctx, setup):
        starts_at = _new_time(day, clock, ctx, config)
        result = _with_zoom(
            config,
            lambda zoom: service.reschedule_session(
                ctx, zoom, setup, number=number, starts_at=starts_at
            ),
        )
        typer.echo(texts.plain(texts.change_text(result, ctx.catalog, config.language)))


@session_app.command("cancel")
def cancel(
    number: SessionNumber,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask to confirm.")] = False,
) -> None:
    """Call a session off: registrants are told, its messages stopped, its meeting deleted."""
    config = common.settings()
    question = texts.plain(t("team.command.cancel_confirm", config.language, number=number))
    if not yes and not typer.confirm(question):
        typer.echo(t("team.command.cancel_kept", config.language))
        return
    with _opened(config) as (ctx, setup):
        result = _with_zoom(
            config, lambda zoom: service.cancel_session(ctx, zoom, setup, number=number)
        )
        typer.echo(texts.plain(texts.change_text(result, ctx.catalog, config.language)))


@session_app.command("participants")
def participants(number: SessionNumber) -> None:
    """Counts by status and everyone registered or waiting."""
    config = common.settings()
    with _opened(config) as (ctx, _):
        view = service.session_participants(ctx, number=number)
        typer.echo(texts.plain(texts.participants_text(view, config.language)))


def register(app: typer.Typer) -> None:
    app.add_typer(session_app, name="session")
