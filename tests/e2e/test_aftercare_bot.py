"""After the session, through the Telegram sandbox: feedback (with nonsense typed in), attendance
marked by the admins, by the person, or read from the Zoom sandbox by the periodic job,
certificates issued once, verified and revoked, and /laporan for admins only."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from gedsi_bot.bot.attendance import JOB_NAME
from gedsi_bot.domain.model import Session
from gedsi_bot.domain.series import Catalog
from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient, ReceivedMessage
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from gedsi_bot.sandbox.zoom import ZoomSandbox
from gedsi_bot.store.tables import CertificateRow, FeedbackRow, RegistrationRow
from tests.aftercare_factories import AFTER_END, catalog_with_certificates
from tests.e2e.harness import WAIT, BotHarness, Person
from tests.registration_factories import bundled_catalog

pytestmark = pytest.mark.slow

ADMIN_ID = 7001
CODE = re.compile(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")


@pytest.fixture
async def admin(client: AsyncSandboxClient) -> Person:
    return Person(client, await client.create_user("Admin", user_id=ADMIN_ID, started=True))


@pytest.fixture
async def make_bot(
    sandbox: TelegramSandbox, admin: Person, tmp_path: Path
) -> AsyncIterator[Callable[..., Any]]:
    """Start a bot with an admin, files under ``tmp_path``, and optionally another catalog."""
    started: list[BotHarness] = []

    async def start(catalog: Catalog | None = None, **settings: Any) -> BotHarness:
        harness = BotHarness(
            sandbox,
            tmp_path / f"gedsi-{len(started)}.db",
            catalog=catalog or bundled_catalog(),
            extra_settings={
                "admin_ids": frozenset({admin.id}),
                "data_dir": tmp_path / "data",
                **settings,
            },
        )
        await harness.start()
        started.append(harness)
        return harness

    yield start
    for harness in started:
        await harness.stop()
        harness.database.dispose()


async def command(person: Person, name: str, payload: str, *, expect: int = 1) -> ReceivedMessage:
    """``/name payload`` typed by ``person``; the bot's last reply of ``expect``."""
    events = await person._act(
        person.client.send_command(person.id, name, payload),
        expect,
    )
    return events[-1].message


async def registered_and_over(
    bot: BotHarness, client: AsyncSandboxClient, code: str
) -> tuple[Session, Person]:
    session = bot.publish(code)
    siti = await Person.create(client)
    await siti.register(code)
    bot.clock.moment = AFTER_END
    return session, siti


async def request_feedback(bot: BotHarness, person: Person, session: Session) -> None:
    """The feedback request, as the delivery worker sends it (the team helper's message)."""
    await bot.deliver(
        person.id,
        {
            "method": "sendMessage",
            "params": {
                "text": "Bagaimana sesinya?",
                "reply_markup": {
                    "inline_keyboard": [
                        [{"text": "Beri umpan balik", "callback_data": f"umpan:{session.number}"}]
                    ]
                },
            },
        },
    )
    events = await person.client.wait_for_events(person.id, 1, after=person.seen, timeout=WAIT)
    person.seen = events[-1].seq


async def fill_feedback(person: Person, session: Session, *, expect_after: int) -> ReceivedMessage:
    """The whole form with a nonsense answer at each kind of question; the last reply."""
    asked = await person.press(f"umpan:{session.number}")
    assert "materi" in asked.text
    again = await person.say("mantap sekali")  # not a rating
    assert "1 sampai 5" in again.text
    assert "materi" in again.text
    speaker = await person.say("4")  # a typed rating is understood
    assert "narasumber" in speaker.text
    await person.press("fbr:speaker:5")
    useful = await person.press("fbr:usefulness:4")
    assert "paling bermanfaat" in useful.text
    noise = await person.say("🙏🙏🙏")
    assert "belum bisa kami baca" in noise.text
    theme = await person.say("Cara melapor kekerasan dan mendampingi korban")
    assert "sesi berikutnya" in theme.text
    choice = next(
        button.callback_data
        for row in theme.buttons
        for button in row
        if (button.callback_data or "").startswith("fbt:")
    )
    assert choice is not None
    return await person.press(choice, expect=expect_after)


def count(bot: BotHarness, table: Any) -> int:
    with bot.database.read() as db:
        return db.scalar(select(func.count()).select_from(table)) or 0


async def test_feedback_then_attendance_gives_one_certificate_that_verifies_until_deleted(
    make_bot: Callable[..., Any], client: AsyncSandboxClient, admin: Person
) -> None:
    bot = await make_bot()
    session, siti = await registered_and_over(bot, client, "AF1")
    await request_feedback(bot, siti, session)

    last = await fill_feedback(siti, session, expect_after=2)
    assert "dikirim setelah kehadiran Anda tercatat" in last.text
    assert count(bot, FeedbackRow) == 1
    with bot.database.read() as db:
        registration_id = db.scalars(select(RegistrationRow.id)).one()

    marked = await command(admin, "hadir", f"{session.number} {registration_id}")
    assert "1 pendaftaran ditandai hadir" in marked.text
    events = await client.wait_for_events(siti.id, 2, after=siti.seen, timeout=WAIT)
    siti.seen = events[-1].seq
    # The outbox worker sends the two in parallel: either may arrive first.
    [photo] = [event.message for event in events if event.message.raw.get("photo")]
    [pdf] = [event.message for event in events if event.message.document is not None]
    assert pdf.document["file_name"].endswith(".pdf")
    match = CODE.search(photo.text)
    assert match is not None
    code = match.group(0)
    assert f"CG-2026-{session.number:03d}-0001" in photo.text

    # Giving feedback again replaces it and issues nothing more.
    await request_feedback(bot, siti, session)
    updated = await fill_feedback(siti, session, expect_after=1)
    assert "diperbarui" in updated.text
    assert (count(bot, FeedbackRow), count(bot, CertificateRow)) == (1, 1)

    mine = await siti.command("sertifikat", expect=2)
    assert mine.document is not None

    checker = await Person.create(client, "Budi")
    valid = await command(checker, "verifikasi", code.lower())
    assert "sah" in valid.text
    assert "Siti Aminah" in valid.text
    assert f"#{session.number}" in valid.text
    by_link = await checker.start(f"cek_{code}")
    assert "Siti Aminah" in by_link.text

    await siti.command("hapusdata")
    await siti.press("del:yes")
    revoked = await command(checker, "verifikasi", code)
    assert "dicabut" in revoked.text
    assert "Siti" not in revoked.text
    unknown = await command(checker, "verifikasi", "ABCD-EFGH-JKMN")
    assert "tidak dikenal" in unknown.text


