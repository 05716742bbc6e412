"""Python clients of the sandbox's simulation API: ``SandboxClient`` and ``AsyncSandboxClient``.

Both offer the same methods: create users, channels and groups; act as a user (write, send a
command or ``/start`` payload, a photo, sticker, voice note, document or contact, press an inline
button, block the bot); read what a chat received; and wait, with a timeout, until it received
enough, so tests never sleep blindly. Use the async client in tests whose bot runs in the same
event loop, the sync one everywhere else.
"""

from __future__ import annotations

import base64
import html
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import httpx

from gedsi_bot.sandbox.telegram.flood import FloodLimits

T = TypeVar("T")
_WAIT_MARGIN = 10.0


@cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every client: building one per client costs tens of milliseconds."""
    return ssl.create_default_context()


class SandboxError(Exception):
    """The sandbox refused a simulation request."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class SandboxTimeout(SandboxError):  # noqa: N818 - reads as "a sandbox timeout"
    """A wait ended before the chat had what was awaited."""


@dataclass(frozen=True, slots=True)
class User:
    """A simulated Telegram user."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> User:
        return cls(
            id=value["id"],
            first_name=value["first_name"],
            last_name=value.get("last_name"),
            username=value.get("username"),
            language_code=value.get("language_code"),
        )


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """A message as the chat shows it now (after edits), with its Bot API JSON in ``raw``."""

    raw: dict[str, Any]
    from_bot: bool = True
    deleted: bool = False
    edit_count: int = 0
    reply_keyboard: dict[str, Any] | None = None

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ReceivedMessage:
        return cls(
            raw=record["message"],
            from_bot=record["from_bot"],
            deleted=record["deleted"],
            edit_count=record["edit_count"],
            reply_keyboard=record.get("reply_keyboard"),
        )

    @property
    def message_id(self) -> int:
        return int(self.raw["message_id"])

    @property
    def chat_id(self) -> int:
        return int(self.raw["chat"]["id"])

    @property
    def edited(self) -> bool:
        return self.edit_count > 0

    @property
    def text(self) -> str:
        """The text, or the caption of a photo or document ("" if neither)."""
        return str(self.raw.get("text", self.raw.get("caption", "")))

    @property
    def entities(self) -> list[dict[str, Any]]:
        key = "entities" if "text" in self.raw else "caption_entities"
        return list(self.raw.get(key, []))

    @property
    def html(self) -> str:
        """The text as HTML rebuilt from its entities: what the bot's formatting came to."""
        return to_html(self.text, self.entities)

    @property
    def buttons(self) -> list[list[Button]]:
        """The inline keyboard, row by row."""
        rows = (self.raw.get("reply_markup") or {}).get("inline_keyboard", [])
        return [
            [Button(b["text"], b.get("callback_data"), b.get("url")) for b in row] for row in rows
        ]

    @property
    def button_texts(self) -> list[str]:
        return [button.text for row in self.buttons for button in row]

    def button(self, text: str) -> Button:
        """The inline button labelled ``text``; ``KeyError`` listing the labels if none is."""
        for row in self.buttons:
            for button in row:
                if button.text == text:
                    return button
        raise KeyError(f"no button {text!r}; the message has {self.button_texts}")

    @property
    def photo(self) -> dict[str, Any] | None:
        """The largest size of the photo, if this is a photo."""
        sizes = self.raw.get("photo")
        return dict(sizes[-1]) if sizes else None

    @property
    def document(self) -> dict[str, Any] | None:
        return self.raw.get("document")

    @property
    def kind(self) -> str:
        for kind in ("text", "photo", "document", "sticker", "voice", "contact"):
            if kind in self.raw:
                return kind
        return "other"


@dataclass(frozen=True, slots=True)
class ChatEvent:
    """One thing the bot did in a chat: ``sent``, ``edited`` or ``deleted`` a message."""

    seq: int
    action: str
    message_id: int
    date: int
    message: ReceivedMessage

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ChatEvent:
        return cls(
            seq=value["seq"],
            action=value["action"],
            message_id=value["message_id"],
            date=value["date"],
            message=ReceivedMessage(raw=value["message"]),
        )


