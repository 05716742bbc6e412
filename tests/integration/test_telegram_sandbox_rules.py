"""Raw requests that break the Bot API's rules get Telegram's status codes and descriptions.

One test per rule. Requests go over real HTTP (httpx) in the three body encodings Telegram
accepts: JSON, form-urlencoded and multipart.
"""

from __future__ import annotations

import io
import json
import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from gedsi_bot.sandbox.telegram import SandboxClient, TelegramSandbox

TLS = ssl.create_default_context()  # built once: a context per client costs ~80 ms


class Api:
    """Bare Bot API calls: what any HTTP client (or curl) would send."""

    def __init__(self, sandbox: TelegramSandbox) -> None:
        self.sandbox = sandbox
        self.http = httpx.Client(base_url=sandbox.url, timeout=10, verify=TLS)

    def json(self, method: str, **params: Any) -> httpx.Response:
        return self.http.post(f"/bot{self.sandbox.token}/{method}", json=params)

    def form(self, method: str, **params: str) -> httpx.Response:
        return self.http.post(f"/bot{self.sandbox.token}/{method}", data=params)

    def upload(
        self, method: str, field: str, data: bytes, filename: str, **params: str
    ) -> httpx.Response:
        files = {field: (filename, data, "application/octet-stream")}
        return self.http.post(f"/bot{self.sandbox.token}/{method}", data=params, files=files)


@pytest.fixture
def api(telegram_sandbox: TelegramSandbox) -> Iterator[Api]:
    client = Api(telegram_sandbox)
    yield client
    client.http.close()


@pytest.fixture
def ana(telegram_users: SandboxClient) -> int:
    return telegram_users.create_user("Ana", started=True).id


