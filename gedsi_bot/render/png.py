"""A small, fast, deterministic PNG encoder for the flyers' RGB images.

Pillow's PNG encoder tries every row filter on every row, which costs more than drawing the
whole flyer; flyers are large areas of flat colour, which deflate compresses well without
filtering. Writing the few chunks ourselves (no filter, zlib level 1) halves the encode time
and gives the same bytes for the same pixels, with no timestamps or other metadata beyond the
physical resolution. Pillow reads the result back pixel for pixel (tested).

Most rows of a flyer are the template's background, the same on every flyer of a series:
``PreparedBackground`` compresses those rows once, and each flyer compresses only the bands its
own content may touch. Deflate blocks from separate compressors can follow one another when each
ends on a byte boundary (a sync flush), so the stream is stitched from both — and the flyer's
own bands are compressed in pieces on all cores (zlib releases the GIL), then joined in order.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

from PIL import Image

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_LEVEL = 1  # the best speed; flat colour compresses well even so
_INCH = 0.0254  # metres
_ZLIB_HEADER = b"\x78\x01"  # deflate, 32 KB window, fastest
_FINAL_BLOCK = b"\x03\x00"  # an empty final block with fixed codes
_ADLER_BASE = 65521
_PIECE_ROWS = 160  # rows compressed as one piece, so pieces can share the cores


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _header(width: int, height: int, dpi: int | None) -> list[bytes]:
    parts = [_SIGNATURE, _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    if dpi is not None:
        per_metre = round(dpi / _INCH)
        parts.append(_chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)))
    return parts


def _rows(raw: bytes | memoryview, width: int, top: int, bottom: int) -> bytearray:
    """Rows ``top`` to ``bottom`` of RGB pixel data, each led by filter type 0 (none)."""
    stride = width * 3
    rows = bytearray((stride + 1) * (bottom - top))
    for index, y in enumerate(range(top, bottom)):
        start = index * (stride + 1) + 1
        rows[start : start + stride] = raw[y * stride : (y + 1) * stride]
    return rows


def encode_png(image: Image.Image, *, dpi: int | None = None, level: int = _LEVEL) -> bytes:
    """``image`` (converted to RGB if needed) as PNG bytes, with ``dpi`` recorded if given.

    ``level`` is zlib's: 1 is fastest, 9 smallest.
    """
    if image.mode != "RGB":
        image = image.convert("RGB")
    width, height = image.size
    rows = _rows(image.tobytes(), width, 0, height)
    parts = _header(width, height, dpi)
    parts.append(_chunk(b"IDAT", zlib.compress(rows, level)))
    parts.append(_chunk(b"IEND", b""))
    return b"".join(parts)


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of two pieces of data joined, from the checksum of each (zlib's formula)."""
    remainder = second_length % _ADLER_BASE
    low = first & 0xFFFF
    high = (remainder * low) % _ADLER_BASE
    low += (second & 0xFFFF) + _ADLER_BASE - 1
    high += ((first >> 16) & 0xFFFF) + ((second >> 16) & 0xFFFF) + _ADLER_BASE - remainder
    low %= _ADLER_BASE
    high %= _ADLER_BASE
    return low | (high << 16)


@dataclass(frozen=True, slots=True)
class _Band:
    top: int
    bottom: int
    deflated: bytes | None  # None: changes from picture to picture, compressed each time
    adler: int
    length: int


def _deflate(data: bytes | bytearray) -> bytes:
    compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def _deflate_piece(data: bytearray) -> tuple[bytes, int, int]:
    return _deflate(data), zlib.adler32(data), len(data)


@cache
def _workers() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="gedsi-png"
    )


def _merge(bands: Sequence[tuple[int, int]], height: int) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for top, bottom in sorted((max(0, t), min(height, b)) for t, b in bands):
        if bottom <= top:
            continue
        if merged and top <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], bottom))
        else:
            merged.append((top, bottom))
    return merged


class PreparedBackground:
    """A background whose rows outside ``changing`` bands are compressed once, for reuse."""

    def __init__(
        self, background: Image.Image, changing: Sequence[tuple[int, int]], *, dpi: int | None
    ) -> None:
        self.size = background.size
        self.dpi = dpi
        width, height = background.size
        raw = background.convert("RGB").tobytes()
        bands: list[_Band] = []
        position = 0
        for top, bottom in [*_merge(changing, height), (height, height)]:
            if top > position:
                rows = _rows(raw, width, position, top)
                bands.append(_Band(position, top, _deflate(rows), zlib.adler32(rows), len(rows)))
            if bottom > top:
                bands.append(_Band(top, bottom, None, 0, 0))
            position = bottom
        self._bands = tuple(bands)

    def encode(self, image: Image.Image) -> bytes:
        """``image`` as PNG, where it differs from the background only in the changing bands."""
        if image.size != self.size or image.mode != "RGB":
            raise ValueError("not a picture drawn on this background")
        width, height = self.size
        raw = image.tobytes()
        pieces: list[tuple[bytes, int, int] | _Band] = []
        pending = []
        for band in self._bands:
            if band.deflated is not None:
                pieces.append(band)
                continue
            for top in range(band.top, band.bottom, _PIECE_ROWS):
                rows = _rows(raw, width, top, min(band.bottom, top + _PIECE_ROWS))
                pending.append((len(pieces), _workers().submit(_deflate_piece, rows)))
                pieces.append(band)  # replaced by the compressed piece below
        for index, future in pending:
            pieces[index] = future.result()
        deflated = [_ZLIB_HEADER]
        adler = 1
        for piece in pieces:
            if isinstance(piece, _Band):
                assert piece.deflated is not None
                deflated.append(piece.deflated)
                adler = adler32_combine(adler, piece.adler, piece.length)
            else:
                data, piece_adler, length = piece
                deflated.append(data)
                adler = adler32_combine(adler, piece_adler, length)
        deflated += [_FINAL_BLOCK, struct.pack(">I", adler)]
        parts = _header(width, height, self.dpi)
        parts.append(_chunk(b"IDAT", b"".join(deflated)))
        parts.append(_chunk(b"IEND", b""))
        return b"".join(parts)
