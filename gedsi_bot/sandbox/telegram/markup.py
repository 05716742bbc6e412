"""``reply_markup``: inline keyboards, reply keyboards, keyboard removal and forced replies.

Checked as the Bot API server checks them, with its wording: "can't parse inline keyboard
button: Text buttons are unallowed in the inline keyboard", "BUTTON_DATA_INVALID" for
``callback_data`` outside 1–64 bytes, and so on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from gedsi_bot.sandbox.telegram.errors import ApiError, bad_request
from gedsi_bot.sandbox.telegram.formatting import normalize_url

MAX_CALLBACK_DATA = 64
MAX_BUTTONS = 100
_INLINE_KINDS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_BUTTON_STYLES = frozenset({"danger", "success", "primary"})
_BOOLEAN_FIELDS = {
    "resize_keyboard": "ReplyKeyboardMarkup",
    "one_time_keyboard": "ReplyKeyboardMarkup",
    "is_persistent": "ReplyKeyboardMarkup",
    "remove_keyboard": "ReplyKeyboardRemove",
    "selective": "reply markup",
    "force_reply": "reply markup",
}


@dataclass(frozen=True, slots=True)
class Markup:
    """A parsed ``reply_markup``: ``kind`` is inline_keyboard, keyboard, remove or force_reply."""

    kind: str
    value: dict[str, Any]

    @property
    def is_inline(self) -> bool:
        return self.kind == "inline_keyboard"


class _MarkupError(Exception):
    pass


def parse_reply_markup(raw: str) -> Markup | None:
    """The markup in a ``reply_markup`` parameter; None when it asks for none."""
    try:
        value = json.loads(raw)
    except ValueError:
        raise bad_request("can't parse reply keyboard markup JSON object") from None
    try:
        return _markup(value)
    except _MarkupError as error:
        raise bad_request(str(error)) from None


def _markup(value: Any) -> Markup | None:
    if not isinstance(value, dict):
        raise _MarkupError("Object expected as reply markup")
    flags = _flags(value)
    inline_rows: list[list[dict[str, Any]]] = []
    rows: list[list[dict[str, Any]]] = []
    if "inline_keyboard" in value:
        inline_rows = _rows(
            value["inline_keyboard"], "inline_keyboard", "InlineKeyboardMarkup", _inline_button
        )
    if "keyboard" in value:
        rows = _rows(value["keyboard"], "keyboard", "ReplyKeyboardMarkup", _keyboard_button)
    if sum(len(row) for row in inline_rows) + sum(len(row) for row in rows) > MAX_BUTTONS:
        raise _MarkupError("reply markup is too long")
    if rows:
        keyboard_flags = {key: flags[key] for key in _KEYBOARD_FLAGS if flags.get(key)}
        return Markup("keyboard", {"keyboard": rows, **keyboard_flags})
    if inline_rows:
        return Markup("inline_keyboard", {"inline_keyboard": inline_rows})
    if flags.get("remove_keyboard"):
        return Markup("remove", _with_selective({"remove_keyboard": True}, flags))
    if flags.get("force_reply"):
        force: dict[str, Any] = {"force_reply": True}
        if flags.get("input_field_placeholder"):
            force["input_field_placeholder"] = flags["input_field_placeholder"]
        return Markup("force_reply", _with_selective(force, flags))
    return None


_KEYBOARD_FLAGS = (
    "resize_keyboard",
    "one_time_keyboard",
    "is_persistent",
    "input_field_placeholder",
    "selective",
)


def _flags(value: dict[str, Any]) -> dict[str, Any]:
    """The yes/no fields of a markup, and its input field placeholder, type-checked."""
    flags: dict[str, Any] = {}
    for key, field in value.items():
        if key in _BOOLEAN_FIELDS:
            if not isinstance(field, bool):
                raise _MarkupError(
                    f'Field "{key}" of the {_BOOLEAN_FIELDS[key]} must be of the type Boolean'
                )
            flags[key] = field
        elif key == "input_field_placeholder":
            if not isinstance(field, str):
                raise _MarkupError('Field "input_field_placeholder" must be of type String')
            flags[key] = field
    return flags


def _with_selective(value: dict[str, Any], flags: dict[str, Any]) -> dict[str, Any]:
    return {**value, "selective": True} if flags.get("selective") else value


def _rows(field: Any, name: str, owner: str, parse_button: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(field, list):
        raise _MarkupError(f'Field "{name}" of the {owner} must be an Array')
    rows: list[list[dict[str, Any]]] = []
    for row in field:
        if not isinstance(row, list):
            raise _MarkupError(f'Field "{name}" of the {owner} must be an Array of Arrays')
        parsed = [parse_button(button) for button in row]
        if parsed:
            rows.append(parsed)
    return rows


def _text_field(button: dict[str, Any]) -> str:
    if "text" not in button:
        raise _MarkupError('Can\'t find field "text"')
    text = button["text"]
    if not isinstance(text, str):
        raise _MarkupError('Field "text" must be of type String')
    return text


def _inline_button(button: Any) -> dict[str, Any]:
    prefix = "Can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise _MarkupError(prefix + "InlineKeyboardButton must be an Object")
    try:
        text = _text_field(button)
    except _MarkupError as error:
        raise _MarkupError(prefix + str(error)) from None
    parsed: dict[str, Any] = {"text": text}
    style = button.get("style")
    if style is not None:
        if style not in _BUTTON_STYLES:
            raise _MarkupError(
                prefix + 'Field "style" must be one of "danger", "success", "primary"'
            )
        parsed["style"] = style
    for kind in _INLINE_KINDS:
        value = button.get(kind)
        if value is None or value == "" or value is False:
            continue
        if kind == "callback_data":
            if not isinstance(value, str):
                raise _MarkupError(prefix + 'Field "callback_data" must be of type String')
            if len(value.encode("utf-8")) > MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        if kind == "url" and not _button_url_ok(value):
            raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        parsed[kind] = value
        return parsed
    raise _MarkupError(prefix + "Text buttons are unallowed in the inline keyboard")


def _button_url_ok(url: Any) -> bool:
    if not isinstance(url, str):
        return False
    lowered = url.strip().lower()
    if lowered.startswith("tg://"):
        return len(lowered) > len("tg://")
    return normalize_url(url) is not None


def _keyboard_button(button: Any) -> dict[str, Any]:
    prefix = "Can't parse keyboard button: "
    if isinstance(button, str):
        return {"text": button}
    if not isinstance(button, dict):
        raise _MarkupError(prefix + "KeyboardButton must be a String or an Object")
    try:
        text = _text_field(button)
    except _MarkupError as error:
        raise _MarkupError(prefix + str(error)) from None
    return {**button, "text": text}


def inline_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every button of an inline keyboard, row after row."""
    if not markup:
        return []
    return [button for row in markup.get("inline_keyboard", []) for button in row]
