"""Build the bundled fonts in flyers/fonts/ from the @fontsource/plus-jakarta-sans package.

    npm pack @fontsource/plus-jakarta-sans@5.3.0 && tar xzf fontsource-plus-jakarta-sans-5.3.0.tgz
    python -m venv /tmp/ft && /tmp/ft/bin/pip install fonttools brotli
    /tmp/ft/bin/python tools/build_fonts.py package/files flyers/fonts

Each weight joins the ``latin`` and ``latin-ext`` subsets into one file. In the heavier weights
the period and comma carry wide side bearings, which open visible gaps in the academic degrees
Indonesian names carry ("S.Psi., M.Pd."); those are narrowed (the OFL allows modified versions;
the font declares no Reserved Font Name). fontTools is needed only here, not by gedsi-bot.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from fontTools.merge import Merger
from fontTools.ttLib import TTFont

WEIGHTS = {400: "Regular", 600: "SemiBold", 800: "ExtraBold"}
# Share of each side bearing kept, per weight (Regular is already well spaced).
TIGHTEN = {400: 1.0, 600: 0.6, 800: 0.45}
PUNCTUATION = ("period", "comma")
COMPOSITES = ("ellipsis",)  # made of periods; narrowed the same way once they are in place


def merged(files: Path, weight: int) -> TTFont:
    with tempfile.TemporaryDirectory() as scratch:
        plain = []
        for subset in ("latin", "latin-ext"):
            font = TTFont(files / f"plus-jakarta-sans-{subset}-{weight}-normal.woff2")
            font.flavor = None
            path = Path(scratch) / f"{subset}.ttf"
            font.save(path)
            plain.append(str(path))
        return Merger().merge(plain)


def tighten(font: TTFont, keep: float) -> None:
    """Narrow the side bearings of the period and comma, keeping composites in place."""
    if keep >= 1.0:
        return
    glyf, hmtx = font["glyf"], font["hmtx"]
    shifted: dict[str, int] = {}
    for name in PUNCTUATION:
        glyph = glyf[name]
        advance, lsb = hmtx[name]
        rsb = advance - glyph.xMax
        left = lsb - round(lsb * keep)
        right = rsb - round(rsb * keep)
        glyph.coordinates.translate((-left, 0))
        glyph.recalcBounds(glyf)
        hmtx[name] = (advance - left - right, glyph.xMin)
        shifted[name] = left
    for name in font.getGlyphOrder():
        glyph = glyf[name]
        if glyph.isComposite():
            for component in glyph.components:
                component.x += shifted.get(component.glyphName, 0)
    for name in COMPOSITES:
        glyph = glyf[name]
        glyph.recalcBounds(glyf)
        advance, lsb = hmtx[name]
        rsb = advance - glyph.xMax
        left = lsb - round(lsb * keep)
        right = rsb - round(rsb * keep)
        for component in glyph.components:
            component.x -= left
        glyph.recalcBounds(glyf)
        hmtx[name] = (advance - left - right, glyph.xMin)


def main(files: Path, out: Path) -> None:
    for weight, name in WEIGHTS.items():
        font = merged(files, weight)
        tighten(font, TIGHTEN[weight])
        font.flavor = "woff2"
        font.save(out / f"PlusJakartaSans-{name}.woff2")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
