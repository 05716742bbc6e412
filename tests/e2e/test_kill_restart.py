"""``gedsi-bot run`` killed (SIGKILL) at random points of a registration burst and started
again: nobody who was told they have a place loses it, and nobody gets two."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gedsi_bot.catalog import load_catalog
from gedsi_bot.sandbox.telegram.client import (
    AsyncSandboxClient,
    ReceivedMessage,
    SandboxError,
    SandboxTimeout,
)
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from gedsi_bot.services import registration as service
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import open_database
from tests.conftest import BUNDLED_CATALOG
from tests.e2e.conftest import TEST_FLOOD
from tests.e2e.test_run_command import environment, run_bot, stop
from tests.registration_factories import SESSION_START, adult_profile, publish

pytestmark = pytest.mark.slow

PEOPLE, SEATS = 14, 9
KILLS = 2
ATTEMPT = 15.0  # seconds a person waits for an answer before trying again, as people do
BURST_DEADLINE = 240.0
REGISTERED = ("Pendaftaran berhasil", "Anda sudah terdaftar")
WAITLISTED = ("daftar tunggu urutan ke-", "Anda sudah di daftar tunggu")


@pytest.fixture
def sandbox() -> Iterator[TelegramSandbox]:
    with TelegramSandbox(flood=TEST_FLOOD) as running:
        yield running


def told(messages: list[ReceivedMessage]) -> str | None:
    """What the bot told the person: "registered", "waitlisted", or nothing yet."""
    for message in messages:
        if any(phrase in message.text for phrase in REGISTERED):
            return "registered"
        if any(phrase in message.text for phrase in WAITLISTED):
            return "waitlisted"
    return None


class Burst:
    """Everyone registering at once, each trying again until the bot answers."""

    def __init__(self, client: AsyncSandboxClient) -> None:
        self.client = client
        self.answers: dict[int, str] = {}
        self._changed = asyncio.Condition()

    async def answered(self, count: int) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: len(self.answers) >= count)

    async def register(self, user_id: int) -> None:
        client, seen, pressed = self.client, 0, set[int]()
        while (outcome := told(messages := await client.messages(user_id))) is None:
            offers = [
                m
                for m in messages
                if m.message_id not in pressed
                and any(b.callback_data == "reuse:yes" for row in m.buttons for b in row)
            ]
            try:
                if offers:
                    pressed.add(offers[-1].message_id)
                    await client.press_button(user_id, offers[-1].message_id, data="reuse:yes")
                else:
                    await client.start(user_id, "daftar_K12")
                events = await client.wait_for_events(user_id, 1, after=seen, timeout=ATTEMPT)
                seen = events[-1].seq
            except SandboxTimeout:
                continue  # the bot is down: try again, as a person would
            except SandboxError:
                continue  # the offer was answered meanwhile (its button is gone)
        async with self._changed:
            self.answers[user_id] = outcome
            self._changed.notify_all()


def prepare(database_path: Path, user_ids: list[int]) -> int:
    """K12 with ``SEATS`` seats; everyone registered for K11 before, so one tap registers."""
    database = open_database(f"sqlite:///{database_path}")
    try:
        ctx = ServiceContext.open(database, load_catalog(BUNDLED_CATALOG))
        earlier = publish(
            database,
            series_id=ctx.series_id,
            code="K11",
            starts_at=SESSION_START - dt.timedelta(days=1),
        )
        session = publish(database, series_id=ctx.series_id, code="K12", capacity=SEATS)
        for number, user_id in enumerate(user_ids):
            service.register(
                ctx,
                telegram_user_id=user_id,
                chat_id=user_id,
                session_id=earlier.id,
                profile=adult_profile(f"Peserta {chr(65 + number)}"),
                consent_version=ctx.catalog.registration.consent_version,
            )
        return session.id
    finally:
        database.dispose()


async def test_killed_twice_mid_burst_no_registration_is_lost_or_doubled(
    sandbox: TelegramSandbox, tmp_path: Path
) -> None:
    kill_after = sorted(random.sample(range(1, PEOPLE), KILLS))  # answers before each kill
    async with sandbox.async_client(timeout=60) as client:
        await client.set_flood_limits(enabled=False)
        users = await client.create_users(PEOPLE)
        session_id = prepare(tmp_path / "gedsi.db", [user.id for user in users])
        env = environment(sandbox, tmp_path)
        burst = Burst(client)
        process = run_bot(env)
        killed: list[subprocess.Popen[str]] = []
        people = asyncio.gather(*(burst.register(user.id) for user in users))
        try:
            for count in kill_after:
                await asyncio.wait_for(burst.answered(count), BURST_DEADLINE)
                process.kill()
                killed.append(process)
                process = run_bot(env)
            await asyncio.wait_for(people, BURST_DEADLINE)
            # Everyone may have been answered before the last restart: the new process must be
            # up (answering) before it is asked to stop, or SIGTERM meets it still starting.
            probe = users[0].id
            seen = await client.events(probe)
            await client.start(probe)
            await client.wait_for_events(
                probe, 1, after=seen[-1].seq if seen else 0, timeout=BURST_DEADLINE
            )
        finally:
            people.cancel()
            code, errors = stop(process)
            for dead in killed:
                dead.communicate()

    assert code == 0, errors
    assert [dead.returncode for dead in killed] == [-9] * KILLS
    with sqlite3.connect(tmp_path / "gedsi.db") as db:
        rows = db.execute(
            "SELECT p.telegram_user_id, r.status FROM registrations r"
            " JOIN participants p ON p.id = r.participant_id WHERE r.session_id = ?",
            (session_id,),
        ).fetchall()
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    stored = dict(rows)
    assert len(rows) == len(stored) == PEOPLE, f"kills after {kill_after} answers"
    assert stored == burst.answers, f"kills after {kill_after} answers"
    assert sorted(stored.values()).count("registered") == SEATS
    assert integrity == "ok"
