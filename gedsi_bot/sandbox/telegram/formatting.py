"""Message text as Telegram keeps it: parse modes, entities, trimming and length limits.

Entity offsets and lengths count UTF-16 code units, as the Bot API does. Errors in HTML name the
UTF-8 byte offset, as Telegram's parser does ("Unclosed start tag at byte offset 13"). Telegram
also finds URLs, @mentions, #hashtags, /commands and e-mail addresses in every text by itself; so
does the sandbox, so a bot sees the same ``entities`` it would see from Telegram.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from gedsi_bot.sandbox.telegram.errors import ApiError, bad_request

Entity = dict[str, Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024

_SPACES = " \t\n\r\v\f"
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_HTML_TAGS = frozenset({*_SIMPLE_TAGS, "a", "code", "pre", "tg-emoji", "blockquote"})
_ATTRIBUTE_VALUE = re.compile(r"[A-Za-z0-9.\-]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_HTML_SPECIAL = re.compile("[<&]")

# Entity types a bot may set itself; the detected kinds (url, mention, …) are recomputed.
_SETTABLE_TYPES = frozenset(
    {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "blockquote",
        "expandable_blockquote",
        "code",
        "pre",
        "text_link",
        "text_mention",
        "custom_emoji",
        "date_time",
    }
)
_DETECTED_TYPES = frozenset(
    {"mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number"}
)
_NO_DETECTION_INSIDE = frozenset({"code", "pre", "text_link", "text_mention", "custom_emoji"})


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text) + len(_ASTRAL.findall(text))


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


class _HtmlError(Exception):
    pass


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """The character an ``&…;`` reference at ``text[i]`` stands for, and where it ends."""
    n = len(text)
    j = i + 1
    if j < n and text[j] == "#":
        j += 1
        hexadecimal = j < n and text[j] in "xX"
        if hexadecimal:
            j += 1
        start = j
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        while j < n and text[j] in digits:
            j += 1
        if j == start or j - start > 8:
            return None
        code = int(text[start:j], 16 if hexadecimal else 10)
        if code == 0 or code > 0x10FFFF:
            return None
        if j < n and text[j] == ";":
            j += 1
        return chr(code), j
    start = j
    while j < n and text[j].isascii() and text[j].isalpha():
        j += 1
    value = _NAMED_ENTITIES.get(text[start:j])
    if value is None:
        return None
    if j < n and text[j] == ";":
        j += 1
    return value, j


def _decode_entities(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                out.append(decoded[0])
                i = decoded[1]
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Text and entities of an HTML-formatted message, or ``ApiError`` "can't parse entities"."""
    try:
        return _parse_html(source)
    except _HtmlError as error:
        raise bad_request(f"can't parse entities: {error}") from None


def _skip_spaces(text: str, i: int) -> int:
    while i < len(text) and text[i] in _SPACES:
        i += 1
    return i


def _parse_start_tag(text: str, begin: int) -> tuple[str, str, int]:
    """Tag name, its meaningful attribute value and the index after ``>``."""
    n = len(text)
    i = begin + 1
    while i < n and text[i] not in _SPACES and text[i] != ">":
        i += 1
    if i >= n:
        raise _HtmlError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    tag = text[begin + 1 : i].lower()
    offset = _byte_offset(text, begin)
    if tag not in _HTML_TAGS:
        raise _HtmlError(f'Unsupported start tag "{tag}" at byte offset {offset}')
    argument = ""
    while True:
        i = _skip_spaces(text, i)
        if i >= n:
            raise _HtmlError(f'Unclosed start tag "{tag}" at byte offset {offset}')
        if text[i] == ">":
            break
        name, value, i = _parse_attribute(text, i, tag, offset)
        argument = _attribute_argument(tag, name, value, argument)
    if tag == "span" and argument != "tg-spoiler":
        raise _HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    return tag, argument, i + 1


