"""E-certificates in the chat: issuing what is due and queuing it for the delivery worker,
/sertifikat (sent at once, by known file ids), /verifikasi and the
certificate's QR link (``/start cek_<code>``)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from html import escape
from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update

from gedsi_bot.bot import keyboards as kb
from gedsi_bot.bot.common import language_of, run, send, services, user_id
from gedsi_bot.bot.context import BotData, Context
from gedsi_bot.config import Settings
from gedsi_bot.delivery.sender import uploaded_file_id
from gedsi_bot.domain.certificates import Missing
from gedsi_bot.domain.deeplinks import LinkKind, parse_payload
from gedsi_bot.domain.series import Catalog
from gedsi_bot.locale import Language, format_date, t
from gedsi_bot.services import certificates as service
from gedsi_bot.services.certificates import (
    ISSUED_FOLDER,
    CertificateRenderer,
    IssuedCertificate,
    Validity,
    Verification,
)
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store.outbox import media_file_id, remember_media

logger = logging.getLogger(__name__)

SELF_DECLARE = "saya"  # the "Saya hadir" button: saya:<session number>

_renderers: dict[tuple[object, ...], CertificateRenderer] = {}


def renderer_for(settings: Settings, bot_username: str | None) -> CertificateRenderer:
    """One renderer (and so one loaded template) per configuration, shared by all handlers."""
    key = (settings.data_dir, settings.resolved_flyers_dir, bot_username, settings.language)
    found = _renderers.get(key)
    if found is None:
        found = _renderers[key] = CertificateRenderer(
            folder=settings.data_dir / ISSUED_FOLDER,
            flyers_dir=settings.resolved_flyers_dir,
            bot_username=bot_username or None,
            language=settings.language,
        )
    return found


def renderer(data: BotData) -> CertificateRenderer:
    return renderer_for(data.settings, data.bot_username)


def theme_title(catalog: Catalog, theme_id: str) -> str:
    try:
        return catalog.theme(theme_id).title
    except KeyError:
        return theme_id


def _known_file_id(ctx: ServiceContext, key: str) -> str | None:
    with ctx.database.read() as db:
        return media_file_id(db, key)


def _remember(ctx: ServiceContext, key: str, file_id: str) -> None:
    with ctx.database.write() as db:
        remember_media(db, key=key, file_id=file_id, now=ctx.clock.now())


async def send_certificate(
    bot: Bot, chat_id: int, ctx: ServiceContext, issued: IssuedCertificate, language: Language
) -> None:
    """The certificate as a picture to look at and a PDF to print, now (for /sertifikat).

    Each file is uploaded once and re-sent by the ``file_id`` the outbox worker keeps too.
    """
    for what, payload in service.certificate_payloads(ctx.catalog, issued, language):
        call = payload["params"]
        field = "photo" if payload["method"] == "sendPhoto" else "document"
        key = call[field]["media_key"]
        path = issued.files.png if field == "photo" else issued.files.pdf
        known = await run(_known_file_id, ctx, key)
        content: str | Path = known or path
        if field == "photo":
            sent = await bot.send_photo(chat_id, photo=content, caption=call["caption"])
        else:
            sent = await bot.send_document(chat_id, document=content, caption=call["caption"])
        file_id = uploaded_file_id(sent)
        if known is None and file_id is not None:
            await run(_remember, ctx, key, file_id)
        logger.debug("certificate %s %s sent", issued.serial, what)


async def issue_and_queue(
    data: BotData,
    *,
    session_ids: Sequence[int] | None = None,
    registration_ids: Sequence[int] | None = None,
    started_after: dt.datetime | None = None,
) -> list[IssuedCertificate]:
    """Issue what is due (of some sessions or registrations, or all) and queue each for its
    holder in the outbox, waking the delivery worker. A holder who blocked the bot keeps the
    certificate: /sertifikat sends it again."""
    ctx = data.services
    issued = await run(
        service.issue_due_certificates,
        ctx,
        renderer(data),
        session_ids=session_ids,
        registration_ids=registration_ids,
        started_after=started_after,
    )
    if issued:
        await run(service.enqueue_certificates, ctx, issued)
        data.wake_delivery()
    return issued


def self_declare_button(number: int, language: Language) -> InlineKeyboardMarkup:
    text = t("aftercare.attendance.self.button", language)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=kb.data(SELF_DECLARE, number))]]
    )


async def after_feedback(update: Update, context: Context, *, registration_id: int) -> None:
    """Send the certificate the feedback completed, or say what it still waits for."""
    data = context.bot_data
    language = language_of(update)
    issued = await issue_and_queue(data, registration_ids=[registration_id])
    if issued:
        return
    ctx = data.services
    outlook = await run(service.certificate_outlook, ctx, registration_id=registration_id)
    if outlook.has_certificate or Missing.ATTENDANCE not in outlook.missing:
        return
    if ctx.catalog.certificates.self_declared_attendance:
        session = await run(service.registration_session, ctx, registration_id)
        text = t("aftercare.feedback.waiting_attendance_self", language)
        await send(update, text, self_declare_button(session.number, language))
    else:
        await send(update, t("aftercare.feedback.waiting_attendance", language))


# --- /sertifikat and verification -----------------------------------------------------------


async def my_certificates(update: Update, context: Context) -> None:
    """``/sertifikat``: send the person's certificates again."""
    data = context.bot_data
    language = language_of(update)
    ctx = data.services
    found = await run(
        service.my_certificates, ctx, renderer(data), telegram_user_id=user_id(update)
    )
    if not found:
        await send(update, t("aftercare.certificate.none", language))
        return
    assert update.effective_chat is not None
    for certificate in found:
        await send_certificate(context.bot, update.effective_chat.id, ctx, certificate, language)


def verification_text(ctx: ServiceContext, verification: Verification, language: Language) -> str:
    catalog = ctx.catalog
    session = verification.session
    if verification.validity is Validity.UNKNOWN or session is None:
        return t("aftercare.certificate.unknown", language)
    if verification.validity is Validity.REVOKED:
        return t(
            "aftercare.certificate.revoked",
            language,
            code=verification.code,
            serial=verification.serial,
        )
    held_on = session.starts_at.astimezone(catalog.series.zone).date()
    return t(
        "aftercare.certificate.valid",
        language,
        holder=escape(verification.holder_name or ""),
        series=escape(catalog.series.name),
        number=session.number,
        theme=escape(theme_title(catalog, session.theme_id)),
        date=format_date(held_on, language),
        serial=verification.serial,
    )


async def _verify(update: Update, context: Context, code: str) -> None:
    ctx = services(context)
    verification = await run(service.verify_certificate, ctx, code)
    await send(update, verification_text(ctx, verification, language_of(update)))


async def verify_command(update: Update, context: Context) -> None:
    """``/verifikasi <code>``."""
    code = "".join(context.args or [])
    if not code:
        await send(update, t("aftercare.certificate.verify_usage", language_of(update)))
        return
    await _verify(update, context, code)


async def verify_link(update: Update, context: Context) -> None:
    """``/start cek_<code>``, from the QR code on a certificate."""
    link = parse_payload(context.args[0]) if context.args else None
    if link is None or link.kind is not LinkKind.VERIFY:
        await send(update, t("aftercare.certificate.unknown", language_of(update)))
        return
    await _verify(update, context, link.code)
