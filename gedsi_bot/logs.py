"""Logging set-up, with secrets scrubbed from every record.

HTTP libraries log request URLs, and Telegram's URLs carry the bot token; Zoom's headers carry
bearer tokens. The filter below masks both wherever they appear, at every level. Personal
data is kept out of log calls by the code itself: log ids, never names.
"""

from __future__ import annotations

import logging
import re

_SECRETS = (
    re.compile(r"(bot)\d{3,}:[A-Za-z0-9_-]{20,}"),
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
    re.compile(r"(Basic\s+)[A-Za-z0-9+/=]{8,}", re.IGNORECASE),
    re.compile(r"(access_token[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
)
_MASK = r"\1***"


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


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr at ``level``; quieten chatty libraries; scrub secrets from everything."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ScrubSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic", "telegram.ext.Application"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
