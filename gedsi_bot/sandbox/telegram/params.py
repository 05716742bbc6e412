"""The Bot API methods the sandbox serves, their parameters, and how a request's values are read.

``METHODS`` lists, for every served method, each parameter of the Bot API 10.1 specification with
its types and whether it is required; the test suite checks this table against the published
spec. A request is read the way the Bot API server reads it: every value arrives as text (JSON
bodies are flattened, objects and arrays re-encoded), an empty value counts as absent, and each
value is then converted by its declared type. Unlike Telegram, which ignores parameters it does
not know, the sandbox refuses them, so a misspelt parameter fails a test instead of passing
unnoticed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gedsi_bot.sandbox.telegram.errors import ApiError, bad_request


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    types: tuple[str, ...]
    required: bool = False


def _p(name: str, *types: str, required: bool = False) -> Param:
    return Param(name, types, required)


_CHAT_ID = ("Integer", "String")
_ANY_MARKUP = ("InlineKeyboardMarkup", "ReplyKeyboardMarkup", "ReplyKeyboardRemove", "ForceReply")
_SEND_HEAD = (
    _p("business_connection_id", "String"),
    _p("chat_id", *_CHAT_ID, required=True),
    _p("message_thread_id", "Integer"),
    _p("direct_messages_topic_id", "Integer"),
)
_SEND_TAIL = (
    _p("disable_notification", "Boolean"),
    _p("protect_content", "Boolean"),
    _p("allow_paid_broadcast", "Boolean"),
    _p("message_effect_id", "String"),
    _p("suggested_post_parameters", "SuggestedPostParameters"),
    _p("reply_parameters", "ReplyParameters"),
    _p("reply_markup", *_ANY_MARKUP),
)
_EDIT_TARGET = (
    _p("business_connection_id", "String"),
    _p("chat_id", *_CHAT_ID),
    _p("message_id", "Integer"),
    _p("inline_message_id", "String"),
)
_COMMANDS_SCOPE = (_p("scope", "BotCommandScope"), _p("language_code", "String"))

METHODS: dict[str, tuple[Param, ...]] = {
    "getMe": (),
    "getUpdates": (
        _p("offset", "Integer"),
        _p("limit", "Integer"),
        _p("timeout", "Integer"),
        _p("allowed_updates", "Array of String"),
    ),
    "setWebhook": (
        _p("url", "String", required=True),
        _p("certificate", "InputFile"),
        _p("ip_address", "String"),
        _p("max_connections", "Integer"),
        _p("allowed_updates", "Array of String"),
        _p("drop_pending_updates", "Boolean"),
        _p("secret_token", "String"),
    ),
    "deleteWebhook": (_p("drop_pending_updates", "Boolean"),),
    "getWebhookInfo": (),
    "sendMessage": (
        *_SEND_HEAD,
        _p("text", "String", required=True),
        _p("parse_mode", "String"),
        _p("entities", "Array of MessageEntity"),
        _p("link_preview_options", "LinkPreviewOptions"),
        *_SEND_TAIL,
    ),
    "sendPhoto": (
        *_SEND_HEAD,
        _p("photo", "InputFile", "String", required=True),
        _p("caption", "String"),
        _p("parse_mode", "String"),
        _p("caption_entities", "Array of MessageEntity"),
        _p("show_caption_above_media", "Boolean"),
        _p("has_spoiler", "Boolean"),
        *_SEND_TAIL,
    ),
    "sendDocument": (
        *_SEND_HEAD,
        _p("document", "InputFile", "String", required=True),
        _p("thumbnail", "InputFile", "String"),
        _p("caption", "String"),
        _p("parse_mode", "String"),
        _p("caption_entities", "Array of MessageEntity"),
        _p("disable_content_type_detection", "Boolean"),
        *_SEND_TAIL,
    ),
    "sendChatAction": (
        _p("business_connection_id", "String"),
        _p("chat_id", *_CHAT_ID, required=True),
        _p("message_thread_id", "Integer"),
        _p("action", "String", required=True),
    ),
    "editMessageText": (
        *_EDIT_TARGET,
        _p("text", "String"),
        _p("parse_mode", "String"),
        _p("entities", "Array of MessageEntity"),
        _p("link_preview_options", "LinkPreviewOptions"),
        _p("rich_message", "InputRichMessage"),
        _p("reply_markup", "InlineKeyboardMarkup"),
    ),
    "editMessageCaption": (
        *_EDIT_TARGET,
        _p("caption", "String"),
        _p("parse_mode", "String"),
        _p("caption_entities", "Array of MessageEntity"),
        _p("show_caption_above_media", "Boolean"),
        _p("reply_markup", "InlineKeyboardMarkup"),
    ),
    "editMessageReplyMarkup": (*_EDIT_TARGET, _p("reply_markup", "InlineKeyboardMarkup")),
    "deleteMessage": (
        _p("chat_id", *_CHAT_ID, required=True),
        _p("message_id", "Integer", required=True),
    ),
    "answerCallbackQuery": (
        _p("callback_query_id", "String", required=True),
        _p("text", "String"),
        _p("show_alert", "Boolean"),
        _p("url", "String"),
        _p("cache_time", "Integer"),
    ),
    "setMyCommands": (_p("commands", "Array of BotCommand", required=True), *_COMMANDS_SCOPE),
    "getMyCommands": _COMMANDS_SCOPE,
    "deleteMyCommands": _COMMANDS_SCOPE,
    "getFile": (_p("file_id", "String", required=True),),
}

# Parameters of features the sandbox does not model (business accounts, forum topics, inline
# mode, suggested posts, rich messages). Refused loudly rather than silently ignored.
UNSUPPORTED = frozenset(
    {
        "business_connection_id",
        "message_thread_id",
        "direct_messages_topic_id",
        "suggested_post_parameters",
        "inline_message_id",
        "rich_message",
    }
)

# Telegram's own answer when a required parameter is missing, where it has a particular one.
_MISSING = {
    "chat_id": "chat_id is empty",
    "text": "message text is empty",
    "photo": "there is no photo in the request",
    "document": "there is no document in the request",
    "message_id": "message identifier is not specified",
    "callback_query_id": "query is too old and response timeout expired or query ID is invalid",
    "file_id": "file_id not specified",
    "action": "wrong parameter action in request",
}
# Required by the specification, yet Telegram acts on their absence (setWebhook without a URL
# removes the webhook).
_MAY_BE_ABSENT = frozenset({("setWebhook", "url")})
_JSON_NAMES = {
    "entities": "entities",
    "caption_entities": "entities",
    "commands": "commands",
    "scope": "BotCommandScope",
    "reply_parameters": "reply parameters",
    "link_preview_options": "link preview options",
    "allowed_updates": "allowed updates",
}
_INTEGER = re.compile(r"^[+-]?\d{1,19}$")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
_LOOKUP = {name.lower(): name for name in METHODS}


def method_name(requested: str) -> str | None:
    """The served method ``requested`` names (Telegram ignores the case), or None."""
    return _LOOKUP.get(requested.lower())


@dataclass(frozen=True, slots=True)
class Upload:
    """A file sent in a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class FileInput:
    """A file parameter: a new upload, or a reference (``file_id`` or URL) to an existing one."""

    upload: Upload | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class RawRequest:
    """A request's parameters as text and its uploaded files, before any checking."""

    params: dict[str, str]
    files: dict[str, Upload]


