"""The simulation API and its clients: users and chats, what users do, what chats received."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from PIL import Image
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from gedsi_bot.sandbox.telegram import (
    SandboxClient,
    SandboxError,
    SandboxTimeout,
    TelegramSandbox,
)

Call = Callable[..., dict[str, Any]]


@pytest.fixture
def bot_call(telegram_sandbox: TelegramSandbox, http: httpx.Client) -> Call:
    """A raw Bot API call: ``bot_call("sendMessage", chat_id=…, text=…)``."""
    root = f"{telegram_sandbox.api_url}{telegram_sandbox.token}/"

    def bot_call(method: str, **params: Any) -> dict[str, Any]:
        body: dict[str, Any] = http.post(root + method, json=params).json()
        return body

    return bot_call


def pending(users: SandboxClient, kind: str) -> list[dict[str, Any]]:
    return [update[kind] for update in users.pending_updates() if kind in update]


def test_user_is_created_with_everything_telegram_shows(telegram_users: SandboxClient) -> None:
    user = telegram_users.create_user(
        "Siti", user_id=5550001, last_name="Aminah", username="siti_kader", language_code="id"
    )

    assert (user.id, user.first_name, user.last_name, user.username, user.language_code) == (
        5550001,
        "Siti",
        "Aminah",
        "siti_kader",
        "id",
    )


def test_user_id_cannot_be_taken_twice(telegram_users: SandboxClient) -> None:
    telegram_users.create_user("Siti", user_id=5550001)

    with pytest.raises(SandboxError) as refused:
        telegram_users.create_user("Siti lagi", user_id=5550001)

    assert refused.value.status == 409


def test_many_users_are_created_at_once(telegram_users: SandboxClient) -> None:
    users = telegram_users.create_users(200)

    assert (len({user.id for user in users}), users[-1].first_name) == (200, "Peserta 200")


def test_start_payload_travels_from_the_link(telegram_users: SandboxClient) -> None:
    user = telegram_users.create_user("Ana")

    telegram_users.start(user.id, "daftar_" + "a" * 57)

    assert pending(telegram_users, "message")[0]["text"] == "/start daftar_" + "a" * 57


@pytest.mark.parametrize("payload", ["daftar_" + "a" * 58, "daftar sesi", "daftar#4"])
def test_start_payload_must_fit_a_telegram_link(
    telegram_users: SandboxClient, payload: str
) -> None:
    user = telegram_users.create_user("Ana")

    with pytest.raises(SandboxError, match="start payload") as refused:
        telegram_users.start(user.id, payload)

    assert (refused.value.status, telegram_users.pending_updates()) == (400, [])


def test_user_sends_a_photo_sticker_voice_document_and_contact(
    telegram_users: SandboxClient,
) -> None:
    user = telegram_users.create_user("Budi")
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "red").save(out, "JPEG")

    telegram_users.send_photo(user.id, out.getvalue(), caption="ini fotonya")
    telegram_users.send_sticker(user.id, "🙏")
    telegram_users.send_voice(user.id, duration=4)
    telegram_users.send_document(user.id, b"%PDF-1.7", file_name="surat.pdf")
    telegram_users.send_contact(user.id, "+6281234567890")

    kinds = [
        next(key for key in ("photo", "sticker", "voice", "document", "contact") if key in m)
        for m in pending(telegram_users, "message")
    ]
    assert kinds == ["photo", "sticker", "voice", "document", "contact"]
    messages = pending(telegram_users, "message")
    assert (messages[0]["photo"][-1]["width"], messages[0]["caption"]) == (300, "ini fotonya")
    assert (messages[1]["sticker"]["emoji"], messages[2]["voice"]["duration"]) == ("🙏", 4)
    assert messages[3]["document"]["mime_type"] == "application/pdf"
    assert messages[4]["contact"] == {
        "phone_number": "+6281234567890",
        "first_name": "Budi",
        "user_id": user.id,
    }


def test_pressing_a_button_sends_the_bot_a_callback_query(
    telegram_users: SandboxClient, bot_call: Call
) -> None:
    user = telegram_users.create_user("Citra", started=True)
    markup = {
        "inline_keyboard": [
            [{"text": "L", "callback_data": "sex:L"}],
            [{"text": "P", "callback_data": "sex:P"}],
        ]
    }
    sent = bot_call(
        "sendMessage",
        chat_id=user.id,
        text="Jenis kelamin?",
        reply_markup=markup,
    )["result"]

    pressed = telegram_users.press_button(user.id, sent["message_id"], data="sex:P")

    [query] = pending(telegram_users, "callback_query")
    assert (query["id"], query["data"], query["from"]["id"]) == (
        pressed.callback_query_id,
        "sex:P",
        user.id,
    )
    assert query["message"]["message_id"] == sent["message_id"]


def test_only_buttons_the_message_has_can_be_pressed(
    telegram_users: SandboxClient, bot_call: Call
) -> None:
    user = telegram_users.create_user("Dina", started=True)
    markup = {"inline_keyboard": [[{"text": "Ya", "callback_data": "yes"}]]}
    sent = bot_call("sendMessage", chat_id=user.id, text="?", reply_markup=markup)

    with pytest.raises(SandboxError, match="no such button") as refused:
        telegram_users.press_button(user.id, sent["result"]["message_id"], data="no")

    assert refused.value.status == 400
    assert "'Ya'" in refused.value.message


def test_a_forged_press_carries_any_data_to_the_bot(
    telegram_users: SandboxClient, bot_call: Call
) -> None:
    user = telegram_users.create_user("Dewi", started=True)
    markup = {"inline_keyboard": [[{"text": "Ya", "callback_data": "yes"}]]}
    sent = bot_call("sendMessage", chat_id=user.id, text="?", reply_markup=markup)
    message_id = sent["result"]["message_id"]

    telegram_users.press_button(user.id, message_id, data="sex:X'; DROP", forged=True)
    with pytest.raises(SandboxError, match="1-64 bytes") as refused:
        telegram_users.press_button(user.id, message_id, data="é" * 33, forged=True)

    [query] = pending(telegram_users, "callback_query")
    assert query["data"] == "sex:X'; DROP"
    assert refused.value.status == 400


def test_a_user_edits_a_message_and_sends_a_location(telegram_users: SandboxClient) -> None:
    user = telegram_users.create_user("Fitri", started=True)
    sent = telegram_users.send_text(user.id, "Siti Aminh")

    telegram_users.edit_text(user.id, sent["message_id"], "Siti Aminah")
    telegram_users.send_location(user.id, -7.75, 113.21)

    [edited] = pending(telegram_users, "edited_message")
    assert (edited["message_id"], edited["text"]) == (sent["message_id"], "Siti Aminah")
    assert "edit_date" in edited
    [located] = [m for m in pending(telegram_users, "message") if "location" in m]
    assert located["location"] == {"latitude": -7.75, "longitude": 113.21}


def test_buttons_of_a_deleted_message_cannot_be_pressed(
    telegram_users: SandboxClient, bot_call: Call
) -> None:
    user = telegram_users.create_user("Eka", started=True)
    markup = {"inline_keyboard": [[{"text": "Ya", "callback_data": "yes"}]]}
    sent = bot_call("sendMessage", chat_id=user.id, text="?", reply_markup=markup)
    message_id = sent["result"]["message_id"]
    bot_call("deleteMessage", chat_id=user.id, message_id=message_id)

    with pytest.raises(SandboxError) as refused:
        telegram_users.press_button(user.id, message_id, data="yes")

    assert refused.value.status == 404


def test_url_button_opens_its_link(telegram_users: SandboxClient, bot_call: Call) -> None:
    user = telegram_users.create_user("Fajar", started=True)
    markup = {"inline_keyboard": [[{"text": "Zoom", "url": "https://zoom.us/j/123"}]]}
    sent = bot_call("sendMessage", chat_id=user.id, text="Link", reply_markup=markup)

    pressed = telegram_users.press_button(user.id, sent["result"]["message_id"], text="Zoom")

    assert (pressed.opened_url, pressed.callback_query_id) == ("https://zoom.us/j/123", None)


def test_blocking_tells_the_bot(telegram_users: SandboxClient) -> None:
    user = telegram_users.create_user("Gita", started=True)

    telegram_users.block(user.id)

    [change] = pending(telegram_users, "my_chat_member")
    assert (change["old_chat_member"]["status"], change["new_chat_member"]["status"]) == (
        "member",
        "kicked",
    )
    assert telegram_users.chat(user.id)["blocked"] is True


def test_wait_returns_as_soon_as_the_messages_arrive(
    bot_call: Call, telegram_users: SandboxClient
) -> None:
    user = telegram_users.create_user("Hana", started=True)
    later = threading.Timer(0.2, lambda: bot_call("sendMessage", chat_id=user.id, text="Akhirnya"))
    later.start()

    [message] = telegram_users.wait_for_messages(user.id, 1, timeout=5)

    later.join()
    assert message.text == "Akhirnya"


def test_wait_that_times_out_says_what_arrived(
    bot_call: Call, telegram_users: SandboxClient
) -> None:
    user = telegram_users.create_user("Indah", started=True)
    bot_call("sendMessage", chat_id=user.id, text="Satu-satunya")

    with pytest.raises(SandboxTimeout, match="1 of 2 messages") as waited:
        telegram_users.wait_for_messages(user.id, 2, timeout=0.2)

    assert "Satu-satunya" in waited.value.message


def test_group_messages_reach_the_bot_from_members(telegram_users: SandboxClient) -> None:
    member = telegram_users.create_user("Joko")
    group = telegram_users.create_group("Kader Kelurahan Jati", members=[member.id])

    telegram_users.send_text(member.id, "Kapan sesi berikutnya?", chat_id=group["id"])

    [message] = pending(telegram_users, "message")
    assert (message["chat"]["type"], message["chat"]["title"]) == (
        "group",
        "Kader Kelurahan Jati",
    )


def test_command_menu_follows_scope_and_language(
    telegram_users: SandboxClient, bot_call: Call
) -> None:
    admin = telegram_users.create_user("Admin", language_code="id")
    guest = telegram_users.create_user("Guest", language_code="en")
    bot_call(
        "setMyCommands",
        commands=[{"command": "daftar", "description": "Daftar"}],
    )
    bot_call(
        "setMyCommands",
        commands=[{"command": "laporan", "description": "Laporan"}],
        scope={"type": "chat", "chat_id": admin.id},
    )

    assert [c["command"] for c in telegram_users.commands(admin.id)] == ["laporan"]
    assert [c["command"] for c in telegram_users.commands(guest.id)] == ["daftar"]


def test_stats_count_accepted_and_refused(telegram_users: SandboxClient, bot_call: Call) -> None:
    user = telegram_users.create_user("Kiki", started=True)
    stranger = telegram_users.create_user("Lala")
    bot_call("sendMessage", chat_id=user.id, text="ok")
    refused = bot_call("sendMessage", chat_id=stranger.id, text="no")

    stats = telegram_users.stats()

    assert refused["error_code"] == 403
    assert (stats.accepted, stats.forbidden, stats.errors, stats.messages_accepted) == (
        {"sendMessage": 1},
        {"not_started": 1},
        {"403": 1},
        1,
    )
    [failure] = stats.failures
    assert failure.startswith("sendMessage: 403 Forbidden")


def test_reset_forgets_everything(telegram_users: SandboxClient) -> None:
    mira = telegram_users.create_user("Mira")
    telegram_users.start(mira.id)

    telegram_users.reset()

    assert (telegram_users.pending_updates(), telegram_users.stats().accepted) == ([], {})
    with pytest.raises(SandboxError) as gone:
        telegram_users.chat(mira.id)
    assert gone.value.status == 404


async def test_a_python_telegram_bot_application_talks_to_simulated_users(
    telegram_sandbox: TelegramSandbox,
) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        payload = " ".join(context.args or [])
        await context.bot.send_message(
            update.effective_chat.id,
            f"Selamat datang! Kode: <code>{payload}</code>",
            parse_mode="HTML",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("Daftar", callback_data="reg")]]
            ),
        )

    async def register(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Terdaftar")
        await query.edit_message_text("Anda terdaftar untuk sesi #4.")

    application = (
        Application.builder()
        .token(telegram_sandbox.token)
        .base_url(telegram_sandbox.api_url)
        .base_file_url(telegram_sandbox.file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(register))
    async with telegram_sandbox.async_client() as users, application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        try:
            user = await users.create_user("Olive")
            await users.start(user.id, "daftar_x1")
            [welcome] = await users.wait_for_messages(user.id, 1)
            pressed = await users.press_button(user.id, welcome.message_id, text="Daftar")
            answer = await users.wait_for_callback_answer(pressed.callback_query_id or "")
            [event] = await users.wait_for_events(user.id, 1, after=1)
        finally:
            await application.updater.stop()
            await application.stop()

    assert welcome.html == "Selamat datang! Kode: <code>daftar_x1</code>"
    assert (answer.text, event.action, event.message.text) == (
        "Terdaftar",
        "edited",
        "Anda terdaftar untuk sesi #4.",
    )
