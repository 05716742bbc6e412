"""Attendance in the chat: the admins' /hadir list, "Saya hadir", and the periodic Zoom import.

The periodic job reads Zoom's report of every session that ended a few minutes ago, tells the
admins what it found (or that a session needs marking by hand), then issues and sends the
certificates that became due, and removes the files of revoked certificates.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from gedsi_bot.bot import keyboards as kb
from gedsi_bot.bot.certificates import (
    issue_and_queue,
    renderer,
    theme_title,
)
from gedsi_bot.bot.common import acknowledge, language_of, run, send, services, show, user_id
from gedsi_bot.bot.context import BotData, Context
from gedsi_bot.bot.roles import admin_ids, admin_only
from gedsi_bot.domain.attendance import ImportOutcome
from gedsi_bot.domain.model import RegistrationStatus
from gedsi_bot.errors import NotFound
from gedsi_bot.locale import Language, t
from gedsi_bot.services import attendance as service
from gedsi_bot.services.attendance import AttendanceRun, AttendanceSheet
from gedsi_bot.services.certificates import RECENT_SESSIONS, sweep_revoked_files

logger = logging.getLogger(__name__)

TOGGLE = "hdr"  # hdr:<session number>:<registration id>:<page>
PAGE = "hdp"  # hdp:<session number>:<page>
PAGE_SIZE = 10
JOB_NAME = "attendance"
JOB_INTERVAL = dt.timedelta(minutes=5)
JOB_FIRST = dt.timedelta(seconds=30)


# --- the admins' list --------------------------------------------------------------------------


def _mark(status: RegistrationStatus) -> str:
    return "✅" if status is RegistrationStatus.ATTENDED else "⬜"


def sheet_message(
    sheet: AttendanceSheet, page: int, title: str, language: Language
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the list: a line and a toggle button per registration, and page buttons."""
    number = sheet.session.number
    if not sheet.lines:
        return t("aftercare.attendance.admin.empty", language, number=number), None
    pages = max(1, math.ceil(len(sheet.lines) / PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = sheet.lines[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    source = {
        ImportOutcome.ZOOM: "source_zoom",
        ImportOutcome.FOR_ADMIN: "source_admin",
        None: "source_none",
    }[sheet.imported]
    nameless = t("aftercare.attendance.admin.nameless", language)
    lines = [
        t(
            "aftercare.attendance.admin.heading",
            language,
            number=number,
            theme=escape(title),
            attended=sheet.attended,
            total=len(sheet.lines),
            source=t(f"aftercare.attendance.admin.{source}", language),
        ),
        t("aftercare.attendance.admin.hint", language),
        "",
    ]
    buttons = []
    for line in shown:
        minutes = (
            t("aftercare.attendance.admin.minutes", language, minutes=line.minutes)
            if line.minutes is not None
            else ""
        )
        name = line.name or nameless
        lines.append(
            t(
                "aftercare.attendance.admin.line",
                language,
                mark=_mark(line.status),
                id=line.registration_id,
                name=escape(name),
                minutes=minutes,
            )
        )
        label = f"{_mark(line.status)} {line.registration_id} · {name}"[:60]
        buttons.append(
            [
                InlineKeyboardButton(
                    label,
                    callback_data=kb.data(TOGGLE, f"{number}:{line.registration_id}:{page}"),
                )
            ]
        )
    if pages > 1:
        lines += ["", t("aftercare.attendance.admin.page", language, page=page + 1, pages=pages)]
        nav = []
        if page > 0:
            text = t("aftercare.attendance.admin.previous", language)
            nav.append(
                InlineKeyboardButton(text, callback_data=kb.data(PAGE, f"{number}:{page - 1}"))
            )
        if page < pages - 1:
            text = t("aftercare.attendance.admin.next", language)
            nav.append(
                InlineKeyboardButton(text, callback_data=kb.data(PAGE, f"{number}:{page + 1}"))
            )
        buttons.append(nav)
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


async def _show_sheet(update: Update, context: Context, number: int, page: int) -> None:
    ctx = services(context)
    language = language_of(update)
    try:
        sheet = await run(service.attendance_sheet, ctx, number=number)
    except NotFound:
        await show(update, t("aftercare.attendance.admin.no_session", language, number=number))
        return
    except service.NotHeldYet:
        await show(update, t("aftercare.attendance.admin.not_held", language, number=number))
        return
    title = theme_title(ctx.catalog, sheet.session.theme_id)
    text, markup = sheet_message(sheet, page, title, language)
    await show(update, text, markup)


@admin_only
async def attendance_command(update: Update, context: Context) -> None:
    """``/hadir <no>`` (the list) or ``/hadir <no> <registration ids…>`` (mark them attended)."""
    language = language_of(update)
    args = [arg.strip(",#") for arg in context.args or []]
    if not args or not all(arg.isdigit() for arg in args):
        await send(update, t("aftercare.attendance.admin.usage", language))
        return
    number = int(args[0])
    if len(args) == 1:
        await _show_sheet(update, context, number, 0)
        return
    ctx = services(context)
    try:
        result = await run(
            service.mark_attendance,
            ctx,
            number=number,
            registration_ids=[int(arg) for arg in args[1:]],
        )
    except NotFound:
        await send(update, t("aftercare.attendance.admin.no_session", language, number=number))
        return
    except service.NotHeldYet:
        await send(update, t("aftercare.attendance.admin.not_held", language, number=number))
        return
    text = t(
        "aftercare.attendance.admin.marked", language, number=number, count=len(result.changed)
    )
    if result.unknown:
        ids = ", ".join(str(rid) for rid in result.unknown)
        text += "\n" + t(
            "aftercare.attendance.admin.unknown_ids", language, number=number, ids=ids
        )
    await send(update, text)
    if result.changed:
        await issue_and_queue(context.bot_data, registration_ids=result.changed)


def _numbers(update: Update) -> list[int]:
    value = kb.value_of(update.callback_query.data if update.callback_query else None)
    parts = value.split(":")
    return [int(part) for part in parts] if all(part.isdigit() for part in parts) else []


@admin_only
async def on_toggle(update: Update, context: Context) -> None:
    numbers = _numbers(update)
    if len(numbers) != 3:
        await acknowledge(update, t("bot.error.stale_button", language_of(update)))
        return
    number, registration_id, page = numbers
    try:
        result = await run(
            service.toggle_attendance,
            services(context),
            number=number,
            registration_id=registration_id,
        )
    except (NotFound, service.NotHeldYet):
        await acknowledge(update, t("bot.error.stale_button", language_of(update)))
        return
    await _show_sheet(update, context, number, page)
    if result.changed:
        await issue_and_queue(context.bot_data, registration_ids=result.changed)


@admin_only
async def on_page(update: Update, context: Context) -> None:
    numbers = _numbers(update)
    if len(numbers) != 2:
        await acknowledge(update, t("bot.error.stale_button", language_of(update)))
        return
    await _show_sheet(update, context, numbers[0], numbers[1])


# --- "Saya hadir" ------------------------------------------------------------------------------


async def _declare(update: Update, context: Context, number: int | None) -> None:
    ctx = services(context)
    language = language_of(update)
    try:
        declared = await run(
            service.declare_attendance, ctx, telegram_user_id=user_id(update), number=number
        )
    except service.SelfDeclarationOff:
        contact = escape(ctx.catalog.series.contact.name)
        await show(update, t("aftercare.attendance.self.switched_off", language, contact=contact))
        return
    except service.NothingToDeclare:
        await show(update, t("aftercare.attendance.self.nothing", language))
        return
    key = "already" if declared.already else "done"
    await show(
        update, t(f"aftercare.attendance.self.{key}", language, number=declared.session.number)
    )
    await issue_and_queue(context.bot_data, registration_ids=[declared.registration_id])


async def declare_command(update: Update, context: Context) -> None:
    """``/sayahadir [no]``."""
    args = context.args or []
    number = int(args[0].lstrip("#")) if args and args[0].lstrip("#").isdigit() else None
    await _declare(update, context, number)


async def on_declare(update: Update, context: Context) -> None:
    """The "Saya hadir" button."""
    value = kb.value_of(update.callback_query.data if update.callback_query else None)
    await _declare(update, context, int(value) if value.isdigit() else None)


# --- the periodic job --------------------------------------------------------------------------


def run_message(data: BotData, run_: AttendanceRun, language: Language) -> str:
    session = run_.session
    if run_.report is None:
        title = theme_title(data.services.catalog, session.theme_id)
        return t(
            "aftercare.attendance.admin.left_for_admin",
            language,
            number=session.number,
            theme=escape(title),
        )
    report = run_.report
    return t(
        "aftercare.attendance.admin.imported",
        language,
        number=session.number,
        attended=report.attended,
        no_show=report.no_show,
        unmatched=len(report.unmatched),
    )


async def attendance_job(context: Context) -> None:
    """Read due attendance, tell the admins, issue and send due certificates, sweep files."""
    data = context.bot_data
    ctx = data.services
    runs = await service.import_due_attendance(
        ctx, data.zoom, options=data.settings.meeting_options
    )
    language = data.office_language
    admins = sorted(admin_ids(data.settings.admin_ids, ctx.catalog))
    for run_ in runs:
        text = run_message(data, run_, language)
        for admin in admins:
            try:
                await context.bot.send_message(admin, text)
            except TelegramError as error:
                logger.warning("admin %s not told of attendance: %s", admin, error)
    since = ctx.clock.now() - RECENT_SESSIONS
    await issue_and_queue(data, started_after=since)
    await run(sweep_revoked_files, ctx, renderer(data))