@dataclass(frozen=True, slots=True)
class Press:
    """The outcome of pressing a button: a callback query for the bot, or a URL opened."""

    callback_query_id: str | None = None
    opened_url: str | None = None
    update_id: int | None = None


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    answered: bool
    text: str = ""
    show_alert: bool = False
    url: str | None = None

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> CallbackAnswer:
        answer = value.get("answer") or {}
        return cls(
            answered=bool(value["answered"]),
            text=answer.get("text", ""),
            show_alert=bool(answer.get("show_alert", False)),
            url=answer.get("url"),
        )


@dataclass(frozen=True, slots=True)
class SandboxStats:
    """What the sandbox accepted (by method) and refused (429s by limit, 403s by reason)."""

    accepted: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    forbidden: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)  # "<method>: <code> <description>"
    messages_accepted: int = 0
    flood_refusals: int = 0

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> SandboxStats:
        return cls(**value)


_TAGS = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ("<tg-spoiler>", "</tg-spoiler>"),
    "code": ("<code>", "</code>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ("<blockquote expandable>", "</blockquote>"),
}


def _pre_tags(entity: dict[str, Any]) -> tuple[str, str]:
    language = entity.get("language")
    if language:
        return f'<pre><code class="language-{html.escape(language)}">', "</code></pre>"
    return "<pre>", "</pre>"


_TAG_BUILDERS: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    "pre": _pre_tags,
    "text_link": lambda entity: (f'<a href="{html.escape(entity["url"])}">', "</a>"),
    "text_mention": lambda entity: (f'<a href="tg://user?id={entity["user"]["id"]}">', "</a>"),
    "custom_emoji": lambda entity: (
        f'<tg-emoji emoji-id="{entity["custom_emoji_id"]}">',
        "</tg-emoji>",
    ),
}


def _tags(entity: dict[str, Any]) -> tuple[str, str] | None:
    """Opening and closing HTML of a formatting entity; None for detected ones (URLs, …)."""
    kind = entity["type"]
    if kind in _TAGS:
        return _TAGS[kind]
    builder = _TAG_BUILDERS.get(kind)
    return None if builder is None else builder(entity)


def to_html(text: str, entities: Iterable[dict[str, Any]]) -> str:
    """``text`` with its formatting entities written back as Telegram HTML."""
    index_of: dict[int, int] = {}
    units = 0
    for index, char in enumerate(text):
        index_of[units] = index
        units += 2 if ord(char) > 0xFFFF else 1
    index_of[units] = len(text)
    opens: dict[int, list[tuple[int, str]]] = {}
    closes: dict[int, list[tuple[int, str]]] = {}
    for entity in entities:
        tags = _tags(entity)
        start = index_of.get(entity["offset"])
        end = index_of.get(entity["offset"] + entity["length"])
        if tags is None or start is None or end is None:
            continue
        opens.setdefault(start, []).append((end, tags[0]))
        closes.setdefault(end, []).append((start, tags[1]))
    out: list[str] = []
    for index in range(len(text) + 1):
        for _, tag in sorted(closes.get(index, []), key=lambda item: -item[0]):
            out.append(tag)
        for _, tag in sorted(opens.get(index, []), key=lambda item: -item[0]):
            out.append(tag)
        if index < len(text):
            out.append(html.escape(text[index], quote=False))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Op(Generic[T]):
    """One simulation API request and how to read its answer."""

    verb: str
    path: str
    parse: Callable[[Any], T]
    body: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    wait: float = 0.0
    check: Callable[[Any], None] | None = None


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _messages(value: Any) -> list[ReceivedMessage]:
    return [ReceivedMessage.from_record(record) for record in value["messages"]]


def _describe(messages: list[ReceivedMessage]) -> str:
    if not messages:
        return "nothing"
    return "; ".join(f"#{m.message_id} {m.kind}: {m.text[:60]!r}" for m in messages)


