"""Small helpers every handler module uses: language, services, replies, off-loop calls."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Collection, Coroutine
from typing import Any, ParamSpec, TypeVar

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CommandHandler, filters

from gedsi_bot.bot.context import Context
from gedsi_bot.locale import Language, language_for
from gedsi_bot.services.context import ServiceContext

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# Commands are read from new messages only. PTB's CommandHandler also takes edited messages,
# and editing an old message into "/hapusdata" must not run it.
NEW_MESSAGE = filters.UpdateType.MESSAGE


def command(
    names: str | Collection[str],
    callback: Callable[[Update, Context], Coroutine[Any, Any, Any]],
    *,
    where: filters.BaseFilter | None = None,
) -> CommandHandler[Context, Any]:
    """A handler for ``/names`` sent as a new message, where ``where`` also holds."""
    return CommandHandler(names, callback, filters=NEW_MESSAGE & where if where else NEW_MESSAGE)


def language_of(update: Update) -> Language:
    """Indonesian, or English for people whose Telegram speaks English."""
    user = update.effective_user
    return language_for(user.language_code if user else None)


def services(context: Context) -> ServiceContext:
    return context.bot_data.services


def today(ctx: ServiceContext) -> dt.date:
    """Today's date where the series is held."""
    return ctx.clock.now().astimezone(ctx.catalog.series.zone).date()


def user_id(update: Update) -> int:
    assert update.effective_user is not None, "participant handlers only take updates from users"
    return update.effective_user.id


def chat_id(update: Update) -> int:
    assert update.effective_chat is not None, "participant handlers only take updates in chats"
    return update.effective_chat.id


async def run(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Call a (blocking) service function in a worker thread, off the event loop."""
    return await asyncio.to_thread(function, *args, **kwargs)


async def send(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """A new message in the update's chat."""
    assert update.effective_chat is not None
    return await update.effective_chat.send_message(text, reply_markup=markup)


async def show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer a button by editing its message; answer anything else with a new message.

    Editing keeps a form to one message per step, which spares people's screens and the
    per-chat flood limit.
    """
    query = update.callback_query
    if query is None or not isinstance(query.message, Message) or query.message.text is None:
        # Not a press, or a press on a file or photo, whose caption cannot become the answer.
        await acknowledge(update)
        await send(update, text, markup)
        return
    # The spinner stops and the message changes in one round trip rather than two.
    edited = query.message.edit_text(text, reply_markup=markup)
    _, outcome = await asyncio.gather(acknowledge(update), edited, return_exceptions=True)
    if isinstance(outcome, BaseException) and not _unchanged(outcome):
        raise outcome


def _unchanged(error: BaseException) -> bool:
    """Telegram refuses an edit that changes nothing; the message already shows the text."""
    return isinstance(error, BadRequest) and "not modified" in error.message


async def acknowledge(update: Update, text: str | None = None) -> None:
    """Stop a pressed button's spinner (with a short notice when ``text`` is given).

    Telegram forgets a press it was not answered within about 15 seconds; the answer only stops
    a spinner, so a late one is dropped rather than failing the reply itself.
    """
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer(text)
    except BadRequest as error:
        logger.info("button press of update %s not acknowledged: %s", update.update_id, error)
