"""The team's side of the bot: admin commands, personal invitation links, invitation answers.

Admin commands (``/rencana``, ``/setujui``, ``/terbitkan``, ``/peserta``, ``/ubahjadwal``,
``/batalkan``) are refused politely for anyone not on the planning team (``admin_only``).
Speakers and moderators open their personal ``/start tim_<token>`` link once, then answer
invitations with the buttons under them.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, filters

from gedsi_bot.bot.common import (
    acknowledge,
    command,
    language_of,
    run,
    send,
    services,
    show,
    user_id,
)
from gedsi_bot.bot.context import Context, GedsiApplication
from gedsi_bot.bot.roles import admin_only
from gedsi_bot.domain.deeplinks import LinkKind, parse_payload
from gedsi_bot.domain.model import SessionStatus
from gedsi_bot.errors import InvalidInput, NotFound
from gedsi_bot.locale import t
from gedsi_bot.services import invitations as invites
from gedsi_bot.services import team as service
from gedsi_bot.services import team_texts as texts
from gedsi_bot.services.notices import session_heading
from gedsi_bot.services.team_messages import (
    INVITE_ACCEPT,
    INVITE_DECLINE,
    invitation_payload,
    person_name,
    role_name,
)
from gedsi_bot.store.sessions import list_sessions
from gedsi_bot.zoom.errors import ZoomError

PRIVATE = filters.ChatType.PRIVATE
INVITE_LINK = PRIVATE & filters.Regex(r"^/start(@\w+)?\s+tim_")
CANCEL_SESSION = "batalsesi"
CANCEL_SESSION_KEEP = "batalsesi_tidak"
TELEGRAM_TEXT_LIMIT = 4000  # a little under 4096, for the HTML a line may add
_PLANNED = (SessionStatus.DRAFT, SessionStatus.APPROVED, SessionStatus.PUBLISHED)


_CHANNEL_IDS: dict[str, int] = {}  # "@name" → chat id, asked of Telegram once per process


async def _setup(context: Context) -> service.TeamSetup:
    data = context.bot_data
    channel = data.settings.telegram_channel
    channel_id = None
    if channel and service.numeric_chat(channel) is None:
        name = channel if channel.startswith("@") else f"@{channel}"
        if name not in _CHANNEL_IDS:
            _CHANNEL_IDS[name] = (await context.bot.get_chat(name)).id
        channel_id = _CHANNEL_IDS[name]
    return service.TeamSetup.from_settings(
        data.settings, data.services, bot_username=data.bot_username, channel_id=channel_id
    )


def _number(context: Context) -> int | None:
    args = context.args or []
    return int(args[0]) if args and args[0].isdigit() else None


async def _usage(update: Update, command: str) -> None:
    await send(update, t("team.command.usage_number", language_of(update), command=command))


async def _told(update: Update, error: Exception, number: int | None) -> bool:
    """Say what the team can do about ``error``; ``False`` if it is not the team's to fix."""
    language = language_of(update)
    if isinstance(error, NotFound):
        await send(update, t("team.command.not_found", language, number=number or "?"))
        return True
    if isinstance(error, ZoomError):
        key = "team.command.zoom_down"
        await send(update, t(key, language, number=number or "?"))
        return True
    text = texts.problem_text(error, language)
    if text is None:
        return False
    await send(update, text)
    return True


async def _send_long(update: Update, text: str) -> None:
    """Send ``text`` in as few messages as Telegram's length limit allows, split at lines."""
    chunk: list[str] = []
    size = 0
    for line in text.split("\n"):
        if chunk and size + len(line) + 1 > TELEGRAM_TEXT_LIMIT:
            await send(update, "\n".join(chunk))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        await send(update, "\n".join(chunk))


# --- admin commands --------------------------------------------------------------------------


