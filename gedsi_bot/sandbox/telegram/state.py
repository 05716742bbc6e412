"""What one sandbox holds: the bot, simulated users and chats, messages, updates, counters.

Everything here lives on the server's event loop thread and is touched by nothing else, so no
locks are needed. Message bodies are Bot API ``Message`` objects kept as dicts and never changed
in place: an edit stores a new dict, so the event log can keep every version without copying.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import time
from collections import Counter, deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from gedsi_bot.sandbox.telegram.defaults import (
    DEFAULT_BOT_NAME,
    DEFAULT_BOT_USERNAME,
    DEFAULT_TOKEN,
)
from gedsi_bot.sandbox.telegram.files import FileStore
from gedsi_bot.sandbox.telegram.flood import FloodControl, FloodLimits

UPDATE_KINDS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "guest_message",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
    "managed_bot",
)
# Telegram leaves these out unless a bot asks for them in allowed_updates.
_OPT_IN_KINDS = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
DEFAULT_ALLOWED = frozenset(UPDATE_KINDS) - _OPT_IN_KINDS


def unix_now() -> int:
    return int(time.time())


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """How a sandbox starts: the bot's token and name, flood limits, callback answer timeout."""

    token: str = DEFAULT_TOKEN
    bot_first_name: str = DEFAULT_BOT_NAME
    bot_username: str = DEFAULT_BOT_USERNAME
    flood: FloodLimits = field(default_factory=FloodLimits)
    callback_timeout: float = 15.0
    webhook_retry_delay: float = 0.2

    def as_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "flood": self.flood.as_json()}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> SandboxConfig:
        return cls(**{**value, "flood": FloodLimits.from_json(value.get("flood", {}))})

    @property
    def bot_id(self) -> int:
        prefix = self.token.split(":", 1)[0]
        return int(prefix) if prefix.isdigit() else 7_000_000_001


@dataclass(slots=True)
class SimUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def as_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            result["last_name"] = self.last_name
        if self.username:
            result["username"] = self.username
        if self.language_code:
            result["language_code"] = self.language_code
        return result


@dataclass(slots=True)
class StoredMessage:
    """One message in a chat, as the chat would show it now."""

    json: dict[str, Any]
    from_bot: bool
    deleted: bool = False
    edit_count: int = 0
    reply_keyboard: dict[str, Any] | None = None

    def record(self) -> dict[str, Any]:
        return {
            "message": self.json,
            "from_bot": self.from_bot,
            "deleted": self.deleted,
            "edit_count": self.edit_count,
            "reply_keyboard": self.reply_keyboard,
        }


@dataclass(slots=True)
class Chat:
    """A private chat with one user, or a group, supergroup or channel."""

    id: int
    type: str
    user: SimUser | None = None
    title: str | None = None
    username: str | None = None
    started: bool = False
    blocked: bool = False
    bot_status: str = "member"
    members: set[int] = field(default_factory=set)
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    keyboard: dict[str, Any] | None = None
    last_action: str | None = None
    _next_message_id: int = 1
    _json: dict[str, Any] | None = None

    @property
    def is_private(self) -> bool:
        return self.type == "private"

    def as_json(self) -> dict[str, Any]:
        if self._json is None:
            result: dict[str, Any] = {"id": self.id, "type": self.type}
            if self.user is not None:
                result.update(
                    {
                        key: value
                        for key, value in self.user.as_json().items()
                        if key in ("first_name", "last_name", "username")
                    }
                )
            if self.title:
                result["title"] = self.title
            if self.username:
                result["username"] = self.username
            self._json = result
        return self._json

    def take_message_id(self) -> int:
        message_id = self._next_message_id
        self._next_message_id += 1
        return message_id

    def summary(self) -> dict[str, Any]:
        return {
            "chat": self.as_json(),
            "started": self.started,
            "blocked": self.blocked,
            "bot_status": self.bot_status,
            "members": sorted(self.members),
            "reply_keyboard": self.keyboard,
            "last_action": self.last_action,
            "message_count": len(self.messages),
        }


@dataclass(slots=True)
class CallbackQuery:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    created: float
    answer: dict[str, Any] | None = None


@dataclass(slots=True)
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    ip_address: str | None
    has_custom_certificate: bool
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivered: int = 0

    def same_as(self, other: Webhook) -> bool:
        return (
            self.url,
            self.secret_token,
            self.max_connections,
            self.ip_address,
            self.has_custom_certificate,
        ) == (
            other.url,
            other.secret_token,
            other.max_connections,
            other.ip_address,
            other.has_custom_certificate,
        )


