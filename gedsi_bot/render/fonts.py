"""Fonts measured once and kept: the ``TextMetrics`` the layout rules need, backed by FreeType.

Widths come from the font's advances (kerning included) plus how far the first and last
glyphs' ink reaches past their advance, so a measured line is never clipped when drawn.
Each face is opened once per process and each size once per face.
"""

from __future__ import annotations

import math
import re
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

# Contextual alternates would turn the "x" in "2x9" into "×" — wrong in codes and passcodes.
FEATURES: list[str] | None = ["-calt"] if features.check("raqm") else None
_PROBE = 1000  # size at which glyph overhangs are measured, then scaled
# Everything Indonesian text and names need: ASCII, Latin-1, Latin Extended-A, punctuation.
_COMMON = "".join(
    chr(cp)
    for cp in (
        *range(0x20, 0x7F),
        *range(0xA0, 0x180),
        *range(0x2010, 0x2027),
        *range(0x2030, 0x203B),
        0x20AC,
    )
)


_SPACES = re.compile(r" {2,}")
_SPACE_BEFORE_MARK = re.compile(r" ([,.;:!?])")
_COVERAGE_SIZE = 24
_NOT_A_CHARACTER = "\uffff"  # never in a font: draws the font's "missing glyph" box


def _signature(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    """The pixels of ``char`` alone, to tell a real glyph from the missing-glyph box."""
    canvas = Image.new("L", (_COVERAGE_SIZE * 3, _COVERAGE_SIZE * 2), 0)
    ImageDraw.Draw(canvas).text((_COVERAGE_SIZE // 2, 0), char, font=font, fill=255)
    return canvas.tobytes()


class FontFace:
    """One font file: its overhang table and its sizes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        probe = ImageFont.truetype(str(path), _PROBE)
        self._probe = probe
        self._left: dict[str, float] = {}
        self._right: dict[str, float] = {}
        self.ascent_ratio, self.descent_ratio = self._vertical(_COMMON)
        self._small = ImageFont.truetype(str(path), _COVERAGE_SIZE)
        self._missing = _signature(self._small, _NOT_A_CHARACTER)
        self._covered: dict[str, bool] = {}

    def _overhang(self, char: str) -> tuple[float, float]:
        if char not in self._left:
            try:
                x0, _, x1, _ = self._probe.getbbox(char, anchor="ls", features=FEATURES)
            except (RuntimeError, ValueError):  # a code point the shaper refuses
                x0, x1 = 0, 0
            advance = self._probe.getlength(char, features=FEATURES)
            self._left[char] = max(0.0, -x0) / _PROBE
            self._right[char] = max(0.0, x1 - advance) / _PROBE
        return self._left[char], self._right[char]

    def _vertical(self, chars: str) -> tuple[float, float]:
        top, bottom = self._probe.getmetrics()
        top_px, bottom_px = float(top), float(bottom)
        for char in chars:
            if char.isspace():
                continue
            try:
                _, y0, _, y1 = self._probe.getbbox(char, anchor="ls", features=FEATURES)
            except (RuntimeError, ValueError):
                continue
            top_px, bottom_px = max(top_px, -y0), max(bottom_px, y1)
        return top_px / _PROBE, bottom_px / _PROBE

    def covers(self, char: str) -> bool:
        """Whether the font has a glyph for ``char`` (whitespace always counts as covered)."""
        known = self._covered.get(char)
        if known is None:
            known = char.isspace() or _signature(self._small, char) != self._missing
            self._covered[char] = known
        return known

    @lru_cache(maxsize=4096)  # noqa: B019 - names and labels are checked on every layout try
    def printable(self, text: str) -> str:
        """``text`` without the characters the font cannot draw (emoji, other scripts), so no
        empty boxes appear; spaces left doubled by a removal are closed up."""
        if all(self.covers(char) for char in text):
            return text
        kept = "".join(char for char in text if self.covers(char))
        return _SPACE_BEFORE_MARK.sub(r"\1", _SPACES.sub(" ", kept)).strip()

    def left_overhang(self, char: str, size: int) -> int:
        return math.ceil(self._overhang(char)[0] * size)

    def right_overhang(self, char: str, size: int) -> int:
        return math.ceil(self._overhang(char)[1] * size)

    @lru_cache(maxsize=256)  # noqa: B019 - faces live for the whole process (see ``face``)
    def at(self, size: int) -> SizedFont:
        return SizedFont(self, size)

    @lru_cache(maxsize=64)  # noqa: B019
    def vertical_for(self, chars: frozenset[str]) -> tuple[float, float]:
        """Ascent and descent ratios covering ``chars`` (for text beyond the common set)."""
        ascent, descent = self._vertical("".join(sorted(chars)))
        return max(ascent, self.ascent_ratio), max(descent, self.descent_ratio)


OVERSAMPLE_BELOW = 24  # smaller text is drawn at twice the size and halved (see SizedFont)


class SizedFont:
    """A face at one pixel size: the Pillow font and its ``TextMetrics``.

    FreeType's hinting snaps small glyphs to whole pixels, which leaves uneven gaps inside
    words ("serti fikat") at the 16–22 px sizes of a flyer's small print. Text below
    ``OVERSAMPLE_BELOW`` is therefore measured and drawn at ``oversample`` times the size and
    scaled down, which places glyphs to half a pixel.
    """

    def __init__(self, face: FontFace, size: int) -> None:
        self.face = face
        self._size = size
        self.oversample = 2 if size < OVERSAMPLE_BELOW else 1
        self.font = ImageFont.truetype(str(face.path), size * self.oversample)
        self._ascent = math.ceil(face.ascent_ratio * size)
        self._descent = math.ceil(face.descent_ratio * size)
        # Fitting measures the same lines again and again; a long-running bot meets new texts
        # every session, so the least recently used widths make room for them.
        self._width = lru_cache(maxsize=4096)(self._measure)

    @property
    def size(self) -> int:
        return self._size

    @property
    def ascent(self) -> int:
        return self._ascent

    @property
    def descent(self) -> int:
        return self._descent

    def left_bearing(self, text: str) -> int:
        """How far the ink of ``text`` reaches left of its origin (0 or more pixels)."""
        return self.face.left_overhang(text[0], self._size) if text else 0

    def width(self, text: str) -> int:
        return self._width(text) if text else 0

    def _measure(self, text: str) -> int:
        return math.ceil(
            self.font.getlength(text, features=FEATURES) / self.oversample
            + self.face.left_overhang(text[0], self._size)
            + self.face.right_overhang(text[-1], self._size)
        ) + (self.oversample - 1)  # room for rounding to whole pixels after scaling down


class BlockMetrics:
    """``TextMetrics`` for one text: the sized font, with ascent and descent widened when the
    text uses letters beyond the common Latin set (stacked accents reach higher)."""

    def __init__(self, sized: SizedFont, ascent: int, descent: int) -> None:
        self.sized = sized
        self._ascent = ascent
        self._descent = descent

    @property
    def size(self) -> int:
        return self.sized.size

    @property
    def ascent(self) -> int:
        return self._ascent

    @property
    def descent(self) -> int:
        return self._descent

    def width(self, text: str) -> int:
        return self.sized.width(text)


_COMMON_SET = frozenset(_COMMON)


def metrics_for(face: FontFace, size: int, text: str) -> SizedFont | BlockMetrics:
    """The metrics to lay out ``text`` with ``face`` at ``size``."""
    sized = face.at(size)
    rare = frozenset(text) - _COMMON_SET
    if not rare:
        return sized
    ascent, descent = face.vertical_for(rare)
    return BlockMetrics(sized, math.ceil(ascent * size), math.ceil(descent * size))


@cache
def face(path: Path) -> FontFace:
    """The face of the font file at ``path``, opened once per process."""
    return FontFace(path)