def _parse_attribute(text: str, i: int, tag: str, offset: int) -> tuple[str, str, int]:
    """One ``name=value`` of a start tag beginning at ``text[i]``, and the index after it."""
    n = len(text)
    name_begin = i
    while i < n and text[i] not in _SPACES and text[i] not in "=>":
        i += 1
    name = text[name_begin:i].lower()
    if not name:
        raise _HtmlError(f'Empty attribute name in the tag "{tag}" at byte offset {offset}')
    i = _skip_spaces(text, i)
    if tag == "blockquote" and name == "expandable" and (i >= n or text[i] != "="):
        return name, "expandable", i
    if i >= n:
        raise _HtmlError(f'Unclosed start tag "{tag}" at byte offset {offset}')
    if text[i] != "=":
        raise _HtmlError(
            "Expected equal sign in declaration of an attribute of the tag "
            f'"{tag}" at byte offset {offset}'
        )
    i = _skip_spaces(text, i + 1)
    if i >= n:
        raise _HtmlError(f'Unclosed start tag "{tag}" at byte offset {offset}')
    if text[i] in "'\"":
        end = text.find(text[i], i + 1)
        if end < 0:
            raise _HtmlError(f"Unclosed start tag at byte offset {offset}")
        return name, _decode_entities(text[i + 1 : end]), end + 1
    value_begin = i
    while i < n and _ATTRIBUTE_VALUE.match(text[i]):
        i += 1
    if i >= n:
        raise _HtmlError(f"Unclosed start tag at byte offset {offset}")
    if text[i] not in _SPACES and text[i] != ">":
        raise _HtmlError(
            f"Unexpected end of name token at byte offset {_byte_offset(text, value_begin)}"
        )
    return name, text[value_begin:i], i


def _attribute_argument(tag: str, name: str, value: str, current: str) -> str:
    if tag == "blockquote" and name == "expandable":
        return "expandable"
    if (
        (tag == "a" and name == "href")
        or (tag == "span" and name == "class")
        or (tag == "tg-emoji" and name == "emoji-id")
    ):
        return value
    if tag == "code" and name == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    return current


def _parse_end_tag(
    text: str, begin: int, stack: list[tuple[str, str, int, int, int]]
) -> tuple[str, str, int, int, int]:
    """The element an end tag at ``text[begin]`` closes (popped), and the index after ``>``."""
    if not stack:
        raise _HtmlError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
    i = begin + 2
    while i < len(text) and text[i] not in _SPACES and text[i] != ">":
        i += 1
    end_tag = text[begin + 2 : i].lower()
    i = _skip_spaces(text, i)
    if i >= len(text) or text[i] != ">":
        raise _HtmlError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
    tag, argument, start, out_start, _ = stack.pop()
    if end_tag and end_tag != tag:
        raise _HtmlError(
            f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
            f'expected "</{tag}>", found "</{end_tag}>"'
        )
    return tag, argument, start, out_start, i + 1


def _parse_html(text: str) -> tuple[str, list[Entity]]:
    n = len(text)
    out: list[str] = []  # pieces of the result
    units = 0
    # (tag, argument, utf16 start, index in out, begin index in text)
    stack: list[tuple[str, str, int, int, int]] = []
    raw: list[tuple[str, int, int, str, str]] = []  # (tag, offset, length, argument, content)
    i = 0
    while i < n:
        special = _HTML_SPECIAL.search(text, i)
        stop = n if special is None else special.start()
        if stop > i:  # plain text up to the next '<' or '&', taken in one piece
            piece = text[i:stop]
            out.append(piece)
            units += utf16_len(piece)
            i = stop
            continue
        if text[i] == "&":
            decoded = _decode_entity(text, i)
            piece, i = decoded if decoded is not None else ("&", i + 1)
            out.append(piece)
            units += utf16_len(piece)
            continue
        begin = i
        if i + 1 < n and text[i + 1] == "/":
            tag, argument, start, out_start, i = _parse_end_tag(text, begin, stack)
            if units > start:
                raw.append((tag, start, units - start, argument, "".join(out[out_start:])))
            continue
        tag, argument, i = _parse_start_tag(text, begin)
        stack.append((tag, argument, units, len(out), begin))
    if stack:
        raise _HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    result = "".join(out)
    if _SURROGATES.search(result):
        raise _HtmlError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    return result, _html_entities(raw)


def _html_entities(raw: list[tuple[str, int, int, str, str]]) -> list[Entity]:
    entities: list[Entity] = []
    code_languages: dict[tuple[int, int], str] = {
        (offset, length): argument
        for tag, offset, length, argument, _ in raw
        if tag == "code" and argument
    }
    pre_ranges = {(offset, length) for tag, offset, length, _, _ in raw if tag == "pre"}
    for tag, offset, length, argument, content in raw:
        entity: Entity = {"offset": offset, "length": length}
        if tag in _SIMPLE_TAGS:
            entity["type"] = _SIMPLE_TAGS[tag]
        elif tag == "pre":
            entity["type"] = "pre"
            language = code_languages.get((offset, length))
            if language:
                entity["language"] = language
        elif tag == "code":
            if argument and (offset, length) in pre_ranges:
                continue  # merged into the <pre> as its language
            entity["type"] = "code"
        elif tag == "blockquote":
            entity["type"] = "expandable_blockquote" if argument else "blockquote"
        elif tag == "tg-emoji":
            if not argument.isdigit():
                raise _HtmlError("Invalid custom emoji identifier specified")
            entity["type"] = "custom_emoji"
            entity["custom_emoji_id"] = argument
        else:  # <a>
            link = _link_entity(argument, content)
            if link is None:
                continue
            entity.update(link)
        entities.append(entity)
    return sort_entities(entities)


