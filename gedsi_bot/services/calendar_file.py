"""The ``.ics`` file a participant adds to their phone's calendar, with alarms before the start."""

from __future__ import annotations

import datetime as dt
import re

from icalendar import Alarm, Calendar, Event

from gedsi_bot.domain.model import Registration, Session, format_meeting_id
from gedsi_bot.domain.series import Catalog
from gedsi_bot.locale import Language, t
from gedsi_bot.services.notices import join_url, theme_title

PRODUCT_ID = "-//gedsi-bot//Caring Gedsi//ID"
DEFAULT_ALARM = dt.timedelta(hours=1)


def calendar_filename(catalog: Catalog, session: Session) -> str:
    """ "caring-gedsi-12.ics"."""
    slug = re.sub(r"[^a-z0-9]+", "-", catalog.series.id.lower()).strip("-") or "sesi"
    return f"{slug}-{session.number}.ics"


def session_calendar(
    catalog: Catalog,
    session: Session,
    registration: Registration | None,
    language: Language,
    *,
    now: dt.datetime,
) -> bytes:
    """One VEVENT for the session, in UTC, with the join details and an alarm per reminder."""
    title = t(
        "bot.calendar.summary",
        language,
        series=catalog.series.name,
        number=session.number,
        theme=theme_title(catalog, session),
    )
    url = join_url(session, registration)
    details = [title, ""]
    meeting = session.meeting
    if meeting is not None:
        details.append(
            t(
                "bot.calendar.meeting_id",
                language,
                meeting_id=format_meeting_id(meeting.meeting_id),
            )
        )
        if meeting.passcode:
            details.append(t("bot.calendar.passcode", language, passcode=meeting.passcode))
    details.append(
        t("bot.calendar.link", language, url=url)
        if url
        else t("bot.calendar.link_later", language)
    )
    details.append(t("bot.calendar.organiser", language, organiser=catalog.series.organiser))

    event = Event()
    event.add("uid", f"{catalog.series.id}-{session.number}@gedsi-bot")
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", session.starts_at.astimezone(dt.UTC))
    event.add("dtend", session.ends_at.astimezone(dt.UTC))
    event.add("summary", title)
    event.add("description", "\n".join(details))
    event.add("location", url or catalog.series.platform)
    if url:
        event.add("url", url)
    for before in sorted(set(catalog.reminders.participant_before) or {DEFAULT_ALARM}):
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", title)
        alarm.add("trigger", -before)
        event.add_component(alarm)

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return bytes(calendar.to_ical())