class Notifier:
    """Wakes coroutines waiting for "something changed", optionally only about one thing.

    A waiter may name a key (a chat id, a callback query): a notification for another key
    leaves it asleep, so hundreds of waiters on hundreds of chats do not all wake for every
    message. A notification without a key, and a waiter without one, match everything.
    """

    def __init__(self) -> None:
        self._waiters: dict[Hashable | None, set[asyncio.Future[None]]] = {}

    def notify(self, key: Hashable | None = None) -> None:
        if key is None:
            groups, self._waiters = list(self._waiters.values()), {}
        else:
            groups = [self._waiters.pop(key, set()), self._waiters.pop(None, set())]
        for waiters in groups:
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def wait(
        self,
        timeout: float,  # noqa: ASYNC109 - waiting is the point
        key: Hashable | None = None,
    ) -> bool:
        """True when notified (about ``key``, or about everything), False after ``timeout``."""
        if timeout <= 0:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(key, set()).add(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            return False
        finally:
            waiters = self._waiters.get(key)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[key]
        return True


class UpdateQueue:
    """Updates waiting for the bot, oldest first, numbered as Telegram numbers them."""

    def __init__(self, first_id: int = 1) -> None:
        self._items: deque[dict[str, Any]] = deque()
        self._next_id = first_id
        self.allowed = DEFAULT_ALLOWED
        self.arrived = Notifier()

    def __len__(self) -> int:
        return len(self._items)

    def set_allowed(self, kinds: list[Any]) -> None:
        """Later updates are limited to ``kinds``; an empty list means Telegram's default."""
        wanted = frozenset(kind for kind in kinds if isinstance(kind, str)) & frozenset(
            UPDATE_KINDS
        )
        self.allowed = wanted or DEFAULT_ALLOWED

    def push(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue one update; None when the bot does not take this kind."""
        if kind not in self.allowed:
            return None
        update_id = self._next_id
        self._next_id += 1
        self._items.append({"update_id": update_id, kind: payload})
        self.arrived.notify()
        return update_id

    def confirm(self, offset: int) -> None:
        """Forget what the bot confirmed: updates below ``offset`` (negative: from the end)."""
        if offset < 0:
            offset += self._next_id
        while self._items and self._items[0]["update_id"] < offset:
            self._items.popleft()

    def take(self, limit: int) -> list[dict[str, Any]]:
        return list(itertools.islice(self._items, limit))

    def head(self) -> dict[str, Any] | None:
        return self._items[0] if self._items else None

    def clear(self) -> None:
        self._items.clear()

    def pending(self) -> list[dict[str, Any]]:
        return list(self._items)


@dataclass
class Stats:
    """What the sandbox accepted and refused, for benchmarks and rehearsal reports."""

    accepted: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    forbidden: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    # "<method>: <code> <description>", so a test can tell an expected refusal from a bug
    failures: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": dict(self.accepted),
            "refused": dict(self.refused),
            "forbidden": dict(self.forbidden),
            "errors": dict(self.errors),
            "failures": dict(self.failures),
            "messages_accepted": sum(
                count for method, count in self.accepted.items() if method.startswith("send")
            ),
            "flood_refusals": sum(self.refused.values()),
        }


def scope_key(scope: dict[str, Any]) -> str:
    return json.dumps(scope, sort_keys=True, separators=(",", ":"))


class World:
    """The whole state of one sandbox."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.flood = FloodControl(config.flood)
        self.closing = False
        self.changes = Notifier()
        self._reset()

    def _reset(self) -> None:
        self.files = FileStore()
        self.updates = UpdateQueue()
        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, Chat] = {}
        self.usernames: dict[str, int] = {}
        self.callbacks: dict[str, CallbackQuery] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.webhook: Webhook | None = None
        self.webhook_task: asyncio.Task[None] | None = None
        self.stats = Stats()
        self.poll_generation = 0
        self.long_polls = 0  # getUpdates calls waiting right now
        self.event_seq = itertools.count(1)
        self.next_user_id = itertools.count(100_000_001)
        self.next_group_id = itertools.count(4_000_000_001)
        self.next_channel_id = itertools.count(1_000_000_001)

    def reset(self) -> None:
        """Forget everything but the configuration; the flood buckets start full."""
        if self.webhook_task is not None:
            self.webhook_task.cancel()
        self.flood.configure(self.flood.limits)
        self._reset()
        self.updates.arrived.notify()
        self.changes.notify()

    def bot_json(self) -> dict[str, Any]:
        """The bot as a ``User``; shared by every message, so never to be changed in place."""
        return self._bot_json

    @property
    def config(self) -> SandboxConfig:
        return self._config

    @config.setter
    def config(self, config: SandboxConfig) -> None:
        self._config = config
        self._bot_json = {
            "id": config.bot_id,
            "is_bot": True,
            "first_name": config.bot_first_name,
            "username": config.bot_username,
        }

    def log_event(self, chat: Chat, action: str, message: dict[str, Any]) -> None:
        chat.events.append(
            {
                "seq": next(self.event_seq),
                "action": action,
                "message_id": message["message_id"],
                "date": unix_now(),
                "message": message,
            }
        )
        self.changes.notify(chat.id)
