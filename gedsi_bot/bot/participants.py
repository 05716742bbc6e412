"""Participants' commands: /start, /jadwal, /batal, /dataku, /ubah, /hapusdata, /langganan,
/bantuan, and the registration form itself (``registration_form``)."""

from __future__ import annotations

import json
from html import escape

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from gedsi_bot.bot import keyboards as kb
from gedsi_bot.bot import texts
from gedsi_bot.bot.common import (
    acknowledge,
    command,
    language_of,
    run,
    send,
    services,
    show,
    today,
    user_id,
)
from gedsi_bot.bot.context import Context, GedsiApplication
from gedsi_bot.bot.registration_form import build_conversation, send_calendar
from gedsi_bot.domain.model import RegistrationStatus
from gedsi_bot.domain.registration import RegistrationClosed
from gedsi_bot.errors import NotFound
from gedsi_bot.locale import t
from gedsi_bot.services import registration as service
from gedsi_bot.services.notices import session_heading

PRIVATE = filters.ChatType.PRIVATE
# /start with no payload, or one no feature of gedsi-bot made (``cek_`` and ``tim_`` belong to
# the certificate and team handlers, ``daftar_`` to the registration form).
PLAIN_START = PRIVATE & filters.Regex(r"^/start(@\w+)?(\s+(?!(daftar|cek|tim)_)\S*)?\s*$")


def _session_id(update: Update) -> int | None:
    value = kb.value_of(update.callback_query.data if update.callback_query else None)
    return int(value) if value.isdigit() else None


async def start(update: Update, context: Context) -> None:
    """Welcome, and ask whether the person wants news of new sessions."""
    ctx = services(context)
    language = language_of(update)
    user = update.effective_user
    assert user is not None
    assert update.effective_chat is not None
    await run(
        service.open_participant,
        ctx,
        telegram_user_id=user.id,
        chat_id=update.effective_chat.id,
        language_code=user.language_code,
    )
    text = texts.welcome(ctx.catalog, user.first_name, language)
    await send(update, text, kb.subscribe(language))


async def on_subscribe(update: Update, context: Context) -> None:
    ctx = services(context)
    language = language_of(update)
    wanted = kb.value_of(update.callback_query.data if update.callback_query else None) == kb.YES
    user = update.effective_user
    assert user is not None
    assert update.effective_chat is not None
    await run(
        service.open_participant,
        ctx,
        telegram_user_id=user.id,
        chat_id=update.effective_chat.id,
        language_code=user.language_code,
        subscribe=wanted,
    )
    key = "bot.subscribed" if wanted else "bot.unsubscribed"
    await show(update, f"{t(key, language)}\n\n{t('bot.next_steps', language)}")


async def subscription(update: Update, context: Context) -> None:
    """``/langganan``: where the person stands, with the buttons to change it."""
    language = language_of(update)
    person = await run(service.find_participant, services(context), user_id(update))
    key = (
        "bot.subscription_status_on"
        if person and person.subscribed
        else "bot.subscription_status_off"
    )
    await send(update, t(key, language), kb.subscribe(language))


async def schedule(update: Update, context: Context) -> None:
    """``/jadwal``: the sessions open for registration, each with a "Daftar" button."""
    ctx = services(context)
    language = language_of(update)
    listings = await run(service.upcoming_sessions, ctx)
    if not listings:
        await send(update, t("bot.schedule.none", language))
        return
    mine = {
        view.session.id: view for view in await run(service.my_registrations, ctx, user_id(update))
    }
    text = texts.schedule(listings, mine, ctx.catalog, language)
    open_to_me = [listing.session for listing in listings if listing.session.id not in mine]
    markup = kb.register_buttons(open_to_me, language) if open_to_me else None
    await send(update, text, markup)


async def help_command(update: Update, context: Context) -> None:
    language = language_of(update)
    await send(update, texts.help_text(services(context).catalog, language))


# --- cancelling -------------------------------------------------------------------------------


async def cancel_command(update: Update, context: Context) -> None:
    """``/batal`` outside the form: choose which registration to give up."""
    language = language_of(update)
    views = await run(service.my_registrations, services(context), user_id(update))
    if not views:
        await send(update, t("bot.cancel.nothing", language))
        return
    sessions = [view.session for view in views]
    await send(update, t("bot.cancel.choose", language), kb.cancel_choices(sessions, language))


async def on_cancel_choice(update: Update, context: Context) -> None:
    language = language_of(update)
    session_id = _session_id(update)
    view = (
        await run(
            service.registration_for,
            services(context),
            telegram_user_id=user_id(update),
            session_id=session_id,
        )
        if session_id is not None
        else None
    )
    if view is None or view.status not in {
        RegistrationStatus.REGISTERED,
        RegistrationStatus.WAITLISTED,
    }:
        await show(update, t("bot.cancel.nothing", language))
        return
    heading = session_heading(services(context).catalog, view.session, language)
    text = f"{t('bot.cancel.confirm', language)}\n\n{heading}"
    await show(update, text, kb.cancel_confirm(view.session, language))


