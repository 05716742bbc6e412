import logging

import pytest

from gedsi_bot.logs import ScrubSecrets, scrub

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
