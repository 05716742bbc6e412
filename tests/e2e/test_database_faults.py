"""The database locked by another writer, or not there at all: the command line says so in
Indonesian, the bot logs it and tells the admins, and nothing is corrupted."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from gedsi_bot.locale import t
from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from tests.conftest import BUNDLED_CATALOG
from tests.e2e.harness import WAIT, BotHarness, Person
from tests.e2e.processes import free_port

pytestmark = pytest.mark.slow

ADMIN_ID = 4343
LOCK_WAIT = 0.5  # seconds a writer waits for the lock (the default is 30)
UNAVAILABLE = t("cli.database_unavailable", "id")


@contextmanager
def held_write_lock(path: Path) -> Iterator[None]:
    """Another process's writer holding the SQLite database for as long as the block runs."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as check:
        return str(check.execute("PRAGMA integrity_check").fetchone()[0])


def gedsi_bot(*args: str, url: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GEDSI_", "TELEGRAM_"))
    }
    env.update(GEDSI_DATABASE_URL=url, GEDSI_CATALOG=str(BUNDLED_CATALOG), **extra)
    return subprocess.run(
        [sys.executable, "-m", "gedsi_bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_on_a_locked_database_says_so_and_works_once_it_is_free(tmp_path: Path) -> None:
    path = tmp_path / "gedsi.db"
    url = f"sqlite:///{path}?timeout={LOCK_WAIT}"
    assert gedsi_bot("db", "upgrade", url=url, cwd=tmp_path).returncode == 0

    with held_write_lock(path):
        locked = gedsi_bot("sessions", "list", url=url, cwd=tmp_path)
    free = gedsi_bot("sessions", "list", url=url, cwd=tmp_path)

    assert locked.returncode == 1
    assert UNAVAILABLE in locked.stderr
    assert "Traceback" not in locked.stderr
    assert free.returncode == 0, free.stderr
    assert integrity(path) == "ok"


def test_cli_and_bot_without_postgresql_say_so(tmp_path: Path) -> None:
    url = f"postgresql://gedsi:rahasia-sekali@127.0.0.1:{free_port()}/gedsi"
    listing = gedsi_bot("sessions", "list", url=url, cwd=tmp_path)
    running = gedsi_bot(
        "run",
        url=url,
        cwd=tmp_path,
        TELEGRAM_BOT_TOKEN="7000000001:AAGedsiSandboxTokenForLocalUseOnly0",
        GEDSI_TELEGRAM_API_URL="http://127.0.0.1:9",
    )
    for result in (listing, running):
        assert result.returncode == 1
        assert UNAVAILABLE in result.stderr
        assert "Traceback" not in result.stderr
        assert "rahasia-sekali" not in result.stderr


class LockableHarness(BotHarness):
    """The bot on a SQLite file whose writers give up after ``LOCK_WAIT`` seconds."""

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database_path}?timeout={LOCK_WAIT}"


@pytest.fixture
async def lockable_bot(
    sandbox: TelegramSandbox, client: AsyncSandboxClient, tmp_path: Path
) -> AsyncIterator[LockableHarness]:
    await client.create_user("Admin", user_id=ADMIN_ID, started=True)
    harness = LockableHarness(
        sandbox, tmp_path / "gedsi.db", extra_settings={"admin_ids": frozenset({ADMIN_ID})}
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
        harness.database.dispose()


async def test_bot_on_a_locked_database_tells_the_admins_and_recovers(
    lockable_bot: LockableHarness,
    client: AsyncSandboxClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    lockable_bot.publish("K12")
    siti = await Person.create(client, "Siti")

    with held_write_lock(lockable_bot.database_path):
        sorry = await siti.start("daftar_K12")
        [notice] = await client.wait_for_messages(ADMIN_ID, 1, timeout=WAIT)
    notice_after = await siti.start("daftar_K12")

    assert sorry.text == t("bot.error.unexpected", "id")
    assert "OperationalError" in notice.text
    assert any(
        "OperationalError" in record.getMessage()
        for record in caplog.records
        if record.name == "gedsi_bot.bot.app"
    )
    assert "Pemberitahuan privasi" in notice_after.text
    assert integrity(lockable_bot.database_path) == "ok"
