"""Telegram's text rules in the sandbox: HTML and Markdown parsing, entities, trimming."""

from __future__ import annotations

import pytest

from gedsi_bot.sandbox.telegram.client import to_html
from gedsi_bot.sandbox.telegram.errors import ApiError
from gedsi_bot.sandbox.telegram.formatting import (
    detect_entities,
    format_text,
    message_text,
    normalize_url,
    parse_html,
    utf16_len,
)
from gedsi_bot.sandbox.telegram.markdown import parse_markdown, parse_markdown_v2

STADIUM = "🏟 🏟&lt;"  # 9 bytes of text before the offset Telegram's own tests use (13)


@pytest.mark.parametrize(
    ("html", "error"),
    [
        (f"{STADIUM}<abacaba", "Unclosed start tag at byte offset 13"),
        (f"{STADIUM}<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
        (f"{STADIUM}<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
        (
            f"{STADIUM}<i    aba>",
            'Expected equal sign in declaration of an attribute of the tag "i" at byte offset 13',
        ),
        (f"{STADIUM}<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
        (f"{STADIUM}<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
        (f'{STADIUM}<i    aba  =  "&lt;&gt;&quot;>', "Unclosed start tag at byte offset 13"),
        (f"{STADIUM}</", "Unexpected end tag at byte offset 13"),
        (f"{STADIUM}<b></b></", "Unexpected end tag at byte offset 20"),
        (f"{STADIUM}<i>a</i   ", "Unclosed end tag at byte offset 17"),
        (
            f"{STADIUM}<i>a</em   >",
            'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"',
        ),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<tg-emoji emoji-id="x">y</tg-emoji>', "Invalid custom emoji identifier specified"),
        (
            "&#xDFDF;",
            (
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            ),
        ),
    ],
)
def test_malformed_html_is_refused_with_telegrams_words(html: str, error: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse_html(html)

    assert refused.value.description == f"Bad Request: can't parse entities: {error}"


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("&lt;&gt;&amp;&quot;&laquo;&#12345678;", '<>&"&laquo;&#12345678;', []),
        ("➡️ ➡️<b>➡️ ➡️</b>", "➡️ ➡️➡️ ➡️", [{"type": "bold", "offset": 5, "length": 5}]),
        ("🏟 🏟<i>🏟 &lt🏟</i>", "🏟 🏟🏟 <🏟", [{"type": "italic", "offset": 5, "length": 6}]),
        (
            "<a href=telegram.org>x</a>",
            "x",
            [{"type": "text_link", "offset": 0, "length": 1, "url": "http://telegram.org/"}],
        ),
        (
            "<a>telegram.org</a>",
            "telegram.org",
            [{"type": "text_link", "offset": 0, "length": 12, "url": "http://telegram.org/"}],
        ),
        ("<a> </a>x", " x", []),
        (
            '<pre><code class="language-python">x</code></pre>',
            "x",
            [{"type": "pre", "offset": 0, "length": 1, "language": "python"}],
        ),
        (
            "<pre><code>x</code></pre>",
            "x",
            [
                {"type": "pre", "offset": 0, "length": 1},
                {"type": "code", "offset": 0, "length": 1},
            ],
        ),
        (
            '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
            "st",
            [
                {"type": "spoiler", "offset": 0, "length": 1},
                {"type": "spoiler", "offset": 1, "length": 1},
            ],
        ),
        (
            "<blockquote expandable>q</blockquote>",
            "q",
            [{"type": "expandable_blockquote", "offset": 0, "length": 1}],
        ),
        ("<b></b>x", "x", []),
    ],
)
def test_html_becomes_text_and_entities(
    html: str, text: str, entities: list[dict[str, object]]
) -> None:
    assert parse_html(html) == (text, entities)


def test_offsets_count_utf16_units() -> None:
    assert utf16_len("🏟a") == 3


def test_white_space_around_the_text_is_trimmed_and_entities_follow() -> None:
    text, entities = format_text("\n  <b>Halo</b> Ana  \n", "HTML", None)

    assert (text, entities) == ("Halo Ana", [{"type": "bold", "offset": 0, "length": 4}])


def test_telegram_finds_links_mentions_and_commands_by_itself() -> None:
    text = "Ketik /daftar atau hubungi @caring_gedsi, info: probolinggokota.go.id."

    found = [
        (e["type"], text[e["offset"] : e["offset"] + e["length"]])
        for e in detect_entities(text, [])
    ]

    assert found == [
        ("bot_command", "/daftar"),
        ("mention", "@caring_gedsi"),
        ("url", "probolinggokota.go.id"),
    ]


def test_nothing_is_found_inside_code() -> None:
    text, entities = format_text("<code>/start @ana</code>", "HTML", None)

    assert entities == [{"type": "code", "offset": 0, "length": len(text)}]


def test_explicit_entities_are_used_without_parse_mode() -> None:
    _text, entities = format_text("Halo Ana", None, [{"type": "bold", "offset": 5, "length": 3}])

    assert entities == [{"type": "bold", "offset": 5, "length": 3}]


def test_explicit_entity_of_unknown_type_is_refused() -> None:
    with pytest.raises(ApiError, match="Unsupported type specified"):
        format_text("x", None, [{"type": "sparkle", "offset": 0, "length": 1}])


def test_only_markup_is_an_empty_text() -> None:
    with pytest.raises(ApiError, match="message text is empty"):
        message_text("<i>\n</i>", "html", None)


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("telegram.org", "http://telegram.org/"),
        ("https://telegram.dog?", "https://telegram.dog/?"),
        ("tg://user?id=1", "tg://user?id=1"),
        ("as", None),
        ("javascript:alert(1)", None),
    ],
)
def test_links_are_normalized_as_telegram_stores_them(url: str, normalized: str | None) -> None:
    assert normalize_url(url) == normalized


@pytest.mark.parametrize(
    ("markdown", "error"),
    [
        ("🏟 🏟_abacaba", "Can't find end of Italic entity at byte offset 9"),
        ("🏟 🏟`", "Can't find end of Code entity at byte offset 9"),
        ("[telegram\\.org](asd", "Can't find end of a URL at byte offset 16"),
        ("1 + 1", "Character '+' is reserved and must be escaped with the preceding '\\'"),
    ],
)
def test_malformed_markdown_v2_is_refused(markdown: str, error: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse_markdown_v2(markdown)

    assert refused.value.description == f"Bad Request: can't parse entities: {error}"


def test_markdown_v2_nests_entities() -> None:
    assert parse_markdown_v2("🏟 🏟_🏟 *🏟*_") == (
        "🏟 🏟🏟 🏟",
        [{"type": "italic", "offset": 5, "length": 5}, {"type": "bold", "offset": 8, "length": 2}],
    )


def test_markdown_v2_link() -> None:
    assert parse_markdown_v2("[Zoom](https://zoom.us/j/1) \\!") == (
        "Zoom !",
        [{"type": "text_link", "offset": 0, "length": 4, "url": "https://zoom.us/j/1"}],
    )


def test_legacy_markdown() -> None:
    assert parse_markdown("*Sesi* _4_ `kode`") == (
        "Sesi 4 kode",
        [
            {"type": "bold", "offset": 0, "length": 4},
            {"type": "italic", "offset": 5, "length": 1},
            {"type": "code", "offset": 7, "length": 4},
        ],
    )


def test_html_written_back_from_entities() -> None:
    text, entities = parse_html(
        '<b>Sesi <i>#4</i></b> — <a href="https://t.me/x">daftar</a> &lt;3'
    )

    assert to_html(text, entities) == (
        '<b>Sesi <i>#4</i></b> — <a href="https://t.me/x">daftar</a> &lt;3'
    )
