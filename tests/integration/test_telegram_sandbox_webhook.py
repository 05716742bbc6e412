"""Webhooks: updates pushed to the bot's URL with the secret header, as Telegram pushes them."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from gedsi_bot.sandbox.telegram import SandboxClient, SandboxConfig, TelegramSandbox


class Receiver:
    """A bot's webhook endpoint on a free port; answers with ``status`` and keeps what came."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.status = 200
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if receiver.status == 200:
                    with receiver.arrived:
                        receiver.received.append((dict(self.headers), body))
                        receiver.arrived.notify_all()

            def log_message(self, *_: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/telegram"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int) -> list[tuple[dict[str, str], dict[str, Any]]]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.received) >= count, timeout=10)
            return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


def eventually(probe: Callable[[], Any], timeout: float = 10.0) -> Any:
    """The first truthy answer of ``probe``, polled until ``timeout``."""
    deadline = time.monotonic() + timeout
    while not (answer := probe()):
        assert time.monotonic() < deadline, "the sandbox never got there"
        time.sleep(0.02)
    return answer


Call = Callable[..., dict[str, Any]]


@pytest.fixture
def call(telegram_sandbox: TelegramSandbox, http: httpx.Client) -> Call:
    """A raw Bot API call to ``telegram_sandbox``: ``call("sendMessage", chat_id=…, text=…)``."""
    root = f"{telegram_sandbox.api_url}{telegram_sandbox.token}/"

    def call(method: str, **params: Any) -> dict[str, Any]:
        body: dict[str, Any] = http.post(root + method, json=params).json()
        return body

    return call


def test_updates_are_pushed_with_the_secret_header(
    call: Call, telegram_users: SandboxClient, receiver: Receiver
) -> None:
    answer = call("setWebhook", url=receiver.url, secret_token="rahasia-42")
    ana = telegram_users.create_user("Ana")

    telegram_users.start(ana.id, "daftar_x")
    telegram_users.send_text(ana.id, "halo")

    [(headers, first), (_, second)] = receiver.wait_for(2)
    assert (answer["result"], answer["description"]) == (True, "Webhook was set")
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == "rahasia-42"
    assert headers["Content-Type"] == "application/json"
    assert (first["message"]["text"], second["message"]["text"]) == ("/start daftar_x", "halo")
    assert second["update_id"] == first["update_id"] + 1


def test_updates_wait_while_the_webhook_fails(
    call: Call, telegram_users: SandboxClient, receiver: Receiver
) -> None:
    receiver.status = 500
    call("setWebhook", url=receiver.url)
    telegram_users.start(telegram_users.create_user("Budi").id)

    def failed_info() -> dict[str, Any] | None:
        info: dict[str, Any] = call("getWebhookInfo")["result"]
        return info if "last_error_message" in info else None

    info = eventually(failed_info)

    receiver.status = 200
    [(_, update)] = receiver.wait_for(1)

    assert (
        info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    )
    assert info["pending_update_count"] == 1
    assert update["message"]["text"] == "/start"


def test_unreachable_webhook_reports_connection_refused(
    telegram_users: SandboxClient, call: Call
) -> None:
    with socket.socket() as closed_door:  # bound, never listening: connections are refused
        closed_door.bind(("127.0.0.1", 0))
        call("setWebhook", url=f"http://127.0.0.1:{closed_door.getsockname()[1]}/")
        telegram_users.start(telegram_users.create_user("Citra").id)

        message = eventually(lambda: telegram_users.webhook_status()["last_error_message"])

    assert message == "Connection refused"


def test_get_updates_conflicts_with_an_active_webhook(call: Call, receiver: Receiver) -> None:
    call("setWebhook", url=receiver.url)

    answer = call("getUpdates")

    assert (answer["error_code"], answer["description"]) == (
        409,
        (
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first"
        ),
    )


def test_webhook_info_describes_the_webhook(receiver: Receiver, call: Call) -> None:
    call(
        "setWebhook",
        url=receiver.url,
        max_connections=10,
        allowed_updates=["message", "callback_query"],
    )

    info = call("getWebhookInfo")["result"]

    assert info == {
        "url": receiver.url,
        "has_custom_certificate": False,
        "pending_update_count": 0,
        "max_connections": 10,
        "allowed_updates": ["callback_query", "message"],
    }


def test_setting_the_same_webhook_again_says_so(call: Call, receiver: Receiver) -> None:
    call("setWebhook", url=receiver.url)

    assert call("setWebhook", url=receiver.url)["description"] == ("Webhook is already set")


def test_deleting_the_webhook_brings_back_get_updates(
    call: Call, telegram_users: SandboxClient, receiver: Receiver
) -> None:
    call("setWebhook", url=receiver.url)
    deleted = call("deleteWebhook")
    telegram_users.start(telegram_users.create_user("Dewi").id)

    updates = call("getUpdates")["result"]

    assert deleted["description"] == "Webhook was deleted"
    assert [update["message"]["text"] for update in updates] == ["/start"]
    assert call("getWebhookInfo")["result"]["url"] == ""


def test_dropping_pending_updates(call: Call, telegram_users: SandboxClient) -> None:
    telegram_users.start(telegram_users.create_user("Eka").id)

    call("deleteWebhook", drop_pending_updates=True)

    assert call("getUpdates")["result"] == []


def test_webhook_url_must_be_http(call: Call) -> None:
    answer = call("setWebhook", url="ftp://bot.example/hook")

    assert (answer["error_code"], answer["description"]) == (
        400,
        "Bad Request: invalid webhook URL specified",
    )


def test_secret_token_characters_are_checked(call: Call, receiver: Receiver) -> None:
    answer = call("setWebhook", url=receiver.url, secret_token="no spaces!")

    assert (answer["error_code"], answer["description"]) == (
        400,
        "Bad Request: secret token contains unallowed characters",
    )


def test_allowed_updates_filter_what_the_bot_gets(
    call: Call, telegram_users: SandboxClient
) -> None:
    call("getUpdates", allowed_updates=["callback_query"])
    fajar = telegram_users.create_user("Fajar")

    telegram_users.start(fajar.id)
    telegram_users.block(fajar.id)

    assert call("getUpdates")["result"] == []


def test_long_poll_returns_when_an_update_arrives(
    call: Call, telegram_users: SandboxClient
) -> None:
    gita = telegram_users.create_user("Gita")
    later = threading.Timer(0.2, lambda: telegram_users.send_text(gita.id, "hadir"))
    later.start()

    answer = call("getUpdates", timeout=10)

    later.join()
    assert [update["message"]["text"] for update in answer["result"]] == ["hadir"]


def test_a_second_long_poll_ends_the_first_with_a_conflict(
    telegram_sandbox: TelegramSandbox, call: Call, http: httpx.Client
) -> None:
    first: list[dict[str, Any]] = []
    polling = threading.Thread(target=lambda: first.append(call("getUpdates", timeout=10)))
    polling.start()
    overview = f"{telegram_sandbox.url}/sandbox"
    eventually(lambda: http.get(overview).json()["result"]["long_polls"])

    second = call("getUpdates")
    polling.join(timeout=10)

    assert second == {"ok": True, "result": []}
    assert first[0]["error_code"] == 409
    assert first[0]["description"].startswith("Conflict: terminated by other getUpdates request")


def test_late_callback_answer_is_too_old(http: httpx.Client) -> None:
    with (
        TelegramSandbox(SandboxConfig(callback_timeout=0.05)) as sandbox,
        sandbox.client() as users,
    ):
        root = f"{sandbox.api_url}{sandbox.token}/"
        hana = users.create_user("Hana", started=True)
        markup = {"inline_keyboard": [[{"text": "Ya", "callback_data": "y"}]]}
        sent = http.post(
            root + "sendMessage", json={"chat_id": hana.id, "text": "?", "reply_markup": markup}
        ).json()
        pressed = users.press_button(hana.id, sent["result"]["message_id"], data="y")
        time.sleep(0.1)

        answer = http.post(
            root + "answerCallbackQuery", json={"callback_query_id": pressed.callback_query_id}
        ).json()

    assert answer["description"] == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
