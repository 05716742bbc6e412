"""Text in boxes: whole-word wrapping and the largest size that fits, as plain arithmetic.

The renderer passes in how wide a text is at a given size (measured with the real font);
everything here is pure, so the rules — whole words only, never clipped, never overlapping —
can be tested without drawing anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

ELLIPSIS = "…"
NO_BREAK = "\u00a0"  # a space that keeps its neighbours on one line ("26 November 2026")
_BREAKS = re.compile(r"[ \t\r\n]+")


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in pixels: ``x``, ``y`` of the top-left corner, ``width``, ``height``."""

    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    def intersects(self, other: Box) -> bool:
        """Whether the two boxes share any area (touching edges do not count)."""
        return (
            self.x < other.right
            and other.x < self.right
            and self.y < other.bottom
            and other.y < self.bottom
        )

    def contains(self, other: Box) -> bool:
        """Whether ``other`` lies entirely inside this box."""
        return (
            self.x <= other.x
            and self.y <= other.y
            and other.right <= self.right
            and other.bottom <= self.bottom
        )

    def inset(self, horizontal: int, vertical: int | None = None) -> Box:
        """The box shrunk by ``horizontal`` left and right and ``vertical`` top and bottom."""
        vertical = horizontal if vertical is None else vertical
        return Box(
            self.x + horizontal,
            self.y + vertical,
            max(0, self.width - 2 * horizontal),
            max(0, self.height - 2 * vertical),
        )

    def scaled(self, factor: float) -> Box:
        return Box(
            round(self.x * factor),
            round(self.y * factor),
            round(self.width * factor),
            round(self.height * factor),
        )


class TextMetrics(Protocol):
    """How a font at one size measures text."""

    @property
    def size(self) -> int: ...

    @property
    def ascent(self) -> int:
        """Pixels from the baseline up to the top of the tallest (accented) capital."""
        ...

    @property
    def descent(self) -> int:
        """Pixels from the baseline down to the bottom of the lowest descender."""
        ...

    def width(self, text: str) -> int:
        """The width of the ink of ``text`` on one line."""
        ...


@dataclass(frozen=True, slots=True)
class TextBlock:
    """Lines of text at one size, with the vertical metrics needed to place them."""

    size: int
    lines: tuple[str, ...]
    line_gap: int  # baseline to baseline
    ascent: int
    descent: int
    width: int  # the widest line
    shortened: bool = False

    @property
    def height(self) -> int:
        if not self.lines:
            return 0
        return self.ascent + (len(self.lines) - 1) * self.line_gap + self.descent


def words_of(text: str) -> list[str]:
    """The words of ``text``: split at ordinary spaces and newlines, never at ``NO_BREAK``."""
    return [word for word in _BREAKS.split(text) if word]


def wrap_words(
    words: list[str], *, width: int, measure: Callable[[str], int]
) -> tuple[str, ...] | None:
    """Greedy whole-word lines no wider than ``width``; ``None`` if one word alone is wider."""
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if measure(candidate) <= width:
            current = candidate
            continue
        if not current or measure(word) > width:
            return None
        lines.append(current)
        current = word
    if current:
        lines.append(current)
    return tuple(lines)


def _balanced(
    words: list[str], lines: tuple[str, ...], *, width: int, measure: Callable[[str], int]
) -> tuple[str, ...]:
    """The same number of lines, wrapped as narrow as possible so the last line is not a stub."""
    low = max(measure(word) for word in words)
    high = width
    best = lines
    while low <= high:
        middle = (low + high) // 2
        wrapped = wrap_words(words, width=middle, measure=measure)
        if wrapped is not None and len(wrapped) <= len(lines):
            best = wrapped
            high = middle - 1
        else:
            low = middle + 1
    return best


def block_at(
    text: str,
    *,
    metrics: TextMetrics,
    width: int,
    height: int,
    line_spacing: float,
    max_lines: int | None = None,
    balance: bool = False,
) -> TextBlock | None:
    """``text`` wrapped at ``metrics``' size, or ``None`` if it does not fit the box."""
    words = words_of(text)
    if not words:
        return TextBlock(metrics.size, (), 0, metrics.ascent, metrics.descent, 0)
    lines = wrap_words(words, width=width, measure=metrics.width)
    if lines is None or (max_lines is not None and len(lines) > max_lines):
        return None
    gap = max(1, round(metrics.size * line_spacing))
    needed = metrics.ascent + (len(lines) - 1) * gap + metrics.descent
    if needed > height:
        return None
    if balance and len(lines) > 1:
        lines = _balanced(words, lines, width=width, measure=metrics.width)
    widest = max(metrics.width(line) for line in lines)
    return TextBlock(metrics.size, lines, gap, metrics.ascent, metrics.descent, widest)


def fit_text(
    text: str,
    *,
    width: int,
    height: int,
    sizes: tuple[int, int],
    metrics_at: Callable[[int], TextMetrics],
    line_spacing: float = 1.2,
    max_lines: int | None = None,
    balance: bool = False,
) -> TextBlock | None:
    """The largest size in ``sizes`` (inclusive) at which ``text`` fits on whole-word lines.

    Binary search on the size with measured text; ``None`` if even the smallest size fails.
    """
    smallest, largest = sizes
    best: TextBlock | None = None
    low, high = smallest, largest
    while low <= high:
        middle = (low + high) // 2
        block = block_at(
            text,
            metrics=metrics_at(middle),
            width=width,
            height=height,
            line_spacing=line_spacing,
            max_lines=max_lines,
        )
        if block is None:
            high = middle - 1
        else:
            best = block
            low = middle + 1
    if best is not None and balance:
        return block_at(
            text,
            metrics=metrics_at(best.size),
            width=width,
            height=height,
            line_spacing=line_spacing,
            max_lines=max_lines,
            balance=True,
        )
    return best


def fit_or_shorten(
    text: str,
    *,
    width: int,
    height: int,
    sizes: tuple[int, int],
    metrics_at: Callable[[int], TextMetrics],
    line_spacing: float = 1.2,
    max_lines: int | None = None,
    balance: bool = False,
) -> TextBlock:
    """Like ``fit_text``; if nothing fits, the most words that do at the smallest size, plus "…".

    Used for free text from the catalog (names, institutions) that may be longer than any
    flyer can hold; the caption still carries it whole. A box too small for even one word
    gives an empty block.
    """
    fitted = fit_text(
        text,
        width=width,
        height=height,
        sizes=sizes,
        metrics_at=metrics_at,
        line_spacing=line_spacing,
        max_lines=max_lines,
        balance=balance,
    )
    if fitted is not None:
        return fitted
    metrics = metrics_at(sizes[0])
    words = words_of(text)
    low, high = 0, len(words) - 1
    best: TextBlock | None = None
    while low <= high:
        keep = (low + high) // 2
        candidate = " ".join(words[:keep]).rstrip(",.;:–-") + ELLIPSIS if keep else ELLIPSIS
        block = block_at(
            candidate,
            metrics=metrics,
            width=width,
            height=height,
            line_spacing=line_spacing,
            max_lines=max_lines,
        )
        if block is None:
            high = keep - 1
        else:
            best = block
            low = keep + 1
    if best is None or best.lines == (ELLIPSIS,):
        return TextBlock(metrics.size, (), 0, metrics.ascent, metrics.descent, 0, shortened=True)
    return TextBlock(
        best.size,
        best.lines,
        best.line_gap,
        best.ascent,
        best.descent,
        best.width,
        shortened=True,
    )
