"""Simulated people talking to the bot through the Telegram sandbox's simulation API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from gedsi_bot.demo.cast import Answers
from gedsi_bot.sandbox.telegram.client import (
    AsyncSandboxClient,
    ChatEvent,
    ReceivedMessage,
    SandboxTimeout,
    User,
)

WAIT = 60.0  # seconds a person waits for the bot before the demo gives up
_FOLLOW_UP = 15.0  # seconds to wait for the rest of a reply in several messages
_LONGEST_WAIT = 50.0  # the sandbox holds one wait for at most a minute


class DemoError(RuntimeError):
    """The bot did not answer as an episode expects; the message says who waited for what."""


class Person:
    """One Telegram user of the demo: acts, then waits for the bot's reply."""

    def __init__(self, client: AsyncSandboxClient, user: User, answers: Answers | None) -> None:
        self.client = client
        self.user = user
        self.answers = answers
        self.seen = 0  # the last chat event looked at
        self.latest: ReceivedMessage | None = None

    @classmethod
    async def create(
        cls, client: AsyncSandboxClient, first_name: str, answers: Answers | None = None
    ) -> Person:
        return cls(client, await client.create_user(first_name, language_code="id"), answers)

    @property
    def id(self) -> int:
        return self.user.id

    async def wait(self, count: int = 1, *, within: float = WAIT) -> list[ChatEvent]:
        """The next ``count`` things the bot did in this chat (new or edited messages)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            remaining = deadline - loop.time()
            try:
                events = await self.client.wait_for_events(
                    self.id,
                    count,
                    after=self.seen,
                    timeout=max(0.1, min(remaining, _LONGEST_WAIT)),
                )
                break
            except SandboxTimeout:
                if loop.time() >= deadline:
                    shown = self.latest.text[:60] if self.latest else "nothing yet"
                    raise DemoError(
                        f"user {self.id} waited {within:.0f} s for the bot after {shown!r}"
                    ) from None
        self.seen = events[-1].seq
        self.latest = events[-1].message
        return events

    async def catch_up(self) -> None:
        """Count everything the bot has done in this chat so far as seen.

        A message sent with a reply (a calendar file after a confirmation) can arrive after the
        steps that waited for the reply; without this, the next ``wait`` would take it for
        what that step expects.
        """
        events = await self.client.events(self.id, after=self.seen)
        if events:
            self.seen = events[-1].seq
            self.latest = events[-1].message

    async def wait_for(self, text: str, *, within: float = WAIT) -> ReceivedMessage:
        """Wait until a message holding ``text`` arrives (earlier ones are skipped)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            for event in await self.wait(within=max(0.1, deadline - loop.time())):
                if text in event.message.text:
                    return event.message

    async def wait_for_button(self, data: str, *, within: float = WAIT) -> ReceivedMessage:
        """Wait until a message with a button carrying ``data`` (or opening ``data``) arrives."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        for message in await self.messages():
            if has_button(message, data):
                return message
        while True:
            for event in await self.wait(within=max(0.1, deadline - loop.time())):
                if has_button(event.message, data):
                    return event.message

    async def wait_until(
        self, wanted: Callable[[ReceivedMessage], bool], *, within: float = WAIT
    ) -> ReceivedMessage:
        """The newest message already here that is ``wanted``, or the next one to arrive."""
        for message in reversed(await self.messages()):
            if wanted(message):
                return message
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            for event in await self.wait(within=max(0.1, deadline - loop.time())):
                if wanted(event.message):
                    return event.message

    async def wait_for_label(self, label: str, *, within: float = WAIT) -> ReceivedMessage:
        """Wait until a message with a button labelled ``label`` arrives (or is there)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        for message in await self.messages():
            if label in message.button_texts:
                return message
        while True:
            for event in await self.wait(within=max(0.1, deadline - loop.time())):
                if label in event.message.button_texts:
                    return event.message

    async def wait_for_document(self, suffix: str, *, within: float = WAIT) -> ReceivedMessage:
        """Wait until a document whose file name ends with ``suffix`` arrives (or is there)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        for message in await self.messages():
            if has_document(message, suffix):
                return message
        while True:
            for event in await self.wait(within=max(0.1, deadline - loop.time())):
                if has_document(event.message, suffix):
                    return event.message

    async def _act(self, action: Awaitable[object], expect: int = 1) -> ReceivedMessage:
        await action
        return (await self.wait(expect))[-1].message

    async def start(self, payload: str | None = None) -> ReceivedMessage:
        return await self._act(self.client.start(self.id, payload))

    async def command(self, text: str, *, expect: int = 1) -> ReceivedMessage:
        """Send ``/name args`` as typed text; the bot's last reply."""
        return await self._act(self.client.send_text(self.id, text), expect)

    async def say(self, text: str) -> ReceivedMessage:
        return await self._act(self.client.send_text(self.id, text))

    async def message_with(self, data: str) -> ReceivedMessage:
        """The newest message showing a button that carries ``data`` (waiting for it if the
        bot's reply comes in several messages)."""
        if self.latest is not None and has_button(self.latest, data):
            return self.latest
        for message in reversed(await self.client.messages(self.id)):
            if has_button(message, data):
                return message
        try:
            return await self.wait_for_button(data, within=_FOLLOW_UP)
        except DemoError:
            raise DemoError(f"user {self.id} sees no button {data!r}") from None

    async def press(self, data: str, *, expect: int = 1) -> ReceivedMessage:
        message = await self.message_with(data)
        return await self._act(
            self.client.press_button(self.id, message.message_id, data=data), expect
        )

    async def press_label(self, message: ReceivedMessage, label: str) -> ReceivedMessage:
        """Tap the button of ``message`` whose text is ``label``; the bot's reply."""
        button = message.button(label)
        if button.callback_data is None:
            raise DemoError(f"button {label!r} of user {self.id} is not a callback button")
        return await self._act(
            self.client.press_button(self.id, message.message_id, data=button.callback_data)
        )

    async def messages(self) -> list[ReceivedMessage]:
        return await self.client.messages(self.id)

    async def register(self, code: str) -> ReceivedMessage:
        """Register from the flyer's link, answering as ``answers`` says; the bot's answer."""
        answers = self.answers
        if answers is None:
            raise DemoError(f"user {self.id} has no answers for the form")
        await self.start(f"daftar_{code}")
        await self.press("privacy:yes")
        await self.say(answers.full_name)
        await self.press(f"sex:{answers.sex.value}")
        await self.say(str(answers.birth_year))
        if answers.guardian is not None:
            await self.say(answers.guardian)
            await self.press("gc:yes")
        await self.press(f"cat:{answers.category.value}")
        await self.say(answers.institution)
        if answers.kecamatan is not None:
            await self.press(f"kec:{answers.kecamatan}")
        await self.press(f"kel:{answers.kelurahan}")
        if answers.disability_consent and answers.disability is not None:
            await self.press("dc:yes")
            await self.press(f"dis:{answers.disability.value}")
        else:
            await self.press("dc:no")
        await self.press("acc:none")
        return await self.press("sum:yes")


def has_button(message: ReceivedMessage, data: str) -> bool:
    """A callback button carrying ``data``, or a URL button whose link ends with it."""
    return any(
        button.callback_data == data or (button.url or "").endswith(data)
        for row in message.buttons
        for button in row
    )


def has_document(message: ReceivedMessage, suffix: str) -> bool:
    document = message.document
    return document is not None and str(document.get("file_name", "")).endswith(suffix)
