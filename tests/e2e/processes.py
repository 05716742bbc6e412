"""What the tests that start real ``gedsi-bot`` processes share: a free port, the environment
a process runs with, and the registrations they leave behind."""

from __future__ import annotations

import os
import socket

from sqlalchemy import func, select

from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from gedsi_bot.store import Database
from gedsi_bot.store.tables import RegistrationRow
from tests.conftest import BUNDLED_CATALOG


def free_port() -> int:
    """A port nothing listens on now (the webhook server needs to know it in advance)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_environment(
    sandbox: TelegramSandbox, database_url: str, **settings: str
) -> dict[str, str]:
    """This process's environment without any gedsi-bot, Telegram or Zoom settings, then the
    sandbox, ``database_url``, the bundled catalog, warnings only and ``settings``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GEDSI_", "TELEGRAM_", "ZOOM_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=sandbox.token,
        GEDSI_TELEGRAM_API_URL=sandbox.url,
        GEDSI_DATABASE_URL=database_url,
        GEDSI_CATALOG=str(BUNDLED_CATALOG),
        GEDSI_LOG_LEVEL="WARNING",
    )
    env.update(settings)
    return env


def registration_counts(database: Database, session_id: int) -> dict[str, tuple[int, int]]:
    """status → (registrations, distinct people) of one session."""
    with database.read() as db:
        rows = db.execute(
            select(
                RegistrationRow.status,
                func.count(),
                func.count(func.distinct(RegistrationRow.participant_id)),
            )
            .where(RegistrationRow.session_id == session_id)
            .group_by(RegistrationRow.status)
        ).all()
    return {status: (count, distinct) for status, count, distinct in rows}