class _Ops:
    """Builds every request; the two clients only differ in how they send them."""

    @staticmethod
    def bot() -> _Op[dict[str, Any]]:
        return _Op("GET", "/bot", dict)

    @staticmethod
    def reset() -> _Op[None]:
        return _Op("POST", "/reset", lambda _: None)

    @staticmethod
    def flood_limits() -> _Op[FloodLimits]:
        return _Op("GET", "/config", lambda value: FloodLimits.from_json(value["flood"]))

    @staticmethod
    def set_flood_limits(limits: FloodLimits | None, changes: dict[str, Any]) -> _Op[FloodLimits]:
        flood = {**(limits.as_json() if limits else {}), **changes}
        return _Op(
            "PATCH",
            "/config",
            lambda value: FloodLimits.from_json(value["flood"]),
            body={"flood": flood},
        )

    @staticmethod
    def stats() -> _Op[SandboxStats]:
        return _Op("GET", "/stats", SandboxStats.from_json)

    @staticmethod
    def reset_stats() -> _Op[None]:
        return _Op("POST", "/stats/reset", lambda _: None)

    @staticmethod
    def create_user(spec: dict[str, Any]) -> _Op[User]:
        return _Op("POST", "/users", User.from_json, body=spec)

    @staticmethod
    def users() -> _Op[list[User]]:
        return _Op("GET", "/users", lambda value: [User.from_json(user) for user in value])

    @staticmethod
    def create_users(specs: list[dict[str, Any]]) -> _Op[list[User]]:
        return _Op(
            "POST",
            "/users",
            lambda value: [User.from_json(user) for user in value],
            body={"users": specs},
        )

    @staticmethod
    def create_chat(spec: dict[str, Any]) -> _Op[dict[str, Any]]:
        return _Op("POST", "/chats", lambda value: dict(value["chat"]), body=spec)

    @staticmethod
    def add_member(chat_id: int, user_id: int) -> _Op[None]:
        return _Op("POST", f"/chats/{chat_id}/members", lambda _: None, body={"user_id": user_id})

    @staticmethod
    def set_bot_status(chat_id: int, status: str) -> _Op[None]:
        return _Op("POST", f"/chats/{chat_id}/bot_status", lambda _: None, body={"status": status})

    @staticmethod
    def send(user_id: int, spec: dict[str, Any]) -> _Op[dict[str, Any]]:
        body = {key: value for key, value in spec.items() if value is not None}
        return _Op("POST", f"/users/{user_id}/send", lambda value: value["message"], body=body)

    @staticmethod
    def edit(user_id: int, spec: dict[str, Any]) -> _Op[dict[str, Any]]:
        return _Op("POST", f"/users/{user_id}/edit", lambda value: value["message"], body=spec)

    @staticmethod
    def press(user_id: int, spec: dict[str, Any]) -> _Op[Press]:
        body = {key: value for key, value in spec.items() if value is not None}
        return _Op(
            "POST",
            f"/users/{user_id}/press",
            lambda value: Press(
                callback_query_id=value.get("callback_query_id"),
                opened_url=value.get("opened_url"),
                update_id=value.get("update_id"),
            ),
            body=body,
        )

    @staticmethod
    def callback_answer(query_id: str, timeout: float, *, strict: bool) -> _Op[CallbackAnswer]:
        def check(value: Any) -> None:
            if strict and not value["answered"]:
                raise SandboxTimeout(
                    408, f"the bot did not answer callback query {query_id} within {timeout} s"
                )

        return _Op(
            "GET",
            f"/callbacks/{query_id}",
            CallbackAnswer.from_json,
            params={"timeout": timeout},
            wait=timeout,
            check=check,
        )

    @staticmethod
    def set_blocked(user_id: int, *, blocked: bool) -> _Op[None]:
        action = "block" if blocked else "unblock"
        return _Op("POST", f"/users/{user_id}/{action}", lambda _: None)

    @staticmethod
    def chat(chat_id: int) -> _Op[dict[str, Any]]:
        return _Op("GET", f"/chats/{chat_id}", dict)

    @staticmethod
    def messages(
        chat_id: int, *, from_bot: bool | None, count: int = 0, timeout: float = 0.0
    ) -> _Op[list[ReceivedMessage]]:
        params: dict[str, Any] = {"min_count": count, "timeout": timeout}
        if from_bot is not None:
            params["from_bot"] = "true" if from_bot else "false"

        def check(value: Any) -> None:
            if count and not value["complete"]:
                got = _messages(value)
                raise SandboxTimeout(
                    408,
                    f"chat {chat_id} has {len(got)} of {count} messages after {timeout} s: "
                    f"{_describe(got)}",
                )

        return _Op(
            "GET",
            f"/chats/{chat_id}/messages",
            _messages,
            params=params,
            wait=timeout,
            check=check,
        )

    @staticmethod
    def events(
        chat_id: int, *, after: int, count: int = 0, timeout: float = 0.0
    ) -> _Op[list[ChatEvent]]:
        def check(value: Any) -> None:
            if count and not value["complete"]:
                raise SandboxTimeout(
                    408,
                    f"chat {chat_id} has {len(value['events'])} of {count} events "
                    f"after {timeout} s",
                )

        return _Op(
            "GET",
            f"/chats/{chat_id}/events",
            lambda value: [ChatEvent.from_json(event) for event in value["events"]],
            params={"after": after, "min_count": count, "timeout": timeout},
            wait=timeout,
            check=check,
        )

    @staticmethod
    def commands(user_id: int, chat_id: int | None) -> _Op[list[dict[str, str]]]:
        params = {"chat_id": chat_id} if chat_id is not None else None
        return _Op("GET", f"/users/{user_id}/commands", list, params=params)

    @staticmethod
    def download(file_id: str) -> _Op[bytes]:
        return _Op(
            "GET",
            f"/files/{file_id}",
            lambda value: base64.b64decode(value["data"]),
            params={"format": "base64"},
        )

    @staticmethod
    def pending_updates() -> _Op[list[dict[str, Any]]]:
        return _Op("GET", "/updates", list)

    @staticmethod
    def webhook_status() -> _Op[dict[str, Any]]:
        return _Op("GET", "/webhook", dict)


