"""``gedsi-bot deliver``: a delivery worker without handlers; ``gedsi-bot outbox status``.

``deliver`` runs the same worker and alarm as ``gedsi-bot run``, in a process of its own: for
scale-out (several workers share one PostgreSQL, claiming rows with ``SKIP LOCKED``), for
bot processes started with ``GEDSI_DELIVERY_IN_BOT=false``, and for tests. ``--once`` sends
what is due and exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Iterator
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from telegram.ext import Application

from gedsi_bot.cli import common
from gedsi_bot.clock import clock_from_settings
from gedsi_bot.config import Settings
from gedsi_bot.delivery.leader import start_election, stop_election
from gedsi_bot.delivery.registry import load_registry
from gedsi_bot.delivery.service import Delivery, delivery_bot
from gedsi_bot.delivery.worker import DeliveryWorker, PassReport, WorkerOptions
from gedsi_bot.domain.outbox import OutboxStatus
from gedsi_bot.domain.series import Catalog
from gedsi_bot.locale import Language, format_when, t
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import Database
from gedsi_bot.store.outbox import next_due_at, recent_failures, status_counts
from gedsi_bot.zoom import ZoomClient

outbox_app = typer.Typer(help="The queue of messages to send (outbox).", no_args_is_help=True)

DONE = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.SKIPPED, OutboxStatus.CANCELLED)


def deliver(
    once: Annotated[bool, typer.Option("--once", help="Send what is due now, then exit.")] = False,
) -> None:
    """Send queued messages as they fall due, within Telegram's limits, until stopped."""
    config = common.settings()
    config.require_telegram_token()
    plan = common.catalog(config)
    database = common.database(config)
    try:
        asyncio.run(_deliver(config, plan, database, once=once))
    finally:
        database.dispose()


async def _deliver(config: Settings, plan: Catalog, database: Database, *, once: bool) -> None:
    clock = clock_from_settings(config)
    services = await asyncio.to_thread(ServiceContext.open, database, plan, clock=clock)
    zoom = ZoomClient.from_settings(config) if config.has_zoom_credentials else None
    try:
        if once:
            await _deliver_once(config, services, zoom)
        else:
            await _deliver_until_stopped(config, services, zoom)
    finally:
        if zoom is not None:
            await zoom.aclose()


async def _deliver_once(
    config: Settings, services: ServiceContext, zoom: ZoomClient | None
) -> None:
    load_registry()
    options = WorkerOptions.from_settings(config)
    async with delivery_bot(config) as bot:
        worker = DeliveryWorker(
            services=services, bot=bot, settings=config, zoom=zoom, options=options
        )
        report = PassReport()
        while True:
            done = await worker.deliver_due_messages()
            report.outcomes.update(done.outcomes)
            if done.handled == 0:
                break
    typer.echo(" ".join(f"{name}={count}" for name, count in sorted(report.outcomes.items())))


