"""The team workflow's messages as outbox payloads: announcement, reminders, notices, invitations.

Everything is HTML for Telegram's ``parse_mode="HTML"``; values that did not come from the
locale catalog are escaped. Payloads follow the outbox contract:
``{"method": ..., "params": {...}}`` without ``chat_id``, which the row carries.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path
from typing import Any

from gedsi_bot.domain.deeplinks import LinkKind, payload_for, start_link
from gedsi_bot.domain.model import Registration, Role, Session
from gedsi_bot.domain.replacements import Candidate
from gedsi_bot.domain.runsheet import run_sheet
from gedsi_bot.domain.series import Catalog
from gedsi_bot.locale import Language, format_clock, format_when, t
from gedsi_bot.render.content import flyer_caption, flyer_content, registration_link
from gedsi_bot.services.notices import meeting_details, session_heading

# Outbox kinds of the team workflow (``outbox.kind``; fan-out rows share their recipients').
ANNOUNCEMENT = "announcement"
CHANNEL_POST = "channel_post"
PARTICIPANT_REMINDER = "reminder"
STARTED_NUDGE = "started_nudge"
FEEDBACK_REQUEST = "feedback_request"
TEAM_REMINDER = "team_reminder"
SESSION_NOTICE = "session_notice"
INVITATION = "invitation"
ADMIN_NOTICE = "team_notice"

# Rows that belong to a session's time: cancelled when it moves or is called off.
TIMED_KINDS = (
    ANNOUNCEMENT,
    CHANNEL_POST,
    PARTICIPANT_REMINDER,
    STARTED_NUDGE,
    FEEDBACK_REQUEST,
    TEAM_REMINDER,
    SESSION_NOTICE,
)

INVITE_ACCEPT = "undangan_ya"
INVITE_DECLINE = "undangan_tidak"
FEEDBACK_CALLBACK = "umpan:{number}"

_DAY = dt.timedelta(days=1)
_HOUR = dt.timedelta(hours=1)


def format_offset(delta: dt.timedelta, language: Language) -> str:
    """ "1 hari", "1 jam", "30 menit"."""
    if delta >= _DAY and delta % _DAY == dt.timedelta(0):
        return t("team.offset.days", language, count=delta // _DAY)
    if delta >= _HOUR and delta % _HOUR == dt.timedelta(0):
        return t("team.offset.hours", language, count=delta // _HOUR)
    return t("team.offset.minutes", language, count=delta // dt.timedelta(minutes=1))


def role_name(role: Role, language: Language) -> str:
    return t(f"team.role.{role.value}", language)


def person_name(catalog: Catalog, person_id: str | None) -> str:
    if person_id is None:
        return "—"
    try:
        return catalog.person(person_id).name
    except KeyError:
        return person_id


def _message(text: str, markup: dict[str, Any] | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }
    if markup is not None:
        params["reply_markup"] = markup
    return {"method": "sendMessage", "params": params}


def _buttons(*rows: list[dict[str, str]]) -> dict[str, Any]:
    return {"inline_keyboard": list(rows)}


# --- the announcement ------------------------------------------------------------------------


def register_button(
    session: Session, bot_username: str | None, language: Language
) -> dict[str, Any] | None:
    """The "Daftar" URL button to the session's ``daftar_`` deep link, once it has a code."""
    link = registration_link(session, bot_username)
    if link is None:
        return None
    return _buttons([{"text": t("team.announce.button", language), "url": link}])


def flyer_payload(
    session: Session,
    catalog: Catalog,
    *,
    flyer: Path,
    media_key: str,
    bot_username: str | None,
    language: Language,
) -> dict[str, Any]:
    """The post flyer with its caption and the "Daftar" button (channel and subscribers)."""
    content = flyer_content(session, catalog, bot_username=bot_username, language=language)
    params: dict[str, Any] = {
        "photo": {"path": str(flyer), "media_key": media_key},
        "caption": flyer_caption(content, language),
        "parse_mode": "HTML",
    }
    markup = register_button(session, bot_username, language)
    if markup is not None:
        params["reply_markup"] = markup
    return {"method": "sendPhoto", "params": params}


# --- participants -----------------------------------------------------------------------------


def participant_reminder_payload(
    session: Session,
    registration: Registration | None,
    catalog: Catalog,
    language: Language,
    *,
    before: dt.timedelta,
) -> dict[str, Any]:
    text = "\n\n".join(
        [
            t("team.remind.participant", language, offset=format_offset(before, language)),
            session_heading(catalog, session, language),
            meeting_details(catalog, session, registration, language),
        ]
    )
    return _message(text)


def started_payload(
    session: Session, registration: Registration | None, catalog: Catalog, language: Language
) -> dict[str, Any]:
    text = "\n\n".join(
        [
            t("team.remind.started", language),
            session_heading(catalog, session, language),
            meeting_details(catalog, session, registration, language),
        ]
    )
    return _message(text)


