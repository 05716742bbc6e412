"""The team's workflow end to end: the real bot, its delivery worker, the Telegram and Zoom
sandboxes, and a clock the test moves.

Absence is checked without sleeping: a sentinel row due "now" is queued for the person, and
the worker sends due rows in due order, so anything due earlier would arrive before it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gedsi_bot.domain.model import SessionStatus
from gedsi_bot.locale import t
from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient, ReceivedMessage
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from gedsi_bot.sandbox.zoom import ZoomSandbox
from gedsi_bot.services import team
from gedsi_bot.services.planning import plan_next_sessions
from gedsi_bot.store.outbox import enqueue
from gedsi_bot.store.sessions import get_session
from gedsi_bot.store.tables import OutboxRow, SessionRow
from tests.e2e.harness import WAIT, BotHarness, Person
from tests.team_factories import team_setup

pytestmark = pytest.mark.slow

CHANNEL = -1001987654321


@pytest.fixture
async def admin(client: AsyncSandboxClient) -> Person:
    return await Person.create(client, "Admin")


@pytest.fixture
async def office(
    sandbox: TelegramSandbox,
    zoom_sandbox: ZoomSandbox,
    client: AsyncSandboxClient,
    admin: Person,
    tmp_path: Path,
) -> AsyncIterator[BotHarness]:
    """The bot with Zoom, a channel, one admin, and its delivery worker."""
    await client.create_channel("Caring Gedsi", chat_id=CHANNEL)
    config = zoom_sandbox.config
    harness = BotHarness(
        sandbox,
        tmp_path / "gedsi.db",
        extra_settings={
            "admin_ids": frozenset({admin.id}),
            "data_dir": tmp_path / "data",
            "telegram_channel": str(CHANNEL),
            "zoom_account_id": config.account_id,
            "zoom_client_id": config.client_id,
            "zoom_client_secret": config.client_secret,
            "zoom_api_url": zoom_sandbox.api_url,
            "zoom_oauth_url": zoom_sandbox.oauth_url,
        },
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
        harness.database.dispose()


# --- helpers -----------------------------------------------------------------------------------


def wake(harness: BotHarness) -> None:
    assert harness.application is not None
    harness.application.bot_data.wake_delivery()


async def settled(harness: BotHarness) -> None:
    """Wait until no row is in flight: the worker's leases run on the test's clock, so a jump
    while a row is being sent would look like an expired lease and send it again."""
    deadline = asyncio.get_running_loop().time() + WAIT
    while True:
        with harness.database.read() as db:
            busy = db.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "sending")
            )
        if not busy:
            return
        assert asyncio.get_running_loop().time() < deadline, "rows still in flight"
        await asyncio.sleep(0.02)


async def move_clock(harness: BotHarness, to: dt.datetime) -> None:
    await settled(harness)
    harness.clock.moment = to
    wake(harness)


async def next_messages(person: Person, count: int = 1) -> list[ReceivedMessage]:
    """The next ``count`` messages the bot sends this person (waiting for them)."""
    events = await person.client.wait_for_events(person.id, count, after=person.seen, timeout=WAIT)
    person.seen = events[-1].seq
    return [event.message for event in events]


async def nothing_else(harness: BotHarness, person: Person) -> None:
    """Nothing due up to now reaches ``person`` beyond what they have seen."""
    text = f"sentinel {harness.clock.now().isoformat()} {person.seen}"
    with harness.database.write() as db:
        enqueue(
            db,
            kind="test",
            chat_id=person.id,
            payload={"method": "sendMessage", "params": {"text": text}},
            due_at=harness.clock.now(),
            dedupe_key=f"test:{person.id}:{text}",
        )
    wake(harness)
    (message,) = await next_messages(person)
    assert message.text == text


async def subscriber(client: AsyncSandboxClient, name: str) -> Person:
    person = await Person.create(client, name)
    await person.start()
    await person.press("sub:yes")
    return person


async def register(harness: BotHarness, person: Person, number: int) -> None:
    """``person`` registers from the session's link, up to the calendar file after the seat."""
    await person.start(f"daftar_{session_row(harness, number).registration_code}")
    await person.fill_adult_form()
    await person.confirm()
    person.seen = (await person.client.events(person.id))[-1].seq


