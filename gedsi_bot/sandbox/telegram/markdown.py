"""Telegram's two Markdown parse modes: ``MarkdownV2`` and the legacy ``Markdown``.

gedsi-bot writes HTML; these exist so a bot or a trainer using Markdown gets Telegram's answers
too, including its errors ("Character '.' is reserved and must be escaped with the preceding
'\\'", "Can't find end of Bold entity at byte offset 4").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gedsi_bot.sandbox.telegram.errors import bad_request
from gedsi_bot.sandbox.telegram.formatting import Entity, normalize_url, sort_entities

_RESERVED = "_*[]()~`>#+-=|{}.!"
_NAMES = {
    "italic": "Italic",
    "bold": "Bold",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "custom_emoji": "CustomEmoji",
}
_MARKERS = {"italic": "_", "bold": "*", "strikethrough": "~", "code": "`"}


def _bytes(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass
class _Open:
    kind: str
    begin: int  # index in the source, for error messages
    units: int  # UTF-16 offset in the result
    out_index: int
    language: str = ""


@dataclass
class _Result:
    out: list[str] = field(default_factory=list)
    units: int = 0
    entities: list[Entity] = field(default_factory=list)

    def add(self, char: str) -> None:
        self.out.append(char)
        self.units += 2 if ord(char) > 0xFFFF else 1

    def close(self, opened: _Open, extra: Entity | None = None) -> None:
        length = self.units - opened.units
        if length <= 0:
            return
        kind = "pre" if opened.kind == "pre_code" else opened.kind
        entity: Entity = {"type": kind, "offset": opened.units, "length": length}
        if opened.kind == "pre_code" and opened.language:
            entity["language"] = opened.language
        if extra is not None:
            entity.update(extra)
        self.entities.append(entity)


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    """Text and entities of a ``MarkdownV2`` message, or 400 "can't parse entities"."""
    result = _Result()
    stack: list[_Open] = []
    n = len(text)
    i = 0
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            result.add(text[i + 1])
            i += 2
            continue
        inside_code = bool(stack) and stack[-1].kind in ("code", "pre", "pre_code")
        if (inside_code and char != "`") or char not in _RESERVED:
            result.add(char)
            i += 1
            continue
        top = stack[-1] if stack else None
        closed = _closes(text, i, top)
        if closed and top is not None:
            i = _close_v2(text, i, stack.pop(), result)
            continue
        i = _open_v2(text, i, stack, result)
    if stack:
        opened = stack[-1]
        raise bad_request(
            f"can't parse entities: Can't find end of {_NAMES[opened.kind]} entity "
            f"at byte offset {_bytes(text, opened.begin)}"
        )
    return "".join(result.out), sort_entities(result.entities)


def _closes(text: str, i: int, top: _Open | None) -> bool:
    if top is None:
        return False
    char = text[i]
    following = text[i + 1] if i + 1 < len(text) else ""
    if top.kind == "underline":
        return char == "_" and following == "_"
    if top.kind == "spoiler":
        return char == "|" and following == "|"
    if top.kind in ("pre", "pre_code"):
        return text.startswith("```", i)
    if top.kind in ("text_link", "custom_emoji"):
        return char == "]"
    return _MARKERS.get(top.kind) == char


def _close_v2(text: str, i: int, opened: _Open, result: _Result) -> int:
    if opened.kind in ("underline", "spoiler"):
        result.close(opened)
        return i + 2
    if opened.kind in ("pre", "pre_code"):
        result.close(opened)
        return i + 3
    if opened.kind not in ("text_link", "custom_emoji"):
        result.close(opened)
        return i + 1
    i += 1
    url = ""
    if i < len(text) and text[i] == "(":
        start = i
        i += 1
        chars: list[str] = []
        while i < len(text) and text[i] != ")":
            if text[i] == "\\" and i + 1 < len(text):
                i += 1
            chars.append(text[i])
            i += 1
        if i >= len(text):
            raise bad_request(
                "can't parse entities: Can't find end of a URL at byte offset "
                f"{_bytes(text, start + 1)}"
            )
        url = "".join(chars)
        i += 1
    else:
        url = "".join(result.out[opened.out_index :])
    if opened.kind == "custom_emoji":
        emoji_id = url.removeprefix("tg://emoji?id=")
        if not emoji_id.isdigit():
            raise bad_request("can't parse entities: Invalid custom emoji identifier specified")
        result.close(opened, {"type": "custom_emoji", "custom_emoji_id": emoji_id})
        return i
    normalized = normalize_url(url)
    if normalized is not None:
        result.close(opened, {"url": normalized})
    return i


def _open_v2(text: str, i: int, stack: list[_Open], result: _Result) -> int:
    char = text[i]
    following = text[i + 1] if i + 1 < len(text) else ""
    opened = _Open(kind="", begin=i, units=result.units, out_index=len(result.out))
    step = 1
    if char == "_" and following == "_":
        opened.kind, step = "underline", 2
    elif char == "|" and following == "|":
        opened.kind, step = "spoiler", 2
    elif char == "!" and following == "[":
        opened.kind, step = "custom_emoji", 2
    elif char == "`" and text.startswith("```", i):
        opened.kind, step = "pre", 3
        end = i + 3
        while end < len(text) and not text[end].isspace() and text[end] != "`":
            end += 1
        if end > i + 3 and end < len(text) and text[end].isspace():
            opened.kind, opened.language = "pre_code", text[i + 3 : end]
            step = end - i + 1
    else:
        kinds = {"_": "italic", "*": "bold", "~": "strikethrough", "`": "code", "[": "text_link"}
        if char not in kinds:
            raise bad_request(
                f"can't parse entities: Character '{char}' is reserved and must be escaped "
                "with the preceding '\\'"
            )
        opened.kind = kinds[char]
    stack.append(opened)
    return i + step


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    """Text and entities of a legacy ``Markdown`` message (no nesting, ``\\`` escapes)."""
    result = _Result()
    n = len(text)
    i = 0
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            result.add(text[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            result.add(char)
            i += 1
            continue
        begin = i
        if char == "`" and text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise _unclosed(text, begin)
            body = text[i + 3 : end]
            language, newline, rest = body.partition("\n")
            opened = _Open("pre_code" if newline and language.strip() else "pre", begin, 0, 0)
            if opened.kind == "pre_code":
                opened.language, body = language.strip(), rest
            _append_entity(result, opened, body)
            i = end + 3
            continue
        if char == "[":
            close = text.find("]", i + 1)
            if close < 0 or not text.startswith("(", close + 1) or ")" not in text[close:]:
                raise _unclosed(text, begin)
            url_end = text.find(")", close)
            url = normalize_url(text[close + 2 : url_end])
            opened = _Open("text_link", begin, 0, 0)
            _append_entity(result, opened, text[i + 1 : close], {"url": url} if url else None)
            i = url_end + 1
            continue
        end = text.find(char, i + 1)
        if end < 0:
            raise _unclosed(text, begin)
        kinds = {"_": "italic", "*": "bold", "`": "code"}
        _append_entity(result, _Open(kinds[char], begin, 0, 0), text[i + 1 : end])
        i = end + 1
    return "".join(result.out), sort_entities(result.entities)


def _append_entity(result: _Result, opened: _Open, body: str, extra: Entity | None = None) -> None:
    opened.units, opened.out_index = result.units, len(result.out)
    for char in body:
        result.add(char)
    if opened.kind == "text_link" and extra is None:
        return
    result.close(opened, extra)


def _unclosed(text: str, begin: int) -> Exception:
    return bad_request(
        "can't parse entities: Can't find end of the entity starting at byte offset "
        f"{_bytes(text, begin)}"
    )