def _user_spec(
    first_name: str,
    user_id: int | None,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
    *,
    started: bool,
) -> dict[str, Any]:
    return {
        "id": user_id,
        "first_name": first_name,
        "last_name": last_name,
        "username": username,
        "language_code": language_code,
        "started": started,
    }


def _numbered_users(
    count: int, prefix: str, language_code: str | None, *, started: bool
) -> list[dict[str, Any]]:
    return [
        {"first_name": f"{prefix} {number}", "language_code": language_code, "started": started}
        for number in range(1, count + 1)
    ]


def _command_text(command: str, payload: str | None) -> str:
    command = command.removeprefix("/")
    return f"/{command} {payload}" if payload else f"/{command}"


def _channel_spec(
    title: str, username: str | None, chat_id: int | None, bot_status: str
) -> dict[str, Any]:
    return {
        "type": "channel",
        "title": title,
        "username": username,
        "id": chat_id,
        "bot_status": bot_status,
    }


def _group_spec(
    title: str,
    members: Iterable[int],
    *,
    supergroup: bool,
    username: str | None,
    chat_id: int | None,
    bot_status: str,
) -> dict[str, Any]:
    return {
        "type": "supergroup" if supergroup else "group",
        "title": title,
        "members": list(members),
        "username": username,
        "id": chat_id,
        "bot_status": bot_status,
    }


def _clean(spec: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in spec.items() if value is not None}


