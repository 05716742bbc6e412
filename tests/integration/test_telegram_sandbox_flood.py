"""Flood control over HTTP: 429 with ``retry_after`` and the counters benchmarks read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from telegram import Bot
from telegram.error import RetryAfter

from gedsi_bot.sandbox.telegram import FloodLimits, SandboxClient, TelegramSandbox


@pytest.fixture
def send(telegram_sandbox: TelegramSandbox, http: httpx.Client) -> Callable[..., httpx.Response]:
    url = f"{telegram_sandbox.api_url}{telegram_sandbox.token}/sendMessage"

    def send(chat_id: int, text: str = "Pengingat") -> httpx.Response:
        return http.post(url, json={"chat_id": chat_id, "text": text})

    return send


def slow_refill(users: SandboxClient, **changes: Any) -> None:
    """Telegram's bursts, but buckets that refill so slowly no test outruns them."""
    users.set_flood_limits(
        FloodLimits(chat_per_second=0.01, global_per_second=0.01, group_per_minute=0.6),
        **changes,
    )


def test_a_quick_fourth_message_to_one_user_waits(
    send: Callable[..., httpx.Response], telegram_users: SandboxClient
) -> None:
    slow_refill(telegram_users)
    ana = telegram_users.create_user("Ana", started=True)

    statuses = [send(ana.id).status_code for _ in range(4)]
    refused = send(ana.id).json()

    assert statuses == [200, 200, 200, 429]
    assert refused == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 100",
        "parameters": {"retry_after": 100},
    }


def test_the_thirty_first_chat_in_a_second_waits(
    send: Callable[..., httpx.Response], telegram_users: SandboxClient
) -> None:
    slow_refill(telegram_users)
    users = telegram_users.create_users(31, started=True)

    statuses = [send(user.id).status_code for user in users]

    assert statuses == [200] * 30 + [429]
    assert telegram_users.stats().refused == {"global": 1}


def test_a_group_gets_twenty_messages_a_minute(
    send: Callable[..., httpx.Response], telegram_users: SandboxClient
) -> None:
    slow_refill(telegram_users, chat_burst=100)
    group = telegram_users.create_group("Forum Anak Kota", bot_status="administrator")

    statuses = [send(group["id"]).status_code for _ in range(21)]

    assert statuses == [200] * 20 + [429]
    assert telegram_users.stats().refused == {"group": 1}


def test_counters_tell_accepted_from_refused(
    send: Callable[..., httpx.Response], telegram_users: SandboxClient
) -> None:
    slow_refill(telegram_users, chat_burst=2)
    ana = telegram_users.create_user("Ana", started=True)
    for _ in range(5):
        send(ana.id)

    stats = telegram_users.stats()

    assert (stats.messages_accepted, stats.flood_refusals, stats.errors) == (2, 3, {"429": 3})


def test_limits_can_be_switched_off(
    send: Callable[..., httpx.Response], telegram_users: SandboxClient
) -> None:
    telegram_users.set_flood_limits(enabled=False)
    ana = telegram_users.create_user("Ana", started=True)

    statuses = {send(ana.id).status_code for _ in range(20)}

    assert statuses == {200}


def test_a_refused_message_is_not_delivered(
    send: Callable[..., httpx.Response], telegram_users: SandboxClient
) -> None:
    slow_refill(telegram_users, chat_burst=1)
    ana = telegram_users.create_user("Ana", started=True)

    send(ana.id, "pertama")
    send(ana.id, "kedua")

    assert [message.text for message in telegram_users.messages(ana.id)] == ["pertama"]


async def test_python_telegram_bot_reads_retry_after(
    telegram_sandbox: TelegramSandbox,
    telegram_users: SandboxClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # python-telegram-bot 22 warns on every RetryAfter unless told to use timedelta already.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    slow_refill(telegram_users, chat_burst=1)
    ana = telegram_users.create_user("Ana", started=True)
    sandbox = telegram_sandbox

    async with Bot(sandbox.token, base_url=sandbox.api_url) as bot:
        await bot.send_message(ana.id, "satu")
        with pytest.raises(RetryAfter) as waited:
            await bot.send_message(ana.id, "dua")

    assert waited.value.retry_after == dt.timedelta(seconds=100)
