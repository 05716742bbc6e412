"""``gedsi-bot deliver --once`` and ``gedsi-bot outbox status`` as real processes."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from gedsi_bot.cli.deliver_cmd import status_text, watch_progress
from gedsi_bot.config import Settings
from gedsi_bot.sandbox.telegram import FloodLimits, TelegramSandbox
from gedsi_bot.store import open_database
from gedsi_bot.store.outbox import enqueue
from gedsi_bot.store.tables import OutboxRow
from tests.conftest import BUNDLED_CATALOG
from tests.integration.delivery_helpers import queue_for, text_payload
from tests.integration.test_cli import run

pytestmark = pytest.mark.slow


@pytest.fixture
def sandbox() -> Iterator[TelegramSandbox]:
    with TelegramSandbox(flood=FloodLimits().scaled(20)) as running:
        yield running


def environment(sandbox: TelegramSandbox, office: Path) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": sandbox.token,
        "GEDSI_TELEGRAM_API_URL": sandbox.url,
        "GEDSI_DATA_DIR": str(office),
        "GEDSI_LOG_LEVEL": "WARNING",
        "GEDSI_DELIVERY_RATE": "300",
    }


def test_deliver_once_sends_what_is_due_and_status_counts_it(
    sandbox: TelegramSandbox, tmp_path: Path
) -> None:
    shutil.copy(BUNDLED_CATALOG, tmp_path / "themes.yaml")
    database = open_database(f"sqlite:///{tmp_path / 'gedsi.db'}")
    with sandbox.client() as users:
        people = users.create_users(3, started=True)
        queue_for(database, [person.id for person in people], text_payload("Halo"))
        queue_for(database, [999_999], {"method": "sendSticker"}, kind="broken", prefix="x")
        database.dispose()
        env = environment(sandbox, tmp_path)

        delivered = run("deliver", "--once", cwd=tmp_path, env=env)
        after = run("outbox", "status", cwd=tmp_path, env=env)

        assert [len(users.messages(person.id)) for person in people] == [1, 1, 1]
    assert delivered.returncode == 0, delivered.stderr
    assert "sent=3" in delivered.stdout
    assert "failed=1" in delivered.stdout
    announcement = next(
        line for line in after.stdout.splitlines() if line.startswith("announcement")
    )
    assert announcement.split()[1:] == ["0", "0", "3", "0", "0", "0", "3"]
    assert "Tidak ada pesan yang menunggu." in after.stdout
    assert "PayloadError: unsupported method 'sendSticker'" in after.stdout


def test_status_names_the_next_due_time_in_the_series_zone(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'gedsi.db'}")
    due = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
    with database.write() as db:
        enqueue(
            db, kind="reminder", chat_id=5, payload=text_payload("x"), due_at=due, dedupe_key="r"
        )
    settings = Settings(data_dir=tmp_path)

    shown = status_text(database, settings, zone=ZoneInfo("Asia/Jakarta"))
    database.dispose()

    assert "Jatuh tempo berikutnya: Kamis, 26 November 2026 pukul 09.00 WIB" in shown
    reminder = next(line for line in shown.splitlines() if line.startswith("reminder"))
    assert reminder.split()[1:] == ["1", "0", "0", "0", "0", "0", "1"]
    assert "Tidak ada pesan yang gagal." in shown


def test_watch_shows_progress_until_nothing_waits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'gedsi.db'}")
    queue_for(database, [1, 2, 3], text_payload("x"))
    with database.write() as db:
        db.execute(update(OutboxRow).values(status="sent"))

    watch_progress(database, "id", kind=None, session_id=None, interval=0.01)
    database.dispose()

    assert "Selesai: 3 terkirim, 0 gagal, 0 dilewati." in capsys.readouterr().out