def feedback_payload(session: Session, catalog: Catalog, language: Language) -> dict[str, Any]:
    text = t(
        "team.remind.feedback",
        language,
        series=escape(catalog.series.name),
        number=session.number,
    )
    button = {
        "text": t("team.remind.feedback_button", language),
        "callback_data": FEEDBACK_CALLBACK.format(number=session.number),
    }
    return _message(text, _buttons([button]))


def session_notice_payload(
    session: Session,
    registration: Registration | None,
    catalog: Catalog,
    language: Language,
    *,
    cancelled: bool,
) -> dict[str, Any]:
    """What registrants read when their session moves or is called off."""
    if cancelled:
        parts = [t("team.notice.cancelled", language), session_heading(catalog, session, language)]
    else:
        parts = [
            t("team.notice.rescheduled", language),
            session_heading(catalog, session, language),
            meeting_details(catalog, session, registration, language),
        ]
    return _message("\n\n".join(parts))


# --- the team ---------------------------------------------------------------------------------


def team_notice_payload(
    session: Session, catalog: Catalog, role: Role, language: Language, *, cancelled: bool
) -> dict[str, Any]:
    key = "team.notice.team_cancelled" if cancelled else "team.notice.team_rescheduled"
    heading = session_heading(catalog, session, language)
    return _message(f"{t(key, language, role=role_name(role, language))}\n\n{heading}")


def invitation_payload(
    session: Session, catalog: Catalog, role: Role, language: Language
) -> dict[str, Any]:
    text = "\n\n".join(
        [
            t("team.invite.text", language, role=role_name(role, language)),
            session_heading(catalog, session, language),
        ]
    )
    buttons = [
        {
            "text": t("team.invite.accept", language),
            "callback_data": f"{INVITE_ACCEPT}:{session.id}",
        },
        {
            "text": t("team.invite.decline", language),
            "callback_data": f"{INVITE_DECLINE}:{session.id}",
        },
    ]
    return _message(text, _buttons(buttons))


def run_sheet_text(
    session: Session, catalog: Catalog, language: Language, *, bot_username: str | None
) -> str:
    """The rundown: opening, each speaker, Q&A and closing, and where feedback is given."""
    zone = catalog.series.zone
    lines = [t("team.runsheet.title", language)]
    for item in run_sheet(session):
        who = (
            escape(person_name(catalog, item.person_id))
            if item.person_id
            else t("team.runsheet.nobody", language)
        )
        clock = format_clock(item.starts_at.astimezone(zone))
        lines.append(t(f"team.runsheet.{item.segment.value}", language, time=clock, who=who))
    bot_link = f"https://t.me/{bot_username.lstrip('@')}" if bot_username else "Telegram"
    lines.append(
        t("team.runsheet.feedback", language, link=escape(bot_link), number=session.number)
    )
    return "\n".join(lines)


def team_reminder_payload(
    session: Session,
    catalog: Catalog,
    role: Role,
    language: Language,
    *,
    before: dt.timedelta,
    final: bool,
    host_url: str | None,
    bot_username: str | None,
) -> dict[str, Any]:
    """A speaker's or moderator's reminder; the last one with the run-sheet (and, for the
    moderator, the host link fetched just before sending)."""
    parts = [
        t(
            "team.remind.team",
            language,
            role=role_name(role, language),
            offset=format_offset(before, language),
        ),
        session_heading(catalog, session, language),
        meeting_details(catalog, session, None, language),
    ]
    if final and role is Role.MODERATOR:
        parts.append(
            t("team.remind.host_link", language, url=escape(host_url))
            if host_url
            else t("team.remind.host_link_missing", language)
        )
    if final:
        parts.append(run_sheet_text(session, catalog, language, bot_username=bot_username))
    return _message("\n\n".join(parts))


def decline_notice_text(
    session: Session,
    catalog: Catalog,
    *,
    person_id: str,
    role: Role,
    candidates: list[Candidate],
    language: Language,
) -> str:
    """What the admins read when someone declines, with the planner's proposed stand-ins."""
    when = format_when(session.starts_at.astimezone(catalog.series.zone), language)
    lines = [
        t(
            "team.admin.declined",
            language,
            name=escape(person_name(catalog, person_id)),
            role=role_name(role, language),
            number=session.number,
            when=when,
        ),
        "",
    ]
    if not candidates:
        lines.append(t("team.admin.no_candidates", language))
    else:
        lines.append(t("team.admin.candidates", language))
        for rank, candidate in enumerate(candidates, start=1):
            lines.append(
                t(
                    "team.admin.candidate",
                    language,
                    rank=rank,
                    name=escape(person_name(catalog, candidate.person_id)),
                    reasons=escape("; ".join(candidate.reasons)),
                )
            )
    return "\n".join(lines)


def admin_text_payload(text: str) -> dict[str, Any]:
    return _message(text)


def invite_link(bot_username: str, token: str) -> str:
    """A person's ``https://t.me/<bot>?start=tim_<token>``."""
    return start_link(bot_username, payload_for(LinkKind.INVITE, token))
