"""The PNG encoder: exact pixels, recorded resolution, nothing that changes between runs."""

import io
import random

from PIL import Image

from gedsi_bot.render.png import encode_png


def noisy_image(width: int, height: int) -> Image.Image:
    rng = random.Random(7)
    return Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))


def test_png_holds_exactly_the_pixels() -> None:
    image = noisy_image(97, 61)
    decoded = Image.open(io.BytesIO(encode_png(image)), formats=["PNG"])
    assert decoded.mode == "RGB"
    assert decoded.tobytes() == image.tobytes()


def test_png_records_the_resolution() -> None:
    decoded = Image.open(io.BytesIO(encode_png(noisy_image(10, 10), dpi=300)))
    assert round(decoded.info["dpi"][0]) == 300


def test_png_of_other_modes_is_converted_to_rgb() -> None:
    image = Image.new("RGBA", (8, 8), (10, 20, 30, 255))
    decoded = Image.open(io.BytesIO(encode_png(image)))
    assert decoded.getpixel((3, 3)) == (10, 20, 30)


def test_png_has_only_the_chunks_it_needs() -> None:
    data = encode_png(noisy_image(16, 16), dpi=144)
    chunks = []
    offset = 8
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        chunks.append(data[offset + 4 : offset + 8])
        offset += 12 + length
    assert chunks == [b"IHDR", b"pHYs", b"IDAT", b"IEND"]
