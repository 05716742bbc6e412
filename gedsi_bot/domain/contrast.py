"""Colour contrast as WCAG 2.x defines it: relative luminance and the contrast ratio.

Every text on a flyer or certificate must reach ``MIN_TEXT_CONTRAST`` against what is behind
it, so kader reading on a dim phone screen and people with low vision can read it.
"""

from __future__ import annotations

import re

MIN_TEXT_CONTRAST = 4.5  # WCAG 2.x level AA for normal text

_HEX = re.compile(r"^#([0-9A-Fa-f]{6})$")

Rgb = tuple[int, int, int]


def parse_hex(colour: str) -> Rgb:
    """``"#5B2A86"`` → ``(91, 42, 134)``; ``ValueError`` for anything else."""
    match = _HEX.match(colour)
    if match is None:
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    value = int(match[1], 16)
    return (value >> 16, (value >> 8) & 0xFF, value & 0xFF)


def _linear(channel: int) -> float:
    srgb = channel / 255
    return srgb / 12.92 if srgb <= 0.04045 else ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(rgb: Rgb) -> float:
    """The WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white)."""
    red, green, blue = rgb
    return 0.2126 * _linear(red) + 0.7152 * _linear(green) + 0.0722 * _linear(blue)


def contrast_ratio(first: Rgb, second: Rgb) -> float:
    """The WCAG contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable(foreground: Rgb, background: Rgb, *, minimum: float = MIN_TEXT_CONTRAST) -> bool:
    """Whether text in ``foreground`` on ``background`` reaches ``minimum`` contrast."""
    return contrast_ratio(foreground, background) >= minimum


def format_ratio(ratio: float) -> str:
    """ "4.48:1" — rounded down, so a ratio shown as 4.50:1 really passes."""
    return f"{int(ratio * 100) / 100:.2f}:1"
