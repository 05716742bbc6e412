"""``gedsi-bot run``: migrate the database, then run the Telegram bot until stopped.

Long polling by default; a webhook (with Telegram's secret-token header checked) when
``GEDSI_WEBHOOK_URL`` is set. The Bot API server is ``GEDSI_TELEGRAM_API_URL``, so the same
command runs against Telegram, a self-hosted Bot API server or the sandbox.
"""

from __future__ import annotations

import logging
import re
import secrets
from urllib.parse import urlsplit

import typer
from telegram import Update

from gedsi_bot.bot.app import build_application
from gedsi_bot.bot.context import Context, GedsiApplication
from gedsi_bot.cli import common
from gedsi_bot.clock import Clock, RehearsalClock, clock_from_settings
from gedsi_bot.config import Settings
from gedsi_bot.errors import ConfigError
from gedsi_bot.store import Database, create_database_engine, upgrade

logger = logging.getLogger(__name__)

REHEARSAL_CHECK_SECONDS = 0.5
REHEARSAL_JOB = "gedsi-rehearsal-clock"
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def webhook_secret(config: Settings) -> str:
    """The secret Telegram must send with every update; a fresh one if none is configured."""
    if config.webhook_secret is None:
        logger.info("GEDSI_WEBHOOK_SECRET is not set; using a random secret for this run")
        return secrets.token_urlsafe(32)
    value = config.webhook_secret.get_secret_value()
    if not _SECRET_TOKEN.match(value):
        raise ConfigError("GEDSI_WEBHOOK_SECRET: 1–256 characters of A–Z, a–z, 0–9, _ and -")
    return value


def follow_rehearsal_clock(application: GedsiApplication, clock: Clock) -> None:
    """When a rehearsal moves the clock, act as if every timer had fired: deliver what is
    due now and run each periodic job (attendance and the like) once."""
    jobs = application.job_queue
    if not isinstance(clock, RehearsalClock) or jobs is None:
        return

    async def check(context: Context) -> None:
        if not clock.changed():
            return
        logger.info("rehearsal clock moved to %s", clock.now().isoformat(timespec="seconds"))
        context.bot_data.wake_delivery()
        for job in jobs.jobs():
            if job.name != REHEARSAL_JOB:
                await job.run(application)

    jobs.run_repeating(check, interval=REHEARSAL_CHECK_SECONDS, first=0, name=REHEARSAL_JOB)


def run() -> None:
    """Run the participants' Telegram bot (polling, or a webhook with GEDSI_WEBHOOK_URL)."""
    config = common.settings()
    config.require_telegram_token()
    plan = common.catalog(config)
    engine = create_database_engine(config.resolved_database_url, hide_parameters=True)
    upgrade(engine)
    clock = clock_from_settings(config)
    application = build_application(config, plan, database=Database(engine), clock=clock)
    follow_rehearsal_clock(application, clock)
    try:
        if config.webhook_url:
            application.run_webhook(
                listen=config.webhook_listen,
                port=config.webhook_port,
                url_path=urlsplit(config.webhook_url).path.lstrip("/"),
                webhook_url=config.webhook_url,
                secret_token=webhook_secret(config),
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    app.command("run")(run)
