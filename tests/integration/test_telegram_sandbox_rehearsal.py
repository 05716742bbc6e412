"""A trainer rehearses from the command line: participants created, writing, tapping, reading."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from gedsi_bot.cli import app
from gedsi_bot.sandbox.telegram import SandboxClient, TelegramSandbox

NOISY_LOGGERS = ("httpx", "httpcore", "apscheduler", "alembic", "telegram.ext.Application")
KEYBOARD = {"inline_keyboard": [[{"text": "Daftar", "callback_data": "reg:4"}]]}


class RehearsalBot:
    """A stand-in for gedsi-bot: greets /start with a button, confirms the tap."""

    def __init__(self, sandbox: TelegramSandbox) -> None:
        self.root = f"{sandbox.api_url}{sandbox.token}/"
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _call(self, http: httpx.Client, method: str, **params: Any) -> Any:
        return http.post(self.root + method, json=params).json()["result"]

    def _run(self) -> None:
        offset = 0
        with httpx.Client(timeout=30) as http:
            while not self.stopped.is_set():
                for update in self._call(http, "getUpdates", offset=offset, timeout=1):
                    offset = update["update_id"] + 1
                    self._answer(http, update)

    def _answer(self, http: httpx.Client, update: dict[str, Any]) -> None:
        if "message" in update:
            chat = update["message"]["chat"]["id"]
            text = f"Selamat datang! Sesi #4 — {update['message']['text']}"
            self._call(http, "sendMessage", chat_id=chat, text=text, reply_markup=KEYBOARD)
        elif "callback_query" in update:
            query = update["callback_query"]
            self._call(http, "answerCallbackQuery", callback_query_id=query["id"], text="Oke!")
            self._call(
                http,
                "editMessageText",
                chat_id=query["message"]["chat"]["id"],
                message_id=query["message"]["message_id"],
                text="Anda terdaftar untuk sesi #4.",
            )

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)


@pytest.fixture
def bot(telegram_sandbox: TelegramSandbox) -> Iterator[RehearsalBot]:
    running = RehearsalBot(telegram_sandbox)
    yield running
    running.stop()


def keep_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo, after the test, the logging set-up each in-process command makes: its handler
    writes to the runner's captured stream, which is closed once the command returns."""
    for name in ("", *NOISY_LOGGERS):
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "handlers", list(logger.handlers))
        monkeypatch.setattr(logger, "level", logger.level)


@pytest.fixture
def gedsi(telegram_sandbox: TelegramSandbox, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``gedsi-bot sandbox user …`` against the test's sandbox; returns what it printed."""
    keep_logging(monkeypatch)
    monkeypatch.delenv("GEDSI_LANGUAGE", raising=False)
    runner = CliRunner()

    def run(*arguments: str) -> Any:
        result = runner.invoke(app, ["sandbox", "user", *arguments, "--url", telegram_sandbox.url])
        assert result.exit_code == 0, result.output
        return result.output

    return run


def test_trainer_plays_a_participant_through_registration(
    gedsi: Any, bot: RehearsalBot, telegram_users: SandboxClient
) -> None:
    created = gedsi("add", "Ana", "--last-name", "Wijaya")
    ana = telegram_users.users()[0]

    started = gedsi("start", str(ana.id), "daftar_4a7f")
    pressed = gedsi("press", str(ana.id), "Daftar")
    inbox = gedsi("inbox", str(ana.id))
    listed = gedsi("list")

    assert created == f"Peserta dibuat: Ana (id {ana.id}).\n"
    assert started == (
        "Peserta mengirim: /start daftar_4a7f\n"
        "Bot mengirim pesan #2:\n"
        "  Selamat datang! Sesi #4 — /start daftar_4a7f\n"
        "  Tombol: [Daftar]\n"
    )
    assert pressed == (
        "Peserta menekan [Daftar] pada pesan #2.\n"
        "Bot mengubah pesan #2:\n"
        "  Anda terdaftar untuk sesi #4.\n"
        "Pemberitahuan dari bot: Oke!\n"
    )
    assert inbox == "Pesan #2 (diubah):\n  Anda terdaftar untuk sesi #4.\n"
    assert listed == f"{ana.id}  Ana Wijaya\n"


def test_trainer_sees_when_the_bot_is_silent(gedsi: Any, telegram_users: SandboxClient) -> None:
    budi = telegram_users.create_user("Budi")

    said = gedsi("say", str(budi.id), "halo?", "--wait", "0.1")

    assert said == (
        "Peserta mengirim: halo?\n"
        "Belum ada balasan dari bot dalam 0.1 detik. "
        "Apakah bot sedang berjalan terhadap sandbox ini?\n"
    )


def test_trainer_blocks_and_unblocks_the_bot(gedsi: Any, telegram_users: SandboxClient) -> None:
    citra = telegram_users.create_user("Citra")

    blocked = gedsi("block", str(citra.id))
    listed = gedsi("list")
    gedsi("unblock", str(citra.id))

    assert blocked == f"Peserta {citra.id} memblokir bot.\n"
    assert listed == f"{citra.id}  Citra (memblokir bot)\n"
    assert telegram_users.chat(citra.id)["blocked"] is False


def test_unreachable_sandbox_is_explained(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    keep_logging(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GEDSI_LANGUAGE", raising=False)

    result = CliRunner().invoke(app, ["sandbox", "user", "list", "--url", "http://127.0.0.1:9"])

    assert result.exit_code == 1
    assert "tidak dapat dihubungi di http://127.0.0.1:9" in str(result.exception)
