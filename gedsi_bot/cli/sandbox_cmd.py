"""``gedsi-bot sandbox …``: local stand-ins for Telegram and Zoom to test, demo and rehearse."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from gedsi_bot.cli import common
from gedsi_bot.errors import GedsiError, InvalidInput
from gedsi_bot.locale import Language, t
from gedsi_bot.sandbox.telegram.defaults import (
    DEFAULT_BOT_NAME,
    DEFAULT_BOT_USERNAME,
    DEFAULT_TOKEN,
)

if TYPE_CHECKING:
    from gedsi_bot.sandbox.telegram.client import ReceivedMessage, SandboxClient
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


# --- playing participants in a running Telegram sandbox, for rehearsals ----------------------

user_app = typer.Typer(
    help="Play participants in a running Telegram sandbox: create, write, press buttons, read.",
    no_args_is_help=True,
)
sandbox_app.add_typer(user_app, name="user")

DEFAULT_SANDBOX_URL = "http://127.0.0.1:8081"
UrlOption = Annotated[
    str,
    typer.Option("--url", help="Address of the Telegram sandbox (gedsi-bot sandbox telegram)."),
]
WaitOption = Annotated[
    float, typer.Option("--wait", help="Seconds to wait for the bot's answer.", min=0)
]
UserId = Annotated[int, typer.Argument(help="The participant's Telegram id (see: user list).")]
_GRACE = 0.5  # after the first answer, how long further messages of the same answer may take


def _simulation(url: str) -> SandboxClient:
    from gedsi_bot.sandbox.telegram.client import SandboxClient  # noqa: PLC0415

    return SandboxClient(url)


def _act(url: str, action: Callable[[SandboxClient, Language], None]) -> None:
    """Run ``action`` against the sandbox, turning its refusals into the office's words."""
    import httpx  # noqa: PLC0415

    from gedsi_bot.sandbox.telegram.client import SandboxError  # noqa: PLC0415

    language = common.settings().language
    try:
        with _simulation(url) as simulation:
            action(simulation, language)
    except httpx.TransportError as error:
        raise GedsiError(t("sandbox.user.unreachable", language, url=url)) from error
    except SandboxError as error:
        raise InvalidInput(t("sandbox.user.refused", language, message=error.message)) from error


def _last_event(simulation: SandboxClient, chat_id: int) -> int:
    events = simulation.events(chat_id)
    return events[-1].seq if events else 0


def _show_answer(
    simulation: SandboxClient, chat_id: int, after: int, wait: float, language: Language
) -> None:
    """Print what the bot did in the chat after event ``after``, waiting up to ``wait`` s."""
    from gedsi_bot.sandbox.telegram.client import SandboxTimeout  # noqa: PLC0415

    try:
        simulation.wait_for_events(chat_id, 1, after=after, timeout=wait)
    except SandboxTimeout:
        typer.echo(t("sandbox.user.no_reply", language, seconds=f"{wait:g}"))
        return
    time.sleep(_GRACE)
    for event in simulation.events(chat_id, after=after):
        key = "sent_message" if event.action == "sent" else event.action
        typer.echo(t(f"sandbox.user.{key}", language, id=event.message_id))
        if event.action != "deleted":
            for line in _describe(event.message, language):
                typer.echo(f"  {line}")


def _describe(message: ReceivedMessage, language: Language) -> list[str]:
    lines = []
    if message.kind in ("photo", "sticker", "voice", "contact"):
        lines.append(t(f"sandbox.user.media.{message.kind}", language))
    elif message.kind == "document":
        name = (message.document or {}).get("file_name", "")
        lines.append(t("sandbox.user.media.document", language, name=name))
    lines.extend(message.text.splitlines() or ([] if lines else [""]))
    if message.buttons:
        labels = "  ".join(f"[{button.text}]" for row in message.buttons for button in row)
        lines.append(t("sandbox.user.buttons", language, buttons=labels))
    if message.reply_keyboard:
        rows = message.reply_keyboard.get("keyboard", [])
        labels = "  ".join(f"[{button['text']}]" for row in rows for button in row)
        lines.append(t("sandbox.user.keyboard", language, buttons=labels))
    return lines


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="First name as Telegram shows it.")],
    *,
    last_name: Annotated[str | None, typer.Option(help="Last name.")] = None,
    username: Annotated[str | None, typer.Option(help="Telegram @username, without @.")] = None,
    language: Annotated[str, typer.Option(help="The app's language: id or en.")] = "id",
    url: UrlOption = DEFAULT_SANDBOX_URL,
) -> None:
    """Create a participant (who has not started the bot yet)."""

    def add(simulation: SandboxClient, shown: Language) -> None:
        user = simulation.create_user(
            name, last_name=last_name, username=username, language_code=language
        )
        typer.echo(t("sandbox.user.created", shown, name=name, id=user.id))

    _act(url, add)


