"""Laid-out items — text lines, shapes, pictures — and drawing them on a canvas.

Layout functions return these items with the exact boxes they cover, so tests can check that
nothing is clipped or overlapping without looking at pixels; ``draw`` then paints them.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw

from gedsi_bot.domain.contrast import Rgb
from gedsi_bot.domain.layout import Box, TextBlock, fit_or_shorten
from gedsi_bot.render.fonts import FEATURES, SizedFont, metrics_for
from gedsi_bot.render.images import (
    UnusableImage,
    circle_photo,
    fit_logo,
    initials_avatar,
    qr_image,
    ring,
)
from gedsi_bot.render.template import (
    CardsElement,
    ImagesElement,
    QrElement,
    TextElement,
    TextStyle,
)

log = logging.getLogger(__name__)

_SMOOTH = 4  # rounded shapes are drawn 4× larger and scaled down, for smooth edges


@dataclass(frozen=True, slots=True)
class TextLine:
    x: int  # where Pillow draws (left of the origin, past any overhang)
    baseline: int
    text: str
    ink: Box


@dataclass(frozen=True, slots=True)
class PlacedText:
    element: str
    box: Box  # the area the lines' ink may cover
    font: SizedFont
    color: Rgb
    lines: tuple[TextLine, ...]
    shortened: bool = False

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


@dataclass(frozen=True, slots=True)
class PlacedShape:
    element: str
    box: Box
    fill: Rgb
    radius: int = 0
    ellipse: bool = False


@dataclass(frozen=True, slots=True)
class PlacedImage:
    element: str
    box: Box
    image: Image.Image


Placed = PlacedText | PlacedShape | PlacedImage


@dataclass(frozen=True, slots=True)
class Layout:
    """Where everything on one flyer or certificate goes, in drawing order."""

    width: int
    height: int
    background: tuple[Placed, ...]  # on flyers, the part shared by every flyer of the series
    foreground: tuple[Placed, ...]

    @property
    def items(self) -> tuple[Placed, ...]:
        return self.background + self.foreground


# --- text ----------------------------------------------------------------------------------


@lru_cache(maxsize=2048)  # names, themes and labels recur across a series' flyers
def fit_block(
    text: str, area: Box, style: TextStyle, *, sizes: tuple[int, int] | None = None
) -> TextBlock:
    """``text`` at the largest size of ``style`` that fits ``area`` (shortened if none does)."""
    return fit_or_shorten(
        text,
        width=area.width,
        height=area.height,
        sizes=sizes or style.sizes,
        metrics_at=lambda size: metrics_for(style.face, size, text),
        line_spacing=style.line_spacing,
        max_lines=style.max_lines,
        balance=style.balance,
    )


def place_block(element: str, block: TextBlock, area: Box, style: TextStyle) -> PlacedText:
    """The lines of ``block`` positioned in ``area`` by the style's alignment."""
    sized = style.face.at(block.size)
    if style.valign == "middle":
        top = area.y + (area.height - block.height) // 2
    elif style.valign == "bottom":
        top = area.bottom - block.height
    else:
        top = area.y
    lines = []
    for index, text in enumerate(block.lines):
        width = sized.width(text)
        if style.align == "center":
            left = area.x + (area.width - width) // 2
        elif style.align == "right":
            left = area.right - width
        else:
            left = area.x
        baseline = top + block.ascent + index * block.line_gap
        ink = Box(left, baseline - block.ascent, width, block.ascent + block.descent)
        lines.append(TextLine(left + sized.left_bearing(text), baseline, text, ink))
    if lines:
        x0 = min(line.ink.x for line in lines)
        x1 = max(line.ink.right for line in lines)
        box = Box(x0, top, x1 - x0, block.height)
    else:
        box = Box(area.x, area.y, 0, 0)
    return PlacedText(element, box, sized, style.color, tuple(lines), block.shortened)


def place_text(element: str, text: str, area: Box, style: TextStyle) -> PlacedText:
    shown = style.face.printable(text.upper() if style.uppercase else text)
    return place_block(element, fit_block(shown, area, style), area, style)


