"""Drive the bot as people do: a running bot against the Telegram sandbox, and ``Person``s.

``BotHarness`` runs the real application (``build_application``) in the test's event loop,
long-polling the sandbox over loopback HTTP, on a SQLite file of its own; it can stop and
start again on the same database, as a restart does. ``Person`` acts through the sandbox's
simulation API and waits, with a timeout, for what the bot does in reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from gedsi_bot.bot.app import HANDLER_MODULES, HandlerModule, build_application
from gedsi_bot.bot.context import GedsiApplication
from gedsi_bot.config import Settings
from gedsi_bot.domain.model import Session
from gedsi_bot.domain.series import Catalog
from gedsi_bot.sandbox.telegram.client import (
    AsyncSandboxClient,
    ChatEvent,
    ReceivedMessage,
    User,
)
from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import Database, open_database
from tests.registration_factories import FixedClock, bundled_catalog, publish

WAIT = 30.0  # seconds a person waits for the bot before the test fails (a busy CI is slow)


@dataclass
class BotHarness:
    """The bot for one test: its sandbox, database, catalog and clock."""

    sandbox: TelegramSandbox
    database_path: Path
    catalog: Catalog = field(default_factory=bundled_catalog)
    clock: FixedClock = field(default_factory=FixedClock)
    handler_modules: Sequence[HandlerModule] = HANDLER_MODULES
    extra_settings: dict[str, Any] = field(default_factory=dict)  # e.g. Zoom credentials
    application: GedsiApplication | None = None
    database: Database = field(init=False)
    services: ServiceContext = field(init=False)

    def __post_init__(self) -> None:
        self.database = open_database(self.database_url)
        self.services = ServiceContext.open(self.database, self.catalog, clock=self.clock)

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database_path}"

    def settings(self) -> Settings:
        return Settings(
            telegram_bot_token=self.sandbox.token,
            telegram_api_url=self.sandbox.url,
            database_url=self.database_url,
            **{"admin_ids": frozenset(), **self.extra_settings},
        )

    async def start(self) -> GedsiApplication:
        """A new application on the same database, polling the sandbox."""
        application = build_application(
            self.settings(),
            self.catalog,
            clock=self.clock,
            handler_modules=self.handler_modules,
        )
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=5)
        await application.start()
        self.application = application
        return application

    async def stop(self) -> None:
        """Stop as ``run_polling`` does on SIGTERM: finish, save the state, close."""
        application, self.application = self.application, None
        if application is None:
            return
        assert application.updater is not None
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def publish(self, code: str, **kwargs: Any) -> Session:
        """A published session open for registration (see ``publish_session``)."""
        return publish(self.database, series_id=self.services.series_id, code=code, **kwargs)

    async def deliver(self, chat_id: int, payload: dict[str, Any]) -> dict[str, Any]:
        """Send an outbox payload as the delivery worker does: ``method`` with ``params``."""
        url = f"{self.sandbox.url}/bot{self.sandbox.token}/{payload['method']}"
        async with httpx.AsyncClient() as http:
            response = await http.post(url, json={"chat_id": chat_id, **payload["params"]})
        body: dict[str, Any] = response.json()
        assert body["ok"], body
        return body


class Person:
    """A simulated Telegram user talking to the bot."""

    def __init__(self, client: AsyncSandboxClient, user: User) -> None:
        self.client = client
        self.user = user
        self.seen = 0  # the last chat event this person has looked at
        self.latest: ReceivedMessage | None = None  # the message the bot last sent or edited

    @classmethod
    async def create(
        cls, client: AsyncSandboxClient, first_name: str = "Siti", **kwargs: Any
    ) -> Person:
        return cls(client, await client.create_user(first_name, **kwargs))

    @property
    def id(self) -> int:
        return self.user.id

    async def _act(self, action: Awaitable[object], expect: int) -> list[ChatEvent]:
        await action
        events = await self.client.wait_for_events(self.id, expect, after=self.seen, timeout=WAIT)
        self.seen = events[-1].seq
        self.latest = events[-1].message
        return events

    async def start(self, payload: str | None = None, *, expect: int = 1) -> ReceivedMessage:
        events = await self._act(self.client.start(self.id, payload), expect)
        return events[-1].message

    async def command(self, name: str, *, expect: int = 1) -> ReceivedMessage:
        events = await self._act(self.client.send_command(self.id, name), expect)
        return events[-1].message

    async def say(self, text: str, *, expect: int = 1) -> ReceivedMessage:
        events = await self._act(self.client.send_text(self.id, text), expect)
        return events[-1].message

    async def send_sticker(self) -> ReceivedMessage:
        events = await self._act(self.client.send_sticker(self.id), 1)
        return events[-1].message

    async def send_photo(self) -> ReceivedMessage:
        events = await self._act(self.client.send_photo(self.id), 1)
        return events[-1].message

    async def send_voice(self) -> ReceivedMessage:
        events = await self._act(self.client.send_voice(self.id), 1)
        return events[-1].message

    async def message_with(self, data: str) -> ReceivedMessage:
        """The newest message that shows a button carrying ``data``."""
        if self.latest is not None and _has_button(self.latest, data):
            return self.latest
        for message in reversed(await self.client.messages(self.id)):
            if _has_button(message, data):
                return message
        raise AssertionError(f"no message of user {self.id} has a button {data!r}")

    async def press(self, data: str, *, expect: int = 1) -> ReceivedMessage:
        """Tap the newest button with callback data ``data``; the bot's last reply."""
        message = await self.message_with(data)
        events = await self._act(
            self.client.press_button(self.id, message.message_id, data=data), expect
        )
        return events[-1].message

    async def press_on(self, message: ReceivedMessage, data: str) -> tuple[str, ReceivedMessage]:
        """Tap a button of an older message: the bot's callback answer, and its reply."""
        press = await self.client.press_button(self.id, message.message_id, data=data)
        events = await self.client.wait_for_events(self.id, 1, after=self.seen, timeout=WAIT)
        self.seen = events[-1].seq
        assert press.callback_query_id is not None
        answer = await self.client.wait_for_callback_answer(press.callback_query_id, timeout=WAIT)
        return answer.text, events[-1].message

    async def messages(self) -> list[ReceivedMessage]:
        return await self.client.messages(self.id)

    async def download(self, message: ReceivedMessage) -> bytes:
        document = message.document
        assert document is not None, message.raw
        return await self.client.download(document["file_id"])

    # --- the whole form, as a kader would fill it -------------------------------------------

    async def fill_adult_form(
        self,
        *,
        name: str = "Siti Aminah",
        birth_year: str = "1985",
        institution: str = "Posyandu Melati",
    ) -> ReceivedMessage:
        """From the privacy notice to the summary, answering like an adult kader."""
        await self.press("privacy:yes")
        await self.say(name)
        await self.press("sex:P")
        await self.say(birth_year)
        await self.press("cat:kader")
        await self.say(institution)
        await self.press("kec:35.74.01")
        await self.press("kel:35.74.01.1001")
        await self.press("dc:yes")
        await self.press("dis:tidak")
        return await self.press("acc:none")

    async def confirm(self, data: str = "sum:yes", *, seat: bool = True) -> ReceivedMessage:
        """Submit the registration; the confirmation (a seat's calendar file follows it)."""
        message = await self.message_with(data)
        press = self.client.press_button(self.id, message.message_id, data=data)
        events = await self._act(press, 2 if seat else 1)
        return events[0].message

    async def register(self, code: str, *, seat: bool = True, **answers: str) -> ReceivedMessage:
        """Register from the flyer's link as a new person; the confirmation message."""
        await self.start(f"daftar_{code}")
        await self.fill_adult_form(**answers)
        return await self.confirm(seat=seat)


def _has_button(message: ReceivedMessage, data: str) -> bool:
    return any(button.callback_data == data for row in message.buttons for button in row)
