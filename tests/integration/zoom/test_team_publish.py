"""Publishing, moving and cancelling against the Zoom sandbox: one meeting, whatever fails."""

import datetime as dt
from pathlib import Path

import pytest

from gedsi_bot.domain.model import MeetingSource
from gedsi_bot.sandbox.zoom import ZoomSandbox
from gedsi_bot.services import team
from gedsi_bot.services import team_messages as msg
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.services.meetings import MeetingChange
from gedsi_bot.services.team_outbox import compose_team_reminder
from gedsi_bot.store import Database
from gedsi_bot.zoom import ZoomClient, ZoomError
from tests.registration_factories import SESSION_START, FixedClock, bundled_catalog
from tests.team_factories import (
    MODERATOR,
    add_team_session,
    expand_due,
    link_person,
    pending,
    rows,
    subscriber,
)
from tests.team_factories import team_setup as make_setup


@pytest.fixture
def ctx(database: Database) -> ServiceContext:
    return ServiceContext.open(database, bundled_catalog(), clock=FixedClock())


@pytest.fixture
def setup(tmp_path: Path) -> team.TeamSetup:
    return make_setup(tmp_path)


def approved(ctx: ServiceContext, setup: team.TeamSetup) -> int:
    session = add_team_session(ctx.database, series_id=ctx.series_id, manual_meeting=False)
    team.approve_session(ctx, setup, number=session.number)
    return session.number


async def test_publish_with_zoom_down_then_up_makes_one_meeting_and_one_announcement(
    ctx: ServiceContext, setup: team.TeamSetup, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    number = approved(ctx, setup)
    subscriber(ctx, 11)
    zoom.add_fault("error", method="POST", path="/meetings", times=None, status=503)

    with pytest.raises(ZoomError):
        await team.publish_session(ctx, client, setup, number=number)

    assert rows(ctx) == []
    zoom.clear_faults()
    result = await team.publish_session(ctx, client, setup, number=number)
    again = await team.publish_session(ctx, client, setup, number=number)

    assert result.meeting.source is MeetingSource.API
    assert again.already
    assert [m["id"] for m in zoom.meetings()] == [int(result.meeting.meeting_id)]
    expand_due(ctx, ctx.clock.now())
    assert [row.chat_id for row in pending(ctx, kind=msg.ANNOUNCEMENT)] == [11]


async def test_publish_after_zoom_made_the_meeting_but_the_answer_was_lost(
    ctx: ServiceContext, setup: team.TeamSetup, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    number = approved(ctx, setup)
    zoom.add_fault("drop", method="POST", path="/meetings", times=None)

    with pytest.raises(ZoomError):
        await team.publish_session(ctx, client, setup, number=number)
    zoom.clear_faults()
    await team.publish_session(ctx, client, setup, number=number)

    assert len(zoom.meetings()) == 1


async def test_reschedule_moves_the_zoom_meeting(
    ctx: ServiceContext, setup: team.TeamSetup, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    number = approved(ctx, setup)
    meeting = (await team.publish_session(ctx, client, setup, number=number)).meeting
    new_start = SESSION_START + dt.timedelta(days=7)

    result = await team.reschedule_session(ctx, client, setup, number=number, starts_at=new_start)

    assert result.meeting is MeetingChange.UPDATED
    stored = zoom.meeting(meeting.meeting_id)
    assert stored is not None
    assert stored["start_time"].startswith("2026-12-17")


async def test_cancel_deletes_the_zoom_meeting(
    ctx: ServiceContext, setup: team.TeamSetup, zoom: ZoomSandbox, client: ZoomClient
) -> None:
    number = approved(ctx, setup)
    await team.publish_session(ctx, client, setup, number=number)

    result = await team.cancel_session(ctx, client, setup, number=number)

    assert result.meeting is MeetingChange.DELETED
    assert zoom.meetings() == []


async def test_moderators_last_reminder_has_a_freshly_fetched_host_link(
    ctx: ServiceContext, setup: team.TeamSetup, client: ZoomClient
) -> None:
    number = approved(ctx, setup)
    link_person(ctx, setup, number, MODERATOR, 501)
    await team.publish_session(ctx, client, setup, number=number)
    final = next(
        row
        for row in pending(ctx, kind=msg.TEAM_REMINDER)
        if row.payload["compose"]["args"]["final"]
    )

    payload = await compose_team_reminder(ctx, client, final.payload["compose"]["args"])

    assert payload is not None
    text = payload["params"]["text"]
    assert "Tautan host" in text
    assert "/s/" in text  # Zoom's start links look like https://…/s/<id>?zak=…
