"""The scheduler's job that moves sessions to live and done as their times pass."""

from __future__ import annotations

import datetime as dt

from gedsi_bot.bot.common import run
from gedsi_bot.bot.context import Context, GedsiApplication
from gedsi_bot.delivery.leader import run_if_leader
from gedsi_bot.services.lifecycle import advance_sessions

JOB_NAME = "gedsi-session-lifecycle"
JOB_INTERVAL = dt.timedelta(minutes=1)


async def lifecycle_job(context: Context) -> None:
    await run(advance_sessions, context.bot_data.services)


def register(application: GedsiApplication) -> None:
    """Add the job (it runs on the elected scheduler only)."""
    if application.job_queue is not None:
        run_if_leader(
            application.job_queue,
            lifecycle_job,
            interval=JOB_INTERVAL.total_seconds(),
            first=0,
            name=JOB_NAME,
        )