def session_row(harness: BotHarness, number: int) -> SessionRow:
    with harness.database.read() as db:
        row = db.scalar(
            select(SessionRow).where(
                SessionRow.series_id == harness.services.series_id, SessionRow.number == number
            )
        )
        assert row is not None
        return row


def plan_one(harness: BotHarness) -> int:
    outcome = plan_next_sessions(
        harness.database, harness.catalog, start=harness.clock.now().date(), count=1, save=True
    )
    assert outcome.plan.feasible
    with harness.database.read() as db:
        return get_session(db, series_id=harness.services.series_id, number=1).number


def personal_payload(harness: BotHarness, number: int, person_id: str) -> str:
    setup = team_setup(harness.database_path.parent)
    infos = team.invite_people(harness.services, setup, number=number)
    url = next(info.link for info in infos if info.person_id == person_id)
    assert url is not None
    return url.rsplit("start=", 1)[1]


# --- the whole series step ----------------------------------------------------------------------


async def test_plan_approve_publish_announce_remind_nudge_and_ask_for_feedback(
    office: BotHarness,
    client: AsyncSandboxClient,
    zoom_sandbox: ZoomSandbox,
    admin: Person,
) -> None:
    number = plan_one(office)
    plan = await admin.command("rencana")
    assert f"#{number} · " in plan.text
    fans = [await subscriber(client, name) for name in ("Siti", "Ani", "Budi")]
    await admin.command(f"setujui {number}")
    moderator_id = next(
        p.person_id for p in session_row(office, number).people if p.role == "moderator"
    )
    moderator = await Person.create(client, "Moderator")
    invitation = await moderator.start(personal_payload(office, number, moderator_id), expect=2)
    await moderator.press(invitation.buttons[0][0].callback_data or "")

    published = await admin.command(f"terbitkan {number}")

    assert published.text.startswith(f"📣 Sesi #{number} diterbitkan.")
    (meeting,) = zoom_sandbox.meetings()
    for fan in fans:
        (announcement,) = await next_messages(fan)
        assert announcement.photo is not None
        assert announcement.buttons[0][0].text == "📝 Daftar"
        assert announcement.buttons[0][0].url is not None
    (post,) = await client.wait_for_messages(CHANNEL, 1, timeout=WAIT)
    assert post.photo is not None
    assert "?start=daftar_" in (post.buttons[0][0].url or "")

    siti = fans[0]
    await register(office, siti, number)
    start = session_row(office, number).starts_at

    await move_clock(office, start - dt.timedelta(days=7))
    (week,) = await next_messages(moderator)
    assert "sebagai moderator dalam 7 hari" in week.text

    await move_clock(office, start - dt.timedelta(days=1, minutes=1))
    await nothing_else(office, siti)  # not a minute early

    await move_clock(office, start - dt.timedelta(days=1))
    (day_before,) = await next_messages(siti)
    assert "dimulai dalam 1 hari" in day_before.text
    assert str(meeting["id"]) in day_before.text.replace(" ", "")
    (day,) = await next_messages(moderator)
    assert "sebagai moderator dalam 1 hari" in day.text
    assert "Susunan acara" not in day.text

    await move_clock(office, start - dt.timedelta(hours=1))
    (hour_before,) = await next_messages(siti)
    assert "dimulai dalam 1 jam" in hour_before.text
    (host,) = await next_messages(moderator)
    assert "Susunan acara" in host.text
    assert "Tautan host" in host.text
    assert "zak=" in host.text  # a start link fetched from Zoom for this reminder

    await move_clock(office, start + dt.timedelta(minutes=5))
    (started,) = await next_messages(siti)
    assert "Sesi sudah dimulai" in started.text

    await move_clock(office, start + dt.timedelta(minutes=130))
    (feedback,) = await next_messages(siti)
    assert feedback.buttons[0][0].callback_data == f"umpan:{number}"

    for fan in fans:
        await nothing_else(office, fan)  # no second announcement, no reminder for the others


# --- invitations --------------------------------------------------------------------------------


