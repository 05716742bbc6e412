"""``gedsi-bot sandbox telegram`` (and a sandbox in its own process) starts a working server and
stops cleanly on a signal."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gedsi_bot.sandbox.telegram import DEFAULT_TOKEN, FloodLimits, SandboxConfig, TelegramSandbox

pytestmark = pytest.mark.slow


@pytest.fixture
def sandbox_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GEDSI_", "TELEGRAM_", "ZOOM_"))
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gedsi_bot", "sandbox", "telegram", "--port", "0"],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", first_line)
        assert match, first_line + (process.stderr.read() if process.stderr else "")
        yield process, match.group(0)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_cli_serves_the_bot_api_until_sigterm(
    sandbox_process: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = sandbox_process
    me = httpx.get(f"{url}/bot{DEFAULT_TOKEN}/getMe", timeout=10).json()

    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=20)

    assert me["result"]["username"] == "caring_gedsi_sandbox_bot"
    assert process.returncode == 0, stderr
    assert "Sandbox Telegram berhenti." in stdout
    assert "Traceback" not in stderr


def test_cli_stops_on_ctrl_c_while_a_long_poll_waits(
    sandbox_process: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = sandbox_process
    answers: list[dict[str, object]] = []
    poll = threading.Thread(
        target=lambda: answers.append(
            httpx.get(f"{url}/bot{DEFAULT_TOKEN}/getUpdates?timeout=50", timeout=60).json()
        )
    )
    poll.start()
    deadline = time.monotonic() + 10
    while httpx.get(f"{url}/sandbox", timeout=10).json()["result"]["long_polls"] == 0:
        assert time.monotonic() < deadline, "the long poll never reached the sandbox"
        time.sleep(0.02)

    process.send_signal(signal.SIGINT)
    poll.join(timeout=20)
    stdout, stderr = process.communicate(timeout=20)

    assert (process.returncode, answers) == (0, [{"ok": True, "result": []}]), stderr
    assert "Sandbox Telegram berhenti." in stdout


def test_cli_refuses_a_port_in_use(
    sandbox_process: tuple[subprocess.Popen[str], str], tmp_path: Path
) -> None:
    _, url = sandbox_process
    port = url.rsplit(":", 1)[1]

    result = subprocess.run(
        [sys.executable, "-m", "gedsi_bot", "sandbox", "telegram", "--port", port],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert f"127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_sandbox_runs_in_a_process_of_its_own(http: httpx.Client) -> None:
    config = SandboxConfig(bot_username="uji_proses_bot", flood=FloodLimits(chat_burst=7))

    with TelegramSandbox(config, separate_process=True) as sandbox, sandbox.client() as users:
        me = http.get(f"{sandbox.api_url}{sandbox.token}/getMe").json()["result"]
        limits = users.flood_limits()

    assert (me["username"], limits.chat_burst) == ("uji_proses_bot", 7)
    with pytest.raises(RuntimeError, match="not running"):
        _ = sandbox.url