ChatRef = int | str


class Args:
    """Checked, converted parameters of one call."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def string(self, name: str) -> str | None:
        value = self._values.get(name)
        assert value is None or isinstance(value, str)
        return value

    def integer(self, name: str) -> int | None:
        value = self._values.get(name)
        assert value is None or isinstance(value, int)
        return value

    def boolean(self, name: str) -> bool:
        return bool(self._values.get(name, False))

    def json(self, name: str) -> Any:
        return self._values.get(name)

    def chat(self, name: str = "chat_id") -> ChatRef | None:
        value = self._values.get(name)
        assert value is None or isinstance(value, int | str)
        return value

    def file(self, name: str) -> FileInput | None:
        value = self._values.get(name)
        assert value is None or isinstance(value, FileInput)
        return value


def parse_args(method: str, raw: RawRequest) -> Args:
    """The parameters of ``method`` in ``raw``, or the 400 Telegram gives for the first fault."""
    declared = METHODS[method]
    known = {param.name for param in declared}
    for name in raw.params:
        if name not in known:
            raise bad_request(f'unknown parameter "{name}"')
    values: dict[str, Any] = {}
    for param in declared:
        text = raw.params.get(param.name, "")
        upload = raw.files.get(param.name)
        if not text and upload is None:
            if param.required and (method, param.name) not in _MAY_BE_ABSENT:
                message = _MISSING.get(param.name, f'parameter "{param.name}" is required')
                raise bad_request(message)
            continue
        if param.name in UNSUPPORTED:
            raise bad_request(f'parameter "{param.name}" is not supported by the sandbox')
        values[param.name] = _convert(param, text, upload, raw.files)
    return Args(values)


def _convert(param: Param, text: str, upload: Upload | None, files: dict[str, Upload]) -> Any:
    name, types = param.name, param.types
    if "InputFile" in types:
        return _file_input(param, text, upload, files)
    if types == _CHAT_ID:
        return _chat_ref(text)
    kind = types[0]
    scalar = _SCALARS.get(kind)
    if scalar is not None:
        try:
            return scalar(text)
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None
    if name == "reply_markup":
        return text  # read by the markup parser, which has its own wording
    return _json_value(name, kind, text)


def _integer(text: str) -> int:
    if not _INTEGER.match(text.strip()):
        raise ValueError(text)
    return int(text)


def _number(text: str) -> float:
    if not _NUMBER.match(text.strip()):
        raise ValueError(text)
    return float(text)


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in _TRUE | _FALSE:
        raise ValueError(text)
    return lowered in _TRUE


_SCALARS: dict[str, Callable[[str], Any]] = {
    "Integer": _integer,
    "Float": _number,
    "Boolean": _boolean,
    "String": str,
}


def _json_value(name: str, kind: str, text: str) -> Any:
    label = _JSON_NAMES.get(name, name)
    try:
        value = json.loads(text)
    except ValueError:
        raise bad_request(f"can't parse {label} JSON object") from None
    if kind.startswith("Array of "):
        if not isinstance(value, list):
            raise bad_request(f"expected an Array of {kind.removeprefix('Array of ')}")
    elif not isinstance(value, dict):
        raise bad_request(f"object expected as {label}")
    return value


def _chat_ref(text: str) -> ChatRef:
    text = text.strip()
    if _INTEGER.match(text):
        return int(text)
    if text.startswith("@") and len(text) > 1:
        return text
    raise bad_request("chat not found")


def _file_input(
    param: Param, text: str, upload: Upload | None, files: dict[str, Upload]
) -> FileInput:
    if text.startswith("attach://"):
        attached = files.get(text.removeprefix("attach://"))
        if attached is None:
            raise bad_request(f"there is no file attached as {text}")
        return FileInput(upload=attached)
    if upload is not None:
        return FileInput(upload=upload)
    if "String" not in param.types:
        raise bad_request(f"{param.name} must be uploaded as an InputFile")
    return FileInput(reference=text.strip())


def flatten_json_body(body: Any) -> dict[str, str]:
    """A JSON request body as the Bot API server sees it: every top-level value as text."""
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request: can't parse JSON encoded request")
    flat: dict[str, str] = {}
    for key, value in body.items():
        if value is None:
            continue
        if isinstance(value, bool):
            flat[str(key)] = "true" if value else "false"
        elif isinstance(value, str):
            flat[str(key)] = value
        elif isinstance(value, int | float):
            flat[str(key)] = str(value)
        else:
            flat[str(key)] = json.dumps(value, ensure_ascii=False)
    return flat
