"""Session flyers: lay out a ``FlyerContent`` in a template and encode it as PNG.

What is the same on every flyer of a series — background, shapes, logos, series name,
organiser, contact, certificate note, labels — is drawn once per template and kept; each
flyer copies that layer and draws only its own text, people and QR code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image

from gedsi_bot.errors import RenderError
from gedsi_bot.locale import Language, t
from gedsi_bot.render.content import (
    FlyerContent,
    PersonCard,
    certificate_note,
    contact_line,
    flyer_texts,
)
from gedsi_bot.render.draw import (
    CardPerson,
    Layout,
    Placed,
    PlacedShape,
    draw,
    place_cards,
    place_logos,
    place_qr,
    place_text_element,
)
from gedsi_bot.render.png import PreparedBackground, encode_png
from gedsi_bot.render.template import FlyerFormat, FlyerTemplates, Template
from gedsi_bot.render.template.model import TELEGRAM_MAX_BYTES, TELEGRAM_MAX_SIDES


@dataclass(frozen=True, slots=True)
class _SeriesPart:
    """The content every flyer of the series shares (the cache key of the background)."""

    language: Language
    series_name: str
    tagline: str
    organiser: str
    certificate: str
    contact: str
    label_theme: str
    logos: tuple[tuple[Path, float | None], ...]


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def _series_part(content: FlyerContent) -> _SeriesPart:
    language = content.language
    return _SeriesPart(
        language=language,
        series_name=content.series_name,
        tagline=content.tagline,
        organiser=content.organiser,
        certificate=certificate_note(content.certificate_jp, content.certificate_policy, language),
        contact=t("render.contact", language, contact=contact_line(content.contact)),
        label_theme=t("render.label.theme", language),
        logos=tuple((path, _mtime(path)) for path in content.logos),
    )


def _text(template: Template, name: str, text: str) -> list[Placed]:
    element = template.text(name)
    if element is None or not text:
        return []
    return place_text_element(element, text)


def _background_items(template: Template, part: _SeriesPart) -> tuple[Placed, ...]:
    items: list[Placed] = [
        PlacedShape("shape", shape.box, shape.fill, shape.radius, shape.ellipse)
        for shape in template.shapes
    ]
    items += place_logos(template.images("logos"), [path for path, _ in part.logos])
    items += _text(template, "organiser", part.organiser)
    items += _text(template, "series", part.series_name)
    items += _text(template, "tagline", part.tagline)
    items += _text(template, "theme_label", part.label_theme)
    items += _text(template, "certificate", part.certificate)
    items += _text(template, "contact", part.contact)
    return tuple(items)


def _card(person: PersonCard, role: str) -> CardPerson:
    return CardPerson(person.name, person.details, person.initials, person.photo, role)


def _foreground_items(template: Template, content: FlyerContent) -> tuple[Placed, ...]:
    texts = flyer_texts(content)
    items: list[Placed] = []
    items += _text(template, "episode", texts.episode)
    items += _text(template, "theme", content.theme)
    if content.speakers:
        items += _text(template, "speakers_label", texts.label_speakers)
    speakers = [
        _card(person, f"speaker {index}") for index, person in enumerate(content.speakers, start=1)
    ]
    items += place_cards(template.cards("speakers"), speakers)
    if content.moderator is not None:
        items += _text(template, "moderator_label", texts.label_moderator)
        items += place_cards(template.cards("moderator"), [_card(content.moderator, "moderator")])
    items += _text(template, "when", texts.when)
    items += _text(template, "meeting", texts.meeting)
    pending = t("render.register.qr_pending", content.language)
    items += place_qr(template.qr(), content.registration_link, pending)
    items += _text(template, "registration", texts.register)
    items += _text(template, "registration_link", content.registration_link or "")
    return tuple(items)


# The elements each flyer draws itself; everything else comes from the cached background.
FOREGROUND = (
    "episode",
    "theme",
    "speakers_label",
    "speakers",
    "moderator_label",
    "moderator",
    "when",
    "meeting",
    "qr",
    "registration",
    "registration_link",
)


@dataclass(frozen=True, slots=True)
class _Background:
    items: tuple[Placed, ...]
    canvas: Image.Image
    png: PreparedBackground


@lru_cache(maxsize=8)  # a process serves one series: four formats, perhaps two languages
def _background(template: Template, part: _SeriesPart) -> _Background:
    items = _background_items(template, part)
    canvas = Image.new("RGB", (template.width, template.height), template.background)
    draw(canvas, items)
    # Everything a flyer draws stays inside its element's box (the layout guarantees it), so
    # rows outside those boxes are the background's on every flyer.
    changing = [
        (element.box.y, element.box.bottom)
        for name, element in template.elements.items()
        if name in FOREGROUND
    ]
    return _Background(items, canvas, PreparedBackground(canvas, changing, dpi=template.dpi))


def layout_flyer(content: FlyerContent, template: Template) -> Layout:
    """Where everything on the flyer goes (no pixels are drawn for this session)."""
    background = _background(template, _series_part(content))
    return Layout(
        template.width, template.height, background.items, _foreground_items(template, content)
    )


def render_flyer(
    content: FlyerContent,
    fmt: FlyerFormat | str = FlyerFormat.POST,
    *,
    templates: FlyerTemplates,
) -> bytes:
    """The flyer of ``content`` in ``fmt`` as PNG bytes (the same bytes for the same input)."""
    template = templates[FlyerFormat(fmt)]
    background = _background(template, _series_part(content))
    image = background.canvas.copy()
    draw(image, _foreground_items(template, content))
    data = background.png.encode(image)
    if len(data) > TELEGRAM_MAX_BYTES:  # large photos on a print-size flyer
        data = encode_png(image, dpi=template.dpi, level=9)
    if len(data) > TELEGRAM_MAX_BYTES:
        raise RenderError(f"{fmt} flyer is {len(data)} bytes, above Telegram's limit")
    return data


__all__ = ["TELEGRAM_MAX_BYTES", "TELEGRAM_MAX_SIDES", "layout_flyer", "render_flyer"]
