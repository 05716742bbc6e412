"""The template files' shape (pydantic) and turning a parsed file into a ``Template``.

Every colour, font and reference is resolved here; problems are collected, not raised, so the
office sees all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from gedsi_bot.catalog import YamlPlaces
from gedsi_bot.domain.contrast import parse_hex
from gedsi_bot.domain.layout import Box
from gedsi_bot.domain.series import Catalog
from gedsi_bot.errors import CatalogIssue
from gedsi_bot.locale import Language, t
from gedsi_bot.render.fonts import FontFace, face
from gedsi_bot.render.template.model import (
    Align,
    CardsElement,
    Colour,
    ContrastCheck,
    Element,
    ImagesElement,
    Loc,
    QrElement,
    Shape,
    Template,
    TextElement,
    TextStyle,
    VAlign,
)


def _box_form(value: object) -> object:
    if (
        isinstance(value, list | tuple)
        and len(value) == 4
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and value[2] > 0
        and value[3] > 0
    ):
        return tuple(value)
    raise ValueError("box_form")


def _size_form(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return (value, value)
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    ):
        if value[0] > value[1]:
            raise ValueError("size_order")
        return tuple(value)
    raise ValueError("sizes_form")


def _colour_form(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        try:
            parse_hex(text)
        except ValueError:
            if text.replace("_", "").replace("-", "").isalnum() and not text.startswith("#"):
                return text
        else:
            return text
    raise ValueError("colour_form")


def _pair_form(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return (value, value)
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
    ):
        return tuple(value)
    raise ValueError("box_form")


BoxSpec = Annotated[tuple[int, int, int, int], BeforeValidator(_box_form)]
SizeSpec = Annotated[tuple[int, int], BeforeValidator(_size_form)]
ColourSpec = Annotated[str, BeforeValidator(_colour_form)]
PairSpec = Annotated[tuple[int, int], BeforeValidator(_pair_form)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class StyleSpec(_Spec):
    font: str
    size: SizeSpec
    color: ColourSpec
    line_spacing: float = Field(1.2, ge=0.9, le=3.0)
    max_lines: int | None = Field(None, ge=1, le=20)
    uppercase: bool = False


class TextSpec(StyleSpec):
    box: BoxSpec
    align: Align = "left"
    valign: VAlign = "top"
    balance: bool = False
    fill: ColourSpec | None = None
    radius: int = Field(0, ge=0, le=2000)
    padding: PairSpec = (0, 0)


class CardsSpec(_Spec):
    box: BoxSpec
    direction: Literal["row", "column"] = "column"
    gap: int = Field(24, ge=0, le=2000)
    avatar: int = Field(ge=0, le=2000)
    avatar_fill: ColourSpec
    avatar_text: ColourSpec
    ring: ColourSpec | None = None
    ring_width: int = Field(0, ge=0, le=200)
    text_gap: int = Field(24, ge=0, le=2000)
    valign: VAlign = "middle"
    name: StyleSpec
    details: StyleSpec


class QrSpec(_Spec):
    box: BoxSpec
    dark: ColourSpec
    light: ColourSpec = "#FFFFFF"
    pending: StyleSpec


class ImagesSpec(_Spec):
    box: BoxSpec
    align: Align = "left"
    gap: int = Field(24, ge=0, le=2000)


class ShapeSpec(_Spec):
    box: BoxSpec
    fill: ColourSpec
    radius: int = Field(0, ge=0, le=5000)
    ellipse: bool = False


class FlyerElements(_Spec):
    organiser: TextSpec | None = None
    series: TextSpec
    tagline: TextSpec | None = None
    episode: TextSpec
    theme_label: TextSpec | None = None
    theme: TextSpec
    speakers_label: TextSpec | None = None
    speakers: CardsSpec
    moderator_label: TextSpec | None = None
    moderator: CardsSpec
    when: TextSpec
    meeting: TextSpec
    qr: QrSpec
    registration: TextSpec
    registration_link: TextSpec
    certificate: TextSpec
    contact: TextSpec
    logos: ImagesSpec


class CertificateElements(_Spec):
    logos: ImagesSpec
    organiser: TextSpec | None = None
    title: TextSpec
    serial: TextSpec
    given_to: TextSpec | None = None
    participant: TextSpec
    role: TextSpec
    theme: TextSpec
    held: TextSpec
    signature: ImagesSpec
    signatory_title: TextSpec
    signatory_name: TextSpec
    qr: QrSpec
    verify: TextSpec
    verify_code: TextSpec
    specimen: TextSpec


class TemplateSpec(_Spec):
    size: PairSpec
    output: PairSpec | None = None
    dpi: int = Field(72, ge=72, le=600)
    background: ColourSpec
    fonts: dict[str, str] = Field(min_length=1)
    shapes: list[ShapeSpec] = Field(default_factory=list)

    @field_validator("size", "output")
    @classmethod
    def _positive(cls, value: tuple[int, int] | None) -> tuple[int, int] | None:
        if value is not None and (value[0] <= 0 or value[1] <= 0 or max(value) > 10_000):
            raise ValueError("canvas_form")
        return value


class FlyerTemplateSpec(TemplateSpec):
    elements: FlyerElements


class CertificateTemplateSpec(TemplateSpec):
    elements: CertificateElements


class _Builder:
    def __init__(
        self, spec: TemplateSpec, places: YamlPlaces, catalog: Catalog, language: Language
    ) -> None:
        self.spec = spec
        self.places = places
        self.branding = catalog.branding.colors
        self.language = language
        self.output = spec.output or spec.size
        self.scale = self.output[0] / spec.size[0]
        self.base = places.source.parent
        self.issues: list[CatalogIssue] = []
        self.faces: dict[str, FontFace] = {}
        self.colour_locs: dict[int, Loc] = {}

    def problem(self, loc: Loc, key: str, **values: object) -> None:
        message = t(f"render.template.{key}", self.language, **values)
        self.issues.append(self.places.issue(loc, message))

    def colour(self, value: str, loc: Loc) -> Colour:
        if value.startswith("#"):
            return Colour(parse_hex(value), value.upper())
        known = self.branding.get(value)
        if known is None:
            self.problem(loc, "unknown_colour", name=value)
            return Colour((0, 0, 0), value)
        return Colour(parse_hex(known), f"{value} ({known.upper()})")

    def load_fonts(self) -> None:
        for role, relative in self.spec.fonts.items():
            path = (self.base / relative).resolve()
            if not path.is_file():
                self.problem(("fonts", role), "font_missing", path=relative)
                continue
            try:
                self.faces[role] = face(path)
            except OSError:
                self.problem(("fonts", role), "font_unreadable", path=relative)

    def font(self, role: str, loc: Loc) -> FontFace | None:
        found = self.faces.get(role)
        if found is None and role not in self.spec.fonts:
            known = ", ".join(sorted(self.spec.fonts))
            self.issues.append(
                self.places.issue(loc, t("catalog.one_of", self.language, expected=known))
            )
        return found

    def px(self, value: int) -> int:
        return round(value * self.scale)

    def box(self, value: tuple[int, int, int, int]) -> Box:
        return Box(*value).scaled(self.scale)

    def style(
        self,
        spec: StyleSpec,
        loc: Loc,
        *,
        align: Align = "left",
        valign: VAlign = "top",
        balance: bool = False,
    ) -> tuple[TextStyle | None, Colour]:
        colour = self.colour(spec.color, (*loc, "color"))
        font = self.font(spec.font, (*loc, "font"))
        if font is None:
            return None, colour
        low, high = spec.size
        return (
            TextStyle(
                face=font,
                sizes=(max(1, self.px(low)), max(1, self.px(high))),
                color=colour.rgb,
                line_spacing=spec.line_spacing,
                max_lines=spec.max_lines,
                uppercase=spec.uppercase,
                align=align,
                valign=valign,
                balance=balance,
            ),
            colour,
        )


@dataclass(frozen=True)
class Built:
    """A template built from its file, the problems found so far, and what to check next."""

    template: Template
    issues: list[CatalogIssue]
    checks: list[ContrastCheck]
    locs: dict[str, Loc]
    layers: list[tuple[Box, Colour]] = field(default_factory=list)


def build(
    spec: TemplateSpec, places: YamlPlaces, catalog: Catalog, language: Language, name: str
) -> Built:
    """``spec`` as a ``Template``, with the problems found and what is left to check."""
    builder = _Builder(spec, places, catalog, language)
    builder.load_fonts()
    width, height = builder.output
    background = builder.colour(spec.background, ("background",))
    shapes = []
    shape_colours: list[tuple[Box, Colour]] = [(Box(0, 0, width, height), background)]
    for index, shape in enumerate(spec.shapes):
        fill = builder.colour(shape.fill, ("shapes", index, "fill"))
        box = builder.box(shape.box)
        shapes.append(Shape(box, fill.rgb, builder.px(shape.radius), shape.ellipse))
        shape_colours.append((box, fill))
    elements: dict[str, Element] = {}
    checks: list[ContrastCheck] = []
    locs: dict[str, Loc] = {}
    element_specs: BaseModel = spec.elements  # type: ignore[attr-defined]
    for element_name in type(element_specs).model_fields:
        element_spec = getattr(element_specs, element_name)
        if element_spec is None:
            continue
        loc: Loc = ("elements", element_name)
        locs[element_name] = loc
        built = _element(builder, element_name, element_spec, loc, checks)
        if built is not None:
            elements[element_name] = built
    template = Template(
        name=name,
        source=places.source,
        width=width,
        height=height,
        dpi=spec.dpi,
        background=background.rgb,
        shapes=tuple(shapes),
        elements=elements,
        grid=spec.size,
    )
    return Built(template, builder.issues, checks, locs, shape_colours)


def _element(
    builder: _Builder, name: str, spec: BaseModel, loc: Loc, checks: list[ContrastCheck]
) -> Element | None:
    if isinstance(spec, TextSpec):
        return _text_element(builder, name, spec, loc, checks)
    if isinstance(spec, CardsSpec):
        return _cards_element(builder, name, spec, loc, checks)
    if isinstance(spec, QrSpec):
        return _qr_element(builder, name, spec, loc, checks)
    assert isinstance(spec, ImagesSpec)
    return ImagesElement(
        name=name, box=builder.box(spec.box), align=spec.align, gap=builder.px(spec.gap)
    )


def _text_element(
    builder: _Builder, name: str, spec: TextSpec, loc: Loc, checks: list[ContrastCheck]
) -> TextElement | None:
    style, colour = builder.style(
        spec, loc, align=spec.align, valign=spec.valign, balance=spec.balance
    )
    fill = builder.colour(spec.fill, (*loc, "fill")) if spec.fill else None
    box = builder.box(spec.box)
    checks.append(ContrastCheck(name, (*loc, "color"), colour, box, fill))
    if style is None:
        return None
    return TextElement(
        name=name,
        box=box,
        style=style,
        fill=fill.rgb if fill else None,
        radius=builder.px(spec.radius),
        padding=(builder.px(spec.padding[0]), builder.px(spec.padding[1])),
    )


def _cards_element(
    builder: _Builder, name: str, spec: CardsSpec, loc: Loc, checks: list[ContrastCheck]
) -> CardsElement | None:
    box = builder.box(spec.box)
    name_style, name_colour = builder.style(spec.name, (*loc, "name"))
    details_style, details_colour = builder.style(spec.details, (*loc, "details"))
    avatar_fill = builder.colour(spec.avatar_fill, (*loc, "avatar_fill"))
    avatar_text = builder.colour(spec.avatar_text, (*loc, "avatar_text"))
    ring = builder.colour(spec.ring, (*loc, "ring")) if spec.ring else None
    checks += [
        ContrastCheck(f"{name}.name", (*loc, "name", "color"), name_colour, box),
        ContrastCheck(f"{name}.details", (*loc, "details", "color"), details_colour, box),
        ContrastCheck(f"{name}.avatar_text", (*loc, "avatar_text"), avatar_text, box, avatar_fill),
    ]
    if name_style is None or details_style is None:
        return None
    return CardsElement(
        name=name,
        box=box,
        direction=spec.direction,
        gap=builder.px(spec.gap),
        avatar=builder.px(spec.avatar),
        avatar_fill=avatar_fill.rgb,
        avatar_text=avatar_text.rgb,
        ring=ring.rgb if ring else None,
        ring_width=builder.px(spec.ring_width),
        text_gap=builder.px(spec.text_gap),
        valign=spec.valign,
        name_style=name_style,
        details_style=details_style,
    )


def _qr_element(
    builder: _Builder, name: str, spec: QrSpec, loc: Loc, checks: list[ContrastCheck]
) -> QrElement | None:
    box = builder.box(spec.box)
    dark = builder.colour(spec.dark, (*loc, "dark"))
    light = builder.colour(spec.light, (*loc, "light"))
    pending, pending_colour = builder.style(
        spec.pending, (*loc, "pending"), align="center", valign="middle"
    )
    checks += [
        ContrastCheck(name, (*loc, "dark"), dark, box, light),
        ContrastCheck(f"{name}.pending", (*loc, "pending", "color"), pending_colour, box, light),
    ]
    if pending is None:
        return None
    return QrElement(name=name, box=box, dark=dark.rgb, light=light.rgb, pending=pending)
