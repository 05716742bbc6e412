"""The team's admin commands and invitation links, driven through the Telegram sandbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from gedsi_bot.domain.model import SessionStatus
from gedsi_bot.locale import t
from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from gedsi_bot.services import team
from gedsi_bot.services import team_messages as msg
from gedsi_bot.store.sessions import get_session
from gedsi_bot.store.tables import OutboxRow
from tests.e2e.harness import BotHarness, Person
from tests.registration_factories import SESSION_START
from tests.team_factories import MODERATOR, SPEAKERS, add_team_session, team_setup

pytestmark = pytest.mark.slow

REFUSED = t("bot.roles.refused")


@pytest.fixture
async def admin(client: AsyncSandboxClient) -> Person:
    return await Person.create(client, "Admin")


@pytest.fixture
async def team_bot(
    sandbox: TelegramSandbox, admin: Person, tmp_path: Path
) -> AsyncIterator[BotHarness]:
    harness = BotHarness(
        sandbox,
        tmp_path / "gedsi.db",
        extra_settings={"admin_ids": frozenset({admin.id}), "data_dir": tmp_path / "data"},
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
        harness.database.dispose()


def draft(harness: BotHarness, **kwargs: object) -> int:
    session = add_team_session(
        harness.database,
        series_id=harness.services.series_id,
        **kwargs,  # type: ignore[arg-type]
    )
    return session.number


def status_of(harness: BotHarness, number: int) -> SessionStatus:
    with harness.database.read() as db:
        return get_session(db, series_id=harness.services.series_id, number=number).status


def outbox_rows(harness: BotHarness, kind: str) -> list[OutboxRow]:
    with harness.database.read() as db:
        return list(db.scalars(select(OutboxRow).where(OutboxRow.kind == kind)))


@pytest.mark.parametrize(
    "command",
    [
        "rencana",
        "setujui 1",
        "terbitkan 1",
        "peserta 1",
        "ubahjadwal 1 2026-12-17 09.00",
        "batalkan 1",
    ],
)
async def test_admin_command_is_refused_politely_for_anyone_else(
    team_bot: BotHarness, client: AsyncSandboxClient, command: str
) -> None:
    number = draft(team_bot)
    participant = await Person.create(client)

    reply = await participant.command(command)

    assert reply.text == REFUSED
    assert status_of(team_bot, number) is SessionStatus.DRAFT


async def test_cancel_button_is_refused_once_the_person_is_no_longer_an_admin(
    team_bot: BotHarness, admin: Person
) -> None:
    number = draft(team_bot)
    question = await admin.command(f"batalkan {number}")
    team_bot.extra_settings["admin_ids"] = frozenset()
    await team_bot.restart()

    press = await admin.client.press_button(
        admin.id, question.message_id, data=f"batalsesi:{number}"
    )
    assert press.callback_query_id is not None
    answer = await admin.client.wait_for_callback_answer(press.callback_query_id, timeout=30)

    assert answer.text == t("bot.roles.refused_short")
    assert status_of(team_bot, number) is SessionStatus.DRAFT


async def test_rencana_lists_the_planned_sessions(team_bot: BotHarness, admin: Person) -> None:
    number = draft(team_bot)

    reply = await admin.command("rencana")

    assert reply.text.startswith("Rencana sesi")
    assert f"#{number} · Kamis, 10 Desember 2026 pukul 09.00 WIB · " in reply.text


async def test_setujui_approves_and_gives_the_personal_links(
    team_bot: BotHarness, admin: Person
) -> None:
    number = draft(team_bot)

    reply = await admin.command(f"setujui {number}")

    assert reply.text.startswith(f"✅ Sesi #{number} disetujui.")
    assert reply.text.count("?start=tim_") == 3
    assert status_of(team_bot, number) is SessionStatus.APPROVED


async def test_setujui_without_a_number_explains_how(team_bot: BotHarness, admin: Person) -> None:
    reply = await admin.command("setujui")

    assert reply.text == t("team.command.usage_number", "id", command="setujui")


async def test_terbitkan_publishes_and_queues_the_announcement(
    team_bot: BotHarness, admin: Person
) -> None:
    number = draft(team_bot)
    await admin.command(f"setujui {number}")

    reply = await admin.command(f"terbitkan {number}")

    assert reply.text.startswith(f"📣 Sesi #{number} diterbitkan. Rapat: 812 3456 7890")
    assert status_of(team_bot, number) is SessionStatus.PUBLISHED
    assert len(outbox_rows(team_bot, msg.ANNOUNCEMENT)) == 1


async def test_terbitkan_a_draft_says_to_approve_first(
    team_bot: BotHarness, admin: Person
) -> None:
    number = draft(team_bot)

    reply = await admin.command(f"terbitkan {number}")

    assert reply.text == t(
        "team.command.not_approved", "id", number=number, status=t("cli.status.draft")
    )


async def test_peserta_counts_and_lists(team_bot: BotHarness, admin: Person) -> None:
    number = draft(team_bot)

    reply = await admin.command(f"peserta {number}")

    assert reply.text.startswith(f"Peserta sesi #{number} — 0 terdaftar dari")
    assert reply.text.endswith(t("team.command.participants_none"))


async def test_peserta_of_an_unknown_session(team_bot: BotHarness, admin: Person) -> None:
    reply = await admin.command("peserta 99")

    assert reply.text == t("team.command.not_found", "id", number=99)


async def test_ubahjadwal_moves_the_session(team_bot: BotHarness, admin: Person) -> None:
    number = draft(team_bot)

    reply = await admin.command(f"ubahjadwal {number} 2026-12-17 10.00")

    assert reply.text.startswith(
        f"📅 Sesi #{number} dipindahkan ke Kamis, 17 Desember 2026 pukul 10.00 WIB."
    )
    with team_bot.database.read() as db:
        session = get_session(db, series_id=team_bot.services.series_id, number=number)
    assert session.starts_at == SESSION_START + dt.timedelta(days=7, hours=1)


async def test_ubahjadwal_with_a_bad_time_explains_how(
    team_bot: BotHarness, admin: Person
) -> None:
    number = draft(team_bot)

    reply = await admin.command(f"ubahjadwal {number} 17-12-2026 10.00")

    assert reply.text == t("team.command.bad_when")


async def test_batalkan_asks_then_cancels(team_bot: BotHarness, admin: Person) -> None:
    number = draft(team_bot)

    question = await admin.command(f"batalkan {number}")
    assert question.text == t("team.command.cancel_confirm", "id", number=number)
    done = await admin.press(f"batalsesi:{number}")

    assert done.text.startswith(f"❌ Sesi #{number} dibatalkan.")
    assert status_of(team_bot, number) is SessionStatus.CANCELLED


async def test_batalkan_kept_changes_nothing(team_bot: BotHarness, admin: Person) -> None:
    number = draft(team_bot)
    await admin.command(f"batalkan {number}")

    kept = await admin.press("batalsesi_tidak")

    assert kept.text == t("team.command.cancel_kept")
    assert status_of(team_bot, number) is SessionStatus.DRAFT


# --- invitations ------------------------------------------------------------------------------


def personal_link(harness: BotHarness, number: int, person_id: str) -> str:
    setup = team_setup(harness.database_path.parent)
    infos = team.invite_people(harness.services, setup, number=number)
    url = next(info.link for info in infos if info.person_id == person_id)
    assert url is not None
    return url.rsplit("start=", 1)[1]


async def test_invitation_link_links_once_and_shows_the_invitation(
    team_bot: BotHarness, client: AsyncSandboxClient, admin: Person
) -> None:
    number = draft(team_bot)
    await admin.command(f"setujui {number}")
    moderator = await Person.create(client, "Rina")

    invitation = await moderator.start(personal_link(team_bot, number, MODERATOR), expect=2)

    assert "Anda diundang sebagai moderator" in invitation.text
    assert [b.callback_data for b in invitation.buttons[0]] == [
        f"undangan_ya:{number_id(team_bot, number)}",
        f"undangan_tidak:{number_id(team_bot, number)}",
    ]
    stranger = await Person.create(client, "Budi")
    refused = await stranger.start(personal_link(team_bot, number, MODERATOR))
    assert refused.text == t("team.link.taken")


async def test_accepting_an_invitation_is_recorded(
    team_bot: BotHarness, client: AsyncSandboxClient, admin: Person
) -> None:
    number = draft(team_bot)
    await admin.command(f"setujui {number}")
    speaker = await Person.create(client, "Dewi")
    await speaker.start(personal_link(team_bot, number, SPEAKERS[0]), expect=2)

    reply = await speaker.press(f"undangan_ya:{number_id(team_bot, number)}")

    assert reply.text.startswith("✅ Terima kasih! Anda tercatat sebagai narasumber.")


async def test_declining_an_invitation_queues_a_notice_with_replacements_for_the_admins(
    team_bot: BotHarness, client: AsyncSandboxClient, admin: Person
) -> None:
    number = draft(team_bot)
    await admin.command(f"setujui {number}")
    speaker = await Person.create(client, "Dewi")
    await speaker.start(personal_link(team_bot, number, SPEAKERS[1]), expect=2)

    reply = await speaker.press(f"undangan_tidak:{number_id(team_bot, number)}")

    assert reply.text.startswith(t("team.invite.declined"))
    (notice,) = outbox_rows(team_bot, msg.ADMIN_NOTICE)
    assert notice.chat_id == admin.id
    assert "Usulan pengganti" in notice.payload["params"]["text"]


def number_id(harness: BotHarness, number: int) -> int:
    with harness.database.read() as db:
        return get_session(db, series_id=harness.services.series_id, number=number).id