@admin_only
async def plan(update: Update, context: Context) -> None:
    """``/rencana``: the upcoming sessions in the plan, drafts to published."""
    ctx = services(context)

    def upcoming() -> list[Any]:
        with ctx.database.read() as db:
            return list_sessions(
                db, series_id=ctx.series_id, statuses=_PLANNED, starting_from=ctx.clock.now()
            )

    sessions = await run(upcoming)
    await _send_long(update, texts.plan_text(sessions, ctx.catalog, language_of(update)))


@admin_only
async def approve(update: Update, context: Context) -> None:
    """``/setujui <no>``."""
    number = _number(context)
    if number is None:
        await _usage(update, "setujui")
        return
    ctx = services(context)
    try:
        result = await run(service.approve_session, ctx, await _setup(context), number=number)
    except InvalidInput as error:
        if await _told(update, error, number):
            return
        raise
    context.bot_data.wake_delivery()
    await send(update, texts.approve_text(result, ctx.catalog, language_of(update)))


@admin_only
async def publish(update: Update, context: Context) -> None:
    """``/terbitkan <no>``: meeting, flyer, channel post, announcement, reminders."""
    number = _number(context)
    if number is None:
        await _usage(update, "terbitkan")
        return
    try:
        result = await service.publish_session(
            services(context), context.bot_data.zoom, await _setup(context), number=number
        )
    except (InvalidInput, ZoomError) as error:
        if await _told(update, error, number):
            return
        raise
    context.bot_data.wake_delivery()
    await send(update, texts.publish_text(result, language_of(update)))


@admin_only
async def participants(update: Update, context: Context) -> None:
    """``/peserta <no>``: counts and the list."""
    number = _number(context)
    if number is None:
        await _usage(update, "peserta")
        return
    ctx = services(context)
    try:
        view = await run(service.session_participants, ctx, number=number)
    except NotFound as error:
        await _told(update, error, number)
        return
    await _send_long(update, texts.participants_text(view, language_of(update)))


@admin_only
async def reschedule(update: Update, context: Context) -> None:
    """``/ubahjadwal <no> <YYYY-MM-DD> <HH.MM>``."""
    language = language_of(update)
    args = context.args or []
    if len(args) != 3 or not args[0].isdigit():
        await send(update, t("team.command.usage_reschedule", language))
        return
    ctx = services(context)
    starts_at = service.local_start(args[1], args[2], ctx.catalog.series.zone)
    if starts_at is None:
        await send(update, t("team.command.bad_when", language))
        return
    number = int(args[0])
    try:
        result = await service.reschedule_session(
            ctx, context.bot_data.zoom, await _setup(context), number=number, starts_at=starts_at
        )
    except ZoomError:
        context.bot_data.wake_delivery()  # the notices were queued before Zoom was asked
        await send(update, t("team.command.zoom_failed", language))
        return
    except InvalidInput as error:
        if await _told(update, error, number):
            return
        raise
    context.bot_data.wake_delivery()
    await send(update, texts.change_text(result, ctx.catalog, language))


@admin_only
async def ask_cancel(update: Update, context: Context) -> None:
    """``/batalkan <no>``: ask to confirm first."""
    number = _number(context)
    if number is None:
        await _usage(update, "batalkan")
        return
    language = language_of(update)
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("team.command.cancel_yes", language),
                    callback_data=f"{CANCEL_SESSION}:{number}",
                ),
                InlineKeyboardButton(
                    t("team.command.cancel_no", language), callback_data=CANCEL_SESSION_KEEP
                ),
            ]
        ]
    )
    await send(update, t("team.command.cancel_confirm", language, number=number), markup)


@admin_only
async def on_cancel(update: Update, context: Context) -> None:
    language = language_of(update)
    assert update.callback_query is not None
    number = int((update.callback_query.data or "").rsplit(":", 1)[1])
    ctx = services(context)
    try:
        result = await service.cancel_session(
            ctx, context.bot_data.zoom, await _setup(context), number=number
        )
    except ZoomError:
        context.bot_data.wake_delivery()
        await show(update, t("team.command.zoom_failed", language))
        return
    except InvalidInput as error:
        await acknowledge(update)
        if await _told(update, error, number):
            return
        raise
    context.bot_data.wake_delivery()
    await show(update, texts.change_text(result, ctx.catalog, language))


