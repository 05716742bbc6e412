"""Meetings that use Zoom registration: each participant is confirmed with a link of their own."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from gedsi_bot.sandbox.zoom import ZoomSandbox
from gedsi_bot.services.meetings import ensure_meeting
from gedsi_bot.store.tables import RegistrationRow
from gedsi_bot.zoom import ZoomClient
from tests.e2e.harness import BotHarness, Person

pytestmark = pytest.mark.slow


@pytest.fixture
async def zoom_bot(
    sandbox: TelegramSandbox, zoom_sandbox: ZoomSandbox, tmp_path: Path
) -> AsyncIterator[BotHarness]:
    config = zoom_sandbox.config
    harness = BotHarness(
        sandbox,
        tmp_path / "gedsi.db",
        extra_settings={
            "zoom_account_id": config.account_id,
            "zoom_client_id": config.client_id,
            "zoom_client_secret": config.client_secret,
            "zoom_api_url": zoom_sandbox.api_url,
            "zoom_oauth_url": zoom_sandbox.oauth_url,
            "zoom_registration": True,
        },
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
        harness.database.dispose()


async def test_participant_gets_a_personal_join_link(
    zoom_bot: BotHarness, client: AsyncSandboxClient
) -> None:
    session = zoom_bot.publish("K12", meeting=False)
    settings = zoom_bot.settings()
    async with ZoomClient.from_settings(settings) as zoom:
        made = await ensure_meeting(
            zoom_bot.database,
            zoom,
            catalog=zoom_bot.catalog,
            options=settings.meeting_options,
            series_id=zoom_bot.services.series_id,
            number=session.number,
        )
    assert made.meeting.uses_registration

    confirmation = await (await Person.create(client)).register("K12")

    with zoom_bot.database.read() as db:
        row = db.scalars(select(RegistrationRow)).one()
    assert row.personal_join_url is not None
    assert row.personal_join_url != made.meeting.join_url
    assert f"Tautan: {row.personal_join_url}" in confirmation.text
