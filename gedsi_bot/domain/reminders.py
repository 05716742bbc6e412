"""What is sent to whom and when for one session: reminders, the started nudge, feedback.

The timings come from the catalog (``reminders:`` in ``themes.yaml``); times already past when
a session is published (or moved) are skipped, so a session published the day before never
sends a week-ahead reminder late. Each reminder has a short label that goes into its outbox
dedupe key together with the session's start (``schedule_stamp``): moving a session gives
its reminders new keys, so the new ones are queued while the old ones are cancelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from gedsi_bot.domain.model import Session
from gedsi_bot.domain.series import ReminderTimings

_DAY = dt.timedelta(days=1)
_HOUR = dt.timedelta(hours=1)
_MINUTE = dt.timedelta(minutes=1)


class Audience(StrEnum):
    PARTICIPANTS = "participants"
    TEAM = "team"


class ReminderKind(StrEnum):
    BEFORE = "before"  # ahead of the start (participants or team)
    STARTED = "started"  # "the session has started", to those registered
    FEEDBACK = "feedback"  # the feedback request after the end


@dataclass(frozen=True, slots=True)
class Reminder:
    """One message (or fan-out) due at ``due_at`` for ``audience``."""

    kind: ReminderKind
    audience: Audience
    due_at: dt.datetime
    label: str  # "7d", "1d", "1h", "started", "feedback": part of the dedupe key
    before: dt.timedelta | None = None  # how long before the start, for BEFORE
    final: bool = False  # the team's last reminder: host link and run-sheet


def offset_label(delta: dt.timedelta) -> str:
    """``7d``, ``1h``, ``90m``: the largest whole unit that measures ``delta``."""
    if delta % _DAY == dt.timedelta(0) and delta >= _DAY:
        return f"{delta // _DAY}d"
    if delta % _HOUR == dt.timedelta(0) and delta >= _HOUR:
        return f"{delta // _HOUR}h"
    return f"{delta // _MINUTE}m"


def schedule_stamp(starts_at: dt.datetime) -> str:
    """The session's start as a compact UTC stamp for dedupe keys: ``20261210T0200Z``."""
    return starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")


def plan_reminders(
    session: Session, timings: ReminderTimings, *, now: dt.datetime
) -> list[Reminder]:
    """Every reminder of ``session`` still ahead of ``now``, soonest first."""
    found = [
        Reminder(
            ReminderKind.BEFORE,
            Audience.PARTICIPANTS,
            session.starts_at - before,
            offset_label(before),
            before=before,
        )
        for before in sorted(set(timings.participant_before), reverse=True)
    ]
    team = sorted(set(timings.team_before), reverse=True)
    found += [
        Reminder(
            ReminderKind.BEFORE,
            Audience.TEAM,
            session.starts_at - before,
            offset_label(before),
            before=before,
            final=before == team[-1],
        )
        for before in team
    ]
    if timings.started_nudge_after is not None:
        found.append(
            Reminder(
                ReminderKind.STARTED,
                Audience.PARTICIPANTS,
                session.starts_at + timings.started_nudge_after,
                "started",
            )
        )
    found.append(
        Reminder(
            ReminderKind.FEEDBACK,
            Audience.PARTICIPANTS,
            session.ends_at + timings.feedback_after_end,
            "feedback",
        )
    )
    return sorted((item for item in found if item.due_at > now), key=lambda item: item.due_at)
