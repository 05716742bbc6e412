"""After the session: feedback, attendance, e-certificates and the admins' /laporan.

``register`` adds the handlers of ``feedback_form``, ``attendance`` and ``certificates`` and
the periodic attendance job (run by the one leader among the deployment's processes).
"""

from __future__ import annotations

from html import escape

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, filters

from gedsi_bot.bot import attendance, certificates, feedback_form
from gedsi_bot.bot.common import command, language_of, run, send, services
from gedsi_bot.bot.context import Context, GedsiApplication
from gedsi_bot.bot.roles import admin_only
from gedsi_bot.delivery.leader import run_if_leader
from gedsi_bot.errors import NotFound
from gedsi_bot.locale import t
from gedsi_bot.services.reporting import report_for_chat

PRIVATE = filters.ChatType.PRIVATE
VERIFY_LINK = PRIVATE & filters.Regex(r"^/start(@\w+)?\s+cek_")


@admin_only
async def report_command(update: Update, context: Context) -> None:
    """``/laporan`` (the series) or ``/laporan <no>``: summary, chart and workbook."""
    language = language_of(update)
    args = [arg.lstrip("#") for arg in context.args or []]
    if len(args) > 1 or (args and not args[0].isdigit()):
        await send(update, t("aftercare.report.usage", language))
        return
    number = int(args[0]) if args else None
    settings = context.bot_data.settings
    try:
        message = await run(
            report_for_chat,
            services(context),
            session_number=number,
            language=language,
            fonts=settings.resolved_flyers_dir / "fonts",
        )
    except NotFound:
        await send(update, t("aftercare.report.no_session", language, number=number))
        return
    chat = update.effective_chat
    assert chat is not None
    await send(update, message.text)
    await chat.send_photo(
        InputFile(message.png, filename=message.png_name),
        caption=escape(t("aftercare.report.chart_caption", language)),
    )
    await chat.send_document(
        InputFile(message.xlsx, filename=message.xlsx_name),
        caption=escape(t("aftercare.report.xlsx_caption", language)),
    )


def register(application: GedsiApplication) -> None:
    """Add the after-session handlers and the attendance job to ``application``."""
    application.add_handler(feedback_form.build_conversation())
    application.add_handlers(
        [
            command("hadir", attendance.attendance_command),
            CallbackQueryHandler(
                attendance.on_toggle, pattern=rf"^{attendance.TOGGLE}:\d+:\d+:\d+$"
            ),
            CallbackQueryHandler(attendance.on_page, pattern=rf"^{attendance.PAGE}:\d+:\d+$"),
            command("sayahadir", attendance.declare_command, where=PRIVATE),
            CallbackQueryHandler(
                attendance.on_declare, pattern=rf"^{certificates.SELF_DECLARE}:\d+$"
            ),
            command("sertifikat", certificates.my_certificates, where=PRIVATE),
            command("verifikasi", certificates.verify_command),
            command("start", certificates.verify_link, where=VERIFY_LINK),
            command("laporan", report_command),
        ]
    )
    if application.job_queue is not None:
        run_if_leader(
            application.job_queue,
            attendance.attendance_job,
            interval=attendance.JOB_INTERVAL.total_seconds(),
            first=attendance.JOB_FIRST.total_seconds(),
            name=attendance.JOB_NAME,
        )