async def _deliver_until_stopped(
    config: Settings, services: ServiceContext, zoom: ZoomClient | None
) -> None:
    token = config.require_telegram_token().get_secret_value()
    root = config.telegram_api_url
    application = (
        Application.builder()
        .token(token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .updater(None)
        .build()
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with application:
        await application.start()
        assert application.job_queue is not None
        engine = services.database.engine
        leadership = await start_election(
            engine, application.job_queue, key=config.scheduler_lock_key
        )
        delivery = await Delivery.open(
            services=services, settings=config, job_queue=application.job_queue, zoom=zoom
        )
        worker_id = delivery.worker.worker_id
        common.echo_err(t("delivery.deliver.started", config.language, worker=worker_id))
        try:
            await stop.wait()
        finally:
            await delivery.stop()
            await stop_election(leadership)
            await application.stop()
    common.echo_err(t("delivery.deliver.stopped", config.language))


# --- outbox status -------------------------------------------------------------------------


def status(
    watch: Annotated[
        bool,
        typer.Option("--watch", help="Show a progress bar until nothing is waiting any more."),
    ] = False,
    kind: Annotated[str | None, typer.Option(help="Only messages of this kind.")] = None,
    session: Annotated[int | None, typer.Option(help="Only this session's id.")] = None,
) -> None:
    """Counts by kind and status, the next due time and the latest failures (ids only)."""
    config = common.settings()
    database = common.database(config)
    try:
        if watch:
            watch_progress(database, config.language, kind=kind, session_id=session)
        else:
            zone = common.catalog(config).series.zone
            typer.echo(status_text(database, config, zone=zone, kind=kind, session_id=session))
    finally:
        database.dispose()


def status_text(
    database: Database,
    config: Settings,
    *,
    zone: ZoneInfo,
    kind: str | None = None,
    session_id: int | None = None,
) -> str:
    """The table of counts, the next due time and the recent failures, as printed."""
    language = config.language
    lease = WorkerOptions.from_settings(config).lease
    with database.read() as db:
        counts = status_counts(db, kind=kind, session_id=session_id)
        due = next_due_at(db, lease=lease)
        failures = recent_failures(db)
    lines = [t("delivery.status.title", language), *count_table(counts, language), ""]
    if due is None:
        lines.append(t("delivery.status.nothing_due", language))
    else:
        when = format_when(due.astimezone(zone), language)
        lines.append(t("delivery.status.next_due", language, when=when))
    lines.append("")
    if not failures:
        lines.append(t("delivery.status.no_failures", language))
    else:
        lines.append(t("delivery.status.failures", language))
        lines.extend(
            f"  {row.id}  {row.kind}  {row.chat_id}  {row.attempts}  {row.last_error or '—'}"
            for row in failures
        )
    return "\n".join(lines)


def count_table(counts: dict[tuple[str, str], int], language: Language) -> list[str]:
    """Rows of kinds, columns of statuses, with totals; a line saying so if empty."""
    if not counts:
        return [t("delivery.status.empty", language)]
    statuses = [status.value for status in OutboxStatus]
    kinds = sorted({kind for kind, _ in counts})
    head = t("delivery.status.header", language)
    total = t("delivery.status.total", language)
    width = max(len(head), *(len(kind) for kind in kinds))
    columns = [*statuses, total]
    lines = [f"{head:<{width}}  " + "  ".join(f"{name:>9}" for name in columns)]
    for kind in kinds:
        row = [counts.get((kind, status), 0) for status in statuses]
        cells = "  ".join(f"{value:>9}" for value in [*row, sum(row)])
        lines.append(f"{kind:<{width}}  {cells}")
    return lines


def progress(database: Database, *, kind: str | None, session_id: int | None) -> dict[str, int]:
    """Rows by status, summed over kinds."""
    with database.read() as db:
        counts = status_counts(db, kind=kind, session_id=session_id)
    totals: dict[str, int] = {}
    for (_, status_name), count in counts.items():
        totals[status_name] = totals.get(status_name, 0) + count
    return totals


def watch_progress(
    database: Database,
    language: Language,
    *,
    kind: str | None,
    session_id: int | None,
    interval: float = 1.0,
) -> None:
    totals = progress(database, kind=kind, session_id=session_id)
    with _bar(sum(totals.values())) as bar:
        shown = 0
        while True:
            totals = progress(database, kind=kind, session_id=session_id)
            done = sum(totals.get(status, 0) for status in DONE)
            bar.length = sum(totals.values())
            bar.update(done - shown)
            shown = done
            waiting = totals.get(OutboxStatus.PENDING, 0) + totals.get(OutboxStatus.SENDING, 0)
            if waiting == 0:
                break
            time.sleep(interval)
    typer.echo(
        t(
            "delivery.status.finished",
            language,
            done=totals.get(OutboxStatus.SENT, 0),
            failed=totals.get(OutboxStatus.FAILED, 0),
            skipped=totals.get(OutboxStatus.SKIPPED, 0),
        )
    )


@contextlib.contextmanager
def _bar(length: int) -> Iterator[Any]:
    with typer.progressbar(length=length, label="outbox", show_pos=True) as bar:
        yield bar


def register(app: typer.Typer) -> None:
    app.command("deliver")(deliver)
    outbox_app.command("status")(status)
    app.add_typer(outbox_app, name="outbox")
