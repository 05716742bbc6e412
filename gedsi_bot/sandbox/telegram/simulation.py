"""The other side of the conversation: simulated users, channels and groups.

A test, a benchmark or a trainer creates users, makes them write to the bot (text, commands with
a ``/start`` payload, photos, stickers, voice notes, documents, contacts, locations), edit what
they wrote, press inline buttons (or forge a press, as a modified client can), block and unblock
the bot, and reads what every chat received. Each action produces the update Telegram would send
the bot.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import math
import re
import wave
from functools import cache
from typing import Any

from PIL import Image, ImageDraw

from gedsi_bot.sandbox.telegram.botapi import new_callback_id
from gedsi_bot.sandbox.telegram.errors import ApiError
from gedsi_bot.sandbox.telegram.formatting import MAX_CAPTION, MAX_TEXT, detect_entities
from gedsi_bot.sandbox.telegram.markup import inline_buttons
from gedsi_bot.sandbox.telegram.state import (
    CallbackQuery,
    Chat,
    SimUser,
    StoredMessage,
    World,
    scope_key,
    unix_now,
)

_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")
_START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
_CHAT_TYPES = frozenset({"group", "supergroup", "channel"})
_BOT_STATUSES = frozenset({"administrator", "member", "left", "kicked"})
_MAX_NAME = 64
_MAX_CALLBACK_DATA = 64  # bytes


class SimulationError(Exception):
    """A simulation request that cannot be carried out; ``status`` is its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _invalid(message: str) -> SimulationError:
    return SimulationError(400, message)


