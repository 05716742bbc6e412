"""What the team reads after each step, the same in Telegram (HTML) and the CLI (plain text)."""

from __future__ import annotations

import datetime as dt
import html
import re
from html import escape

from gedsi_bot.domain.model import RegistrationStatus, Session, SessionStatus, format_meeting_id
from gedsi_bot.domain.series import Catalog
from gedsi_bot.locale import Language, format_when, t
from gedsi_bot.services.meetings import MeetingChange
from gedsi_bot.services.notices import theme_title
from gedsi_bot.services.team import (
    ApproveResult,
    CannotChange,
    ChangeResult,
    InviteInfo,
    NoMeetingToAttach,
    NotADraft,
    NotApproved,
    ParticipantsView,
    PublishResult,
    TimeInPast,
)
from gedsi_bot.services.team_messages import person_name, role_name

_TAG = re.compile(r"</?[a-z]+>")


def plain(text: str) -> str:
    """The text without Telegram's HTML, for the terminal."""
    return html.unescape(_TAG.sub("", text))


def _status(status: SessionStatus, language: Language) -> str:
    return t(f"cli.status.{status.value}", language)


def _when(catalog: Catalog, moment: dt.datetime, language: Language) -> str:
    return format_when(moment.astimezone(catalog.series.zone), language)


def plan_text(sessions: list[Session], catalog: Catalog, language: Language) -> str:
    """``/rencana``: the upcoming sessions that are planned, approved or published."""
    if not sessions:
        return t("team.command.plan_empty", language)
    lines = [t("team.command.plan_title", language)]
    for session in sessions:
        speakers = ", ".join(person_name(catalog, pid) for pid in session.speaker_ids) or "—"
        lines.append(
            t(
                "team.command.plan_line",
                language,
                number=session.number,
                when=_when(catalog, session.starts_at, language),
                status=_status(session.status, language),
                theme=escape(theme_title(catalog, session)),
                speakers=escape(speakers),
                moderator=escape(person_name(catalog, session.moderator_id)),
            )
        )
    return "\n\n".join(lines)


def invite_links_text(
    invitations: tuple[InviteInfo, ...] | list[InviteInfo], catalog: Catalog, language: Language
) -> str | None:
    """The personal links of people not linked yet, or ``None`` when everyone is."""
    waiting = [info for info in invitations if not info.linked and info.link]
    if not waiting:
        return None
    lines = [t("team.command.invite_links", language)]
    lines += [
        t(
            "team.command.invite_link",
            language,
            name=escape(person_name(catalog, info.person_id)),
            role=role_name(info.role, language),
            link=escape(info.link or ""),
        )
        for info in waiting
    ]
    return "\n".join(lines)


def approve_text(result: ApproveResult, catalog: Catalog, language: Language) -> str:
    number = result.session.number
    if result.approved:
        sent = sum(info.queued for info in result.invitations)
        head = t("team.command.approved", language, number=number, sent=sent)
    else:
        status = _status(result.session.status, language)
        head = t("team.command.already_approved", language, number=number, status=status)
    links = invite_links_text(result.invitations, catalog, language)
    return f"{head}\n\n{links}" if links else head


def publish_text(result: PublishResult, language: Language) -> str:
    number = result.session.number
    if result.already:
        return t("team.command.republished", language, number=number)
    meeting = format_meeting_id(result.meeting.meeting_id)
    made = t(f"team.zoom.{'created' if result.meeting_created else 'attached'}", language)
    return t(
        "team.command.published",
        language,
        number=number,
        meeting=f"{meeting} ({made})",
        subscribers=result.subscribers,
        channel=t("team.command.channel_part", language) if result.channel else "",
        reminders=result.reminders,
    )


def change_text(result: ChangeResult, catalog: Catalog, language: Language) -> str:
    zoom = t(f"team.zoom.{result.meeting.value}", language)
    number = result.session.number
    if result.session.status is SessionStatus.CANCELLED:
        return t("team.command.cancelled", language, number=number, told=result.told, zoom=zoom)
    when = _when(catalog, result.session.starts_at, language)
    if not result.changed and result.meeting is not MeetingChange.UPDATED:
        return t("team.command.reschedule_same", language, number=number, when=when)
    return t(
        "team.command.rescheduled", language, number=number, when=when, told=result.told, zoom=zoom
    )


def participants_text(view: ParticipantsView, language: Language) -> str:
    counts = view.counts
    head = t(
        "team.command.participants_title",
        language,
        number=view.session.number,
        registered=counts[RegistrationStatus.REGISTERED] + counts[RegistrationStatus.ATTENDED],
        capacity=view.capacity,
        waitlisted=counts[RegistrationStatus.WAITLISTED],
        cancelled=counts[RegistrationStatus.CANCELLED],
        attended=counts[RegistrationStatus.ATTENDED],
    )
    active = [p for p in view.people if p.status is not RegistrationStatus.CANCELLED]
    if not active:
        return f"{head}\n\n{t('team.command.participants_none', language)}"
    lines = [head, ""]
    for index, person in enumerate(active, start=1):
        category = (
            t(f"bot.answer.category.{person.category}", language) if person.category else "—"
        )
        lines.append(
            t(
                "team.command.participant_line",
                language,
                index=index,
                name=escape(person.full_name or t("team.command.participant_no_name", language)),
                category=category,
                institution=f", {escape(person.institution)}" if person.institution else "",
                status=t(f"team.registration.{person.status.value}", language),
            )
        )
    return "\n".join(lines)


def problem_text(error: Exception, language: Language) -> str | None:
    """The team's message for a step that cannot be done as asked, or ``None``."""
    if isinstance(error, NotApproved):
        status = _status(error.status, language)
        return t("team.command.not_approved", language, number=error.number, status=status)
    if isinstance(error, NotADraft):
        status = _status(error.status, language)
        return t("team.command.not_draft", language, number=error.number, status=status)
    if isinstance(error, CannotChange):
        status = _status(error.status, language)
        return t("team.command.cannot_change", language, number=error.number, status=status)
    if isinstance(error, NoMeetingToAttach):
        return t("team.command.no_meeting", language, number=error.number)
    if isinstance(error, TimeInPast):
        return t("team.command.reschedule_past", language)
    return None
