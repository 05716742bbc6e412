"""``gedsi-bot run`` as deployed: a real process against the Telegram sandbox, polling or
behind a webhook with Telegram's secret-token header."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gedsi_bot.catalog import load_catalog
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import open_database
from tests.conftest import BUNDLED_CATALOG, REPO_ROOT
from tests.e2e.conftest import TEST_FLOOD
from tests.e2e.processes import free_port, process_environment
from tests.registration_factories import publish

pytestmark = pytest.mark.slow

STARTUP = 60.0  # seconds for a fresh interpreter to import, migrate and answer


@pytest.fixture
def sandbox() -> Iterator[TelegramSandbox]:
    with TelegramSandbox(flood=TEST_FLOOD) as running:
        yield running


def environment(sandbox: TelegramSandbox, tmp_path: Path, **extra: str) -> dict[str, str]:
    return process_environment(sandbox, f"sqlite:///{tmp_path / 'gedsi.db'}", **extra)


def run_bot(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gedsi_bot", "run"],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    try:
        _, errors = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, errors = process.communicate()
    return process.returncode, errors


def test_run_polls_the_configured_server_and_stops_cleanly(
    sandbox: TelegramSandbox, tmp_path: Path
) -> None:
    process = run_bot(environment(sandbox, tmp_path))
    try:
        with sandbox.client() as users:
            siti = users.create_user("Siti")
            users.start(siti.id)
            [welcome] = users.wait_for_messages(siti.id, 1, timeout=STARTUP)
            assert "Selamat datang" in welcome.text
            assert users.commands(siti.id)[0]["command"] == "jadwal"
    finally:
        code, errors = stop(process)
    assert code == 0, errors


def test_run_takes_updates_on_a_webhook_with_the_secret_token(
    sandbox: TelegramSandbox, tmp_path: Path
) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'gedsi.db'}")
    ctx = ServiceContext.open(database, load_catalog(BUNDLED_CATALOG))
    publish(database, series_id=ctx.series_id, code="K12")
    database.dispose()
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram/updates"
    env = environment(
        sandbox,
        tmp_path,
        GEDSI_WEBHOOK_URL=hook,
        GEDSI_WEBHOOK_LISTEN="127.0.0.1",
        GEDSI_WEBHOOK_PORT=str(port),
        GEDSI_WEBHOOK_SECRET="rahasia-bersama_26",
    )
    process = run_bot(env)
    try:
        with sandbox.client() as users:
            siti = users.create_user("Siti")
            users.start(siti.id, "daftar_K12")
            [notice] = users.wait_for_messages(siti.id, 1, timeout=STARTUP)
            assert "Pemberitahuan privasi" in notice.text
            assert users.webhook_status()["url"] == hook

            forged = {"update_id": 999, "message": {}}
            unsigned = httpx.post(hook, json=forged, timeout=10)
            wrong = httpx.post(
                hook,
                json=forged,
                headers={"X-Telegram-Bot-Api-Secret-Token": "rahasia-bersama_27"},
                timeout=10,
            )
            assert (unsigned.status_code, wrong.status_code) == (403, 403)
    finally:
        code, errors = stop(process)
    assert code == 0, errors


def test_run_without_a_token_says_so(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GEDSI_", "TELEGRAM_"))
    }
    env["GEDSI_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "gedsi_bot", "run"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=STARTUP,
        check=False,
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
