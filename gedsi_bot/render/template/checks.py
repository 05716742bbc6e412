"""The checks a template must pass: on the canvas, no overlaps, readable, big enough.

Contrast is checked against every colour that may show behind a text (the shapes under its
box); fit is checked with the longest text each element may have to carry, so a template that
loads never clips or overlaps whatever the catalog and the sessions hold.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from gedsi_bot.catalog import YamlPlaces
from gedsi_bot.domain.contrast import MIN_TEXT_CONTRAST, Rgb, contrast_ratio, format_ratio
from gedsi_bot.domain.layout import Box, fit_text
from gedsi_bot.domain.series import Catalog
from gedsi_bot.errors import CatalogIssue
from gedsi_bot.locale import LANGUAGES, Language, t
from gedsi_bot.render.content import certificate_note, contact_line
from gedsi_bot.render.fonts import metrics_for
from gedsi_bot.render.template.model import (
    TELEGRAM_MAX_SIDES,
    Colour,
    ContrastCheck,
    Loc,
    Template,
    TextElement,
)


def geometry_issues(
    template: Template, places: YamlPlaces, locs: Mapping[str, Loc], language: Language
) -> Iterator[CatalogIssue]:
    canvas = Box(0, 0, template.width, template.height)
    boxes = [(name, element.box) for name, element in template.elements.items()]
    for name, box in boxes:
        if not canvas.contains(box):
            message = t(
                "render.template.outside",
                language,
                element=name,
                width=template.grid[0],
                height=template.grid[1],
            )
            yield places.issue((*locs[name], "box"), message)
    for index, (name, box) in enumerate(boxes):
        for other, other_box in boxes[index + 1 :]:
            if box.intersects(other_box):
                message = t("render.template.overlap", language, element=other, other=name)
                yield places.issue((*locs[other], "box"), message)


def telegram_issues(
    template: Template, places: YamlPlaces, language: Language
) -> Iterator[CatalogIssue]:
    """A flyer Telegram would refuse as a photo: width + height above 10000 pixels."""
    if template.width + template.height > TELEGRAM_MAX_SIDES:
        message = t(
            "render.template.telegram_size",
            language,
            width=template.width,
            height=template.height,
            limit=TELEGRAM_MAX_SIDES,
        )
        yield places.issue(("size",), message)


def backgrounds_behind(box: Box, layers: list[tuple[Box, Colour]]) -> list[Colour]:
    """The colours that may show behind ``box``: the last layer covering it, and every layer
    drawn on top of that one that covers part of it."""
    found: list[Colour] = []
    for layer_box, colour in layers:
        if layer_box.contains(box):
            found = [colour]
        elif layer_box.intersects(box):
            found.append(colour)
    unique: dict[Rgb, Colour] = {}
    for colour in found:
        unique.setdefault(colour.rgb, colour)
    return list(unique.values())


def contrast_issues(
    check: ContrastCheck,
    layers: list[tuple[Box, Colour]],
    places: YamlPlaces,
    language: Language,
) -> Iterator[CatalogIssue]:
    behind = [check.background] if check.background else backgrounds_behind(check.box, layers)
    for background in behind:
        ratio = contrast_ratio(check.colour.rgb, background.rgb)
        if ratio < MIN_TEXT_CONTRAST:
            message = t(
                "render.template.contrast",
                language,
                element=check.element,
                colour=check.colour.label,
                background=background.label,
                ratio=format_ratio(ratio),
                minimum=f"{MIN_TEXT_CONTRAST}:1",
            )
            yield places.issue(check.loc, message)


# --- the longest texts each element must hold ----------------------------------------------

# 160 characters, the catalog's limit for a theme title, of long Indonesian words.
LONGEST_THEME = (
    "Perencanaan dan Penganggaran Responsif Gender untuk Pemberdayaan Perempuan, "
    "Perlindungan Anak, Penyandang Disabilitas dan Kelompok Rentan di Kelurahan Kita"
)[:160]
LONGEST_WHEN = {
    "id": "Sabtu, 30 September 2026 · 09.00–11.00 WITA",
    "en": "Wednesday, 30 September 2026 · 09:00–11:00 WITA",
}
LONGEST_MEETING_ID = "888 8888 8888"
LONGEST_PASSCODE = "WWWWWWWWWW"  # Zoom allows 10 characters
# A long bot username of ordinary letters and a 16-character registration code.
LONGEST_LINK = "https://t.me/DinsosPPPAProbolinggoGedsi_bot?start=daftar_k7m2x9qak7m2x9qa"
LONGEST_EPISODE = 999


def _fit_problem(
    element: TextElement, text: str, *, places: YamlPlaces, loc: Loc, what: str, language: Language
) -> CatalogIssue | None:
    style = element.style
    shown = text.upper() if style.uppercase else text
    inner = element.box.inset(*element.padding)
    fitted = fit_text(
        shown,
        width=inner.width,
        height=inner.height,
        sizes=(style.sizes[0], style.sizes[0]),
        metrics_at=lambda size: metrics_for(style.face, size, shown),
        line_spacing=style.line_spacing,
        max_lines=style.max_lines,
    )
    if fitted is not None:
        return None
    message = t(
        "render.template.too_small",
        language,
        element=element.name,
        what=t(f"render.template.what.{what}", language),
        size=style.sizes[0],
    )
    return places.issue((*loc, "box"), message)


def flyer_fit_issues(
    template: Template,
    catalog: Catalog,
    places: YamlPlaces,
    locs: Mapping[str, Loc],
    language: Language,
) -> Iterator[CatalogIssue]:
    series = catalog.series
    for lang in LANGUAGES:
        texts: dict[str, tuple[str, str]] = {
            "theme": (LONGEST_THEME, "theme"),
            "episode": (t("render.episode", lang, number=LONGEST_EPISODE), "episode"),
            "when": (LONGEST_WHEN[lang], "when"),
            "meeting": (
                t(
                    "render.meeting.with_passcode",
                    lang,
                    platform=series.platform,
                    meeting_id=LONGEST_MEETING_ID,
                    passcode=LONGEST_PASSCODE,
                ),
                "meeting",
            ),
            "registration_link": (LONGEST_LINK, "link"),
            "registration": (t("render.register.open", lang), "registration"),
            "series": (series.name, "series"),
            "tagline": (series.tagline, "tagline"),
            "organiser": (series.organiser, "organiser"),
            "contact": (
                t("render.contact", lang, contact=contact_line(series.contact)),
                "contact",
            ),
            "certificate": (
                certificate_note(series.certificate_jp, catalog.certificates, lang),
                "certificate",
            ),
            "theme_label": (t("render.label.theme", lang), "label"),
            "speakers_label": (t("render.label.speakers", lang), "label"),
            "moderator_label": (t("render.label.moderator", lang), "label"),
        }
        yield from _fit_all(template, texts, places, locs, language)


def certificate_fit_issues(
    template: Template,
    catalog: Catalog,
    places: YamlPlaces,
    locs: Mapping[str, Loc],
    language: Language,
) -> Iterator[CatalogIssue]:
    series = catalog.series
    signatory = catalog.branding.signatory
    for lang in LANGUAGES:
        texts: dict[str, tuple[str, str]] = {
            "theme": (LONGEST_THEME, "theme"),
            "participant": (LONGEST_PARTICIPANT, "participant"),
            "title": (t("render.cert.title", lang), "label"),
            "serial": (t("render.cert.serial", lang, serial=LONGEST_SERIAL), "serial"),
            "given_to": (t("render.cert.given_to", lang), "label"),
            "role": (
                t(
                    "render.cert.role",
                    lang,
                    series=series.name,
                    tagline=series.tagline,
                    number=LONGEST_EPISODE,
                ),
                "role",
            ),
            "held": (
                t(
                    "render.cert.held_with_jp",
                    lang,
                    date=LONGEST_WHEN[lang].split(" · ")[0],
                    jp=series.certificate_jp,
                ),
                "held",
            ),
            "organiser": (series.organiser, "organiser"),
            "verify": (t("render.cert.verify", lang), "label"),
            "verify_code": (
                t("render.cert.verify_code", lang, code=LONGEST_CODE),
                "verify_code",
            ),
            "specimen": (t("render.cert.specimen", lang), "label"),
        }
        if signatory is not None:
            texts["signatory_title"] = (signatory.title, "signatory_title")
            texts["signatory_name"] = (signatory.name, "signatory_name")
        yield from _fit_all(template, texts, places, locs, language)
        # Without the bot's username the certificate has no QR code and says so instead.
        pending = t("render.cert.verify_pending", lang, code=LONGEST_CODE)
        yield from _fit_all(template, {"verify": (pending, "verify_code")}, places, locs, language)


LONGEST_PARTICIPANT = (
    "Prof. Dr. Hj. Raden Ayu Siti Nurhaliza Kusumawardhani Rahmawati, S.Psi., M.Pd"
)
LONGEST_SERIAL = "CG-2026-999-99999"
LONGEST_CODE = "k7m2x9qa" * 3  # the column holds 24 characters


def _fit_all(
    template: Template,
    texts: Mapping[str, tuple[str, str]],
    places: YamlPlaces,
    locs: Mapping[str, Loc],
    language: Language,
) -> Iterator[CatalogIssue]:
    for element_name, (text, what) in texts.items():
        element = template.text(element_name)
        if element is None:
            continue
        issue = _fit_problem(
            element, text, places=places, loc=locs[element_name], what=what, language=language
        )
        if issue is not None:
            yield issue