@admin_only
async def on_cancel_keep(update: Update, context: Context) -> None:  # noqa: ARG001
    await show(update, t("team.command.cancel_kept", language_of(update)))


# --- speakers and moderators ------------------------------------------------------------------


async def start_from_invite(update: Update, context: Context) -> None:
    """``/start tim_<token>``: link this account to the catalog person, once."""
    ctx = services(context)
    language = language_of(update)
    assert update.message is not None
    assert update.message.text is not None
    payload = update.message.text.split(maxsplit=1)[1]
    link = parse_payload(payload)
    if link is None or link.kind is not LinkKind.INVITE:
        await send(update, t("team.link.unknown", language))
        return
    assert update.effective_chat is not None
    outcome = await run(
        invites.link_person,
        ctx,
        token=link.code,
        telegram_user_id=user_id(update),
        chat_id=update.effective_chat.id,
    )
    if outcome.status in (invites.LinkStatus.UNKNOWN, invites.LinkStatus.TAKEN):
        await send(update, t(f"team.link.{outcome.status.value}", language))
        return
    name = person_name(ctx.catalog, outcome.person_id)
    key = "team.link.done" if outcome.status is invites.LinkStatus.LINKED else "team.link.again"
    await send(update, t(key, language, name=name, series=ctx.catalog.series.name))
    if not outcome.waiting:
        await send(update, t("team.link.no_invitations", language))
    for invitation in outcome.waiting:
        payload_json = invitation_payload(
            invitation.session, ctx.catalog, invitation.role, language
        )
        params = payload_json["params"]
        markup = InlineKeyboardMarkup.de_json(params["reply_markup"], context.bot)
        await send(update, params["text"], markup)


async def on_invitation(update: Update, context: Context) -> None:
    """✅ / ❌ under an invitation."""
    language = language_of(update)
    query = update.callback_query
    assert query is not None
    assert query.data is not None
    prefix, _, value = query.data.partition(":")
    ctx = services(context)
    outcome = await run(
        invites.answer_invitation,
        ctx,
        await _setup(context),
        telegram_user_id=user_id(update),
        session_id=int(value),
        accept=prefix == INVITE_ACCEPT,
    )
    context.bot_data.wake_delivery()
    if outcome.session is None or outcome.status is invites.AnswerStatus.CLOSED:
        await show(update, t("team.invite.closed", language))
        return
    heading = session_heading(ctx.catalog, outcome.session, language)
    if outcome.status is invites.AnswerStatus.ANSWERED:
        await show(update, f"{t('team.invite.answered', language)}\n\n{heading}")
        return
    assert outcome.role is not None
    role = role_name(outcome.role, language)
    key = (
        "team.invite.accepted"
        if outcome.status is invites.AnswerStatus.ACCEPTED
        else ("team.invite.declined")
    )
    await show(update, f"{t(key, language, role=role)}\n\n{heading}")


def register(application: GedsiApplication) -> None:
    """Add the team's handlers to ``application``."""
    application.add_handlers(
        [
            command("start", start_from_invite, where=INVITE_LINK),
            command("rencana", plan, where=PRIVATE),
            command("setujui", approve, where=PRIVATE),
            command("terbitkan", publish, where=PRIVATE),
            command("peserta", participants, where=PRIVATE),
            command("ubahjadwal", reschedule, where=PRIVATE),
            command("batalkan", ask_cancel, where=PRIVATE),
            CallbackQueryHandler(on_cancel, pattern=rf"^{CANCEL_SESSION}:\d+$"),
            CallbackQueryHandler(on_cancel_keep, pattern=rf"^{CANCEL_SESSION_KEEP}$"),
            CallbackQueryHandler(
                on_invitation, pattern=rf"^({INVITE_ACCEPT}|{INVITE_DECLINE}):\d+$"
            ),
        ]
    )