@user_app.command("list")
def user_list(*, url: UrlOption = DEFAULT_SANDBOX_URL) -> None:
    """The participants of the sandbox."""

    def show(simulation: SandboxClient, shown: Language) -> None:
        users = simulation.users()
        if not users:
            typer.echo(t("sandbox.user.none", shown))
        for user in users:
            chat = simulation.chat(user.id)
            state = t("sandbox.user.blocked_mark", shown) if chat["blocked"] else ""
            handle = f" @{user.username}" if user.username else ""
            full = " ".join(part for part in (user.first_name, user.last_name) if part)
            typer.echo(f"{user.id}  {full}{handle}{state}")

    _act(url, show)


@user_app.command("start")
def user_start(
    user_id: UserId,
    payload: Annotated[
        str | None, typer.Argument(help="The code after ?start= in a t.me link or QR code.")
    ] = None,
    *,
    wait: WaitOption = 3.0,
    url: UrlOption = DEFAULT_SANDBOX_URL,
) -> None:
    """The participant presses START (from a flyer's QR code when PAYLOAD is given)."""

    def start(simulation: SandboxClient, shown: Language) -> None:
        after = _last_event(simulation, user_id)
        sent = simulation.start(user_id, payload)
        typer.echo(t("sandbox.user.sent", shown, text=sent["text"]))
        _show_answer(simulation, user_id, after, wait, shown)

    _act(url, start)


@user_app.command("say")
def user_say(
    user_id: UserId,
    text: Annotated[str, typer.Argument(help="What the participant writes.")],
    *,
    wait: WaitOption = 3.0,
    url: UrlOption = DEFAULT_SANDBOX_URL,
) -> None:
    """The participant writes to the bot; the bot's answer is shown."""

    def say(simulation: SandboxClient, shown: Language) -> None:
        after = _last_event(simulation, user_id)
        simulation.send_text(user_id, text)
        typer.echo(t("sandbox.user.sent", shown, text=text))
        _show_answer(simulation, user_id, after, wait, shown)

    _act(url, say)


@user_app.command("press")
def user_press(
    user_id: UserId,
    button: Annotated[str, typer.Argument(help="The label of the button, as shown.")],
    *,
    message: Annotated[
        int | None, typer.Option(help="The message's number (default: the latest with it).")
    ] = None,
    wait: WaitOption = 3.0,
    url: UrlOption = DEFAULT_SANDBOX_URL,
) -> None:
    """The participant taps an inline button under one of the bot's messages."""

    def press(simulation: SandboxClient, shown: Language) -> None:
        target = message
        if target is None:
            with_button = [
                received
                for received in simulation.messages(user_id)
                if not received.deleted and button in received.button_texts
            ]
            if not with_button:
                raise InvalidInput(t("sandbox.user.no_button", shown, button=button))
            target = with_button[-1].message_id
        after = _last_event(simulation, user_id)
        pressed = simulation.press_button(user_id, target, text=button)
        typer.echo(t("sandbox.user.pressed", shown, button=button, id=target))
        if pressed.opened_url:
            typer.echo(t("sandbox.user.opened", shown, url=pressed.opened_url))
            return
        _show_answer(simulation, user_id, after, wait, shown)
        answer = simulation.callback_answer(pressed.callback_query_id or "")
        if answer.text:
            typer.echo(t("sandbox.user.toast", shown, text=answer.text))

    _act(url, press)


@user_app.command("inbox")
def user_inbox(
    user_id: UserId,
    *,
    last: Annotated[int, typer.Option(help="How many of the latest messages.", min=1)] = 10,
    url: UrlOption = DEFAULT_SANDBOX_URL,
) -> None:
    """What the participant received from the bot, as it looks now."""

    def inbox(simulation: SandboxClient, shown: Language) -> None:
        received = [m for m in simulation.messages(user_id) if not m.deleted][-last:]
        if not received:
            typer.echo(t("sandbox.user.inbox_empty", shown))
        for item in received:
            key = "sandbox.user.edited_message" if item.edited else "sandbox.user.message"
            typer.echo(t(key, shown, id=item.message_id))
            for line in _describe(item, shown):
                typer.echo(f"  {line}")

    _act(url, inbox)


@user_app.command("block")
def user_block(user_id: UserId, *, url: UrlOption = DEFAULT_SANDBOX_URL) -> None:
    """The participant blocks the bot (the bot's messages to them then fail with 403)."""

    def block(simulation: SandboxClient, shown: Language) -> None:
        simulation.block(user_id)
        typer.echo(t("sandbox.user.blocked", shown, id=user_id))

    _act(url, block)


@user_app.command("unblock")
def user_unblock(user_id: UserId, *, url: UrlOption = DEFAULT_SANDBOX_URL) -> None:
    """The participant unblocks the bot."""

    def unblock(simulation: SandboxClient, shown: Language) -> None:
        simulation.unblock(user_id)
        typer.echo(t("sandbox.user.unblocked", shown, id=user_id))

    _act(url, unblock)


def register(app: typer.Typer) -> None:
    app.add_typer(sandbox_app, name="sandbox")
