"""The baseline for ``registration_burst.py``: the smallest bot that answers like a form does.

It answers every text with a message carrying one button, and every button with an edit of
that message (after stopping the button's spinner), processing up to 256 updates at once —
python-telegram-bot's ``concurrent_updates(True)``. No database, no
persistence, no rules: whatever gedsi-bot spends beyond this is the cost of being a real form.

    python benchmarks/echo_bot.py <api root URL> <token>
"""

from __future__ import annotations

import asyncio
import logging
import sys

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

NEXT = InlineKeyboardMarkup([[InlineKeyboardButton("lanjut", callback_data="next")]])


async def echo_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:  # noqa: ARG001
    assert update.effective_chat is not None
    text = update.message.text if update.message and update.message.text else "?"
    await update.effective_chat.send_message(f"echo: {text}", reply_markup=NEXT)


async def echo_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop the spinner and edit the message at once, as gedsi-bot does; a late answer to the
    press (Telegram forgets presses after about 15 s) must not lose the edit."""
    query = update.callback_query
    assert query is not None
    count = int(context.chat_data.get("presses", 0)) + 1 if context.chat_data is not None else 1
    if context.chat_data is not None:
        context.chat_data["presses"] = count
    edit = query.edit_message_text(f"echo: button {count}", reply_markup=NEXT)
    _, edited = await asyncio.gather(query.answer(), edit, return_exceptions=True)
    if isinstance(edited, BaseException):
        raise edited


async def log_error(_update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    logging.getLogger("echo_bot").warning("update failed: %r", context.error)


def main(root: str, token: str) -> None:
    application = (
        Application.builder()
        .token(token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .concurrent_updates(256)  # what concurrent_updates(True) means
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo_text))
    application.add_handler(CallbackQueryHandler(echo_button))
    application.add_error_handler(log_error)
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