async def on_cancel_confirm(update: Update, context: Context) -> None:
    ctx = services(context)
    language = language_of(update)
    session_id = _session_id(update)
    if session_id is None:
        await show(update, t("bot.error.stale_button", language))
        return
    try:
        result = await run(
            service.cancel_registration,
            ctx,
            telegram_user_id=user_id(update),
            session_id=session_id,
        )
    except RegistrationClosed:
        await show(update, t("bot.cancel.started", language))
        return
    except NotFound:
        await show(update, t("bot.error.stale_button", language))
        return
    if not result.cancelled:
        await show(update, t("bot.cancel.nothing", language))
        return
    text = t(
        "bot.cancel.done",
        language,
        series=escape(ctx.catalog.series.name),
        number=result.session.number,
    )
    await show(update, text)


async def on_cancel_keep(update: Update, context: Context) -> None:  # noqa: ARG001
    await show(update, t("bot.cancel.kept", language_of(update)))


# --- my data ----------------------------------------------------------------------------------


async def my_data(update: Update, context: Context) -> None:
    """``/dataku``: everything held about the person."""
    ctx = services(context)
    language = language_of(update)
    data = await run(service.participant_data, ctx, user_id(update))
    if data is None:
        await send(update, t("bot.delete.nothing", language))
        return
    text = texts.my_data(data, ctx.catalog, ctx.areas, language, today=today(ctx))
    await send(update, text, kb.export(language))


async def on_export(update: Update, context: Context) -> None:
    """The person's data as a JSON file (the right of access, in a portable form)."""
    ctx = services(context)
    language = language_of(update)
    await acknowledge(update)
    data = await run(service.participant_data, ctx, user_id(update))
    if data is None:
        await send(update, t("bot.delete.nothing", language))
        return
    content = json.dumps(data.as_export(), ensure_ascii=False, indent=2).encode("utf-8")
    assert update.effective_chat is not None
    await update.effective_chat.send_document(
        InputFile(content, filename="data-saya.json"),
        caption=t("bot.mydata.export_caption", language),
    )


async def on_calendar(update: Update, context: Context) -> None:
    """The "📅 File kalender" button under a confirmation or a promotion notice."""
    language = language_of(update)
    session_id = _session_id(update)
    view = (
        await run(
            service.registration_for,
            services(context),
            telegram_user_id=user_id(update),
            session_id=session_id,
        )
        if session_id is not None
        else None
    )
    if view is None or view.status is not RegistrationStatus.REGISTERED:
        await acknowledge(update, t("bot.error.stale_button", language))
        return
    await acknowledge(update)
    await send_calendar(update, context, view)


# --- deleting ---------------------------------------------------------------------------------


async def ask_delete(update: Update, context: Context) -> None:  # noqa: ARG001
    """``/hapusdata``: explain what goes, and ask to confirm."""
    language = language_of(update)
    await send(update, t("bot.delete.confirm", language), kb.delete_confirm(language))


async def on_delete(update: Update, context: Context) -> None:
    ctx = services(context)
    language = language_of(update)
    if kb.value_of(update.callback_query.data if update.callback_query else None) != kb.YES:
        await show(update, t("bot.delete.kept", language))
        return
    uid = user_id(update)
    result = await run(service.delete_personal_data, ctx, telegram_user_id=uid)
    if context.user_data is not None:
        context.user_data.clear()
    context.application.drop_user_data(uid)
    if result is None:
        await show(update, t("bot.delete.nothing", language))
        return
    text = t(
        "bot.delete.done",
        language,
        cancelled=result.cancelled,
        series=escape(ctx.catalog.series.name),
    )
    await show(update, text)


# --- anything else ----------------------------------------------------------------------------


async def unknown(update: Update, context: Context) -> None:  # noqa: ARG001
    await send(update, t("bot.unknown", language_of(update)))


async def stale(update: Update, context: Context) -> None:  # noqa: ARG001
    await acknowledge(update, t("bot.error.stale_button", language_of(update)))


def register(application: GedsiApplication) -> None:
    """Add the participants' handlers to ``application``."""
    application.add_handler(build_conversation(on_delete_request=ask_delete))
    application.add_handlers(
        [
            command("start", start, where=PLAIN_START),
            command("jadwal", schedule, where=PRIVATE),
            command("batal", cancel_command, where=PRIVATE),
            command("dataku", my_data, where=PRIVATE),
            command("hapusdata", ask_delete, where=PRIVATE),
            command("langganan", subscription, where=PRIVATE),
            command("bantuan", help_command, where=PRIVATE),
            command("help", help_command, where=PRIVATE),
            CallbackQueryHandler(on_subscribe, pattern=kb.pattern(kb.SUBSCRIBE)),
            CallbackQueryHandler(on_cancel_choice, pattern=rf"^{kb.CANCEL}:\d+$"),
            CallbackQueryHandler(on_cancel_confirm, pattern=rf"^{kb.CANCEL_CONFIRM}:\d+$"),
            CallbackQueryHandler(on_cancel_keep, pattern=kb.pattern(kb.CANCEL_KEEP)),
            CallbackQueryHandler(on_export, pattern=kb.pattern(kb.EXPORT)),
            CallbackQueryHandler(on_calendar, pattern=rf"^{kb.CALENDAR}:\d+$"),
            CallbackQueryHandler(on_delete, pattern=kb.pattern(kb.DELETE)),
        ]
    )


def register_catch_all(application: GedsiApplication) -> None:
    """Answer what no handler took; added after every module, so it never shadows one."""
    application.add_handlers(
        [
            # An edit outside the form changes nothing the bot acted on: no answer needed.
            MessageHandler(
                PRIVATE & filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, unknown
            ),
            CallbackQueryHandler(stale),
        ]
    )
