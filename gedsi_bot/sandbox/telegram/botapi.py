"""The Bot API methods, answered as Telegram answers them.

``BotApi.call`` takes a method name and the request's raw parameters, checks them
(``params.parse_args``), and runs the method against the ``World``. Checks come in Telegram's
order: parameters and content first (400), then the chat (400 "chat not found"), then whether
the bot may write there (403), then flood control (429), so a refused message costs nothing.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from gedsi_bot.sandbox.telegram import webhook
from gedsi_bot.sandbox.telegram.errors import (
    ApiError,
    bad_request,
    conflict,
    forbidden,
    not_found,
    too_many_requests,
)
from gedsi_bot.sandbox.telegram.files import MAX_DOWNLOAD_BYTES, StoredFile
from gedsi_bot.sandbox.telegram.formatting import Entity, caption_text, message_text
from gedsi_bot.sandbox.telegram.markup import Markup, parse_reply_markup
from gedsi_bot.sandbox.telegram.params import (
    Args,
    ChatRef,
    FileInput,
    RawRequest,
    method_name,
    parse_args,
)
from gedsi_bot.sandbox.telegram.state import (
    Chat,
    StoredMessage,
    Webhook,
    World,
    scope_key,
    unix_now,
)

Result = tuple[Any, str | None]  # the result, and Telegram's optional success description

_LONG_POLL_MAX = 50
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_URL_FETCH_TIMEOUT = 10.0
_MAX_URL_PHOTO = 5 * 1024 * 1024


class BotApi:
    """Answers ``/bot<token>/<method>`` requests for one ``World``."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._methods: dict[str, Callable[[Args], Awaitable[Result] | Result]] = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "sendPhoto": self.send_photo,
            "sendDocument": self.send_document,
            "sendChatAction": self.send_chat_action,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "getFile": self.get_file,
        }

    async def call(self, requested: str, raw: RawRequest) -> Result:
        """Run one method; ``ApiError`` for every refusal, counted in the stats."""
        stats = self.world.stats
        try:
            method = method_name(requested)
            if method is None:
                raise not_found()
            args = parse_args(method, raw)
            outcome = self._methods[method](args)
            result = await outcome if isinstance(outcome, Awaitable) else outcome
        except ApiError as error:
            stats.errors[str(error.code)] += 1
            stats.failures[f"{requested}: {error.code} {error.description}"] += 1
            raise
        stats.accepted[method] += 1
        return result

    # --- the bot and its updates -------------------------------------------------------

    def get_me(self, _: Args) -> Result:
        return {
            **self.world.bot_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }, None

    async def get_updates(self, args: Args) -> Result:
        world = self.world
        if world.webhook is not None:
            raise conflict(
                "can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first"
            )
        offset = args.integer("offset") or 0
        limit = min(max(args.integer("limit") or 100, 1), 100)
        timeout = min(max(args.integer("timeout") or 0, 0), _LONG_POLL_MAX)
        allowed = args.json("allowed_updates")
        if allowed is not None:
            world.updates.set_allowed(allowed)
        world.poll_generation += 1
        generation = world.poll_generation
        world.updates.arrived.notify()  # an older long poll ends with a conflict
        world.updates.confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = world.updates.take(limit)
            if found or world.closing:
                return found, None
            remaining = deadline - loop.time()
            if remaining <= 0:
                return [], None
            world.long_polls += 1
            try:
                await world.updates.arrived.wait(remaining)
            finally:
                world.long_polls -= 1
            if world.poll_generation != generation:
                raise conflict(
                    "terminated by other getUpdates request; "
                    "make sure that only one bot instance is running"
                )
            if world.webhook is not None:
                raise conflict("terminated by setWebhook request")

    def set_webhook(self, args: Args) -> Result:
        world = self.world
        url = args.string("url")
        if not url:
            return self.delete_webhook(args)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("invalid webhook URL specified")
        secret = args.string("secret_token")
        if secret is not None and not _SECRET_TOKEN.match(secret):
            if len(secret) > 256:
                raise bad_request("secret token is too long")
            raise bad_request("secret token contains unallowed characters")
        new = Webhook(
            url=url,
            secret_token=secret,
            max_connections=min(max(args.integer("max_connections") or 40, 1), 100),
            ip_address=args.string("ip_address"),
            has_custom_certificate=args.file("certificate") is not None,
        )
        allowed = args.json("allowed_updates")
        if allowed is not None:
            world.updates.set_allowed(allowed)
        dropping = args.boolean("drop_pending_updates")
        if dropping:
            world.updates.clear()
        if world.webhook is not None and world.webhook.same_as(new) and not dropping:
            return True, "Webhook is already set"
        self._stop_webhook()
        world.webhook = new
        world.poll_generation += 1
        world.updates.arrived.notify()  # a long poll in progress ends with a conflict
        world.webhook_task = asyncio.get_running_loop().create_task(webhook.deliver(world, new))
        return True, "Webhook was set"

    def delete_webhook(self, args: Args) -> Result:
        world = self.world
        if args.boolean("drop_pending_updates"):
            world.updates.clear()
        if world.webhook is None:
            return True, "Webhook is already deleted"
        self._stop_webhook()
        return True, "Webhook was deleted"

    def _stop_webhook(self) -> None:
        world = self.world
        world.webhook = None
        if world.webhook_task is not None:
            world.webhook_task.cancel()
            world.webhook_task = None

    def get_webhook_info(self, _: Args) -> Result:
        world = self.world
        hook = world.webhook
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": bool(hook and hook.has_custom_certificate),
            "pending_update_count": len(world.updates),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.ip_address:
                info["ip_address"] = hook.ip_address
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
            info["allowed_updates"] = sorted(world.updates.allowed)
        return info, None

    # --- sending ---------------------------------------------------------------------------

    def send_message(self, args: Args) -> Result:
        text, entities = message_text(
            args.string("text"), args.string("parse_mode"), args.json("entities")
        )
        markup = self._markup(args)
        chat = self._chat(args.chat())
        reply = self._reply_target(chat, args.json("reply_parameters"))
        self._check_access(chat)
        self._admit(chat, args)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = self._resolve_mentions(entities)
        return self._deliver(chat, content, markup, reply, args).json, None

    async def send_photo(self, args: Args) -> Result:
        caption, entities = caption_text(
            args.string("caption"), args.string("parse_mode"), args.json("caption_entities")
        )
        markup = self._markup(args)
        chat = self._chat(args.chat())
        reply = self._reply_target(chat, args.json("reply_parameters"))
        self._check_access(chat)
        photo = await self._photo(args.file("photo"))
        self._admit(chat, args)
        content: dict[str, Any] = {"photo": photo}
        self._add_caption(content, caption, entities, args)
        if args.boolean("has_spoiler"):
            content["has_media_spoiler"] = True
        return self._deliver(chat, content, markup, reply, args).json, None

    async def send_document(self, args: Args) -> Result:
        caption, entities = caption_text(
            args.string("caption"), args.string("parse_mode"), args.json("caption_entities")
        )
        markup = self._markup(args)
        chat = self._chat(args.chat())
        reply = self._reply_target(chat, args.json("reply_parameters"))
        self._check_access(chat)
        document = await self._document(args.file("document"))
        self._admit(chat, args)
        content: dict[str, Any] = {"document": document}
        self._add_caption(content, caption, entities, args)
        return self._deliver(chat, content, markup, reply, args).json, None

    def send_chat_action(self, args: Args) -> Result:
        action = (args.string("action") or "").lower()
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat = self._chat(args.chat())
        self._check_access(chat)
        chat.last_action = action
        return True, None

    def _add_caption(
        self, content: dict[str, Any], caption: str, entities: list[Entity], args: Args
    ) -> None:
        if caption:
            content["caption"] = caption
            if entities:
                content["caption_entities"] = self._resolve_mentions(entities)
        if args.boolean("show_caption_above_media"):
            content["show_caption_above_media"] = True

    def _markup(self, args: Args) -> Markup | None:
        raw = args.string("reply_markup")
        return parse_reply_markup(raw) if raw else None

    def _chat(self, ref: ChatRef | None) -> Chat:
        world = self.world
        if ref is None:
            raise bad_request("chat_id is empty")
        if isinstance(ref, str):
            chat_id = world.usernames.get(ref.removeprefix("@").lower())
            chat = world.chats.get(chat_id) if chat_id is not None else None
        else:
            chat = world.chats.get(ref)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _check_access(self, chat: Chat) -> None:
        """403 where the bot may not write; counted by reason."""
        reason, message = _refusal(chat)
        if reason:
            self.world.stats.forbidden[reason] += 1
            if reason == "no_rights":
                raise bad_request(message)
            raise forbidden(message)

    def _admit(self, chat: Chat, args: Args) -> None:
        world = self.world
        wait, scope = world.flood.admit(
            chat.id,
            group=not chat.is_private,
            broadcast_paid=args.boolean("allow_paid_broadcast"),
        )
        if wait:
            world.stats.refused[scope] += 1
            raise too_many_requests(wait)

    def _reply_target(self, chat: Chat, parameters: Any) -> dict[str, Any] | None:
        if parameters is None:
            return None
        message_id = parameters.get("message_id")
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            raise bad_request('can\'t parse reply parameters: Field "message_id" must be a Number')
        target_chat = chat
        if parameters.get("chat_id") is not None:
            target_chat = self._chat(parameters["chat_id"])
        stored = target_chat.messages.get(message_id)
        if stored is None or stored.deleted:
            if parameters.get("allow_sending_without_reply") is True:
                return None
            raise bad_request("message to be replied not found")
        return {key: value for key, value in stored.json.items() if key != "reply_to_message"}

    def _resolve_mentions(self, entities: list[Entity]) -> list[Entity]:
        resolved = []
        for entity in entities:
            if entity["type"] != "text_mention":
                resolved.append(entity)
                continue
            user = self.world.users.get(entity["user"]["id"])
            if user is not None:  # Telegram drops mentions of users it does not know
                resolved.append({**entity, "user": user.as_json()})
        return resolved

    def _deliver(
        self,
        chat: Chat,
        content: dict[str, Any],
        markup: Markup | None,
        reply: dict[str, Any] | None,
        args: Args,
    ) -> StoredMessage:
        world = self.world
        message: dict[str, Any] = {"message_id": chat.take_message_id()}
        if chat.type == "channel":
            message["sender_chat"] = chat.as_json()
        else:
            message["from"] = world.bot_json()
        message["chat"] = chat.as_json()
        message["date"] = unix_now()
        if reply is not None:
            message["reply_to_message"] = reply
        message.update(content)
        if args.boolean("protect_content"):
            message["has_protected_content"] = True
        effect = args.string("message_effect_id")
        if effect and chat.is_private:
            message["effect_id"] = effect
        stored = StoredMessage(message, from_bot=True)
        if markup is not None:
            if markup.is_inline:
                message["reply_markup"] = markup.value
            elif markup.kind == "keyboard":
                chat.keyboard = stored.reply_keyboard = markup.value
            elif markup.kind == "remove":
                chat.keyboard = None
        chat.messages[message["message_id"]] = stored
        world.log_event(chat, "sent", message)
        return stored

    async def _photo(self, given: FileInput | None) -> list[dict[str, Any]]:
        files = self.world.files
        assert given is not None
        if given.upload is not None:
            return files.add_photo(given.upload.data).as_json()
        reference = given.reference or ""
        if _is_url(reference):
            return files.add_photo(await _fetch(reference, _MAX_URL_PHOTO)).as_json()
        stored = files.get(reference)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        photo = files.photo_of(stored)
        if photo is None:
            raise bad_request("type of file mismatch")
        return photo.as_json()

    async def _document(self, given: FileInput | None) -> dict[str, Any]:
        files = self.world.files
        assert given is not None
        if given.upload is not None:
            upload = given.upload
            content_type = upload.content_type
            if content_type == "application/octet-stream":
                content_type = ""
            stored = files.add_document(
                upload.data, file_name=upload.filename or "document", mime_type=content_type
            )
        elif _is_url(given.reference or ""):
            reference = given.reference or ""
            name = urlsplit(reference).path.rsplit("/", 1)[-1] or "document"
            stored = files.add_document(
                await _fetch(reference, MAX_DOWNLOAD_BYTES), file_name=name, mime_type=None
            )
        else:
            found = files.get(given.reference or "")
            if found is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            if found.kind != "document":
                raise bad_request("type of file mismatch")
            stored = found
        return _document_json(stored)

    # --- changing what was sent ------------------------------------------------------------

    def _editable(self, args: Args) -> tuple[Chat, StoredMessage]:
        """The bot's own message named by ``chat_id`` and ``message_id``, still there."""
        message_id = args.integer("message_id")
        if message_id is None or message_id <= 0:
            raise bad_request("message identifier is not specified")
        chat = self._chat(args.chat())
        stored = chat.messages.get(message_id)
        if stored is None or stored.deleted:
            raise bad_request("message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        self._check_access(chat)
        return chat, stored

    def _inline_markup(self, args: Args) -> dict[str, Any] | None:
        markup = self._markup(args)
        if markup is None:
            return None
        if not markup.is_inline:
            raise bad_request("inline keyboard expected")
        return markup.value

    def _apply_edit(
        self, chat: Chat, stored: StoredMessage, changes: dict[str, Any]
    ) -> dict[str, Any]:
        before = stored.json
        updated = {**before}
        for key, value in changes.items():
            if value:
                updated[key] = value
            else:
                updated.pop(key, None)
        if all(updated.get(key) == before.get(key) for key in changes):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        updated["edit_date"] = unix_now()
        stored.json = updated
        stored.edit_count += 1
        self.world.log_event(chat, "edited", updated)
        return updated

    def edit_message_text(self, args: Args) -> Result:
        text, entities = message_text(
            args.string("text"), args.string("parse_mode"), args.json("entities")
        )
        markup = self._inline_markup(args)
        chat, stored = self._editable(args)
        if "text" not in stored.json:
            raise bad_request("there is no text in the message to edit")
        changes = {
            "text": text,
            "entities": self._resolve_mentions(entities),
            "reply_markup": markup,
        }
        return self._apply_edit(chat, stored, changes), None

    def edit_message_caption(self, args: Args) -> Result:
        caption, entities = caption_text(
            args.string("caption"), args.string("parse_mode"), args.json("caption_entities")
        )
        markup = self._inline_markup(args)
        chat, stored = self._editable(args)
        if "photo" not in stored.json and "document" not in stored.json:
            raise bad_request("there is no caption in the message to edit")
        changes = {
            "caption": caption,
            "caption_entities": self._resolve_mentions(entities),
            "show_caption_above_media": args.boolean("show_caption_above_media"),
            "reply_markup": markup,
        }
        return self._apply_edit(chat, stored, changes), None

    def edit_message_reply_markup(self, args: Args) -> Result:
        markup = self._inline_markup(args)
        chat, stored = self._editable(args)
        return self._apply_edit(chat, stored, {"reply_markup": markup}), None

    def delete_message(self, args: Args) -> Result:
        chat = self._chat(args.chat())
        message_id = args.integer("message_id") or 0
        stored = chat.messages.get(message_id)
        if stored is None or stored.deleted:
            raise bad_request("message to delete not found")
        if not stored.from_bot and not chat.is_private and chat.bot_status != "administrator":
            raise bad_request("message can't be deleted for everyone")
        stored.deleted = True
        self.world.log_event(chat, "deleted", stored.json)
        return True, None

    def answer_callback_query(self, args: Args) -> Result:
        world = self.world
        query = world.callbacks.get(args.string("callback_query_id") or "")
        loop_time = asyncio.get_running_loop().time()
        if (
            query is None
            or query.answer is not None
            or loop_time - query.created > world.config.callback_timeout
        ):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = args.string("text") or ""
        if len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answer = {
            "text": text,
            "show_alert": args.boolean("show_alert"),
            "url": args.string("url"),
            "cache_time": args.integer("cache_time") or 0,
        }
        world.changes.notify(("callback", query.id))
        return True, None

    # --- commands and files ----------------------------------------------------------------

    def _commands_key(self, args: Args) -> tuple[str, str]:
        scope = args.json("scope") or {"type": "default"}
        kind = scope.get("type")
        if kind not in _SCOPES:
            raise bad_request("can't parse BotCommandScope: Unsupported type specified")
        normalized: dict[str, Any] = {"type": kind}
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat_id = scope.get("chat_id")
            normalized["chat_id"] = self._chat(
                chat_id if isinstance(chat_id, int | str) else None
            ).id
        if kind == "chat_member":
            user_id = scope.get("user_id")
            if not isinstance(user_id, int) or user_id not in self.world.users:
                raise bad_request("invalid user_id specified")
            normalized["user_id"] = user_id
        language = args.string("language_code") or ""
        if language and not _LANGUAGE.match(language):
            raise bad_request("invalid language code specified")
        return scope_key(normalized), language

    def set_my_commands(self, args: Args) -> Result:
        commands = args.json("commands")
        parsed = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand: expected an Object")
            command, description = item.get("command"), item.get("description")
            if not isinstance(command, str) or not isinstance(description, str):
                raise bad_request(
                    'can\'t parse BotCommand: Field "command" must be of type String'
                )
            command = command.removeprefix("/")
            if not _COMMAND.match(command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            parsed.append({"command": command, "description": description.strip()})
        if len(parsed) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        key = self._commands_key(args)
        if parsed:
            self.world.commands[key] = parsed
        else:
            self.world.commands.pop(key, None)
        return True, None

    def get_my_commands(self, args: Args) -> Result:
        return self.world.commands.get(self._commands_key(args), []), None

    def delete_my_commands(self, args: Args) -> Result:
        self.world.commands.pop(self._commands_key(args), None)
        return True, None

    def get_file(self, args: Args) -> Result:
        stored = self.world.files.get(args.string("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        size = len(stored.data)
        if size > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": size,
            "file_path": stored.file_path,
        }, None


def _refusal(chat: Chat) -> tuple[str, str]:
    """Why the bot may not write in ``chat``: a reason key and Telegram's words, or blanks."""
    if chat.is_private:
        if chat.blocked:
            return "blocked", "bot was blocked by the user"
        if not chat.started:
            return "not_started", "bot can't initiate conversation with a user"
        return "", ""
    place = f"{chat.type} chat"
    refusals = {
        "kicked": ("kicked", f"bot was kicked from the {place}"),
        "left": ("not_member", f"bot is not a member of the {place}"),
    }
    if chat.type == "channel" and chat.bot_status == "member":
        return "no_rights", "need administrator rights in the channel chat"
    return refusals.get(chat.bot_status, ("", ""))


def _document_json(stored: StoredFile) -> dict[str, Any]:
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "mime_type": stored.mime_type,
        "file_size": len(stored.data),
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    return document


def _is_url(reference: str) -> bool:
    return reference.lower().startswith(("http://", "https://"))


async def _fetch(url: str, limit: int) -> bytes:
    """The content at ``url``, as Telegram fetches a file given by URL."""
    try:
        async with (
            httpx.AsyncClient(timeout=_URL_FETCH_TIMEOUT, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise bad_request("wrong file identifier/HTTP URL specified")
            chunks = []
            total = 0
            async for chunk in response.aiter_bytes():
                total += len(chunk)
                if total > limit:
                    raise bad_request("failed to get HTTP URL content")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError:
        raise bad_request("failed to get HTTP URL content") from None


def new_callback_id() -> str:
    return str(secrets.randbits(63))
