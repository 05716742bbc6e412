"""Delivery when Telegram pushes back: 429 storms, one chat held, 5xx, giving up."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.request import HTTPXRequest, RequestData

from gedsi_bot.delivery.limits import Limits
from gedsi_bot.delivery.worker import WorkerOptions
from gedsi_bot.sandbox.telegram import FloodLimits, SandboxClient, TelegramSandbox
from gedsi_bot.store import Database, open_database
from gedsi_bot.store.tables import OutboxRow
from tests.integration.delivery_helpers import (
    FAST,
    Rig,
    counts,
    drain,
    make_rig,
    queue_for,
    received,
    settings_for,
    text_payload,
)

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns when it builds a 429's ``retry_after`` as an int; take the new type."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


BAD_GATEWAY = json.dumps({"ok": False, "error_code": 502, "description": "Bad Gateway"}).encode()


class FlakyRequest(HTTPXRequest):
    """Answers 502 to the first ``failures[chat]`` sends to a chat, as a proxy in trouble."""

    def __init__(self, failures: dict[int, int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.failures = dict(failures)

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **kwargs: Any
    ) -> tuple[int, bytes]:
        if request_data is not None and url.endswith("/sendMessage"):
            chat = request_data.parameters.get("chat_id")
            if isinstance(chat, int) and self.failures.get(chat, 0) > 0:
                self.failures[chat] -= 1
                return 502, BAD_GATEWAY
        return await super().do_request(url, method, request_data, **kwargs)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    opened = open_database(f"sqlite:///{tmp_path / 'gedsi.db'}")
    yield opened
    opened.dispose()


@pytest.fixture
def sandbox() -> Iterator[TelegramSandbox]:
    with TelegramSandbox(flood=FloodLimits().scaled(20)) as running:
        yield running


@pytest.fixture
def users(sandbox: TelegramSandbox) -> Iterator[SandboxClient]:
    with sandbox.client() as client:
        yield client


async def test_a_429_storm_ends_with_every_message_delivered_once(
    sandbox: TelegramSandbox, users: SandboxClient, database: Database, tmp_path: Path
) -> None:
    # The sandbox allows 10/s overall; the worker believes 300/s: most sends are refused.
    users.set_flood_limits(FloodLimits(global_per_second=10, global_burst=2, chat_burst=3))
    people = users.create_users(40, started=True)
    queue_for(database, [person.id for person in people], text_payload("Pengumuman"))
    rig = await make_rig(database, settings_for(sandbox, tmp_path))
    try:
        report = await drain(rig.worker, lambda: counts(database) == {"sent": 40}, within=90)
    finally:
        await rig.close()

    assert users.stats().flood_refusals > 0
    assert report.outcomes["flood"] == users.stats().flood_refusals
    assert all(received(users, person.id) == ["Pengumuman"] for person in people)


async def test_one_chats_messages_arrive_in_the_order_they_were_queued(
    sandbox: TelegramSandbox, users: SandboxClient, database: Database, tmp_path: Path
) -> None:
    # Sent side by side, the ten would reach the sandbox in whatever order the tasks ran.
    person, other = users.create_users(2, started=True)
    for number in range(10):
        queue_for(
            database, [person.id, other.id], text_payload(f"Pesan {number}"), prefix=f"p{number}"
        )
    rig = await make_rig(database, settings_for(sandbox, tmp_path))
    try:
        report = await drain(rig.worker, lambda: counts(database) == {"sent": 20})
    finally:
        await rig.close()

    assert report.outcomes["sent"] == 20
    expected = [f"Pesan {number}" for number in range(10)]
    assert received(users, person.id) == expected
    assert received(users, other.id) == expected


async def test_a_message_retried_after_a_bad_gateway_is_not_overtaken_by_the_next(
    sandbox: TelegramSandbox, users: SandboxClient, database: Database, tmp_path: Path
) -> None:
    person, other = users.create_users(2, started=True)
    for number in range(3):
        queue_for(
            database, [person.id, other.id], text_payload(f"Pesan {number}"), prefix=f"p{number}"
        )
    bot = Bot(sandbox.token, base_url=sandbox.api_url, request=FlakyRequest({person.id: 1}))
    options = WorkerOptions(backoff=0.05, limits=FAST)
    rig = await make_rig(database, settings_for(sandbox, tmp_path), bot=bot, options=options)
    try:
        report = await drain(rig.worker, lambda: counts(database) == {"sent": 6})
    finally:
        await rig.close()

    assert report.outcomes["retry"] == 1
    expected = ["Pesan 0", "Pesan 1", "Pesan 2"]
    assert received(users, person.id) == expected
    assert received(users, other.id) == expected


async def test_a_429_holds_that_chat_only(
    sandbox: TelegramSandbox, users: SandboxClient, database: Database, tmp_path: Path
) -> None:
    # One message every ten seconds per chat at the sandbox; the worker allows a burst of 5.
    users.set_flood_limits(FloodLimits(chat_per_second=0.1, chat_burst=1, global_per_second=300))
    busy, *others = users.create_users(21, started=True)
    for number in range(3):
        queue_for(database, [busy.id], text_payload(f"Pesan {number}"), prefix=f"busy{number}")
    queue_for(database, [person.id for person in others], text_payload("Halo"))
    limits = Limits(per_second=300, chat_per_second=20, chat_burst=5)
    rig = await make_rig(
        database, settings_for(sandbox, tmp_path), options=WorkerOptions(limits=limits)
    )
    try:
        report = await rig.worker.deliver_due_messages()
    finally:
        await rig.close()

    assert report.outcomes["sent"] == 21
    assert report.outcomes["flood"] >= 1
    assert all(received(users, person.id) == ["Halo"] for person in others)
    assert received(users, busy.id) == ["Pesan 0"]
    with database.read() as db:
        waiting = db.scalars(select(OutboxRow).where(OutboxRow.status == "pending")).all()
    assert {row.chat_id for row in waiting} == {busy.id}
    assert all(row.attempts == 0 for row in waiting)  # a flood wait is not an attempt


async def test_bad_gateways_are_retried_until_the_message_goes_out(
    sandbox: TelegramSandbox, users: SandboxClient, database: Database, tmp_path: Path
) -> None:
    steady, shaky = users.create_users(2, started=True)
    queue_for(database, [steady.id, shaky.id], text_payload("Pengingat"))
    settings = settings_for(sandbox, tmp_path)
    bot = Bot(sandbox.token, base_url=sandbox.api_url, request=FlakyRequest({shaky.id: 2}))
    rig = await make_rig(database, settings, bot=bot)
    try:
        report = await drain(rig.worker, lambda: counts(database) == {"sent": 2})
    finally:
        await rig.close()

    assert report.outcomes["retry"] == 2
    assert received(users, shaky.id) == ["Pengingat"]
    with database.read() as db:
        attempts = dict(db.execute(select(OutboxRow.chat_id, OutboxRow.attempts)).all())
    assert attempts == {steady.id: 1, shaky.id: 3}


async def test_after_the_last_attempt_the_row_fails_and_the_admins_are_told_once(
    sandbox: TelegramSandbox, users: SandboxClient, database: Database, tmp_path: Path
) -> None:
    admin, lost, also_lost, fine = users.create_users(4, started=True)
    queue_for(database, [lost.id, also_lost.id, fine.id], text_payload("Sertifikat"))
    settings = settings_for(sandbox, tmp_path, admin_ids=frozenset({admin.id}))
    failing = FlakyRequest({lost.id: 100, also_lost.id: 100})
    bot = Bot(sandbox.token, base_url=sandbox.api_url, request=failing)
    options = WorkerOptions(max_attempts=3, backoff=0.05, limits=FAST)
    rig = await make_rig(database, settings, bot=bot, options=options)
    try:
        await drain(rig.worker, lambda: counts(database) == {"sent": 1, "failed": 2})
        await drain(rig.worker, lambda: True)
    finally:
        await rig.close()

    with database.read() as db:
        failed = db.scalars(select(OutboxRow).where(OutboxRow.status == "failed")).all()
    assert sorted(row.attempts for row in failed) == [3, 3]
    [notice] = received(users, admin.id)
    assert "2 pesan terjadwal gagal" in notice
    for row in failed:
        assert str(row.id) in notice
    assert "Sertifikat" not in notice  # ids only, never the message


@pytest.fixture
async def rig(sandbox: TelegramSandbox, database: Database, tmp_path: Path) -> AsyncIterator[Rig]:
    made = await make_rig(database, settings_for(sandbox, tmp_path))
    yield made
    await made.close()
