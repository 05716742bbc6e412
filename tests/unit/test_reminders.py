import datetime as dt

from gedsi_bot.domain.model import Role, Session, SessionPerson, SessionStatus
from gedsi_bot.domain.reminders import (
    Audience,
    ReminderKind,
    offset_label,
    plan_reminders,
    schedule_stamp,
)
from gedsi_bot.domain.runsheet import Segment, run_sheet
from gedsi_bot.domain.series import ReminderTimings

START = dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC)  # Thursday 09.00 WIB
TIMINGS = ReminderTimings()  # 1d, 1h / 7d, 1d, 1h / 5 min / 10 min


def session(*, speakers: tuple[str, ...] = ("a", "b"), minutes: int = 120) -> Session:
    people = [SessionPerson(pid, Role.SPEAKER, i) for i, pid in enumerate(speakers)]
    people.append(SessionPerson("m", Role.MODERATOR))
    return Session(
        id=1,
        number=12,
        theme_id="t",
        starts_at=START,
        duration_minutes=minutes,
        status=SessionStatus.PUBLISHED,
        people=tuple(people),
    )


def test_plan_reminders_lists_every_timing_in_order_when_published_early() -> None:
    planned = plan_reminders(session(), TIMINGS, now=START - dt.timedelta(days=30))

    assert [(r.audience, r.label, r.due_at - START) for r in planned] == [
        (Audience.TEAM, "7d", -dt.timedelta(days=7)),
        (Audience.PARTICIPANTS, "1d", -dt.timedelta(days=1)),
        (Audience.TEAM, "1d", -dt.timedelta(days=1)),
        (Audience.PARTICIPANTS, "1h", -dt.timedelta(hours=1)),
        (Audience.TEAM, "1h", -dt.timedelta(hours=1)),
        (Audience.PARTICIPANTS, "started", dt.timedelta(minutes=5)),
        (Audience.PARTICIPANTS, "feedback", dt.timedelta(minutes=130)),
    ]


def test_plan_reminders_marks_only_the_teams_last_reminder_final() -> None:
    planned = plan_reminders(session(), TIMINGS, now=START - dt.timedelta(days=30))

    finals = [(r.audience, r.label) for r in planned if r.final]

    assert finals == [(Audience.TEAM, "1h")]


def test_plan_reminders_skips_times_already_past() -> None:
    planned = plan_reminders(session(), TIMINGS, now=START - dt.timedelta(hours=20))

    assert [(r.audience, r.label) for r in planned] == [
        (Audience.PARTICIPANTS, "1h"),
        (Audience.TEAM, "1h"),
        (Audience.PARTICIPANTS, "started"),
        (Audience.PARTICIPANTS, "feedback"),
    ]


def test_plan_reminders_without_a_started_nudge() -> None:
    timings = ReminderTimings(participant_before=(), team_before=(), started_nudge_after=None)

    planned = plan_reminders(session(), timings, now=START)

    assert [(r.kind, r.due_at) for r in planned] == [
        (ReminderKind.FEEDBACK, START + dt.timedelta(minutes=130))
    ]


def test_offset_label_uses_the_largest_whole_unit() -> None:
    assert [
        offset_label(dt.timedelta(days=7)),
        offset_label(dt.timedelta(hours=1)),
        offset_label(dt.timedelta(hours=36)),
        offset_label(dt.timedelta(minutes=90)),
    ] == ["7d", "1h", "36h", "90m"]


def test_schedule_stamp_is_utc_whatever_the_zone() -> None:
    wib = dt.timezone(dt.timedelta(hours=7))

    assert schedule_stamp(START.astimezone(wib)) == "20261210T0200Z"


def test_run_sheet_fills_the_session_without_gaps() -> None:
    sheet = run_sheet(session())

    assert [(item.segment, item.minutes, item.person_id) for item in sheet] == [
        (Segment.OPENING, 10, "m"),
        (Segment.TALK, 40, "a"),
        (Segment.TALK, 35, "b"),
        (Segment.QA, 25, "m"),
        (Segment.CLOSING, 10, "m"),
    ]
    ends = [item.starts_at + dt.timedelta(minutes=item.minutes) for item in sheet]
    assert [item.starts_at for item in sheet[1:]] == ends[:-1]
    assert ends[-1] == START + dt.timedelta(minutes=120)


def test_run_sheet_of_one_speaker_in_ninety_minutes() -> None:
    sheet = run_sheet(session(speakers=("a",), minutes=90))

    assert [(item.segment, item.minutes) for item in sheet] == [
        (Segment.OPENING, 10),
        (Segment.TALK, 50),
        (Segment.QA, 20),
        (Segment.CLOSING, 10),
    ]