async def test_feedback_too_early_or_for_nothing_is_explained(
    make_bot: Callable[..., Any], client: AsyncSandboxClient
) -> None:
    bot = await make_bot()
    bot.publish("AF2")
    siti = await Person.create(client)
    await siti.register("AF2")
    early = await siti.command("umpanbalik")
    assert "belum dimulai" in early.text
    nobody = await Person.create(client, "Budi")
    nothing = await nobody.command("umpanbalik")
    assert "Belum ada sesi" in nothing.text


async def test_self_declared_attendance_only_where_the_office_allows_it(
    make_bot: Callable[..., Any], client: AsyncSandboxClient
) -> None:
    strict = await make_bot()
    session, siti = await registered_and_over(strict, client, "AF3")
    refused = await siti.command("sayahadir")
    assert "dicatat oleh panitia" in refused.text
    with strict.database.read() as db:
        assert db.scalars(select(RegistrationRow.status)).one() == "registered"
    await strict.stop()

    lenient = await make_bot(catalog_with_certificates(self_declared_attendance=True))
    session, budi = await registered_and_over(lenient, client, "AF4")
    await request_feedback(lenient, budi, session)
    waiting = await fill_feedback(budi, session, expect_after=2)
    assert "Saya hadir" in waiting.text
    await budi.press(f"saya:{session.number}", expect=3)  # thanks, picture and PDF
    with lenient.database.read() as db:
        row = db.scalars(select(RegistrationRow)).one()
        assert (row.status, row.attendance_source) == ("attended", "self")
        assert db.scalar(select(func.count(CertificateRow.id))) == 1


async def test_report_is_for_admins_only(
    make_bot: Callable[..., Any], client: AsyncSandboxClient, admin: Person
) -> None:
    bot = await make_bot()
    session, siti = await registered_and_over(bot, client, "AF5")
    refused = await command(siti, "laporan", str(session.number))
    assert "khusus untuk tim penyelenggara" in refused.text

    await command(admin, "laporan", str(session.number), expect=3)
    summary, chart, workbook = (await admin.messages())[-3:]
    assert f"#{session.number}" in summary.text or "Sesi" in summary.text
    assert chart.raw.get("photo")
    assert workbook.document is not None
    assert workbook.document["file_name"] == f"laporan-sesi-{session.number}.xlsx"
    await command(admin, "laporan", "", expect=3)
    series = (await admin.messages())[-1]
    assert series.document is not None
    assert series.document["file_name"] == "laporan-seri.xlsx"


async def test_periodic_job_reads_zoom_attendance_and_tells_the_admins(
    make_bot: Callable[..., Any], client: AsyncSandboxClient, zoom_sandbox: ZoomSandbox
) -> None:
    config = zoom_sandbox.config
    bot = await make_bot(
        zoom_account_id=config.account_id,
        zoom_client_id=config.client_id,
        zoom_client_secret=config.client_secret,
        zoom_api_url=zoom_sandbox.api_url,
        zoom_oauth_url=zoom_sandbox.oauth_url,
    )
    session, siti = await registered_and_over(bot, client, "AF6")
    assert session.meeting is not None
    start = session.starts_at
    zoom_sandbox.set_participants(
        session.meeting.meeting_id,
        [
            {
                "name": "Ibu Siti Aminah",
                "join_time": start.isoformat(),
                "leave_time": (start + dt.timedelta(minutes=100)).isoformat(),
            },
            {
                "name": "Tamu",
                "join_time": start.isoformat(),
                "leave_time": (start + dt.timedelta(minutes=5)).isoformat(),
            },
        ],
    )
    application = bot.application
    assert application is not None
    assert application.job_queue is not None
    [job] = application.job_queue.get_jobs_by_name(JOB_NAME)
    await job.run(application)

    [notice] = await client.wait_for_messages(ADMIN_ID, 1, timeout=WAIT)
    assert f"sesi #{session.number} dibaca dari Zoom: 1 hadir" in notice.text
    assert "1 peserta Zoom tidak cocok" in notice.text
    with bot.database.read() as db:
        row = db.scalars(select(RegistrationRow)).one()
    assert (row.status, row.attendance_minutes, row.attendance_source) == ("attended", 100, "zoom")

    await job.run(application)  # read once: nothing new for the admins
    assert len(await client.messages(ADMIN_ID)) == 1
    await request_feedback(bot, siti, session)
    await fill_feedback(siti, session, expect_after=3)  # thanks, picture and PDF
    assert count(bot, CertificateRow) == 1
