"""The texts participants receive about a session: details, confirmation, waitlist, promotion.

They are composed here rather than in the bot because some are sent later, through the outbox,
by the delivery worker. Everything is HTML for Telegram's ``parse_mode="HTML"``; every value
that did not come from the locale catalog is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from gedsi_bot.domain.model import Registration, RegistrationStatus, Session, format_meeting_id
from gedsi_bot.domain.series import Catalog
from gedsi_bot.locale import Language, format_when, t

CALENDAR_CALLBACK = "ics:{session_id}"


def theme_title(catalog: Catalog, session: Session) -> str:
    try:
        return catalog.theme(session.theme_id).title
    except KeyError:
        return session.theme_id


def speaker_names(catalog: Catalog, session: Session) -> list[str]:
    names = []
    for person_id in session.speaker_ids:
        try:
            names.append(catalog.person(person_id).name)
        except KeyError:
            continue
    return names


def session_heading(catalog: Catalog, session: Session, language: Language) -> str:
    """ "<b>Caring Gedsi #12: Theme</b>" and the date line below it."""
    local = session.starts_at.astimezone(catalog.series.zone)
    lines = [
        t(
            "bot.session.title",
            language,
            series=escape(catalog.series.name),
            number=session.number,
            theme=escape(theme_title(catalog, session)),
        ),
        t(
            "bot.session.when",
            language,
            when=format_when(local, language),
            minutes=session.duration_minutes,
        ),
    ]
    speakers = speaker_names(catalog, session)
    if speakers:
        lines.append(t("bot.session.speakers", language, names=escape(", ".join(speakers))))
    return "\n".join(lines)


def join_url(session: Session, registration: Registration | None) -> str | None:
    """The link this person joins with: their own where the meeting uses registration."""
    meeting = session.meeting
    if meeting is None:
        return None
    if meeting.uses_registration:
        return registration.personal_join_url if registration else None
    return meeting.join_url


def meeting_details(
    catalog: Catalog, session: Session, registration: Registration | None, language: Language
) -> str:
    """Meeting ID, passcode and link; or word that they will follow."""
    meeting = session.meeting
    if meeting is None:
        return t("bot.session.meeting_later", language, platform=escape(catalog.series.platform))
    lines = [
        t("bot.session.platform", language, platform=escape(catalog.series.platform)),
        t(
            "bot.session.meeting_id",
            language,
            meeting_id=escape(format_meeting_id(meeting.meeting_id)),
        ),
    ]
    if meeting.passcode:
        lines.append(t("bot.session.passcode", language, passcode=escape(meeting.passcode)))
    url = join_url(session, registration)
    if url:
        lines.append(t("bot.session.link", language, url=escape(url)))
    else:
        lines.append(t("bot.session.personal_link_later", language))
    return "\n".join(lines)


def confirmation_text(
    catalog: Catalog,
    session: Session,
    registration: Registration,
    language: Language,
    *,
    name: str | None,
    position: int | None = None,
    already: bool = False,
) -> str:
    """What a person reads once registered (or waitlisted) for a session."""
    heading = session_heading(catalog, session, language)
    who = escape(name or "")
    if registration.status is RegistrationStatus.WAITLISTED:
        key = "bot.confirm.already_waitlisted" if already else "bot.confirm.waitlisted"
        return "\n\n".join(
            [
                t(key, language, name=who, position=position or 1),
                heading,
                t("bot.confirm.waitlist_promise", language),
                t("bot.confirm.how_to_cancel", language),
            ]
        )
    key = "bot.confirm.already_registered" if already else "bot.confirm.registered"
    return "\n\n".join(
        [
            t(key, language, name=who),
            heading,
            meeting_details(catalog, session, registration, language),
            t("bot.confirm.how_to_cancel", language),
        ]
    )


def calendar_keyboard(session: Session, language: Language) -> dict[str, Any]:
    """An inline keyboard (Bot API JSON) with the button that sends the calendar file."""
    return {
        "inline_keyboard": [
            [
                {
                    "text": t("bot.button.calendar", language),
                    "callback_data": CALENDAR_CALLBACK.format(session_id=session.id),
                }
            ]
        ]
    }


def promotion_payload(
    session: Session, registration: Registration, catalog: Catalog, language: Language
) -> dict[str, Any]:
    """The outbox payload telling someone they moved up from the waitlist."""
    text = "\n\n".join(
        [
            t("bot.confirm.promoted", language),
            session_heading(catalog, session, language),
            meeting_details(catalog, session, registration, language),
            t("bot.confirm.how_to_cancel", language),
        ]
    )
    return {
        "method": "sendMessage",
        "params": {
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
            "reply_markup": calendar_keyboard(session, language),
        },
    }