def place_text_element(spec: TextElement, text: str) -> list[Placed]:
    """A text element: its text fitted inside the padding, on its pill of colour if it has one."""
    area = spec.box.inset(*spec.padding)
    placed = place_text(spec.name, text, area, spec.style)
    if spec.fill is None or not placed.lines:
        return [placed]
    pad_x, pad_y = spec.padding
    pill = Box(
        placed.box.x - pad_x,
        placed.box.y - pad_y,
        placed.box.width + 2 * pad_x,
        placed.box.height + 2 * pad_y,
    )
    return [PlacedShape(spec.name, pill, spec.fill, spec.radius), placed]


# --- people --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardPerson:
    """What a card shows; ``role`` names the person in logs without naming them."""

    name: str
    details: str
    initials: str
    photo: Path | None
    role: str


def _avatar(spec: CardsElement, person: CardPerson, diameter: int) -> Image.Image:
    inner = diameter - 2 * spec.ring_width
    picture: Image.Image | None = None
    if person.photo is not None:
        try:
            picture = circle_photo(person.photo, inner)
        except UnusableImage as problem:
            log.warning("%s photo unusable (%s); initials drawn instead", person.role, problem)
    if picture is None:
        picture = initials_avatar(
            spec.name_style.face.printable(person.initials),
            inner,
            fill=spec.avatar_fill,
            ink=spec.avatar_text,
            face=spec.name_style.face,
        )
    if spec.ring is None or spec.ring_width == 0:
        return picture
    framed = ring(inner, spec.ring_width, spec.ring).copy()
    framed.alpha_composite(picture, (spec.ring_width, spec.ring_width))
    return framed


def _card_boxes(spec: CardsElement, count: int) -> list[Box]:
    box, gap = spec.box, spec.gap
    if spec.direction == "column":
        height = (box.height - gap * (count - 1)) // count
        return [Box(box.x, box.y + i * (height + gap), box.width, height) for i in range(count)]
    width = (box.width - gap * (count - 1)) // count
    return [Box(box.x + i * (width + gap), box.y, width, box.height) for i in range(count)]


def _card_text_at(
    person: CardPerson, area: Box, spec: CardsElement, largest_name: int
) -> tuple[TextBlock, int, TextBlock]:
    """The name (no larger than ``largest_name``), the gap, and the details below it."""
    name_style, details_style = spec.name_style, spec.details_style
    smallest_details = details_style.face.at(details_style.sizes[0])
    spacing = round(name_style.sizes[0] * 0.3)
    reserve = smallest_details.ascent + smallest_details.descent + spacing
    name_area = Box(area.x, area.y, area.width, max(1, area.height - reserve))
    name_text = name_style.face.printable(
        person.name.upper() if name_style.uppercase else person.name
    )
    name = fit_block(name_text, name_area, name_style, sizes=(name_style.sizes[0], largest_name))
    spacing = round(name.size * 0.3)
    details_text = details_style.face.printable(
        person.details.upper() if details_style.uppercase else person.details
    )
    room = Box(area.x, area.y, area.width, max(1, area.height - name.height - spacing))
    return name, spacing, fit_block(details_text, room, details_style)


def _card_text(
    person: CardPerson, area: Box, spec: CardsElement
) -> tuple[TextBlock, int, TextBlock]:
    """Name and details at the largest name size that leaves room for both, whole.

    If no size keeps both whole, the name gets its best size and the details are cut.
    """
    low, high = spec.name_style.sizes
    best: tuple[TextBlock, int, TextBlock] | None = None
    while low <= high:
        middle = (low + high) // 2
        attempt = _card_text_at(person, area, spec, middle)
        if attempt[0].shortened or attempt[2].shortened:
            high = middle - 1
        else:
            best = attempt
            low = middle + 1
    return best or _card_text_at(person, area, spec, spec.name_style.sizes[1])


