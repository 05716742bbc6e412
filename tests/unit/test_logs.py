import logging

import httpx
import pytest

from gedsi_bot.logs import RedactLibraryValues, ScrubSecrets, scrub

TOKEN = "123456789:AAEhBP0av28aa4l1n_BcW0d-RkXn2PmIYsk"


def test_bot_token_in_a_url_is_masked() -> None:
    line = f"HTTP Request: POST https://api.telegram.org/bot{TOKEN}/getUpdates"
    assert TOKEN not in scrub(line)
    assert "https://api.telegram.org/bot***/getUpdates" in scrub(line)


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer eyJhbGciOiJIUzUxMiJ9.eyJhdWQiOiJ9.abcDEF",
        "Authorization: Basic Y2xpZW50OnNlY3JldA==",
        '{"access_token": "eyJhbGciOiJIUzUxMiJ9.abc", "expires_in": 3599}',
    ],
)
def test_credentials_are_masked(line: str) -> None:
    assert "***" in scrub(line)
    assert "eyJhbGciOiJIUzUxMiJ9" not in scrub(line)
    assert "Y2xpZW50OnNlY3JldA" not in scrub(line)


def test_filter_rewrites_formatted_records() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "url %s", (f"bot{TOKEN}",), None)
    assert ScrubSecrets().filter(record)
    assert TOKEN not in record.getMessage()


def library_record(name: str, message: object, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.DEBUG, __file__, 1, message, args, None)


@pytest.mark.parametrize(
    ("message", "args", "shown"),
    [
        ("Processing update %s", (object(),), "Processing update <object>"),
        (
            "Calling Bot API endpoint `%s` with parameters `%s`",
            ("sendMessage", {"chat_id": 5, "text": "Siti Aminah"}),
            "Calling Bot API endpoint `sendMessage` with parameters `<dict>`",
        ),
        (
            "Webhook received data: %s",
            ('{"text": "Siti Aminah"}',),
            "Webhook received data: <str>",
        ),
        ("Getting updates: %s", ([101, 102],), "Getting updates: [101, 102]"),
        ("typed %s", ("Sïti",), "typed <str>"),
        ("data %s", ({"name": "Siti"},), "data <dict>"),
        ("%(who)s at %(n)d", ({"who": "Siti Aminah", "n": 3},), "<str> at 3"),
    ],
)
def test_library_records_show_only_plain_values(
    message: str, args: tuple[object, ...], shown: str
) -> None:
    record = library_record("telegram.ext.Application", message, *args)
    assert RedactLibraryValues().filter(record)
    assert record.getMessage() == shown


def test_library_urls_keep_their_path_without_the_token_or_query() -> None:
    url = httpx.URL(f"https://api.telegram.org/bot{TOKEN}/sendMessage?text=Siti+Aminah")
    record = library_record("httpx", "HTTP Request: %s %s", "POST", url)
    for check in (RedactLibraryValues(), ScrubSecrets()):
        check.filter(record)
    assert record.getMessage() == "HTTP Request: POST https://api.telegram.org/bot***/sendMessage"


def test_own_records_are_left_as_written() -> None:
    record = library_record("gedsi_bot.bot.app", "update %s failed: %s", 7, "RuntimeError: x y")
    assert RedactLibraryValues().filter(record)
    assert record.getMessage() == "update 7 failed: RuntimeError: x y"


def test_a_library_message_that_is_an_object_is_replaced_by_its_type() -> None:
    record = library_record("telegram.ext.Application", {"text": "Siti Aminah"})
    assert RedactLibraryValues().filter(record)
    assert record.getMessage() == "<dict>"
