"""The delivery worker against the Telegram sandbox over loopback HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from gedsi_bot.delivery.composers import ComposeContext, OutgoingMessage, composer, expander
from gedsi_bot.sandbox.telegram import FloodLimits, SandboxClient, TelegramSandbox
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import Database, open_database
from gedsi_bot.store.outbox import enqueue
from gedsi_bot.store.tables import MediaRow, OutboxRow, ParticipantRow
from tests.integration.delivery_helpers import (
    Rig,
    counts,
    drain,
    make_rig,
    queue_for,
    received,
    settings_for,
    subscribe,
    text_payload,
)

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns when it builds a 429's ``retry_after`` as an int; take the new type."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def sandbox() -> Iterator[TelegramSandbox]:
    with TelegramSandbox(flood=FloodLimits().scaled(20)) as running:
        yield running


@pytest.fixture
def users(sandbox: TelegramSandbox) -> Iterator[SandboxClient]:
    with sandbox.client() as client:
        yield client


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    opened = open_database(f"sqlite:///{tmp_path / 'gedsi.db'}")
    yield opened
    opened.dispose()


@pytest.fixture
async def rig(sandbox: TelegramSandbox, database: Database, tmp_path: Path) -> AsyncIterator[Rig]:
    made = await make_rig(database, settings_for(sandbox, tmp_path))
    yield made
    await made.close()


async def test_every_due_row_is_sent_once_and_marked(rig: Rig, users: SandboxClient) -> None:
    people = users.create_users(40, started=True)
    queue_for(
        rig.database, [person.id for person in people], text_payload("Sesi baru: <b>KDRT</b>")
    )

    report = await drain(rig.worker, lambda: counts(rig.database) == {"sent": 40})

    assert report.outcomes["sent"] == 40
    for person in people:
        assert received(users, person.id) == ["Sesi baru: KDRT"]


async def test_a_flyer_is_uploaded_once_then_sent_by_file_id(
    rig: Rig, users: SandboxClient, tmp_path: Path
) -> None:
    Image.new("RGB", (64, 64), "purple").save(tmp_path / "flyer.png")
    people = users.create_users(12, started=True)
    payload = {
        "method": "sendPhoto",
        "params": {"photo": {"path": "flyer.png", "media_key": "flyer:1"}, "caption": "Daftar"},
    }
    queue_for(rig.database, [person.id for person in people], payload)

    await drain(rig.worker, lambda: counts(rig.database) == {"sent": 12})

    with rig.database.read() as db:
        media = db.scalars(select(MediaRow)).all()
    photos = [users.messages(person.id)[0].photo for person in people]
    assert [row.key for row in media] == ["flyer:1"]
    assert {photo["file_unique_id"] for photo in photos if photo} == {
        photos[0]["file_unique_id"] if photos[0] else ""
    }
    assert all(photo is not None and photo["file_id"] for photo in photos)


async def test_a_person_who_blocked_the_bot_is_unsubscribed(
    rig: Rig, users: SandboxClient
) -> None:
    stays, leaves = users.create_users(2, started=True)
    subscribe(rig.database, [stays.id, leaves.id])
    users.block(leaves.id)
    queue_for(rig.database, [stays.id, leaves.id], text_payload("Pengumuman"))

    report = await drain(rig.worker, lambda: counts(rig.database) == {"sent": 1, "failed": 1})

    assert report.outcomes["blocked"] == 1
    with rig.database.read() as db:
        rows = {row.telegram_user_id: row for row in db.scalars(select(ParticipantRow))}
    assert rows[stays.id].subscribed
    assert not rows[leaves.id].subscribed
    assert rows[leaves.id].blocked_at is not None


@composer("test_greeting")
async def _greeting(ctx: ComposeContext, args: dict[str, Any]) -> OutgoingMessage | None:
    if args.get("obsolete"):
        return None
    number = ctx.services.series_id
    return OutgoingMessage("sendMessage", {"text": f"Halo {args['name']} ({number})"})


@expander("test_everyone")
def _everyone(db: Any, ctx: ServiceContext, args: dict[str, Any], now: dt.datetime) -> int:
    for chat_id in args["chats"]:
        enqueue(
            db,
            kind="test",
            chat_id=chat_id,
            payload={"compose": {"name": "test_greeting", "args": {"name": "kader"}}},
            due_at=now,
            dedupe_key=f"test:{ctx.series_id}:hello:{chat_id}",
        )
    return len(args["chats"])


async def test_a_fan_out_row_expands_and_its_rows_are_composed_at_send_time(
    rig: Rig, users: SandboxClient
) -> None:
    people = users.create_users(5, started=True)
    chats = [person.id for person in people]
    queue_for(rig.database, [0], {"expand": {"name": "test_everyone", "args": {"chats": chats}}})
    queue_for(
        rig.database,
        [chats[0]],
        {"compose": {"name": "test_greeting", "args": {"obsolete": True}}},
        prefix="obsolete",
    )

    report = await drain(rig.worker, lambda: counts(rig.database) == {"sent": 6, "skipped": 1})

    assert (report.outcomes["expanded"], report.outcomes["skipped"]) == (1, 1)
    series = rig.services.series_id
    for chat_id in chats:
        assert received(users, chat_id) == [f"Halo kader ({series})"]


async def test_a_malformed_row_fails_at_once_without_stopping_the_rest(
    rig: Rig, users: SandboxClient
) -> None:
    person = users.create_user(started=True)
    queue_for(rig.database, [person.id], {"method": "sendSticker", "params": {}}, prefix="bad")
    queue_for(rig.database, [person.id], {"compose": {"name": "nobody"}}, prefix="unknown")
    queue_for(rig.database, [person.id], text_payload("Tetap terkirim"))

    await drain(rig.worker, lambda: counts(rig.database) == {"sent": 1, "failed": 2})

    assert received(users, person.id) == ["Tetap terkirim"]
    with rig.database.read() as db:
        errors = sorted(
            db.scalars(select(OutboxRow.last_error).where(OutboxRow.status == "failed"))
        )
    assert errors == ["PayloadError: unsupported method 'sendSticker'", "no composer 'nobody'"]
