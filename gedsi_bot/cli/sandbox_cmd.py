"""``gedsi-bot sandbox …``: local stand-ins for Telegram and Zoom to test, demo and rehearse."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from gedsi_bot.cli import common
from gedsi_bot.errors import GedsiError, InvalidInput
from gedsi_bot.locale import t
from gedsi_bot.sandbox.telegram.defaults import (
    DEFAULT_BOT_NAME,
    DEFAULT_BOT_USERNAME,
    DEFAULT_TOKEN,
)

if TYPE_CHECKING:
    from gedsi_bot.sandbox.zoom import ZoomSandbox

sandbox_app = typer.Typer(
    help="Local Telegram and Zoom servers for tests, demos and rehearsals.", no_args_is_help=True
)


@sandbox_app.command("telegram")
def sandbox_telegram(
    *,
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8081,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    token: Annotated[
        str | None,
        typer.Option(help="Bot token to accept (default: TELEGRAM_BOT_TOKEN, else a fixed one)."),
    ] = None,
    bot_username: Annotated[str, typer.Option(help="The bot's @username.")] = (
        DEFAULT_BOT_USERNAME
    ),
    bot_name: Annotated[str, typer.Option(help="The bot's display name.")] = DEFAULT_BOT_NAME,
    flood_scale: Annotated[
        float, typer.Option(help="Multiply Telegram's flood limits (10 for load tests).")
    ] = 1.0,
    no_flood_limits: Annotated[
        bool, typer.Option("--no-flood-limits", help="Let every message through.")
    ] = False,
) -> None:
    """Serve the Telegram Bot API on HTTP, with simulated users, until Ctrl-C or SIGTERM."""
    settings = common.settings()
    language = settings.language
    if flood_scale <= 0:
        raise InvalidInput(t("sandbox.telegram.bad_scale", language))
    from_settings = token is None and settings.telegram_bot_token is not None
    if token is None:
        secret = settings.telegram_bot_token
        token = secret.get_secret_value() if secret is not None else DEFAULT_TOKEN
    # Imported here: the server pulls in tornado and Pillow, which other commands do not need.
    from gedsi_bot.sandbox.telegram.flood import FloodLimits  # noqa: PLC0415
    from gedsi_bot.sandbox.telegram.state import SandboxConfig  # noqa: PLC0415

    flood = FloodLimits().scaled(flood_scale)
    if no_flood_limits:
        flood = dataclasses.replace(flood, enabled=False)
    config = SandboxConfig(
        token=token, bot_username=bot_username, bot_first_name=bot_name, flood=flood
    )

    def announce(url: str) -> None:
        shown = t("sandbox.telegram.token_from_settings", language) if from_settings else token
        typer.echo(t("sandbox.telegram.running", language, url=url))
        typer.echo(t("sandbox.telegram.bot", language, username=bot_username, token=shown))
        typer.echo(t("sandbox.telegram.connect", language, url=url))
        typer.echo(t("sandbox.telegram.simulation", language, url=url))
        if no_flood_limits:
            typer.echo(t("sandbox.telegram.flood_off", language))
        elif flood_scale != 1.0:
            typer.echo(t("sandbox.telegram.flood_scaled", language, factor=flood_scale))
        typer.echo(t("sandbox.telegram.stop_hint", language), nl=True)

    from gedsi_bot.sandbox.telegram.runner import serve_until_signalled  # noqa: PLC0415

    try:
        asyncio.run(serve_until_signalled(config, host=host, port=port, ready=announce))
    except OSError as error:
        raise GedsiError(
            t(
                "sandbox.telegram.port_in_use",
                language,
                host=host,
                port=port,
                reason=error.strerror,
            )
        ) from error
    typer.echo(t("sandbox.telegram.stopped", language))


# The sandbox's own defaults, repeated so that every other command starts without tornado.
_ACCOUNT_ID, _CLIENT_ID, _CLIENT_SECRET = "sandbox-account", "sandbox-client", "sandbox-secret"


@sandbox_app.command("zoom")
def sandbox_zoom(
    *,
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8082,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    account_id: Annotated[str, typer.Option(help="The account id it accepts.")] = _ACCOUNT_ID,
    client_id: Annotated[str, typer.Option(help="The client id it accepts.")] = _CLIENT_ID,
    client_secret: Annotated[
        str, typer.Option(help="The client secret it accepts.")
    ] = _CLIENT_SECRET,
    token_lifetime: Annotated[
        int, typer.Option(min=1, help="Seconds an access token lives (Zoom: 3600).")
    ] = 3600,
    daily_limit: Annotated[
        int, typer.Option(min=0, help="Meeting creates/updates per user per day (Zoom: 100).")
    ] = 100,
) -> None:
    """Run a Zoom API server on this machine until Ctrl-C (control API under /sandbox/)."""
    from gedsi_bot.sandbox.zoom import SandboxConfig, ZoomSandbox  # noqa: PLC0415 - tornado

    config = common.settings()
    sandbox = ZoomSandbox(
        SandboxConfig(
            account_id=account_id,
            client_id=client_id,
            client_secret=client_secret,
            token_lifetime=token_lifetime,
            daily_limit=daily_limit,
        ),
        host=host,
        port=port,
    )

    def announce() -> None:
        typer.echo(t("zoom.sandbox.running", config.language, url=sandbox.url))
        for name, value in (
            ("GEDSI_ZOOM_API_URL", sandbox.api_url),
            ("GEDSI_ZOOM_OAUTH_URL", sandbox.oauth_url),
            ("ZOOM_ACCOUNT_ID", account_id),
            ("ZOOM_CLIENT_ID", client_id),
            ("ZOOM_CLIENT_SECRET", client_secret),
        ):
            typer.echo(f"{name}={value}")
        sys.stdout.flush()

    try:
        asyncio.run(_serve_zoom_until_stopped(sandbox, announce))
    except OSError as error:
        common.echo_err(
            t(
                "zoom.sandbox.cannot_listen",
                config.language,
                host=host,
                port=port,
                reason=error.strerror or error,
            )
        )
        raise typer.Exit(1) from None
    typer.echo(t("zoom.sandbox.stopped", config.language))


async def _serve_zoom_until_stopped(sandbox: ZoomSandbox, announce: Callable[[], None]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
    await sandbox.serve(stop, ready=announce)


def register(app: typer.Typer) -> None:
    app.add_typer(sandbox_app, name="sandbox")