async def test_a_declined_invitation_proposes_a_replacement_to_the_admins(
    office: BotHarness, client: AsyncSandboxClient, admin: Person
) -> None:
    number = plan_one(office)
    await admin.command(f"setujui {number}")
    speaker_id = next(
        p.person_id for p in session_row(office, number).people if p.role == "speaker"
    )
    speaker = await Person.create(client, "Narasumber")
    invitation = await speaker.start(personal_payload(office, number, speaker_id), expect=2)

    reply = await speaker.press(invitation.buttons[0][1].callback_data or "")

    assert reply.text.startswith(t("team.invite.declined"))
    (notice,) = await next_messages(admin)
    assert "tidak bisa menjadi narasumber" in notice.text
    assert "Usulan pengganti:" in notice.text
    assert "1. " in notice.text


# --- moving and cancelling ----------------------------------------------------------------------


async def published_with_registrant(
    office: BotHarness, client: AsyncSandboxClient, admin: Person
) -> tuple[int, Person, dt.datetime]:
    number = plan_one(office)
    await admin.command(f"setujui {number}")
    await admin.command(f"terbitkan {number}")
    code = session_row(office, number).registration_code
    person = await Person.create(client, "Peserta")
    await person.register(str(code))
    person.seen = (await client.events(person.id))[-1].seq
    return number, person, session_row(office, number).starts_at


async def test_reschedule_tells_registrants_and_old_reminders_are_not_sent(
    office: BotHarness, client: AsyncSandboxClient, zoom_sandbox: ZoomSandbox, admin: Person
) -> None:
    number, person, old_start = await published_with_registrant(office, client, admin)
    new_start = old_start + dt.timedelta(days=7)
    local = new_start.astimezone(office.catalog.series.zone)

    reply = await admin.command(f"ubahjadwal {number} {local:%Y-%m-%d} {local:%H.%M}")

    assert reply.text.startswith(f"📅 Sesi #{number} dipindahkan ke")
    (notice,) = await next_messages(person)
    assert "Jadwal berubah" in notice.text
    (meeting,) = zoom_sandbox.meetings()
    assert meeting["start_time"].startswith(f"{local:%Y-%m-%d}")
    await move_clock(office, old_start - dt.timedelta(hours=1))
    await nothing_else(office, person)
    await move_clock(office, new_start - dt.timedelta(days=1))
    (day,) = await next_messages(person)
    assert "dimulai dalam 1 hari" in day.text
    assert "17 Desember 2026" in day.text


async def test_cancel_tells_registrants_and_nothing_follows(
    office: BotHarness, client: AsyncSandboxClient, zoom_sandbox: ZoomSandbox, admin: Person
) -> None:
    number, person, start = await published_with_registrant(office, client, admin)

    await admin.command(f"batalkan {number}")
    done = await admin.press(f"batalsesi:{number}")

    assert done.text.startswith(f"❌ Sesi #{number} dibatalkan. 1 pendaftar diberi tahu.")
    (notice,) = await next_messages(person)
    assert "Sesi dibatalkan" in notice.text
    assert zoom_sandbox.meetings() == []
    assert session_row(office, number).status == SessionStatus.CANCELLED.value
    await move_clock(office, start + dt.timedelta(hours=3))
    await nothing_else(office, person)


# --- Zoom down ----------------------------------------------------------------------------------


async def test_publish_with_zoom_down_then_again_makes_one_meeting_and_one_announcement(
    office: BotHarness, client: AsyncSandboxClient, zoom_sandbox: ZoomSandbox, admin: Person
) -> None:
    number = plan_one(office)
    fans = [await subscriber(client, name) for name in ("Siti", "Ani")]
    await admin.command(f"setujui {number}")
    zoom_sandbox.add_fault("error", method="POST", path="/meetings", times=None, status=503)

    down = await admin.command(f"terbitkan {number}")

    assert down.text == t("team.command.zoom_down", "id", number=number)
    assert session_row(office, number).status == SessionStatus.APPROVED.value
    zoom_sandbox.clear_faults()
    up = await admin.command(f"terbitkan {number}")
    again = await admin.command(f"terbitkan {number}")

    assert up.text.startswith(f"📣 Sesi #{number} diterbitkan.")
    assert again.text == t("team.command.republished", "id", number=number)
    assert len(zoom_sandbox.meetings()) == 1
    for fan in fans:
        (announcement,) = await next_messages(fan)
        assert announcement.photo is not None
        await nothing_else(office, fan)