_USER_LINK = re.compile(r"^tg://user\?id=(\d{1,15})$", re.IGNORECASE)


def _link_entity(href: str, content: str) -> Entity | None:
    mention = _USER_LINK.match(href.strip())
    if mention:
        return {"type": "text_mention", "user": {"id": int(mention.group(1))}}
    url = normalize_url(href) if href.strip() else normalize_url(content)
    if url is None:
        return None
    return {"type": "text_link", "url": url}


_HOST = re.compile(
    r"^(?:localhost|\d{1,3}(?:\.\d{1,3}){3}|(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z][A-Za-z0-9-]{1,62})(?::\d{1,5})?$"
)
_SCHEMES = frozenset({"http", "https", "tg", "ton", "ftp"})


def normalize_url(url: str) -> str | None:
    """``url`` as Telegram stores a link (``http://`` added, empty path made ``/``), or None."""
    url = url.strip()
    if not url or any(char in _SPACES for char in url):
        return None
    scheme_match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", url)
    if scheme_match is None:
        url = f"http://{url}"
    elif scheme_match.group(1).lower() not in _SCHEMES:
        return None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("tg", "ton"):
        return url
    if not _HOST.match(parts.netloc.rsplit("@", 1)[-1]):
        return None
    rest = url[len(parts.scheme) + 3 + len(parts.netloc) :]
    if not rest.startswith("/"):
        rest = f"/{rest}"
    return f"{scheme}://{parts.netloc}{rest}"


# Among entities over the same range, the outer ones come first, as Telegram orders them.
_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}


def sort_entities(entities: list[Entity]) -> list[Entity]:
    return sorted(
        entities,
        key=lambda entity: (
            entity["offset"],
            -entity["length"],
            _PRIORITY.get(entity["type"], 50),
        ),
    )


def parse_entities_json(value: Any, text: str) -> list[Entity]:
    """Entities a bot passed explicitly (``entities`` / ``caption_entities``), checked."""
    if not isinstance(value, list):
        raise bad_request("can't parse entities JSON object")
    total = utf16_len(text)
    entities: list[Entity] = []
    for item in value:
        entity = _entity_from_json(item)
        if entity is None:
            continue
        start = max(0, entity["offset"])
        end = min(total, entity["offset"] + entity["length"])
        if end > start:
            entity["offset"], entity["length"] = start, end - start
            entities.append(entity)
    return sort_entities(entities)


def _entity_from_json(item: Any) -> Entity | None:
    def fail(message: str) -> ApiError:
        return bad_request(f"can't parse MessageEntity: {message}")

    if not isinstance(item, dict):
        raise fail("expected an Object")
    for field in ("offset", "length"):
        if field not in item:
            raise fail(f'Can\'t find field "{field}"')
        if not isinstance(item[field], int) or isinstance(item[field], bool):
            raise fail(f'Field "{field}" must be of type Number')
    kind = item.get("type")
    if not isinstance(kind, str) or not kind:
        raise fail("Type is not specified")
    if kind in _DETECTED_TYPES:
        return None
    if kind not in _SETTABLE_TYPES:
        raise fail("Unsupported type specified")
    entity: Entity = {"type": kind, "offset": item["offset"], "length": item["length"]}
    entity.update(_entity_details(kind, item, fail))
    return entity


def _entity_details(kind: str, item: dict[str, Any], fail: Any) -> Entity:
    """The type-specific fields of an explicit entity (link URL, mentioned user, …)."""
    if kind == "text_link":
        url = item.get("url")
        normalized = normalize_url(url) if isinstance(url, str) else None
        if normalized is None:
            raise fail('Field "url" must be a valid URL')
        return {"url": normalized}
    if kind == "text_mention":
        user = item.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("id"), int):
            raise fail('Can\'t find field "user"')
        return {"user": {"id": user["id"]}}
    if kind == "pre" and isinstance(item.get("language"), str) and item["language"]:
        return {"language": item["language"]}
    if kind == "custom_emoji":
        emoji_id = item.get("custom_emoji_id")
        if not isinstance(emoji_id, str) or not emoji_id.isdigit():
            raise fail("Invalid custom emoji identifier specified")
        return {"custom_emoji_id": emoji_id}
    return {}