def place_cards(spec: CardsElement, people: Sequence[CardPerson]) -> list[Placed]:
    """Each person as an avatar with their name and details beside it, in the element's box."""
    if not people:
        return []
    placed: list[Placed] = []
    for card, person in zip(_card_boxes(spec, len(people)), people, strict=True):
        diameter = min(spec.avatar, card.height, card.width // 3) if spec.avatar else 0
        offset = diameter + spec.text_gap if diameter else 0
        area = Box(card.x + offset, card.y, card.width - offset, card.height)
        name, spacing, details = _card_text(person, area, spec)
        total = name.height + (spacing + details.height if details.lines else 0)
        if spec.valign == "middle":
            top = area.y + (area.height - total) // 2
        elif spec.valign == "bottom":
            top = area.bottom - total
        else:
            top = area.y
        name_at = Box(area.x, top, area.width, name.height)
        details_at = Box(area.x, top + name.height + spacing, area.width, details.height)
        if diameter:
            avatar = _avatar(spec, person, diameter)
            avatar_top = card.y + (card.height - diameter) // 2
            placed.append(
                PlacedImage(spec.name, Box(card.x, avatar_top, diameter, diameter), avatar)
            )
        placed.append(place_block(spec.name, name, name_at, spec.name_style))
        if details.lines:
            placed.append(place_block(spec.name, details, details_at, spec.details_style))
    return placed


# --- pictures ------------------------------------------------------------------------------


def place_logos(spec: ImagesElement, paths: Sequence[Path]) -> list[Placed]:
    """The logos side by side at the box's height (smaller if they would not fit its width)."""
    logos: list[Image.Image] = []
    for index, path in enumerate(paths, start=1):
        try:
            logos.append(fit_logo(path, spec.box.height))
        except UnusableImage as problem:
            log.warning("logo %d unusable (%s); left out", index, problem)
    if not logos:
        return []
    box = spec.box
    natural = sum(logo.width for logo in logos) + spec.gap * (len(logos) - 1)
    if natural > box.width:
        factor = (box.width - spec.gap * (len(logos) - 1)) / sum(logo.width for logo in logos)
        logos = [
            logo.resize(
                (max(1, int(logo.width * factor)), max(1, int(logo.height * factor))),
                Image.Resampling.LANCZOS,
            )
            for logo in logos
        ]
    total = sum(logo.width for logo in logos) + spec.gap * (len(logos) - 1)
    if spec.align == "center":
        x = box.x + (box.width - total) // 2
    elif spec.align == "right":
        x = box.right - total
    else:
        x = box.x
    placed: list[Placed] = []
    for logo in logos:
        y = box.y + (box.height - logo.height) // 2
        placed.append(PlacedImage(spec.name, Box(x, y, logo.width, logo.height), logo))
        x += logo.width + spec.gap
    return placed


def place_qr(spec: QrElement, link: str | None, pending_text: str) -> list[Placed]:
    """The QR code of ``link`` centred in the box; without a link, a panel saying it follows."""
    box = spec.box
    if link is None:
        panel = PlacedShape(spec.name, box, spec.light, radius=max(4, box.width // 16))
        text = place_text(spec.name, pending_text, box.inset(box.width // 10), spec.pending)
        return [panel, text]
    side = min(box.width, box.height)
    picture = qr_image(link, side, dark=spec.dark, light=spec.light)
    x = box.x + (box.width - picture.width) // 2
    y = box.y + (box.height - picture.height) // 2
    return [PlacedImage(spec.name, Box(x, y, picture.width, picture.height), picture)]


# --- painting ------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _shape_mask(width: int, height: int, radius: int, ellipse: bool) -> Image.Image:
    big = Image.new("L", (width * _SMOOTH, height * _SMOOTH), 0)
    pen = ImageDraw.Draw(big)
    corners = (0, 0, big.width - 1, big.height - 1)
    if ellipse:
        pen.ellipse(corners, fill=255)
    else:
        pen.rounded_rectangle(corners, radius=radius * _SMOOTH, fill=255)
    return big.resize((width, height), Image.Resampling.BOX)


def draw_shape(canvas: Image.Image, shape: PlacedShape) -> None:
    box = shape.box
    if box.width <= 0 or box.height <= 0:
        return
    if shape.radius == 0 and not shape.ellipse:
        canvas.paste(shape.fill, (box.x, box.y, box.right, box.bottom))
        return
    mask = _shape_mask(box.width, box.height, shape.radius, shape.ellipse)
    canvas.paste(shape.fill, (box.x, box.y), mask)


class _MaskCache:
    """The most recently used line masks, up to a number of bytes (print sizes are large)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self._lock = threading.Lock()
        self._masks: OrderedDict[tuple[SizedFont, str], tuple[Image.Image, int, int]] = (
            OrderedDict()
        )

    def get(self, font: SizedFont, text: str) -> tuple[Image.Image, int, int]:
        key = (font, text)
        with self._lock:  # the bot may draw flyers in worker threads
            found = self._masks.get(key)
            if found is not None:
                self._masks.move_to_end(key)
                return found
        made = _rasterise(font, text)
        size = made[0].width * made[0].height
        if size > self.budget // 8:
            return made
        with self._lock:
            if key not in self._masks:
                self._masks[key] = made
                self.used += size
            while self.used > self.budget:
                _, (old, _, _) = self._masks.popitem(last=False)
                self.used -= old.width * old.height
        return made


_MASKS = _MaskCache(48 * 1024 * 1024)


def line_mask(font: SizedFont, text: str) -> tuple[Image.Image, int, int]:
    """The coverage of ``text`` drawn by ``font`` and its offset from the baseline origin.

    Names, labels and themes recur across a series' flyers and formats; rasterising each line
    once and pasting it through its mask is much faster than shaping it again.
    """
    return _MASKS.get(font, text)


def _rasterise(font: SizedFont, text: str) -> tuple[Image.Image, int, int]:
    """The line's coverage mask cut to its ink, and the mask's offset from the origin.

    The line is drawn once, in room its measured metrics say is ample (plus a margin), and
    cut to what was inked; only if the ink reaches the margin is it measured and drawn again.
    """
    margin = font.size // 4 + 2
    drawn = _draw_line(
        font,
        text,
        (
            -(font.left_bearing(text) + margin),
            -(font.ascent + margin),
            font.width(text) + margin,
            font.descent + margin,
        ),
    )
    mask, left, top = drawn
    ink = mask.getbbox()
    if ink is None:
        return drawn
    x0, y0, x1, y1 = ink
    if x0 == 0 or y0 == 0 or x1 == mask.width or y1 == mask.height:
        return _rasterise_measured(font, text)
    return mask.crop(ink), left + x0, top + y0


def _rasterise_measured(font: SizedFont, text: str) -> tuple[Image.Image, int, int]:
    factor = font.oversample
    x0, y0, x1, y1 = font.font.getbbox(text, anchor="ls", features=FEATURES)
    return _draw_line(
        font,
        text,
        (int(x0) // factor, int(y0) // factor, -(-int(x1) // factor), -(-int(y1) // factor)),
    )


def _draw_line(
    font: SizedFont, text: str, box: tuple[int, int, int, int]
) -> tuple[Image.Image, int, int]:
    """``text`` drawn into ``box`` (pixels from its baseline origin at the font's size).

    Oversampled sizes are drawn larger on a grid aligned to the factor, then reduced, so the
    pixels do not depend on the box.
    """
    factor = font.oversample
    left, top, right, bottom = (value * factor for value in box)
    mask = Image.new("L", (max(factor, right - left), max(factor, bottom - top)), 0)
    ImageDraw.Draw(mask).text(
        (-left, -top), text, font=font.font, fill=255, anchor="ls", features=FEATURES
    )
    if factor > 1:
        mask = mask.reduce(factor)
    return mask, box[0], box[1]


def draw(canvas: Image.Image, items: Iterable[Placed]) -> None:
    """Paint ``items`` on ``canvas`` (RGB) in order."""
    for item in items:
        if isinstance(item, PlacedShape):
            draw_shape(canvas, item)
        elif isinstance(item, PlacedImage):
            picture = item.image
            if picture.mode == "RGBA":
                canvas.paste(picture, (item.box.x, item.box.y), picture)
            else:
                canvas.paste(picture, (item.box.x, item.box.y))
        else:
            for line in item.lines:
                mask, dx, dy = line_mask(item.font, line.text)
                canvas.paste(item.color, (line.x + dx, line.baseline + dy), mask)
