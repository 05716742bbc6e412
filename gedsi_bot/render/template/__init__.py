"""Flyer and certificate templates: YAML files the office edits, checked before anything is drawn.

A template gives the canvas size, fonts, colours (a branding colour from ``themes.yaml`` or a
``#RRGGBB`` code), decorative shapes and one box per element, all in pixels of a design grid
(``size``) that may be drawn larger (``output``, e.g. 300 dpi for print). Loading refuses a
template — every problem at once, as ``PATH:LINE:COLUMN: message`` like the catalog — when a
colour or font is unknown, a box leaves the canvas or overlaps another, a text would not reach
4.5:1 contrast against what is behind it, or the longest text an element may carry would not
fit at its smallest size.
"""

from __future__ import annotations

from pathlib import Path

from gedsi_bot.catalog import YamlPlaces, parse_yaml_as
from gedsi_bot.domain.layout import Box
from gedsi_bot.domain.series import Catalog
from gedsi_bot.errors import CatalogError, CatalogIssue, TemplateError
from gedsi_bot.locale import Language, t
from gedsi_bot.render.template.checks import (
    certificate_fit_issues,
    contrast_issues,
    flyer_fit_issues,
    geometry_issues,
    telegram_issues,
)
from gedsi_bot.render.template.model import (
    CERTIFICATE,
    CardsElement,
    Element,
    FlyerFormat,
    FlyerTemplates,
    ImagesElement,
    Loc,
    QrElement,
    Shape,
    Template,
    TextElement,
    TextStyle,
)
from gedsi_bot.render.template.schema import (
    CertificateTemplateSpec,
    FlyerTemplateSpec,
    TemplateSpec,
    build,
)

__all__ = [
    "CERTIFICATE",
    "CardsElement",
    "Element",
    "FlyerFormat",
    "FlyerTemplates",
    "ImagesElement",
    "QrElement",
    "Shape",
    "Template",
    "TextElement",
    "TextStyle",
    "load_certificate_template",
    "load_flyer_templates",
]

# --- loading -------------------------------------------------------------------------------


def _read(path: Path, language: Language) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        message = t("render.template.missing_file", language, name=path.name, folder=path.parent)
        raise TemplateError([CatalogIssue(str(path), 1, 1, message)]) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        message = t("render.template.unreadable", language, reason=reason)
        raise TemplateError([CatalogIssue(str(path), 1, 1, message)]) from None


def _load(
    path: Path,
    spec_type: type[TemplateSpec],
    catalog: Catalog,
    language: Language,
    name: str,
) -> tuple[Template, list[CatalogIssue], YamlPlaces, dict[str, Loc]]:
    """The template at ``path`` and the problems of its parts, geometry and contrast."""
    text = _read(path, language)
    try:
        spec, places = parse_yaml_as(
            text, spec_type, source=path, language=language, rules="render.template"
        )
    except CatalogError as error:
        raise TemplateError(error.issues) from None
    built = build(spec, places, catalog, language, name)
    issues = list(built.issues)
    issues += geometry_issues(built.template, places, built.locs, language)
    canvas = Box(0, 0, built.template.width, built.template.height)
    for check in built.checks:
        if canvas.contains(check.box):  # a box off the canvas is reported as such, once
            issues += contrast_issues(check, built.layers, places, language)
    return built.template, issues, places, built.locs


def templates_folder(flyers_dir: Path) -> Path:
    return flyers_dir / "templates"


def load_flyer_templates(
    flyers_dir: Path, catalog: Catalog, *, language: Language = "id"
) -> dict[FlyerFormat, Template]:
    """Every flyer format's template from ``flyers_dir/templates/<format>.yaml``, validated.

    Raises ``TemplateError`` listing every problem in every file.
    """
    loaded: dict[FlyerFormat, Template] = {}
    issues: list[CatalogIssue] = []
    for fmt in FlyerFormat:
        path = templates_folder(flyers_dir) / f"{fmt.value}.yaml"
        try:
            template, found, places, locs = _load(
                path, FlyerTemplateSpec, catalog, language, fmt.value
            )
        except TemplateError as error:
            issues += error.issues
            continue
        issues += found
        issues += telegram_issues(template, places, language)
        if not found:
            issues += flyer_fit_issues(template, catalog, places, locs, language)
        loaded[fmt] = template
    if issues:
        raise TemplateError(_ordered(issues))
    return loaded


def load_certificate_template(
    flyers_dir: Path, catalog: Catalog, *, language: Language = "id"
) -> Template:
    """The certificate template ``flyers_dir/templates/certificate.yaml``, validated."""
    path = templates_folder(flyers_dir) / f"{CERTIFICATE}.yaml"
    template, issues, places, locs = _load(
        path, CertificateTemplateSpec, catalog, language, CERTIFICATE
    )
    if not issues:
        issues += certificate_fit_issues(template, catalog, places, locs, language)
    if issues:
        raise TemplateError(_ordered(issues))
    return template


def _ordered(issues: list[CatalogIssue]) -> list[CatalogIssue]:
    return sorted(set(issues), key=lambda i: (i.path, i.line, i.column, i.message))
