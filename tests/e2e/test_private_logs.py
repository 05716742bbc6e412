"""Nothing a person told the bot, and not the bot's token, reaches the logs — even with every
library logging at DEBUG, as an IT officer chasing a fault would set it."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from gedsi_bot.logs import NOISY_LOGGERS, configure_logging
from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient
from tests.e2e.harness import BotHarness, Person

pytestmark = pytest.mark.slow

LIBRARIES = ("telegram", "httpx", "httpcore", "apscheduler", "sqlalchemy.engine", "tornado")


@pytest.fixture
def debug_logs() -> Iterator[io.StringIO]:
    """gedsi-bot's logging at DEBUG, every library included; what it wrote."""
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    names = (*LIBRARIES, *NOISY_LOGGERS)
    saved_levels = {name: logging.getLogger(name).level for name in names}
    configure_logging("DEBUG", stream=stream)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


async def test_a_whole_registration_logged_at_debug_names_nobody(
    harness: BotHarness, client: AsyncSandboxClient, debug_logs: io.StringIO
) -> None:
    harness.publish("K12")
    personal = {
        "first name": "Kartinah",
        "typed text": "Rahasia Kartinah 42",
        "name": "Kartinah Sulistyowati",
        "guardian": "Bambang Hadiwinoto",
        "institution": "SMPN Sembilan Mayangan",
        "token": harness.sandbox.token,
        "token secret": harness.sandbox.token.split(":", 1)[1],
    }
    await harness.start()
    try:
        dika = await Person.create(client, personal["first name"])
        await dika.start("daftar_K12")
        await dika.press("privacy:yes")
        refusal = await dika.say(personal["typed text"])  # digits: not a name
        assert "huruf" in refusal.text
        await dika.say(personal["name"])
        await dika.press("sex:P")
        await dika.say("2012")
        await dika.say(personal["guardian"])
        await dika.press("gc:yes")
        await dika.press("cat:pelajar_forum_anak")
        await dika.say(personal["institution"])
        await dika.press("kel:luar_kota")
        await dika.press("dc:no")
        await dika.press("acc:none")
        confirmation = await dika.confirm()
        assert personal["name"] in confirmation.text
        mine = await dika.command("dataku")
        assert personal["institution"] in mine.text
    finally:
        await harness.stop()

    logged = debug_logs.getvalue()
    leaked = {what for what, value in personal.items() if value in logged}
    assert leaked == set()
    # ... and not because nothing was logged: the libraries did log, at DEBUG.
    for sign in (
        "HTTP Request: POST",
        "Calling Bot API endpoint `sendMessage` with parameters `<dict>`",
        "Processing update <Update>",
        "INSERT INTO registrations",
    ):
        assert sign in logged
