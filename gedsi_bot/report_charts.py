"""Report charts as one PNG readable on a phone: registered against attended, by sex, by age
band and by category, as horizontal bars with their numbers written out.

1080 px wide with large type, so it can be sent to the admins' chat and forwarded as it is.
A hidden number gets no bar, only its mark ("<5" or "x"), so the picture gives nothing away
that the tables do not.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from gedsi_bot.domain.disaggregation import UNKNOWN, Dim, Figure, Measure, Row
from gedsi_bot.locale import Language
from gedsi_bot.reports import Labels, ReportDocument

WIDTH = 1080
MARGIN = 48
LABEL_WIDTH = 330
VALUE_ROOM = 130
BAR_HEIGHT = 28
BAR_GAP = 4
ROW_GAP = 18
BACKGROUND = (255, 255, 255)
INK = (33, 33, 33)
MUTED = (110, 110, 110)
RULE = (220, 220, 220)
COLOURS = {Measure.REGISTERED: (91, 68, 173), Measure.ATTENDED: (230, 126, 34)}
# The office's bundled font (flyers/fonts, as the flyers use), by weight; then DejaVu Sans from
# the system's font folders; then Pillow's own font.
BUNDLED_PATTERNS = {False: ("*-Regular.*",), True: ("*-ExtraBold.*", "*-Bold.*", "*-SemiBold.*")}
SYSTEM_FONTS = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
FONT_SUFFIXES = {".ttf", ".otf", ".woff2", ".woff"}

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def font(size: int, *, bold: bool = False, folder: Path | None = None) -> Font:
    """A font of ``size`` pixels: the bundled one in ``folder``, else DejaVu Sans or Pillow's."""
    if folder is not None and folder.is_dir():
        for pattern in BUNDLED_PATTERNS[bold]:
            for path in sorted(folder.glob(pattern)):
                if path.suffix.lower() not in FONT_SUFFIXES:
                    continue
                try:
                    return ImageFont.truetype(str(path), size)
                except OSError:
                    continue
    try:
        return ImageFont.truetype(SYSTEM_FONTS[bold], size)
    except OSError:
        return ImageFont.load_default(size=size)


@dataclass(frozen=True, slots=True)
class _Bar:
    label: str
    registered: Figure
    attended: Figure


def chart_png(document: ReportDocument, language: Language, *, fonts: Path | None = None) -> bytes:
    """The report's charts as PNG bytes, in the office's font from ``fonts`` when given."""
    sized = partial(font, folder=fonts)
    labels = Labels(document, language)
    report = document.report
    panels = [
        (labels.t("chart.by_sex"), _bars(labels, report.section(Dim.SEX).rows, keep_zero=True)),
        (
            labels.t("chart.by_age_band"),
            _bars(labels, report.section(Dim.AGE_BAND).rows, keep_zero=False),
        ),
        (
            labels.t("chart.by_category"),
            _bars(labels, report.section(Dim.CATEGORY).rows, keep_zero=True),
        ),
    ]
    title_font, text_font, small_font = sized(40, bold=True), sized(28), sized(24)
    header_lines = [
        (labels.t("title", series=document.series_name), title_font, INK),
        (labels.scope(), text_font, INK),
    ]
    footer = labels.t("summary.legend") if report.suppressed else labels.t("summary.internal")
    footer_lines = [(footer, small_font, MUTED), (labels.generated(), small_font, MUTED)]

    canvas_width = WIDTH - 2 * MARGIN
    header = [
        (line, face, colour)
        for text, face, colour in header_lines
        for line in _wrap(text, face, canvas_width)
    ]
    footer_wrapped = [
        (line, face, colour)
        for text, face, colour in footer_lines
        for line in _wrap(text, face, canvas_width)
    ]
    height = MARGIN + sum(_line_height(face) for _, face, _ in header) + 70
    for _, bars in panels:
        height += 70 + len(bars) * (2 * BAR_HEIGHT + BAR_GAP + ROW_GAP) + 20
    height += sum(_line_height(face) for _, face, _ in footer_wrapped) + MARGIN

    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for text, face, colour in header:
        draw.text((MARGIN, y), text, font=face, fill=colour)
        y += _line_height(face)
    y = _legend(draw, labels, y + 16, sized)
    for title, bars in panels:
        y = _panel(draw, labels, title, bars, y, fonts=sized)
    for text, face, colour in footer_wrapped:
        draw.text((MARGIN, y), text, font=face, fill=colour)
        y += _line_height(face)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _bars(labels: Labels, rows: tuple[Row, ...], *, keep_zero: bool) -> list[_Bar]:
    found = []
    for row in rows:
        registered = row.totals[Measure.REGISTERED]
        attended = row.totals[Measure.ATTENDED]
        # Only a row whose zeros are published as zeros may be left out: in a shared report
        # "<5" stands for zero too, and a missing row would say which ones are empty.
        empty = all(f.shown and f.value == 0 for f in (registered, attended))
        if row.depth or (empty and (not keep_zero or row.value == UNKNOWN)):
            continue
        found.append(_Bar(labels.row(row), registered, attended))
    return found


