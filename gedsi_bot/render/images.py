"""The office's images, opened defensively, and the pictures drawn from data (avatars, QR codes).

Photos and logos come from whoever edits ``themes.yaml``: only JPEG, PNG and WebP are opened,
files and pixel counts are bounded before anything is decoded, and EXIF orientation is
honoured. A missing or unreadable file is reported to the caller, which draws initials instead
and logs a warning without the file's name (it often is a person's name).
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from gedsi_bot.domain.contrast import Rgb
from gedsi_bot.render.fonts import FontFace

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000  # a 40-megapixel camera photo is the most anyone needs to send
MAX_FILE_BYTES = 25 * 1024 * 1024
_SUPERSAMPLE = 4  # circles are drawn 4× larger and scaled down, for smooth edges


class UnusableImage(Exception):  # noqa: N818 - reads as a sentence at the raise site
    """An image file that cannot be used; ``reason`` is safe to log (no path, no name)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def open_image(path: Path, *, target: tuple[int, int] | None = None) -> Image.Image:
    """The image at ``path``, upright, as RGBA; ``UnusableImage`` if it cannot be used safely.

    ``target`` lets JPEG decoding skip detail that would be thrown away by scaling down.
    """
    try:
        size = path.stat().st_size
    except OSError:
        raise UnusableImage("missing") from None
    if size > MAX_FILE_BYTES:
        raise UnusableImage("file too large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=ALLOWED_FORMATS) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise UnusableImage("too many pixels")
                if target is not None and image.format == "JPEG":
                    image.draft("RGB", (target[0] * 2, target[1] * 2))
                upright = ImageOps.exif_transpose(image)
                return upright.convert("RGBA")
    except UnusableImage:
        raise
    except UnidentifiedImageError:
        raise UnusableImage("not a JPEG, PNG or WebP image") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise UnusableImage("too many pixels") from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise UnusableImage("damaged or unreadable image") from None


@lru_cache(maxsize=8)
def _circle_mask(diameter: int) -> Image.Image:
    big = Image.new("L", (diameter * _SUPERSAMPLE,) * 2, 0)
    ImageDraw.Draw(big).ellipse((0, 0, big.width - 1, big.height - 1), fill=255)
    return big.resize((diameter, diameter), Image.Resampling.LANCZOS)


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def circle_photo(path: Path, diameter: int) -> Image.Image:
    """The photo cropped to its centre and cut to a circle, ``diameter`` pixels across (RGBA)."""
    return _circle_photo(path, diameter, _mtime(path))


@lru_cache(maxsize=64)
def _circle_photo(path: Path, diameter: int, _mtime: float | None) -> Image.Image:
    photo = open_image(path, target=(diameter, diameter))
    fitted = ImageOps.fit(
        photo, (diameter, diameter), Image.Resampling.LANCZOS, centering=(0.5, 0.35)
    )
    alpha = Image.new("L", fitted.size, 0)
    alpha.paste(fitted.getchannel("A"), mask=_circle_mask(diameter))
    fitted.putalpha(alpha)
    return fitted


@lru_cache(maxsize=64)
def initials_avatar(
    letters: str, diameter: int, *, fill: Rgb, ink: Rgb, face: FontFace
) -> Image.Image:
    """A filled circle with ``letters`` centred in it (RGBA)."""
    avatar = Image.new("RGBA", (diameter, diameter), (*fill, 0))
    avatar.paste((*fill, 255), mask=_circle_mask(diameter))
    if letters:
        font = ImageFont.truetype(str(face.path), max(8, round(diameter * 0.38)))
        ImageDraw.Draw(avatar).text(
            (diameter / 2, diameter / 2), letters, font=font, fill=(*ink, 255), anchor="mm"
        )
    return avatar


def ring(diameter: int, width: int, colour: Rgb) -> Image.Image:
    """A ring ``width`` pixels wide around a circle of ``diameter`` (RGBA, larger by 2×width)."""
    return _ring(diameter, width, colour)


@lru_cache(maxsize=16)
def _ring(diameter: int, width: int, colour: Rgb) -> Image.Image:
    outer = diameter + 2 * width
    mask = _circle_mask(outer).copy()
    hole = Image.new("L", mask.size, 0)
    hole.paste(_circle_mask(diameter), (width, width))
    mask.paste(0, mask=hole)
    image = Image.new("RGBA", (outer, outer), (*colour, 0))
    image.putalpha(mask)
    return image


def fit_logo(path: Path, height: int) -> Image.Image:
    """The logo scaled to ``height`` pixels, keeping its proportions (RGBA)."""
    return _fit_logo(path, height, _mtime(path))


@lru_cache(maxsize=32)
def _fit_logo(path: Path, height: int, _mtime: float | None) -> Image.Image:
    logo = open_image(path, target=(height * 4, height))
    width = max(1, round(logo.width * height / logo.height))
    return logo.resize((width, height), Image.Resampling.LANCZOS)


_MODULE_GREY = bytes([255, 0]) + bytes(254)  # segno's 1 (dark) → black, 0 (light) → white


@lru_cache(maxsize=32)
def _qr_code(data: str) -> segno.QRCode:
    # Every format of one flyer carries the same link: encode it once.
    return segno.make_qr(data, error="m")


def qr_image(data: str, side: int, *, dark: Rgb, light: Rgb) -> Image.Image:
    """A QR code of ``data`` no larger than ``side``, with whole-pixel modules and a quiet zone.

    The result is square (RGB); its side is the largest multiple of the module count (plus the
    four-module quiet zone the standard asks for) that fits ``side``, so it scans on any
    background.
    """
    code = _qr_code(data)
    matrix = code.matrix
    modules = len(matrix)
    border = 4
    cells = modules + 2 * border
    module = max(1, side // cells)
    raw = b"".join(matrix).translate(_MODULE_GREY)
    small = Image.frombytes("L", (modules, modules), raw)
    bits = Image.new("L", (cells, cells), 255)
    bits.paste(small, (border, border))
    scaled = bits.resize((cells * module, cells * module), Image.Resampling.NEAREST)
    picture = Image.new("RGB", scaled.size, light)
    picture.paste(dark, mask=ImageOps.invert(scaled))
    return picture
