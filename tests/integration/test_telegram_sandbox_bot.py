"""python-telegram-bot's own ``Bot``, pointed at the sandbox, sends, edits and receives."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from gedsi_bot.sandbox.telegram import SandboxClient, TelegramSandbox


def png(width: int = 1080, height: int = 1350, colour: str = "purple") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
async def bot(telegram_sandbox: TelegramSandbox) -> AsyncIterator[Bot]:
    sandbox = telegram_sandbox
    async with Bot(sandbox.token, base_url=sandbox.api_url, base_file_url=sandbox.file_url) as bot:
        yield bot


async def test_bot_knows_itself(bot: Bot, telegram_users: SandboxClient) -> None:
    me = await bot.get_me()

    assert (me.id, me.username, me.is_bot) == (
        telegram_users.bot()["id"],
        "caring_gedsi_sandbox_bot",
        True,
    )


async def test_bot_receives_start_with_payload(bot: Bot, telegram_users: SandboxClient) -> None:
    ana = telegram_users.create_user("Ana", last_name="Wijaya", username="ana_kader")
    telegram_users.start(ana.id, "daftar_7f3a")

    updates = await bot.get_updates(timeout=2)

    message = updates[0].message
    assert message is not None
    assert message.text == "/start daftar_7f3a"
    assert message.from_user is not None
    assert (message.from_user.id, message.from_user.full_name) == (ana.id, "Ana Wijaya")
    assert message.entities[0].type == "bot_command"
    assert (message.entities[0].offset, message.entities[0].length) == (0, 6)


async def test_confirmed_updates_are_not_delivered_again(
    bot: Bot, telegram_users: SandboxClient
) -> None:
    budi = telegram_users.create_user("Budi")
    telegram_users.send_text(budi.id, "satu")
    first = await bot.get_updates()
    telegram_users.send_text(budi.id, "dua")

    second = await bot.get_updates(offset=first[-1].update_id + 1)

    assert [update.message.text for update in second if update.message] == ["dua"]


async def test_bot_sends_html_that_the_user_reads(bot: Bot, telegram_users: SandboxClient) -> None:
    sari = telegram_users.create_user("Sari")
    telegram_users.start(sari.id)

    await bot.send_message(
        sari.id,
        "<b>Caring Gedsi #4</b>\nKamis, 26 November 2026 pukul 09.00 WIB &amp; daring",
        parse_mode=ParseMode.HTML,
    )

    [received] = telegram_users.messages(sari.id)
    assert received.text == "Caring Gedsi #4\nKamis, 26 November 2026 pukul 09.00 WIB & daring"
    assert received.html == (
        "<b>Caring Gedsi #4</b>\nKamis, 26 November 2026 pukul 09.00 WIB &amp; daring"
    )


async def test_bot_edits_text_and_keyboard(bot: Bot, telegram_users: SandboxClient) -> None:
    dewi = telegram_users.create_user("Dewi")
    telegram_users.start(dewi.id)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Daftar", callback_data="reg:4")]])
    sent = await bot.send_message(dewi.id, "Sesi #4", reply_markup=keyboard)

    edited = await bot.edit_message_text("Sesi #4 — penuh", chat_id=dewi.id, message_id=sent.id)
    await bot.edit_message_reply_markup(
        dewi.id,
        sent.id,
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Antre", callback_data="wl:4")]]),
    )

    assert not isinstance(edited, bool)
    assert edited.edit_date is not None
    [shown] = telegram_users.messages(dewi.id)
    assert (shown.text, shown.button_texts, shown.edit_count) == ("Sesi #4 — penuh", ["Antre"], 2)
    assert [event.action for event in telegram_users.events(dewi.id)] == [
        "sent",
        "edited",
        "edited",
    ]


async def test_bot_answers_a_pressed_button(bot: Bot, telegram_users: SandboxClient) -> None:
    rina = telegram_users.create_user("Rina")
    telegram_users.start(rina.id)
    [start] = await bot.get_updates()
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ya, daftar", callback_data="yes")]])
    sent = await bot.send_message(rina.id, "Daftar sesi #4?", reply_markup=keyboard)

    pressed = telegram_users.press_button(rina.id, sent.id, text="Ya, daftar")
    [update] = await bot.get_updates(offset=start.update_id + 1, timeout=2)
    query = update.callback_query
    assert query is not None
    await query.answer("Terdaftar!")

    assert (query.data, query.message.message_id if query.message else None) == ("yes", sent.id)
    answer = telegram_users.wait_for_callback_answer(pressed.callback_query_id or "")
    assert (answer.answered, answer.text) == (True, "Terdaftar!")


async def test_photo_is_uploaded_once_and_reused_by_file_id(
    bot: Bot, telegram_users: SandboxClient
) -> None:
    first, second = telegram_users.create_users(2, started=True)
    flyer = png()

    uploaded = await bot.send_photo(first.id, InputFile(flyer, filename="flyer.png"), caption="#4")
    file_id = uploaded.photo[-1].file_id
    reused = await bot.send_photo(second.id, file_id, caption="#4")

    assert reused.photo[-1].file_unique_id == uploaded.photo[-1].file_unique_id
    assert (uploaded.photo[-1].width, uploaded.photo[-1].height) == (1080, 1350)
    assert [size.width for size in uploaded.photo] == [72, 256, 640, 1024, 1080]
    received = telegram_users.messages(second.id)[0]
    assert received.photo is not None
    assert telegram_users.download(received.photo["file_id"]) == flyer


async def test_document_is_sent_and_downloaded_by_the_bot(
    bot: Bot, telegram_users: SandboxClient
) -> None:
    tono = telegram_users.create_user("Tono", started=True)
    calendar = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"

    sent = await bot.send_document(
        tono.id, InputFile(calendar, filename="caring-gedsi-4.ics"), caption="Simpan di kalender"
    )
    assert sent.document is not None
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()

    assert bytes(downloaded) == calendar
    assert (sent.document.file_name, sent.document.mime_type) == (
        "caring-gedsi-4.ics",
        "text/calendar",
    )


async def test_bot_downloads_a_photo_a_user_sent(bot: Bot, telegram_users: SandboxClient) -> None:
    wati = telegram_users.create_user("Wati")
    picture = png(400, 300, "orange")
    telegram_users.send_photo(wati.id, picture, caption="bukti transfer")

    [update] = await bot.get_updates()
    assert update.message is not None
    largest = update.message.photo[-1]
    data = await (await bot.get_file(largest.file_id)).download_as_bytearray()

    assert (update.message.caption, bytes(data)) == ("bukti transfer", picture)


async def test_bot_deletes_its_message(bot: Bot, telegram_users: SandboxClient) -> None:
    yuni = telegram_users.create_user("Yuni", started=True)
    sent = await bot.send_message(yuni.id, "Pengingat lama")

    assert await bot.delete_message(yuni.id, sent.id) is True

    [shown] = telegram_users.messages(yuni.id)
    assert shown.deleted is True


async def test_commands_set_by_the_bot_show_in_the_menu(
    bot: Bot, telegram_users: SandboxClient
) -> None:
    eka = telegram_users.create_user("Eka", language_code="en")
    await bot.set_my_commands([BotCommand("daftar", "Daftar sesi")])
    await bot.set_my_commands([BotCommand("register", "Register")], language_code="en")

    commands = await bot.get_my_commands()

    assert [command.command for command in commands] == ["daftar"]
    assert telegram_users.commands(eka.id) == [{"command": "register", "description": "Register"}]


async def test_bot_gets_telegram_errors_as_exceptions(
    bot: Bot, telegram_users: SandboxClient
) -> None:
    stranger = telegram_users.create_user("Asing")
    quitter = telegram_users.create_user("Keluar", started=True)
    telegram_users.block(quitter.id)

    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(stranger.id, "Halo")
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(quitter.id, "Halo")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(987654321, "Halo")