def _line_height(face: Font) -> int:
    size = getattr(face, "size", 12)
    return int(size * 1.35)


def _text_width(text: str, face: Font) -> float:
    return ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength(text, font=face)


def _wrap(text: str, face: Font, width: float) -> list[str]:
    """Whole words per line, as many as fit in ``width``."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and _text_width(candidate, face) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines or [""]


def _legend(draw: ImageDraw.ImageDraw, labels: Labels, y: int, fonts: Callable[..., Font]) -> int:
    face = fonts(28)
    x = MARGIN
    for measure, colour in COLOURS.items():
        draw.rectangle((x, y + 4, x + 28, y + 32), fill=colour)
        name = labels.measure(measure)
        draw.text((x + 40, y), name, font=face, fill=INK)
        x += 40 + int(_text_width(name, face)) + 48
    return y + 54


def _panel(
    draw: ImageDraw.ImageDraw,
    labels: Labels,
    title: str,
    bars: list[_Bar],
    y: int,
    *,
    fonts: Callable[..., Font],
) -> int:
    draw.line((MARGIN, y, WIDTH - MARGIN, y), fill=RULE, width=2)
    draw.text((MARGIN, y + 14), title, font=fonts(34, bold=True), fill=INK)
    y += 70
    label_face, value_face = fonts(26), fonts(26, bold=True)
    bar_left = MARGIN + LABEL_WIDTH
    bar_room = WIDTH - MARGIN - VALUE_ROOM - bar_left
    largest = max(
        (f.value for bar in bars for f in (bar.registered, bar.attended) if f.shown),
        default=0,
    )
    row_height = 2 * BAR_HEIGHT + BAR_GAP
    for bar in bars:
        lines = _wrap(bar.label, label_face, LABEL_WIDTH - 16)[:2]
        text_top = y + (row_height - len(lines) * _line_height(label_face)) // 2
        for index, line in enumerate(lines):
            draw.text(
                (MARGIN, text_top + index * _line_height(label_face)),
                line,
                font=label_face,
                fill=INK,
            )
        for offset, (measure, figure) in enumerate(
            ((Measure.REGISTERED, bar.registered), (Measure.ATTENDED, bar.attended))
        ):
            top = y + offset * (BAR_HEIGHT + BAR_GAP)
            length = 0
            if figure.shown and largest:
                length = max(2, round(bar_room * figure.value / largest)) if figure.value else 0
                if length:
                    draw.rectangle(
                        (bar_left, top, bar_left + length, top + BAR_HEIGHT),
                        fill=COLOURS[measure],
                    )
            draw.text(
                (bar_left + length + 10, top - 1),
                labels.count(figure),
                font=value_face,
                fill=INK if figure.shown else MUTED,
            )
        y += row_height + ROW_GAP
    return y + 20