def refusal(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    assert body["ok"] is False
    assert body["error_code"] == response.status_code
    return response.status_code, body["description"]


def image(width: int, height: int, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(out, fmt)
    return out.getvalue()


def keyboard(*buttons: dict[str, Any]) -> str:
    return json.dumps({"inline_keyboard": [list(buttons)]})


# --- the endpoint ---------------------------------------------------------------------------


def test_unknown_method_is_not_found(api: Api) -> None:
    assert refusal(api.json("sendTelepathy")) == (404, "Not Found")


def test_method_names_ignore_case(api: Api) -> None:
    assert api.json("GETME").json()["result"]["is_bot"] is True


def test_wrong_token_is_unauthorized(api: Api) -> None:
    response = api.http.post("/bot123:wrong/getMe")

    assert refusal(response) == (401, "Unauthorized")


def test_unknown_path_is_not_found(api: Api) -> None:
    assert refusal(api.http.get("/nowhere")) == (404, "Not Found")


def test_other_http_verbs_are_refused_in_json(api: Api) -> None:
    response = api.http.delete(f"/bot{api.sandbox.token}/getMe")

    assert refusal(response) == (405, "Method Not Allowed")


def test_body_that_is_not_json_is_refused(api: Api) -> None:
    response = api.http.post(
        f"/bot{api.sandbox.token}/getMe",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )

    assert refusal(response) == (400, "Bad Request: can't parse JSON encoded request")


def test_form_and_query_parameters_are_read(api: Api, ana: int) -> None:
    response = api.http.get(
        f"/bot{api.sandbox.token}/sendMessage", params={"chat_id": ana, "text": "via GET"}
    )

    assert response.json()["result"]["text"] == "via GET"


# --- parameters -----------------------------------------------------------------------------


def test_unknown_parameter_is_refused(api: Api, ana: int) -> None:
    response = api.json("sendMessage", chat_id=ana, text="Halo", colour="red")

    assert refusal(response) == (400, 'Bad Request: unknown parameter "colour"')


def test_missing_chat_id_is_refused(api: Api) -> None:
    assert refusal(api.json("sendMessage", text="Halo")) == (400, "Bad Request: chat_id is empty")


def test_missing_text_is_refused(api: Api, ana: int) -> None:
    assert refusal(api.json("sendMessage", chat_id=ana)) == (
        400,
        "Bad Request: message text is empty",
    )


def test_missing_required_parameter_is_named(api: Api) -> None:
    assert refusal(api.json("setMyCommands")) == (
        400,
        'Bad Request: parameter "commands" is required',
    )


def test_integer_parameter_of_wrong_type_is_refused(api: Api) -> None:
    assert refusal(api.form("getUpdates", limit="banyak")) == (
        400,
        "Bad Request: invalid limit specified",
    )


def test_boolean_parameter_of_wrong_type_is_refused(api: Api, ana: int) -> None:
    response = api.form("sendMessage", chat_id=str(ana), text="x", disable_notification="maybe")

    assert refusal(response) == (400, "Bad Request: invalid disable_notification specified")


def test_object_parameter_that_is_not_json_is_refused(api: Api, ana: int) -> None:
    response = api.form("sendMessage", chat_id=str(ana), text="x", reply_parameters="{oops")

    assert refusal(response) == (400, "Bad Request: can't parse reply parameters JSON object")


def test_array_parameter_that_is_not_an_array_is_refused(api: Api) -> None:
    response = api.json("setMyCommands", commands={"command": "daftar"})

    assert refusal(response) == (400, "Bad Request: expected an Array of BotCommand")


def test_chat_id_that_is_neither_number_nor_username_is_unknown(api: Api) -> None:
    assert refusal(api.json("sendMessage", chat_id="ana", text="x")) == (
        400,
        "Bad Request: chat not found",
    )


def test_unknown_chat_is_not_found(api: Api) -> None:
    assert refusal(api.json("sendMessage", chat_id=555, text="x")) == (
        400,
        "Bad Request: chat not found",
    )


def test_unmodelled_feature_is_refused_loudly(api: Api, ana: int) -> None:
    response = api.json("sendMessage", chat_id=ana, text="x", message_thread_id=5)

    assert refusal(response) == (
        400,
        'Bad Request: parameter "message_thread_id" is not supported by the sandbox',
    )


# --- text and formatting --------------------------------------------------------------------


def test_text_of_4096_characters_is_accepted(api: Api, ana: int) -> None:
    response = api.json("sendMessage", chat_id=ana, text="a" * 4096)

    assert len(response.json()["result"]["text"]) == 4096


def test_text_over_4096_characters_is_too_long(api: Api, ana: int) -> None:
    assert refusal(api.json("sendMessage", chat_id=ana, text="a" * 4097)) == (
        400,
        "Bad Request: message is too long",
    )


def test_text_length_counts_after_entity_parsing(api: Api, ana: int) -> None:
    text = "<b>" + "a" * 4096 + "</b>"

    response = api.json("sendMessage", chat_id=ana, text=text, parse_mode="HTML")

    assert response.json()["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 4096}]


def test_text_empty_after_parsing_is_refused(api: Api, ana: int) -> None:
    response = api.json("sendMessage", chat_id=ana, text="<b> </b>", parse_mode="HTML")

    assert refusal(response) == (400, "Bad Request: message text is empty")


def test_unclosed_html_tag_cannot_be_parsed(api: Api, ana: int) -> None:
    response = api.json("sendMessage", chat_id=ana, text="<b>Halo", parse_mode="HTML")

    assert refusal(response) == (
        400,
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    )


def test_unsupported_html_tag_cannot_be_parsed(api: Api, ana: int) -> None:
    response = api.json("sendMessage", chat_id=ana, text="1 <br> 2", parse_mode="HTML")

    assert refusal(response) == (
        400,
        'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 2',
    )


def test_unescaped_user_text_breaks_html(api: Api, ana: int) -> None:
    response = api.json("sendMessage", chat_id=ana, text="Nama: Ana <3", parse_mode="HTML")

    assert refusal(response) == (
        400,
        "Bad Request: can't parse entities: Unclosed start tag at byte offset 10",
    )


def test_unknown_parse_mode_is_refused(api: Api, ana: int) -> None:
    response = api.json("sendMessage", chat_id=ana, text="x", parse_mode="BBCode")

    assert refusal(response) == (400, "Bad Request: unsupported parse_mode")


def test_markdown_v2_reserved_character_must_be_escaped(api: Api, ana: int) -> None:
    response = api.json("sendMessage", chat_id=ana, text="Sesi 4.", parse_mode="MarkdownV2")

    assert refusal(response) == (
        400,
        (
            "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
            "with the preceding '\\'"
        ),
    )


def test_caption_of_1024_characters_is_accepted(api: Api, ana: int) -> None:
    response = api.upload(
        "sendPhoto", "photo", image(64, 64), "a.png", chat_id=str(ana), caption="c" * 1024
    )

    assert len(response.json()["result"]["caption"]) == 1024


def test_caption_over_1024_characters_is_too_long(api: Api, ana: int) -> None:
    response = api.upload(
        "sendPhoto", "photo", image(64, 64), "a.png", chat_id=str(ana), caption="c" * 1025
    )

    assert refusal(response) == (400, "Bad Request: message caption is too long")


# --- keyboards ------------------------------------------------------------------------------


def test_callback_data_of_64_bytes_is_accepted(api: Api, ana: int) -> None:
    markup = keyboard({"text": "Daftar", "callback_data": "x" * 64})

    response = api.json("sendMessage", chat_id=ana, text="x", reply_markup=json.loads(markup))

    assert response.json()["ok"] is True


def test_callback_data_over_64_bytes_is_invalid(api: Api, ana: int) -> None:
    markup = keyboard({"text": "Daftar", "callback_data": "é" * 33})  # 66 bytes

    response = api.form("sendMessage", chat_id=str(ana), text="x", reply_markup=markup)

    assert refusal(response) == (400, "Bad Request: BUTTON_DATA_INVALID")


def test_empty_callback_data_makes_a_text_button(api: Api, ana: int) -> None:
    markup = keyboard({"text": "Daftar", "callback_data": ""})

    response = api.form("sendMessage", chat_id=str(ana), text="x", reply_markup=markup)

    assert refusal(response) == (
        400,
        (
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard"
        ),
    )


def test_button_without_text_is_refused(api: Api, ana: int) -> None:
    markup = keyboard({"callback_data": "x"})

    response = api.form("sendMessage", chat_id=str(ana), text="x", reply_markup=markup)

    assert refusal(response) == (
        400,
        "Bad Request: can't parse inline keyboard button: Can't find field \"text\"",
    )


def test_reply_markup_that_is_not_json_is_refused(api: Api, ana: int) -> None:
    response = api.form("sendMessage", chat_id=str(ana), text="x", reply_markup="[[")

    assert refusal(response) == (400, "Bad Request: can't parse reply keyboard markup JSON object")


def test_inline_keyboard_must_be_rows_of_buttons(api: Api, ana: int) -> None:
    markup = json.dumps({"inline_keyboard": [{"text": "a", "callback_data": "b"}]})

    response = api.form("sendMessage", chat_id=str(ana), text="x", reply_markup=markup)

    assert refusal(response) == (
        400,
        (
            'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup '
            "must be an Array of Arrays"
        ),
    )


def test_reply_keyboard_is_shown_to_the_user(
    api: Api, ana: int, telegram_users: SandboxClient
) -> None:
    markup = {"keyboard": [["Laki-laki", "Perempuan"]], "one_time_keyboard": True}

    api.json("sendMessage", chat_id=ana, text="Jenis kelamin?", reply_markup=markup)

    assert telegram_users.chat(ana)["reply_keyboard"] == {
        "keyboard": [[{"text": "Laki-laki"}, {"text": "Perempuan"}]],
        "one_time_keyboard": True,
    }


# --- files ----------------------------------------------------------------------------------


def test_photo_over_10_mb_is_refused(api: Api, ana: int) -> None:
    big = image(64, 64) + b"\0" * (10 * 1024 * 1024)

    response = api.upload("sendPhoto", "photo", big, "big.png", chat_id=str(ana))

    assert refusal(response) == (400, "Bad Request: PHOTO_SAVE_FILE_INVALID")


def test_photo_with_sides_over_10000_is_refused(api: Api, ana: int) -> None:
    response = api.upload("sendPhoto", "photo", image(9000, 1001), "wide.png", chat_id=str(ana))

    assert refusal(response) == (400, "Bad Request: PHOTO_INVALID_DIMENSIONS")


def test_photo_narrower_than_one_to_twenty_is_refused(api: Api, ana: int) -> None:
    response = api.upload("sendPhoto", "photo", image(2100, 100), "strip.png", chat_id=str(ana))

    assert refusal(response) == (400, "Bad Request: PHOTO_INVALID_DIMENSIONS")


def test_photo_that_is_not_an_image_is_refused(api: Api, ana: int) -> None:
    response = api.upload("sendPhoto", "photo", b"%PDF-1.7 ...", "flyer.png", chat_id=str(ana))

    assert refusal(response) == (400, "Bad Request: IMAGE_PROCESS_FAILED")


def test_unknown_file_id_is_refused(api: Api, ana: int) -> None:
    response = api.json("sendPhoto", chat_id=ana, photo="AgACnotafileid")

    assert refusal(response) == (400, "Bad Request: wrong file identifier/HTTP URL specified")


def test_photo_file_id_cannot_be_sent_as_document(api: Api, ana: int) -> None:
    sent = api.upload("sendPhoto", "photo", image(64, 64), "a.png", chat_id=str(ana)).json()
    file_id = sent["result"]["photo"][-1]["file_id"]

    response = api.json("sendDocument", chat_id=ana, document=file_id)

    assert refusal(response) == (400, "Bad Request: type of file mismatch")


def test_missing_photo_is_refused(api: Api, ana: int) -> None:
    assert refusal(api.json("sendPhoto", chat_id=ana)) == (
        400,
        "Bad Request: there is no photo in the request",
    )


def test_file_attached_by_name_is_used(api: Api, ana: int) -> None:
    response = api.upload(
        "sendDocument",
        "laporan",
        b"isi",
        "laporan.csv",
        chat_id=str(ana),
        document="attach://laporan",
    )

    assert response.json()["result"]["document"]["file_name"] == "laporan.csv"


def test_upload_over_50_mb_is_too_large(api: Api, ana: int) -> None:
    response = api.upload(
        "sendDocument", "document", bytes(50 * 1024 * 1024 + 1), "rekaman.bin", chat_id=str(ana)
    )

    assert refusal(response) == (413, "Request Entity Too Large")


def test_file_over_20_mb_cannot_be_downloaded_by_the_bot(api: Api, ana: int) -> None:
    sent = api.upload(
        "sendDocument", "document", bytes(20 * 1024 * 1024 + 1), "arsip.zip", chat_id=str(ana)
    ).json()

    response = api.json("getFile", file_id=sent["result"]["document"]["file_id"])

    assert refusal(response) == (400, "Bad Request: file is too big")


def test_unknown_file_id_cannot_be_downloaded(api: Api) -> None:
    assert refusal(api.json("getFile", file_id="nope")) == (400, "Bad Request: invalid file_id")


# --- who the bot may write to ---------------------------------------------------------------


def test_user_who_never_started_the_bot_cannot_be_written_to(
    api: Api, telegram_users: SandboxClient
) -> None:
    stranger = telegram_users.create_user("Asing")

    assert refusal(api.json("sendMessage", chat_id=stranger.id, text="Halo")) == (
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )


def test_user_who_blocked_the_bot_cannot_be_written_to(
    api: Api, ana: int, telegram_users: SandboxClient
) -> None:
    telegram_users.block(ana)

    assert refusal(api.json("sendMessage", chat_id=ana, text="Halo")) == (
        403,
        "Forbidden: bot was blocked by the user",
    )


def test_user_who_unblocked_the_bot_can_be_written_to_again(
    api: Api, ana: int, telegram_users: SandboxClient
) -> None:
    telegram_users.block(ana)
    telegram_users.unblock(ana)

    assert api.json("sendMessage", chat_id=ana, text="Halo").json()["ok"] is True


def test_channel_is_reached_by_username(api: Api, telegram_users: SandboxClient) -> None:
    telegram_users.create_channel("Caring Gedsi", username="caringgedsi")

    response = api.json("sendMessage", chat_id="@caringgedsi", text="Sesi baru!")

    assert response.json()["result"]["sender_chat"]["title"] == "Caring Gedsi"


def test_channel_where_the_bot_is_no_admin_is_refused(
    api: Api, telegram_users: SandboxClient
) -> None:
    channel = telegram_users.create_channel("Kanal Lain", bot_status="member")

    assert refusal(api.json("sendMessage", chat_id=channel["id"], text="x")) == (
        400,
        "Bad Request: need administrator rights in the channel chat",
    )


def test_group_the_bot_left_is_refused(api: Api, telegram_users: SandboxClient) -> None:
    group = telegram_users.create_group("Kader RW 3", bot_status="left")

    assert refusal(api.json("sendMessage", chat_id=group["id"], text="x")) == (
        403,
        "Forbidden: bot is not a member of the group chat",
    )


# --- editing and deleting -------------------------------------------------------------------


def test_editing_an_unknown_message_is_refused(api: Api, ana: int) -> None:
    response = api.json("editMessageText", chat_id=ana, message_id=99, text="x")

    assert refusal(response) == (400, "Bad Request: message to edit not found")


def test_editing_without_a_change_is_refused(api: Api, ana: int) -> None:
    sent = api.json("sendMessage", chat_id=ana, text="Sama").json()["result"]

    response = api.json("editMessageText", chat_id=ana, message_id=sent["message_id"], text="Sama")

    assert refusal(response) == (
        400,
        (
            "Bad Request: message is not modified: specified new message content and reply markup "
            "are exactly the same as a current content and reply markup of the message"
        ),
    )


def test_editing_a_users_message_is_refused(
    api: Api, ana: int, telegram_users: SandboxClient
) -> None:
    written = telegram_users.send_text(ana, "halo bot")

    response = api.json("editMessageText", chat_id=ana, message_id=written["message_id"], text="x")

    assert refusal(response) == (400, "Bad Request: message can't be edited")


def test_editing_text_without_markup_removes_the_keyboard(api: Api, ana: int) -> None:
    markup = json.loads(keyboard({"text": "Ya", "callback_data": "y"}))
    sent = api.json("sendMessage", chat_id=ana, text="Ikut?", reply_markup=markup).json()

    edited = api.json(
        "editMessageText",
        chat_id=ana,
        message_id=sent["result"]["message_id"],
        text="Terima kasih",
    ).json()["result"]

    assert "reply_markup" not in edited


def test_reply_keyboard_cannot_replace_an_inline_one(api: Api, ana: int) -> None:
    sent = api.json("sendMessage", chat_id=ana, text="Ikut?").json()["result"]

    response = api.json(
        "editMessageReplyMarkup",
        chat_id=ana,
        message_id=sent["message_id"],
        reply_markup={"keyboard": [["Ya"]]},
    )

    assert refusal(response) == (400, "Bad Request: inline keyboard expected")


def test_deleting_an_unknown_message_is_refused(api: Api, ana: int) -> None:
    assert refusal(api.json("deleteMessage", chat_id=ana, message_id=42)) == (
        400,
        "Bad Request: message to delete not found",
    )


def test_deleting_twice_is_refused(api: Api, ana: int) -> None:
    sent = api.json("sendMessage", chat_id=ana, text="x").json()["result"]
    api.json("deleteMessage", chat_id=ana, message_id=sent["message_id"])

    response = api.json("deleteMessage", chat_id=ana, message_id=sent["message_id"])

    assert refusal(response) == (400, "Bad Request: message to delete not found")


def test_reply_to_an_unknown_message_is_refused(api: Api, ana: int) -> None:
    response = api.json("sendMessage", chat_id=ana, text="x", reply_parameters={"message_id": 77})

    assert refusal(response) == (400, "Bad Request: message to be replied not found")


# --- callbacks and commands -----------------------------------------------------------------


def test_answering_an_unknown_callback_query_is_refused(api: Api) -> None:
    assert refusal(api.json("answerCallbackQuery", callback_query_id="12345")) == (
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )


def test_answering_a_callback_query_twice_is_refused(
    api: Api, ana: int, telegram_users: SandboxClient
) -> None:
    markup = json.loads(keyboard({"text": "Ya", "callback_data": "y"}))
    sent = api.json("sendMessage", chat_id=ana, text="Ikut?", reply_markup=markup).json()
    pressed = telegram_users.press_button(ana, sent["result"]["message_id"], data="y")
    api.json("answerCallbackQuery", callback_query_id=pressed.callback_query_id)

    response = api.json("answerCallbackQuery", callback_query_id=pressed.callback_query_id)

    assert refusal(response)[0] == 400


def test_invalid_command_name_is_refused(api: Api) -> None:
    response = api.json("setMyCommands", commands=[{"command": "Daftar!", "description": "x"}])

    assert refusal(response) == (400, "Bad Request: BOT_COMMAND_INVALID")


def test_unknown_chat_action_is_refused(api: Api, ana: int) -> None:
    assert refusal(api.json("sendChatAction", chat_id=ana, action="dancing")) == (
        400,
        "Bad Request: wrong parameter action in request",
    )
