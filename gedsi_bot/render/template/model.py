"""Templates as the renderer uses them: boxes in output pixels, colours as RGB, fonts loaded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from gedsi_bot.domain.contrast import Rgb
from gedsi_bot.domain.layout import Box
from gedsi_bot.render.fonts import FontFace

Loc = tuple[str | int, ...]
Align = Literal["left", "center", "right"]
VAlign = Literal["top", "middle", "bottom"]


class FlyerFormat(StrEnum):
    """The flyer's formats: feed post, square, story (WhatsApp status) and A4 for print."""

    POST = "post"
    SQUARE = "square"
    STORY = "story"
    A4 = "a4"


CERTIFICATE = "certificate"
TELEGRAM_MAX_SIDES = 10_000  # width + height of a photo Telegram accepts
TELEGRAM_MAX_BYTES = 10 * 1024 * 1024  # size of a photo Telegram accepts


@dataclass(frozen=True, slots=True)
class TextStyle:
    face: FontFace
    sizes: tuple[int, int]
    color: Rgb
    line_spacing: float
    max_lines: int | None
    uppercase: bool
    align: Align = "left"
    valign: VAlign = "top"
    balance: bool = False


@dataclass(frozen=True, slots=True)
class TextElement:
    name: str
    box: Box
    style: TextStyle
    fill: Rgb | None
    radius: int
    padding: tuple[int, int]


@dataclass(frozen=True, slots=True)
class CardsElement:
    name: str
    box: Box
    direction: Literal["row", "column"]
    gap: int
    avatar: int
    avatar_fill: Rgb
    avatar_text: Rgb
    ring: Rgb | None
    ring_width: int
    text_gap: int
    valign: VAlign
    name_style: TextStyle
    details_style: TextStyle


@dataclass(frozen=True, slots=True)
class QrElement:
    name: str
    box: Box
    dark: Rgb
    light: Rgb
    pending: TextStyle


@dataclass(frozen=True, slots=True)
class ImagesElement:
    name: str
    box: Box
    align: Align
    gap: int


@dataclass(frozen=True, slots=True)
class Shape:
    box: Box
    fill: Rgb
    radius: int
    ellipse: bool


Element = TextElement | CardsElement | QrElement | ImagesElement


@dataclass(frozen=True, eq=False)
class Template:
    """One validated template; compared and hashed by identity (renderers cache per template)."""

    name: str
    source: Path
    width: int
    height: int
    dpi: int
    background: Rgb
    shapes: tuple[Shape, ...]
    elements: Mapping[str, Element]
    grid: tuple[int, int] = (0, 0)  # the design grid the file's boxes are written in

    def text(self, name: str) -> TextElement | None:
        element = self.elements.get(name)
        return element if isinstance(element, TextElement) else None

    def cards(self, name: str) -> CardsElement:
        element = self.elements[name]
        assert isinstance(element, CardsElement)
        return element

    def qr(self, name: str = "qr") -> QrElement:
        element = self.elements[name]
        assert isinstance(element, QrElement)
        return element

    def images(self, name: str) -> ImagesElement:
        element = self.elements[name]
        assert isinstance(element, ImagesElement)
        return element


FlyerTemplates = Mapping[FlyerFormat, Template]


@dataclass(frozen=True, slots=True)
class Colour:
    """A resolved colour and how the template named it, for messages."""

    rgb: Rgb
    label: str  # "primary (#5B2A86)" or "#5B2A86"


@dataclass(frozen=True, slots=True)
class ContrastCheck:
    """A text colour to check against what is behind ``box`` (or against ``background``)."""

    element: str
    loc: Loc
    colour: Colour
    box: Box
    background: Colour | None = None
