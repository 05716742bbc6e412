"""The Telegram application: typed context, persistence, per-user ordering, handlers, errors.

``build_application`` is the bot's composition root, shared by ``gedsi-bot run``, the demo and
the tests. Handlers come in modules by audience; each module has ``register(application)`` and
is one line in ``HANDLER_MODULES``.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Sequence
from html import escape

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, NetworkError, TelegramError
from telegram.ext import Application, CallbackContext, ContextTypes, Defaults

from gedsi_bot.bot import aftercare, lifecycle, participants, team
from gedsi_bot.bot.common import acknowledge, language_of, run, send
from gedsi_bot.bot.context import BotData, Context, GedsiApplication
from gedsi_bot.bot.persistence import DEFAULT_UPDATE_INTERVAL, DatabasePersistence
from gedsi_bot.bot.ratelimit import RetryAfterLimiter
from gedsi_bot.bot.shared_state import SharedState
from gedsi_bot.bot.updates import DEFAULT_CONCURRENCY, PerChatUpdateProcessor
from gedsi_bot.clock import Clock, SystemClock
from gedsi_bot.config import Settings
from gedsi_bot.delivery.leader import Leadership, start_election, stop_election
from gedsi_bot.delivery.service import Delivery
from gedsi_bot.domain.series import Catalog
from gedsi_bot.errors import GedsiError
from gedsi_bot.locale import LANGUAGES, Language, t
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import Database, create_database_engine
from gedsi_bot.zoom import ZoomClient

logger = logging.getLogger(__name__)

HandlerModule = Callable[[GedsiApplication], None]

# One line per audience; the catch-all for what nobody took is added after all of them.
HANDLER_MODULES: tuple[HandlerModule, ...] = (
    participants.register,
    team.register,
    aftercare.register,
    lifecycle.register,
)

# The commands shown in Telegram's menu, in this order.
COMMANDS = (
    "jadwal",
    "batal",
    "umpanbalik",
    "sertifikat",
    "verifikasi",
    "dataku",
    "ubah",
    "hapusdata",
    "langganan",
    "bantuan",
    "start",
)
CONNECTION_POOL_SIZE = 16
POOL_TIMEOUT = 30.0  # seconds a request may wait for a free connection during a burst
ADMIN_NOTICE_INTERVAL = 60.0  # seconds: one notice per kind of error, however many occur


def bot_commands(language: Language) -> list[BotCommand]:
    return [BotCommand(name, t(f"bot.commands.{name}", language)) for name in COMMANDS]


def build_application(
    settings: Settings,
    catalog: Catalog,
    *,
    database: Database | None = None,
    clock: Clock | None = None,
    handler_modules: Sequence[HandlerModule] = HANDLER_MODULES,
    persistence_interval: float = DEFAULT_UPDATE_INTERVAL,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> GedsiApplication:
    """The bot for ``settings`` and ``catalog``, talking to ``GEDSI_TELEGRAM_API_URL``.

    Without ``database`` one is opened from the settings (already migrated) and closed on
    shutdown; a given database stays open for its owner. ``MissingCredentials`` without a token.
    """
    token = settings.require_telegram_token().get_secret_value()
    owns_database = database is None
    db = database or Database(
        create_database_engine(settings.resolved_database_url, hide_parameters=True)
    )
    root = settings.telegram_api_url
    delivery: Delivery | None = None
    leadership: Leadership | None = None

    async def post_init(application: GedsiApplication) -> None:
        nonlocal delivery, leadership
        ctx = await run(ServiceContext.open, db, catalog, clock=clock or SystemClock())
        zoom = ZoomClient.from_settings(settings) if settings.has_zoom_credentials else None
        application.bot_data.attach(
            services=ctx, settings=settings, bot_username=application.bot.username, zoom=zoom
        )
        processor = application.update_processor
        if db.engine.dialect.name == "postgresql" and isinstance(
            processor, PerChatUpdateProcessor
        ):
            # Other processes may share this database behind a load balancer.
            processor.share(
                SharedState(db.engine, application, lock_key=settings.scheduler_lock_key)
            )
        if application.job_queue is not None:
            leadership = await start_election(
                db.engine, application.job_queue, key=settings.scheduler_lock_key
            )
        if settings.delivery_in_bot and application.job_queue is not None:
            delivery = await Delivery.open(
                services=ctx, settings=settings, job_queue=application.job_queue, zoom=zoom
            )
            application.bot_data.wake_delivery = delivery.wake
        for language in LANGUAGES:
            code = None if language == "id" else language
            await application.bot.set_my_commands(bot_commands(language), language_code=code)
        logger.info("bot @%s ready for series %s", application.bot.username, catalog.series.id)

    async def post_shutdown(application: GedsiApplication) -> None:
        if delivery is not None:
            await delivery.stop()
        if leadership is not None:
            await stop_election(leadership)
        zoom = application.bot_data.zoom
        if zoom is not None:
            await zoom.aclose()
        if owns_database:
            db.dispose()

    context_types = ContextTypes(context=CallbackContext, bot_data=BotData)
    application: GedsiApplication = (
        Application.builder()
        .token(token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .context_types(context_types)
        .persistence(DatabasePersistence(db, update_interval=persistence_interval))
        .concurrent_updates(PerChatUpdateProcessor(concurrency))
        # httpcore scans every pooled connection on each request: a small pool of kept-alive
        # connections is faster than hundreds, and a burst waits its turn instead of failing.
        .connection_pool_size(CONNECTION_POOL_SIZE)
        .pool_timeout(POOL_TIMEOUT)
        .rate_limiter(RetryAfterLimiter())
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()  # type: ignore[assignment]
    )
    for add_handlers in handler_modules:
        add_handlers(application)
    participants.register_catch_all(application)
    application.add_error_handler(ErrorReporter())
    return application


def describe(error: BaseException | None) -> str:
    """The error's type, and its text only where that text is known to hold no personal data.

    Telegram's descriptions and gedsi-bot's own messages name ids, never people; any other
    exception's text might quote what someone typed, so only its type is logged.
    """
    if error is None:
        return "unknown error"
    kind = type(error).__name__
    if isinstance(error, TelegramError | GedsiError):
        return f"{kind}: {error}"
    return kind


def frames(error: BaseException | None) -> str:
    """Where the error happened (files, lines, functions), without any values."""
    if error is None or error.__traceback__ is None:
        return ""
    return "\n".join(
        f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}'
        for frame in traceback.extract_tb(error.__traceback__)
    )


class ErrorReporter:
    """The one error handler: log first (ids only), tell the admins, reassure the person."""

    def __init__(self, interval: float = ADMIN_NOTICE_INTERVAL) -> None:
        self.interval = interval
        self._last_notice: dict[str, float] = {}

    async def __call__(self, update: object, context: Context) -> None:
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        kind = type(error).__name__
        if update is None and isinstance(error, NetworkError):
            logger.warning("Telegram unreachable while polling: %s", kind)
            return
        logger.error("update %s failed: %s\n%s", update_id, describe(error), frames(error))
        await self._tell_admins(context, kind, update_id)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await acknowledge(update)
                await send(update, t("bot.error.unexpected", language_of(update)))
            except TelegramError as failure:
                logger.warning("could not tell update %s's chat: %s", update_id, failure)

    async def _tell_admins(self, context: Context, kind: str, update_id: int | None) -> None:
        now = time.monotonic()
        if now - self._last_notice.get(kind, -self.interval) < self.interval:
            return
        self._last_notice[kind] = now
        try:
            data = context.bot_data
            admins, language = data.admin_ids, data.office_language
        except RuntimeError:  # failed before post_init attached the settings
            return
        text = t("bot.admin.error", language, error=escape(kind), update_id=update_id or "—")
        for admin in sorted(admins):
            try:
                await context.bot.send_message(admin, text)
            except (Forbidden, TelegramError) as failure:
                logger.warning("could not tell admin %s of an error: %s", admin, failure)