def _text_field(spec: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = spec.get(key)
    if value is None or value == "":
        if required:
            raise _invalid(f"{key} is required")
        return None
    if not isinstance(value, str):
        raise _invalid(f"{key} must be text")
    if len(value) > _MAX_NAME:
        raise _invalid(f"{key} is longer than {_MAX_NAME} characters")
    return value


def _int_field(spec: dict[str, Any], key: str) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(f"{key} must be an integer")
    return value


def _bytes_field(spec: dict[str, Any], key: str) -> bytes | None:
    value = spec.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(f"{key} must be base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid(f"{key} is not valid base64") from None


class Simulation:
    """Acts for simulated users and reads what they received, in one ``World``."""

    def __init__(self, world: World) -> None:
        self.world = world

    # --- people and places -----------------------------------------------------------------

    def create_user(self, spec: dict[str, Any]) -> dict[str, Any]:
        world = self.world
        user_id = _int_field(spec, "id")
        if user_id is None:
            user_id = next(world.next_user_id)
            while user_id in world.chats:
                user_id = next(world.next_user_id)
        if user_id <= 0 or user_id >= 2**52:
            raise _invalid("id must be a positive integer below 2**52")
        if user_id in world.chats or user_id == world.config.bot_id:
            raise SimulationError(409, f"user {user_id} already exists")
        username = _text_field(spec, "username")
        if username is not None and not _USERNAME.match(username):
            raise _invalid("username must be 5-32 letters, digits or underscores")
        language = _text_field(spec, "language_code")
        if language is not None and not _LANGUAGE.match(language):
            raise _invalid("language_code must be an IETF language tag such as 'id' or 'en'")
        user = SimUser(
            id=user_id,
            first_name=_text_field(spec, "first_name", required=True) or "",
            last_name=_text_field(spec, "last_name"),
            username=username,
            language_code=language,
        )
        started = spec.get("started", False)
        if not isinstance(started, bool):
            raise _invalid("started must be true or false")
        world.users[user_id] = user
        world.chats[user_id] = Chat(id=user_id, type="private", user=user, started=started)
        world.changes.notify()
        return user.as_json()

    def create_users(self, specs: Any) -> list[dict[str, Any]]:
        if not isinstance(specs, list) or not all(isinstance(spec, dict) for spec in specs):
            raise _invalid("users must be a list of objects")
        return [self.create_user(spec) for spec in specs]

    def create_chat(self, spec: dict[str, Any]) -> dict[str, Any]:
        world = self.world
        kind = spec.get("type")
        if kind not in _CHAT_TYPES:
            raise _invalid("type must be group, supergroup or channel")
        chat_id = _int_field(spec, "id")
        if chat_id is None:
            counter = world.next_group_id if kind == "group" else world.next_channel_id
            number = next(counter)
            chat_id = -number if kind == "group" else -(10**12 + number)
        if chat_id >= 0:
            raise _invalid("a group or channel id must be negative")
        if chat_id in world.chats:
            raise SimulationError(409, f"chat {chat_id} already exists")
        username = _text_field(spec, "username")
        if username is not None:
            username = username.removeprefix("@")
            if not _USERNAME.match(username):
                raise _invalid("username must be 5-32 letters, digits or underscores")
            if username.lower() in world.usernames:
                raise SimulationError(409, f"@{username} is taken")
        status = spec.get("bot_status", "administrator")
        if status not in _BOT_STATUSES:
            raise _invalid("bot_status must be administrator, member, left or kicked")
        members = spec.get("members", [])
        if not isinstance(members, list) or not all(member in world.users for member in members):
            raise _invalid("members must be a list of existing user ids")
        chat = Chat(
            id=chat_id,
            type=kind,
            title=_text_field(spec, "title", required=True),
            username=username,
            bot_status=status,
            members=set(members),
        )
        world.chats[chat_id] = chat
        if username is not None:
            world.usernames[username.lower()] = chat_id
        world.changes.notify()
        return chat.summary()

    def add_member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        chat = self._group(chat_id)
        self.user(user_id)
        chat.members.add(user_id)
        return chat.summary()

    def set_bot_status(self, chat_id: int, status: Any) -> dict[str, Any]:
        chat = self._group(chat_id)
        if status not in _BOT_STATUSES:
            raise _invalid("bot_status must be administrator, member, left or kicked")
        chat.bot_status = status
        return chat.summary()

    def user(self, user_id: int) -> SimUser:
        user = self.world.users.get(user_id)
        if user is None:
            raise SimulationError(404, f"no user {user_id}")
        return user

    def _group(self, chat_id: int) -> Chat:
        chat = self.world.chats.get(chat_id)
        if chat is None or chat.is_private:
            raise SimulationError(404, f"no group or channel {chat_id}")
        return chat

    def chat(self, chat_id: int) -> Chat:
        chat = self.world.chats.get(chat_id)
        if chat is None:
            raise SimulationError(404, f"no chat {chat_id}")
        return chat

    # --- what a user does ------------------------------------------------------------------

    def _chat_of(self, user: SimUser, spec: dict[str, Any]) -> Chat:
        chat_id = _int_field(spec, "chat_id")
        if chat_id is None or chat_id == user.id:
            chat = self.world.chats[user.id]
            if chat.blocked:
                raise SimulationError(409, f"user {user.id} has blocked the bot; unblock it first")
            return chat
        chat = self.chat(chat_id)
        if chat.type == "channel":
            raise _invalid("users cannot write in a channel")
        if user.id not in chat.members:
            raise _invalid(f"user {user.id} is not a member of chat {chat_id}")
        return chat

    def send(self, user_id: int, spec: dict[str, Any]) -> dict[str, Any]:
        """The user sends one message; ``kind`` is text, start, photo, sticker, voice, document
        or contact. Returns the ``Message`` and the ``update_id`` it reached the bot with."""
        user = self.user(user_id)
        chat = self._chat_of(user, spec)
        kind = spec.get("kind", "text")
        builders = {
            "text": self._text,
            "start": self._start,
            "photo": self._photo,
            "sticker": self._sticker,
            "voice": self._voice,
            "document": self._document,
            "contact": self._contact,
            "location": self._location,
        }
        if kind not in builders:
            raise _invalid(f"kind must be one of {', '.join(builders)}")
        content = builders[kind](user, spec)
        message: dict[str, Any] = {
            "message_id": chat.take_message_id(),
            "from": user.as_json(),
            "chat": chat.as_json(),
            "date": unix_now(),
        }
        reply_to = _int_field(spec, "reply_to_message_id")
        if reply_to is not None:
            target = chat.messages.get(reply_to)
            if target is None or target.deleted:
                raise SimulationError(404, f"no message {reply_to} in chat {chat.id}")
            message["reply_to_message"] = {
                key: value for key, value in target.json.items() if key != "reply_to_message"
            }
        message.update(content)
        chat.messages[message["message_id"]] = StoredMessage(message, from_bot=False)
        if chat.is_private:
            chat.started = True
        update_id = self.world.updates.push("message", message)
        self.world.changes.notify(chat.id)
        return {"message": message, "update_id": update_id}

    def _text(self, _: SimUser, spec: dict[str, Any]) -> dict[str, Any]:
        text = spec.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _invalid("text must be non-empty")
        if len(text) > MAX_TEXT:
            raise _invalid(f"text is longer than {MAX_TEXT} characters")
        content: dict[str, Any] = {"text": text}
        entities = detect_entities(text, [])
        if entities:
            content["entities"] = entities
        return content

    def _start(self, user: SimUser, spec: dict[str, Any]) -> dict[str, Any]:
        """START pressed, from a plain link or ``t.me/<bot>?start=<payload>``; Telegram passes
        a payload only if it is 1-64 of ``A-Z a-z 0-9 _ -``."""
        payload = spec.get("payload")
        if payload is None or payload == "":
            return self._text(user, {"text": "/start"})
        if not isinstance(payload, str) or not _START_PAYLOAD.match(payload):
            raise _invalid("a start payload is 1-64 characters of A-Z, a-z, 0-9, _ and -")
        return self._text(user, {"text": f"/start {payload}"})

    def _caption(self, spec: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        caption = spec.get("caption")
        if caption is None or caption == "":
            return content
        if not isinstance(caption, str) or len(caption) > MAX_CAPTION:
            raise _invalid(f"caption must be text of at most {MAX_CAPTION} characters")
        content["caption"] = caption
        entities = detect_entities(caption, [])
        if entities:
            content["caption_entities"] = entities
        return content

    def _photo(self, _: SimUser, spec: dict[str, Any]) -> dict[str, Any]:
        data = _bytes_field(spec, "data") or _camera_photo()
        try:
            photo = self.world.files.add_photo(data)
        except ApiError as error:
            raise _invalid(f"Telegram would refuse this photo: {error.description}") from None
        return self._caption(spec, {"photo": photo.as_json()})

    def _sticker(self, _: SimUser, spec: dict[str, Any]) -> dict[str, Any]:
        emoji = spec.get("emoji", "👍")
        if not isinstance(emoji, str) or not emoji or len(emoji) > 8:
            raise _invalid("emoji must be one emoji")
        stored = self.world.files.add_sticker(_sticker_image(), width=512, height=512)
        return {
            "sticker": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
                "set_name": "GedsiSandbox",
                "file_size": len(stored.data),
            }
        }

    def _voice(self, _: SimUser, spec: dict[str, Any]) -> dict[str, Any]:
        duration = _int_field(spec, "duration") or 3
        if not 1 <= duration <= 600:
            raise _invalid("duration must be 1-600 seconds")
        data = _bytes_field(spec, "data")
        mime_type = spec.get("mime_type") or ("audio/ogg" if data else "audio/x-wav")
        if not isinstance(mime_type, str):
            raise _invalid("mime_type must be text")
        stored = self.world.files.add_voice(data or _silence(duration), mime_type=mime_type)
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": mime_type,
            "file_size": len(stored.data),
        }
        return self._caption(spec, {"voice": voice})

    def _document(self, _: SimUser, spec: dict[str, Any]) -> dict[str, Any]:
        data = _bytes_field(spec, "data")
        if not data:
            raise _invalid("a document needs data")
        file_name = _text_field(spec, "file_name") or "dokumen.pdf"
        try:
            stored = self.world.files.add_document(
                data, file_name=file_name, mime_type=spec.get("mime_type")
            )
        except ApiError as error:
            raise _invalid(f"Telegram would refuse this document: {error.description}") from None
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": stored.mime_type,
            "file_size": len(data),
        }
        return self._caption(spec, {"document": document})

    def _contact(self, user: SimUser, spec: dict[str, Any]) -> dict[str, Any]:
        phone = _text_field(spec, "phone_number", required=True)
        contact: dict[str, Any] = {
            "phone_number": phone,
            "first_name": _text_field(spec, "first_name") or user.first_name,
            "user_id": user.id,
        }
        last_name = _text_field(spec, "last_name") or user.last_name
        if last_name:
            contact["last_name"] = last_name
        return {"contact": contact}

    def _location(self, _: SimUser, spec: dict[str, Any]) -> dict[str, Any]:
        latitude, longitude = spec.get("latitude", -7.7543), spec.get("longitude", 113.2159)
        valid = all(
            isinstance(value, int | float) and not isinstance(value, bool) and abs(value) <= limit
            for value, limit in ((latitude, 90), (longitude, 180))
        )
        if not valid:
            raise _invalid("latitude must be within ±90 and longitude within ±180")
        return {"location": {"latitude": latitude, "longitude": longitude}}

    def edit(self, user_id: int, spec: dict[str, Any]) -> dict[str, Any]:
        """The user edits the text of a message they sent; the bot gets ``edited_message``."""
        user = self.user(user_id)
        chat = self._chat_of(user, spec)
        message_id = _int_field(spec, "message_id")
        stored = chat.messages.get(message_id or 0)
        if stored is None or stored.deleted:
            raise SimulationError(404, f"no message {message_id} in chat {chat.id}")
        if stored.from_bot or stored.json.get("from", {}).get("id") != user.id:
            raise _invalid(f"message {message_id} was not sent by user {user.id}")
        if "text" not in stored.json:
            raise _invalid(f"message {message_id} has no text to edit")
        content = self._text(user, spec)
        message = {
            key: value for key, value in stored.json.items() if key not in {"text", "entities"}
        }
        message.update(content, edit_date=unix_now())
        stored.json = message
        stored.edit_count += 1
        update_id = self.world.updates.push("edited_message", message)
        self.world.changes.notify()
        return {"message": message, "update_id": update_id}

    def press(self, user_id: int, spec: dict[str, Any]) -> dict[str, Any]:
        """The user taps an inline button of a message the bot sent, chosen by its
        ``callback_data`` (``data``) or its label (``text``). With ``forged`` true, ``data``
        goes to the bot whatever the message's buttons are, as a modified client can send."""
        user = self.user(user_id)
        chat = self._chat_of(user, spec)
        message_id = _int_field(spec, "message_id")
        stored = chat.messages.get(message_id or 0)
        if stored is None or stored.deleted:
            raise SimulationError(404, f"no message {message_id} in chat {chat.id}")
        if not stored.from_bot:
            raise _invalid(f"message {message_id} was not sent by the bot")
        if spec.get("forged") is True:
            return self._query(user, chat, stored, _forged_data(spec.get("data")))
        buttons = inline_buttons(stored.json.get("reply_markup"))
        data, label = spec.get("data"), spec.get("text")
        if data is None and label is None:
            raise _invalid("name the button by data or by text")
        for button in buttons:
            if (data is not None and button.get("callback_data") == data) or (
                data is None and button.get("text") == label
            ):
                break
        else:
            offered = [
                {"text": button["text"], "callback_data": button.get("callback_data")}
                for button in buttons
            ]
            raise _invalid(f"message {message_id} has no such button; it has {offered}")
        if "url" in button:
            return {"opened_url": button["url"]}
        if "callback_data" not in button:
            raise _invalid("the sandbox presses only callback and URL buttons")
        return self._query(user, chat, stored, button["callback_data"])

    def _query(
        self, user: SimUser, chat: Chat, stored: StoredMessage, data: str
    ) -> dict[str, Any]:
        query_id = new_callback_id()
        self.world.callbacks[query_id] = CallbackQuery(
            id=query_id,
            user_id=user.id,
            chat_id=chat.id,
            message_id=stored.json["message_id"],
            data=data,
            created=asyncio.get_running_loop().time(),
        )
        payload = {
            "id": query_id,
            "from": user.as_json(),
            "message": stored.json,
            "chat_instance": str(abs(hash((chat.id, self.world.config.bot_id)))),
            "data": data,
        }
        update_id = self.world.updates.push("callback_query", payload)
        self.world.changes.notify(chat.id)
        return {"callback_query_id": query_id, "update_id": update_id}

    def callback(self, query_id: str) -> dict[str, Any]:
        query = self.world.callbacks.get(query_id)
        if query is None:
            raise SimulationError(404, f"no callback query {query_id}")
        return {
            "callback_query_id": query.id,
            "user_id": query.user_id,
            "chat_id": query.chat_id,
            "message_id": query.message_id,
            "data": query.data,
            "answered": query.answer is not None,
            "answer": query.answer,
        }

    def set_blocked(self, user_id: int, *, blocked: bool) -> dict[str, Any]:
        """The user blocks (or unblocks) the bot; the bot gets ``my_chat_member``."""
        user = self.user(user_id)
        chat = self.world.chats[user_id]
        if chat.blocked == blocked:
            return chat.summary()
        chat.blocked = blocked
        bot = self.world.bot_json()
        before, after = ("member", "kicked") if blocked else ("kicked", "member")
        old: dict[str, Any] = {"status": before, "user": bot}
        new: dict[str, Any] = {"status": after, "user": bot}
        if blocked:
            new["until_date"] = 0
        else:
            old["until_date"] = 0
        self.world.updates.push(
            "my_chat_member",
            {
                "chat": chat.as_json(),
                "from": user.as_json(),
                "date": unix_now(),
                "old_chat_member": old,
                "new_chat_member": new,
            },
        )
        self.world.changes.notify()
        return chat.summary()

    # --- what a chat received --------------------------------------------------------------

    def messages(self, chat_id: int, *, from_bot: bool | None) -> list[dict[str, Any]]:
        chat = self.chat(chat_id)
        return [
            stored.record()
            for stored in chat.messages.values()
            if from_bot is None or stored.from_bot == from_bot
        ]

    def events(self, chat_id: int, *, after: int) -> list[dict[str, Any]]:
        return [event for event in self.chat(chat_id).events if event["seq"] > after]

    def commands_for(self, user_id: int, chat_id: int | None) -> list[dict[str, str]]:
        """The command menu the user sees in a chat, resolved through Telegram's scopes."""
        user = self.user(user_id)
        chat = self.chat(chat_id if chat_id is not None else user_id)
        language = (user.language_code or "")[:2]
        if chat.is_private:
            scopes: list[dict[str, Any]] = [
                {"type": "chat", "chat_id": chat.id},
                {"type": "all_private_chats"},
                {"type": "default"},
            ]
        else:
            scopes = [
                {"type": "chat_member", "chat_id": chat.id, "user_id": user_id},
                {"type": "chat", "chat_id": chat.id},
                {"type": "all_group_chats"},
                {"type": "default"},
            ]
        for scope in scopes:
            key = scope_key(scope)
            for lang in (language, ""):
                found = self.world.commands.get((key, lang))
                if found:
                    return found
        return []


