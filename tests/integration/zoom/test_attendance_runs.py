"""The periodic attendance import against the Zoom sandbox, on SQLite and PostgreSQL: when it
reads, what it leaves to the admins, and that it reads each session once."""

from __future__ import annotations

import datetime as dt

import pytest

from gedsi_bot.domain.attendance import IMPORT_DELAY, IMPORT_GIVE_UP, ImportOutcome
from gedsi_bot.domain.meetings import MeetingOptions
from gedsi_bot.domain.model import RegistrationStatus, SessionStatus
from gedsi_bot.sandbox.zoom import ZoomSandbox
from gedsi_bot.services.attendance import import_due_attendance, mark_attendance
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import Database
from gedsi_bot.store.tables import SessionRow
from gedsi_bot.zoom import ZoomClient
from tests.aftercare_factories import register_people, registration_row, session_row
from tests.registration_factories import SESSION_START, FixedClock, bundled_catalog, publish

OPTIONS = MeetingOptions()
END = SESSION_START + dt.timedelta(minutes=120)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def ctx(database: Database, clock: FixedClock) -> ServiceContext:
    return ServiceContext.open(database, bundled_catalog(), clock=clock)


def records(*people: tuple[str, int]) -> list[dict[str, str]]:
    start = SESSION_START
    return [
        {
            "name": name,
            "join_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "leave_time": (start + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for name, minutes in people
    ]


def api_meeting(database: Database, session_id: int) -> None:
    with database.write() as db:
        row = db.get(SessionRow, session_id)
        assert row is not None
        row.meeting_source = "api"


async def test_session_is_read_a_few_minutes_after_it_ends_and_only_once(
    ctx: ServiceContext, clock: FixedClock, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="ZA1")
    ids = register_people(ctx, session, [1, 2])
    zoom.set_participants("81234567890", records(("Peserta B", 110), ("Peserta C", 30)))

    clock.moment = END + IMPORT_DELAY - dt.timedelta(minutes=1)
    assert await import_due_attendance(ctx, client, options=OPTIONS) == []

    clock.moment = END + IMPORT_DELAY
    [run] = await import_due_attendance(ctx, client, options=OPTIONS)
    assert run.outcome is ImportOutcome.ZOOM
    assert run.report is not None
    assert (run.report.attended, run.report.no_show) == (1, 1)
    assert registration_row(ctx.database, ids[1]).status == "attended"
    assert registration_row(ctx.database, ids[2]).status == "no_show"
    assert session_row(ctx.database, session.id).attendance_import == "zoom"

    assert await import_due_attendance(ctx, client, options=OPTIONS) == []


async def test_marks_by_hand_survive_the_import(
    ctx: ServiceContext, clock: FixedClock, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="ZA2")
    ids = register_people(ctx, session, [1])
    clock.moment = END
    mark_attendance(ctx, number=session.number, registration_ids=[ids[1]])
    zoom.set_participants("81234567890", records(("Someone Else", 110)))
    clock.moment = END + IMPORT_DELAY
    [run] = await import_due_attendance(ctx, client, options=OPTIONS)
    assert run.report is not None
    assert run.report.kept == 1
    row = registration_row(ctx.database, ids[1])
    assert (row.status, row.attendance_source) == ("attended", "admin")


async def test_hand_entered_meeting_without_a_report_is_left_to_the_admins(
    ctx: ServiceContext, clock: FixedClock, client: ZoomClient
) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="ZA3")
    ids = register_people(ctx, session, [1])
    clock.moment = END + IMPORT_DELAY
    [run] = await import_due_attendance(ctx, client, options=OPTIONS)
    assert (run.outcome, run.report) == (ImportOutcome.FOR_ADMIN, None)
    assert registration_row(ctx.database, ids[1]).status == RegistrationStatus.REGISTERED.value
    assert session_row(ctx.database, session.id).attendance_import == "admin"


async def test_api_meeting_report_is_awaited_for_a_day(
    ctx: ServiceContext, clock: FixedClock, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    session = publish(ctx.database, series_id=ctx.series_id, code="ZA4")
    api_meeting(ctx.database, session.id)
    register_people(ctx, session, [1])
    clock.moment = END + IMPORT_DELAY
    assert await import_due_attendance(ctx, client, options=OPTIONS) == []  # not there yet
    assert session_row(ctx.database, session.id).attendance_import is None
    clock.moment = END + IMPORT_GIVE_UP
    [run] = await import_due_attendance(ctx, client, options=OPTIONS)
    assert run.outcome is ImportOutcome.FOR_ADMIN


async def test_without_zoom_credentials_sessions_go_to_the_admins(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    publish(ctx.database, series_id=ctx.series_id, code="ZA5")
    clock.moment = END + IMPORT_DELAY
    [run] = await import_due_attendance(ctx, None, options=OPTIONS)
    assert run.outcome is ImportOutcome.FOR_ADMIN


async def test_cancelled_and_future_sessions_are_not_read(
    ctx: ServiceContext, clock: FixedClock, client: ZoomClient
) -> None:
    publish(ctx.database, series_id=ctx.series_id, code="ZA6", status=SessionStatus.CANCELLED)
    publish(
        ctx.database,
        series_id=ctx.series_id,
        code="ZA7",
        starts_at=SESSION_START + dt.timedelta(days=14),
    )
    clock.moment = END + IMPORT_DELAY
    assert await import_due_attendance(ctx, client, options=OPTIONS) == []
