"""Logging set-up, with secrets and personal data kept out of every record.

HTTP libraries log request URLs, and Telegram's URLs carry the bot token; Zoom's headers carry
bearer tokens. ``ScrubSecrets`` masks both wherever they appear, at every level.

gedsi-bot's own code keeps personal data out of its log calls: it logs ids, never names. The
libraries do not: at DEBUG python-telegram-bot logs whole updates and the parameters of every
Bot API call (what people typed, their names), and the webhook logs request bodies.
``RedactLibraryValues`` therefore shows a library record's message with only plain values
filled in (numbers, and identifiers such as method names and URLs); anything else — an update,
a dict of parameters, free text — becomes ``<TypeName>``. The IT officer still sees what
happened and in which order, at any level, but never whom it concerned.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

_SECRETS = (
    re.compile(r"(bot)\d{3,}:[A-Za-z0-9_-]{20,}"),
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
    re.compile(r"(Basic\s+)[A-Za-z0-9+/=]{8,}", re.IGNORECASE),
    re.compile(r"(access_token[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
)
_MASK = r"\1***"

OWN_LOGGER = "gedsi_bot"
# A value a library may log as it is: an identifier, a method name, a URL without a query.
# No spaces and ASCII only, so free text and most names cannot pass.
_PLAIN = re.compile(r"[\w.:/@*+=,-]{0,300}", re.ASCII)
_MAX_IDS = 1000
NOISY_LOGGERS = ("httpx", "httpcore", "apscheduler", "alembic", "telegram.ext.Application")


def scrub(text: str) -> str:
    """``text`` with bot tokens and bearer/basic credentials masked."""
    for pattern in _SECRETS:
        text = pattern.sub(_MASK, text)
    return text


class ScrubSecrets(logging.Filter):
    """Masks secrets in the fully formatted message of every record that passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


def plain_value(value: object) -> object:
    """``value`` if it cannot hold personal data, else a placeholder naming its type."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if (
        isinstance(value, list | tuple)
        and len(value) <= _MAX_IDS
        and all(isinstance(item, int) for item in value)
    ):
        return value
    if isinstance(value, str) or type(value).__name__ == "URL":  # httpx.URL
        text = scrub(str(value)).split("?", 1)[0]
        if _PLAIN.fullmatch(text):
            return text
    return f"<{type(value).__name__}>"


class RedactLibraryValues(logging.Filter):
    """Fills a library record's message with plain values only (see the module docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == OWN_LOGGER or record.name.startswith(f"{OWN_LOGGER}."):
            return True
        if not isinstance(record.msg, str):
            record.msg, record.args = f"<{type(record.msg).__name__}>", None
        elif isinstance(record.args, tuple):
            record.args = tuple(plain_value(arg) for arg in record.args)
        elif record.args and "%(" in record.msg:  # one mapping, for %(name)s formats
            record.args = {key: plain_value(value) for key, value in record.args.items()}
        elif record.args:  # one mapping, logged whole
            record.args = (plain_value(record.args),)
        return True


def configure_logging(level: str = "INFO", *, stream: TextIO | None = None) -> None:
    """Log to ``stream`` (stderr) at ``level``; quieten chatty libraries; keep secrets and
    personal data out of everything that reaches the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactLibraryValues())
    handler.addFilter(ScrubSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