@cache
def _forged_data(data: Any) -> str:
    """Callback data a modified client may send: any text of 1-64 bytes."""
    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= _MAX_CALLBACK_DATA:
        raise _invalid(f"forged data must be 1-{_MAX_CALLBACK_DATA} bytes of text")
    return data


def _sticker_image() -> bytes:
    image = Image.new("RGBA", (512, 512), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((32, 32, 480, 480), fill=(255, 204, 77, 255), outline=(120, 80, 0, 255), width=12)
    draw.ellipse((170, 170, 220, 240), fill=(60, 40, 0, 255))
    draw.ellipse((292, 170, 342, 240), fill=(60, 40, 0, 255))
    draw.arc((150, 220, 362, 400), start=20, end=160, fill=(60, 40, 0, 255), width=16)
    out = io.BytesIO()
    image.save(out, "WEBP")
    return out.getvalue()


@cache
def _camera_photo() -> bytes:
    """A picture for a user who "sends a photo" without saying which: a 1280×960 gradient."""
    width, height = 1280, 960
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 4, height // 4, 3 * width // 4, 3 * height // 4), outline="white")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _silence(seconds: int) -> bytes:
    """A voice note of ``seconds`` of silence, as 8 kHz mono WAV."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(1)
        writer.setframerate(8000)
        writer.writeframes(bytes([128]) * 8000 * max(1, math.ceil(seconds)))
    return out.getvalue()