def _result(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        raise SandboxError(response.status_code, response.text[:200]) from None
    if not body.get("ok"):
        raise SandboxError(response.status_code, str(body.get("error", body)))
    return body["result"]


def _finish(op: _Op[T], response: httpx.Response) -> T:
    value = _result(response)
    if op.check is not None:
        op.check(value)
    return op.parse(value)


class SandboxClient:
    """Synchronous simulation client; ``SandboxClient(sandbox.url)``."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=f"{url.rstrip('/')}/sandbox",
            timeout=timeout,
            transport=transport,
            verify=_tls(),
        )
        self._timeout = timeout

    def _run(self, op: _Op[T]) -> T:
        timeout = max(self._timeout, op.wait + _WAIT_MARGIN)
        response = self._http.request(
            op.verb, op.path, json=op.body, params=op.params, timeout=timeout
        )
        return _finish(op, response)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # the sandbox

    def bot(self) -> dict[str, Any]:
        """The bot (``id``, ``username``, …) and its ``token``."""
        return self._run(_Ops.bot())

    def reset(self) -> None:
        """Forget every user, chat, message, update, file and webhook."""
        self._run(_Ops.reset())

    def flood_limits(self) -> FloodLimits:
        return self._run(_Ops.flood_limits())

    def set_flood_limits(self, limits: FloodLimits | None = None, **changes: Any) -> FloodLimits:
        """Replace the limits, or change some fields: ``set_flood_limits(enabled=False)``."""
        return self._run(_Ops.set_flood_limits(limits, changes))

    def stats(self) -> SandboxStats:
        return self._run(_Ops.stats())

    def reset_stats(self) -> None:
        self._run(_Ops.reset_stats())

    # people and places

    def create_user(
        self,
        first_name: str = "Peserta",
        *,
        user_id: int | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "id",
        started: bool = False,
    ) -> User:
        """A new user; ``started=True`` if the bot may already write to them."""
        spec = _user_spec(first_name, user_id, last_name, username, language_code, started=started)
        return self._run(_Ops.create_user(_clean(spec)))

    def create_users(
        self,
        count: int,
        *,
        prefix: str = "Peserta",
        language_code: str | None = "id",
        started: bool = False,
    ) -> list[User]:
        """``count`` users at once ("Peserta 1", "Peserta 2", …)."""
        specs = _numbered_users(count, prefix, language_code, started=started)
        return self._run(_Ops.create_users([_clean(spec) for spec in specs]))

    def create_channel(
        self,
        title: str,
        *,
        username: str | None = None,
        chat_id: int | None = None,
        bot_status: str = "administrator",
    ) -> dict[str, Any]:
        """A channel (the bot is an administrator unless told otherwise); its Chat JSON."""
        return self._run(
            _Ops.create_chat(_clean(_channel_spec(title, username, chat_id, bot_status)))
        )

    def create_group(
        self,
        title: str,
        *,
        members: Iterable[int] = (),
        supergroup: bool = False,
        username: str | None = None,
        chat_id: int | None = None,
        bot_status: str = "member",
    ) -> dict[str, Any]:
        spec = _group_spec(
            title,
            members,
            supergroup=supergroup,
            username=username,
            chat_id=chat_id,
            bot_status=bot_status,
        )
        return self._run(_Ops.create_chat(_clean(spec)))

    def users(self) -> list[User]:
        """Every simulated user, oldest first."""
        return self._run(_Ops.users())

    def add_member(self, chat_id: int, user_id: int) -> None:
        self._run(_Ops.add_member(chat_id, user_id))

    def set_bot_status(self, chat_id: int, status: str) -> None:
        """The bot's place in a group or channel: administrator, member, left or kicked."""
        self._run(_Ops.set_bot_status(chat_id, status))

    # acting as a user

    def send_text(
        self, user_id: int, text: str, *, chat_id: int | None = None, reply_to: int | None = None
    ) -> dict[str, Any]:
        """The user writes ``text`` (to the bot, or in ``chat_id``); the ``Message`` it became."""
        spec = {"kind": "text", "text": text, "chat_id": chat_id, "reply_to_message_id": reply_to}
        return self._run(_Ops.send(user_id, spec))

    def send_command(
        self, user_id: int, command: str, payload: str | None = None, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """``/command payload``."""
        text = _command_text(command, payload)
        return self._run(_Ops.send(user_id, {"kind": "text", "text": text, "chat_id": chat_id}))

    def start(self, user_id: int, payload: str | None = None) -> dict[str, Any]:
        """The user presses START, from a plain link or a ``t.me/<bot>?start=<payload>`` link
        (``SandboxError`` if the payload could not travel in such a link)."""
        return self._run(_Ops.send(user_id, {"kind": "start", "payload": payload}))

    def send_photo(
        self,
        user_id: int,
        data: bytes | None = None,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """A photo (``data``: image bytes; a generated picture if None)."""
        spec = {"kind": "photo", "data": _b64(data), "caption": caption, "chat_id": chat_id}
        return self._run(_Ops.send(user_id, spec))

    def send_sticker(self, user_id: int, emoji: str = "👍") -> dict[str, Any]:
        return self._run(_Ops.send(user_id, {"kind": "sticker", "emoji": emoji}))

    def send_voice(
        self,
        user_id: int,
        *,
        duration: int = 3,
        data: bytes | None = None,
        mime_type: str | None = None,
    ) -> dict[str, Any]:
        spec = {"kind": "voice", "duration": duration, "data": _b64(data), "mime_type": mime_type}
        return self._run(_Ops.send(user_id, spec))

    def send_document(
        self,
        user_id: int,
        data: bytes,
        *,
        file_name: str = "dokumen.pdf",
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> dict[str, Any]:
        spec = {
            "kind": "document",
            "data": _b64(data),
            "file_name": file_name,
            "mime_type": mime_type,
            "caption": caption,
        }
        return self._run(_Ops.send(user_id, spec))

    def send_contact(
        self, user_id: int, phone_number: str, *, first_name: str | None = None
    ) -> dict[str, Any]:
        spec = {"kind": "contact", "phone_number": phone_number, "first_name": first_name}
        return self._run(_Ops.send(user_id, spec))

    def send_location(
        self, user_id: int, latitude: float = -7.7543, longitude: float = 113.2159
    ) -> dict[str, Any]:
        spec = {"kind": "location", "latitude": latitude, "longitude": longitude}
        return self._run(_Ops.send(user_id, spec))

    def edit_text(self, user_id: int, message_id: int, text: str) -> dict[str, Any]:
        """The user edits a text message of theirs (the bot gets ``edited_message``)."""
        return self._run(_Ops.edit(user_id, {"message_id": message_id, "text": text}))

    def press_button(
        self,
        user_id: int,
        message_id: int,
        *,
        data: str | None = None,
        text: str | None = None,
        chat_id: int | None = None,
        forged: bool = False,
    ) -> Press:
        """Tap the inline button with ``callback_data`` ``data`` (or labelled ``text``);
        ``forged``: send ``data`` whatever buttons the message has, as a modified client can."""
        spec = {"message_id": message_id, "data": data, "text": text, "chat_id": chat_id}
        return self._run(_Ops.press(user_id, {**spec, "forged": forged or None}))

    def callback_answer(self, query_id: str) -> CallbackAnswer:
        """How the bot answered a button press so far (``answered`` False if not yet)."""
        return self._run(_Ops.callback_answer(query_id, 0.0, strict=False))

    def wait_for_callback_answer(self, query_id: str, *, timeout: float = 5.0) -> CallbackAnswer:
        """The bot's answer to a button press; ``SandboxTimeout`` if none came in time."""
        return self._run(_Ops.callback_answer(query_id, timeout, strict=True))

    def block(self, user_id: int) -> None:
        """The user blocks the bot (the bot gets ``my_chat_member``, sends get 403)."""
        self._run(_Ops.set_blocked(user_id, blocked=True))

    def unblock(self, user_id: int) -> None:
        self._run(_Ops.set_blocked(user_id, blocked=False))

    # what chats received

    def chat(self, chat_id: int) -> dict[str, Any]:
        """A chat's state: started, blocked, the reply keyboard shown, the last chat action."""
        return self._run(_Ops.chat(chat_id))

    def messages(self, chat_id: int, *, from_bot: bool | None = True) -> list[ReceivedMessage]:
        """What the bot sent to the chat, in order, as shown now (``from_bot=None``: both
        sides; ``False``: the users')."""
        return self._run(_Ops.messages(chat_id, from_bot=from_bot))

    def wait_for_messages(
        self, chat_id: int, count: int, *, timeout: float = 5.0, from_bot: bool | None = True
    ) -> list[ReceivedMessage]:
        """All messages once there are at least ``count``; ``SandboxTimeout`` naming what
        arrived if they do not come in time."""
        return self._run(_Ops.messages(chat_id, from_bot=from_bot, count=count, timeout=timeout))

    def events(self, chat_id: int, *, after: int = 0) -> list[ChatEvent]:
        """What the bot did in the chat (sent, edited, deleted), after event ``after``."""
        return self._run(_Ops.events(chat_id, after=after))

    def wait_for_events(
        self, chat_id: int, count: int, *, after: int = 0, timeout: float = 5.0
    ) -> list[ChatEvent]:
        return self._run(_Ops.events(chat_id, after=after, count=count, timeout=timeout))

    def commands(self, user_id: int, *, chat_id: int | None = None) -> list[dict[str, str]]:
        """The command menu the user sees (``setMyCommands`` resolved by scope and language)."""
        return self._run(_Ops.commands(user_id, chat_id))

    def download(self, file_id: str) -> bytes:
        """The bytes of a file, e.g. a photo or document the bot sent."""
        return self._run(_Ops.download(file_id))

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates the bot has not yet confirmed."""
        return self._run(_Ops.pending_updates())

    def webhook_status(self) -> dict[str, Any]:
        return self._run(_Ops.webhook_status())


class AsyncSandboxClient:
    """The same methods as ``SandboxClient``, awaitable."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=f"{url.rstrip('/')}/sandbox",
            timeout=timeout,
            transport=transport,
            verify=_tls(),
        )
        self._timeout = timeout

    async def _run(self, op: _Op[T]) -> T:
        timeout = max(self._timeout, op.wait + _WAIT_MARGIN)
        response = await self._http.request(
            op.verb, op.path, json=op.body, params=op.params, timeout=timeout
        )
        return _finish(op, response)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def bot(self) -> dict[str, Any]:
        return await self._run(_Ops.bot())

    async def reset(self) -> None:
        await self._run(_Ops.reset())

    async def flood_limits(self) -> FloodLimits:
        return await self._run(_Ops.flood_limits())

    async def set_flood_limits(
        self, limits: FloodLimits | None = None, **changes: Any
    ) -> FloodLimits:
        return await self._run(_Ops.set_flood_limits(limits, changes))

    async def stats(self) -> SandboxStats:
        return await self._run(_Ops.stats())

    async def reset_stats(self) -> None:
        await self._run(_Ops.reset_stats())

    async def create_user(
        self,
        first_name: str = "Peserta",
        *,
        user_id: int | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "id",
        started: bool = False,
    ) -> User:
        spec = _user_spec(first_name, user_id, last_name, username, language_code, started=started)
        return await self._run(_Ops.create_user(_clean(spec)))

    async def create_users(
        self,
        count: int,
        *,
        prefix: str = "Peserta",
        language_code: str | None = "id",
        started: bool = False,
    ) -> list[User]:
        specs = _numbered_users(count, prefix, language_code, started=started)
        return await self._run(_Ops.create_users([_clean(spec) for spec in specs]))

    async def create_channel(
        self,
        title: str,
        *,
        username: str | None = None,
        chat_id: int | None = None,
        bot_status: str = "administrator",
    ) -> dict[str, Any]:
        spec = _clean(_channel_spec(title, username, chat_id, bot_status))
        return await self._run(_Ops.create_chat(spec))

    async def create_group(
        self,
        title: str,
        *,
        members: Iterable[int] = (),
        supergroup: bool = False,
        username: str | None = None,
        chat_id: int | None = None,
        bot_status: str = "member",
    ) -> dict[str, Any]:
        spec = _group_spec(
            title,
            members,
            supergroup=supergroup,
            username=username,
            chat_id=chat_id,
            bot_status=bot_status,
        )
        return await self._run(_Ops.create_chat(_clean(spec)))

    async def users(self) -> list[User]:
        return await self._run(_Ops.users())

    async def add_member(self, chat_id: int, user_id: int) -> None:
        await self._run(_Ops.add_member(chat_id, user_id))

    async def set_bot_status(self, chat_id: int, status: str) -> None:
        await self._run(_Ops.set_bot_status(chat_id, status))

    async def send_text(
        self, user_id: int, text: str, *, chat_id: int | None = None, reply_to: int | None = None
    ) -> dict[str, Any]:
        spec = {"kind": "text", "text": text, "chat_id": chat_id, "reply_to_message_id": reply_to}
        return await self._run(_Ops.send(user_id, spec))

    async def send_command(
        self, user_id: int, command: str, payload: str | None = None, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        text = _command_text(command, payload)
        spec = {"kind": "text", "text": text, "chat_id": chat_id}
        return await self._run(_Ops.send(user_id, spec))

    async def start(self, user_id: int, payload: str | None = None) -> dict[str, Any]:
        return await self._run(_Ops.send(user_id, {"kind": "start", "payload": payload}))

    async def send_photo(
        self,
        user_id: int,
        data: bytes | None = None,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        spec = {"kind": "photo", "data": _b64(data), "caption": caption, "chat_id": chat_id}
        return await self._run(_Ops.send(user_id, spec))

    async def send_sticker(self, user_id: int, emoji: str = "👍") -> dict[str, Any]:
        return await self._run(_Ops.send(user_id, {"kind": "sticker", "emoji": emoji}))

    async def send_voice(
        self,
        user_id: int,
        *,
        duration: int = 3,
        data: bytes | None = None,
        mime_type: str | None = None,
    ) -> dict[str, Any]:
        spec = {"kind": "voice", "duration": duration, "data": _b64(data), "mime_type": mime_type}
        return await self._run(_Ops.send(user_id, spec))

    async def send_document(
        self,
        user_id: int,
        data: bytes,
        *,
        file_name: str = "dokumen.pdf",
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> dict[str, Any]:
        spec = {
            "kind": "document",
            "data": _b64(data),
            "file_name": file_name,
            "mime_type": mime_type,
            "caption": caption,
        }
        return await self._run(_Ops.send(user_id, spec))

    async def send_contact(
        self, user_id: int, phone_number: str, *, first_name: str | None = None
    ) -> dict[str, Any]:
        spec = {"kind": "contact", "phone_number": phone_number, "first_name": first_name}
        return await self._run(_Ops.send(user_id, spec))

    async def send_location(
        self, user_id: int, latitude: float = -7.7543, longitude: float = 113.2159
    ) -> dict[str, Any]:
        spec = {"kind": "location", "latitude": latitude, "longitude": longitude}
        return await self._run(_Ops.send(user_id, spec))

    async def edit_text(self, user_id: int, message_id: int, text: str) -> dict[str, Any]:
        return await self._run(_Ops.edit(user_id, {"message_id": message_id, "text": text}))

    async def press_button(
        self,
        user_id: int,
        message_id: int,
        *,
        data: str | None = None,
        text: str | None = None,
        chat_id: int | None = None,
        forged: bool = False,
    ) -> Press:
        spec = {"message_id": message_id, "data": data, "text": text, "chat_id": chat_id}
        return await self._run(_Ops.press(user_id, {**spec, "forged": forged or None}))

    async def callback_answer(self, query_id: str) -> CallbackAnswer:
        return await self._run(_Ops.callback_answer(query_id, 0.0, strict=False))

    async def wait_for_callback_answer(
        self,
        query_id: str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - the sandbox waits
    ) -> CallbackAnswer:
        return await self._run(_Ops.callback_answer(query_id, timeout, strict=True))

    async def block(self, user_id: int) -> None:
        await self._run(_Ops.set_blocked(user_id, blocked=True))

    async def unblock(self, user_id: int) -> None:
        await self._run(_Ops.set_blocked(user_id, blocked=False))

    async def chat(self, chat_id: int) -> dict[str, Any]:
        return await self._run(_Ops.chat(chat_id))

    async def messages(
        self, chat_id: int, *, from_bot: bool | None = True
    ) -> list[ReceivedMessage]:
        return await self._run(_Ops.messages(chat_id, from_bot=from_bot))

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - the sandbox waits
        from_bot: bool | None = True,
    ) -> list[ReceivedMessage]:
        op = _Ops.messages(chat_id, from_bot=from_bot, count=count, timeout=timeout)
        return await self._run(op)

    async def events(self, chat_id: int, *, after: int = 0) -> list[ChatEvent]:
        return await self._run(_Ops.events(chat_id, after=after))

    async def wait_for_events(
        self,
        chat_id: int,
        count: int,
        *,
        after: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 - the sandbox waits
    ) -> list[ChatEvent]:
        return await self._run(_Ops.events(chat_id, after=after, count=count, timeout=timeout))

    async def commands(self, user_id: int, *, chat_id: int | None = None) -> list[dict[str, str]]:
        return await self._run(_Ops.commands(user_id, chat_id))

    async def download(self, file_id: str) -> bytes:
        return await self._run(_Ops.download(file_id))

    async def pending_updates(self) -> list[dict[str, Any]]:
        return await self._run(_Ops.pending_updates())

    async def webhook_status(self) -> dict[str, Any]:
        return await self._run(_Ops.webhook_status())