def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Leading and trailing white space removed, as Telegram does, entities moved along."""
    stripped = text.strip(_SPACES)
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip(_SPACES))])
    total = utf16_len(stripped)
    kept: list[Entity] = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        end = min(total, entity["offset"] + entity["length"] - lead)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


_DETECTORS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")),
    (
        "url",
        re.compile(
            r"(?<![\w@/.-])(?:(?:https?|tg)://[^\s<>\"]+|(?:www\.)?(?:[A-Za-z0-9-]+\.)+"
            r"(?:com|org|net|id|io|me|info|co|edu|gov|app|dev|biz|xyz|tv|us|uk|sg|my|ly)"
            r"(?::\d{1,5})?(?:/[^\s<>\"]*)?)(?![\w@])",
            re.IGNORECASE,
        ),
    ),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#])#(?!\d+\b)\w{1,256}")),
    ("cashtag", re.compile(r"(?<![\w$])\$[A-Z]{3,8}(?![\w$])")),
    (
        "bot_command",
        re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z][A-Za-z0-9_]{2,31})?(?![\w/@])"),
    ),
)
_TRAILING_PUNCTUATION = ".,;:!?)'\""
_DETECTION_HINT = re.compile(r"[@#$/.:]")


def detect_entities(text: str, entities: list[Entity]) -> list[Entity]:
    """``entities`` plus what Telegram finds by itself (URLs, mentions, commands, …)."""
    if not text or not _DETECTION_HINT.search(text):
        return entities
    offsets = _utf16_offsets(text)
    blocked = [
        (entity["offset"], entity["offset"] + entity["length"])
        for entity in entities
        if entity["type"] in _NO_DETECTION_INSIDE
    ]
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _DETECTORS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if kind == "url":
                while end > start and text[end - 1] in _TRAILING_PUNCTUATION:
                    end -= 1
            unit_start, unit_end = offsets[start], offsets[end]
            if any(s < unit_end and unit_start < e for s, e in blocked + taken):
                continue
            taken.append((unit_start, unit_end))
            found.append({"type": kind, "offset": unit_start, "length": unit_end - unit_start})
    return sort_entities(entities + found) if found else entities


def _utf16_offsets(text: str) -> range | list[int]:
    """UTF-16 offset of every code point index of ``text`` (and of its end)."""
    if not _ASTRAL.search(text):
        return range(len(text) + 1)  # no surrogate pairs: offsets are the indices
    offsets = [0] * (len(text) + 1)
    units = 0
    for index, char in enumerate(text):
        offsets[index] = units
        units += 2 if ord(char) > 0xFFFF else 1
    offsets[len(text)] = units
    return offsets


def format_text(
    text: str | None, parse_mode: str | None, entities: Any | None
) -> tuple[str, list[Entity]]:
    """The text a chat would show and its entities, as Telegram derives them."""
    text = text or ""
    mode = (parse_mode or "").lower()
    if text and mode and mode != "none":
        if mode == "html":
            text, found = parse_html(text)
        elif mode == "markdownv2":
            from gedsi_bot.sandbox.telegram.markdown import parse_markdown_v2  # noqa: PLC0415

            text, found = parse_markdown_v2(text)
        elif mode == "markdown":
            from gedsi_bot.sandbox.telegram.markdown import parse_markdown  # noqa: PLC0415

            text, found = parse_markdown(text)
        else:
            raise bad_request("unsupported parse_mode")
    elif entities is not None:
        found = parse_entities_json(entities, text)
    else:
        found = []
    text, found = trim(text, found)
    return text, detect_entities(text, found)


def message_text(
    text: str | None, parse_mode: str | None, entities: Any | None
) -> tuple[str, list[Entity]]:
    """Text of a text message: 1–4096 characters after entity parsing."""
    result, found = format_text(text, parse_mode, entities)
    if not result:
        raise bad_request("message text is empty")
    if len(result) > MAX_TEXT:
        raise bad_request("message is too long")
    return result, found


def caption_text(
    caption: str | None, parse_mode: str | None, entities: Any | None
) -> tuple[str, list[Entity]]:
    """Caption of a photo or document: at most 1024 characters after entity parsing."""
    result, found = format_text(caption, parse_mode, entities)
    if len(result) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return result, found
