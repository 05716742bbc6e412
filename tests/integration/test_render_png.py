"""The PNG encoder: exact pixels, recorded resolution, nothing that changes between runs."""

import io
import random
import zlib

from PIL import Image, ImageDraw

from gedsi_bot.render.png import PreparedBackground, adler32_combine, encode_png


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


def test_adler32_of_joined_data_from_its_pieces() -> None:
    first, second = random.Random(1).randbytes(70_000), random.Random(2).randbytes(123_457)
    combined = adler32_combine(zlib.adler32(first), zlib.adler32(second), len(second))
    assert combined == zlib.adler32(first + second)


def test_prepared_background_encodes_the_changed_picture_exactly() -> None:
    background = noisy_image(120, 90)
    prepared = PreparedBackground(background, [(10, 30), (25, 40), (80, 95)], dpi=144)
    picture = background.copy()
    ImageDraw.Draw(picture).rectangle((5, 12, 100, 38), fill=(250, 0, 0))
    ImageDraw.Draw(picture).rectangle((0, 82, 119, 89), fill=(0, 0, 250))
    data = prepared.encode(picture)
    decoded = Image.open(io.BytesIO(data), formats=["PNG"])
    assert decoded.tobytes() == picture.tobytes()
    assert round(decoded.info["dpi"][0]) == 144
    assert data == prepared.encode(picture.copy())


def test_prepared_background_with_nothing_changing_is_the_background() -> None:
    background = noisy_image(40, 30)
    data = PreparedBackground(background, [], dpi=None).encode(background.copy())
    assert Image.open(io.BytesIO(data)).tobytes() == background.tobytes()


def test_tall_pictures_are_encoded_exactly_in_pieces() -> None:
    background = noisy_image(50, 301)
    picture = background.copy()
    ImageDraw.Draw(picture).rectangle((3, 20, 40, 170), fill=(0, 120, 0))
    prepared = PreparedBackground(background, [(15, 175)], dpi=None)
    for data in (encode_png(picture), prepared.encode(picture)):
        assert Image.open(io.BytesIO(data), formats=["PNG"]).tobytes() == picture.tobytes()
