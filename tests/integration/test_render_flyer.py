"""Flyers drawn from the bundled templates: fit, overlap, images, determinism, Telegram limits."""

import io
import logging
import struct
import zlib
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from gedsi_bot.domain.layout import Box
from gedsi_bot.render.content import PersonCard
from gedsi_bot.render.draw import Layout, PlacedImage, PlacedShape, PlacedText
from gedsi_bot.render.flyer import (
    TELEGRAM_MAX_BYTES,
    TELEGRAM_MAX_SIDES,
    layout_flyer,
    render_flyer,
)
from gedsi_bot.render.template import FlyerFormat, Template
from gedsi_bot.render.template.checks import LONGEST_THEME
from tests.render_factories import (
    LONG_NAME,
    bundled_catalog,
    flyer_templates,
    long_person,
    make_content,
    write_photo,
)

FORMATS = list(FlyerFormat)


def texts(layout: Layout) -> list[PlacedText]:
    return [item for item in layout.items if isinstance(item, PlacedText)]


def element_box(template: Template, name: str) -> Box:
    return template.elements[name].box


def assert_laid_out_cleanly(layout: Layout, template: Template) -> None:
    """Every text inside its element's box and the canvas; no two elements' texts overlap."""
    canvas = Box(0, 0, template.width, template.height)
    placed = texts(layout)
    for text in placed:
        assert canvas.contains(text.box), text.element
        assert element_box(template, text.element).contains(text.box), text.element
        for line in text.lines:
            assert text.box.contains(line.ink), (text.element, line.text)
    for first, second in combinations(placed, 2):
        if first.element != second.element:
            assert not first.box.intersects(second.box), (first.element, second.element)


@pytest.mark.parametrize("fmt", FORMATS)
def test_flyer_is_a_png_telegram_accepts(fmt: FlyerFormat) -> None:
    template = flyer_templates()[fmt]
    data = render_flyer(make_content(), fmt, templates=flyer_templates())
    image = Image.open(io.BytesIO(data), formats=["PNG"])
    assert image.size == (template.width, template.height)
    assert image.width + image.height <= TELEGRAM_MAX_SIDES
    assert len(data) <= TELEGRAM_MAX_BYTES


def test_print_format_is_a4_at_300_dpi() -> None:
    data = render_flyer(make_content(), FlyerFormat.A4, templates=flyer_templates())
    image = Image.open(io.BytesIO(data))
    assert image.size == (2480, 3508)
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)


@pytest.mark.parametrize("fmt", FORMATS)
def test_qr_code_scans_to_the_registration_link(fmt: FlyerFormat) -> None:
    data = render_flyer(make_content(), fmt, templates=flyer_templates())
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)).convert("RGB"))
    assert [code.text for code in found] == ["https://t.me/CaringGedsiBot?start=daftar_k7m2x9qa"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_longest_theme_and_names_fit_without_overlap(fmt: FlyerFormat) -> None:
    template = flyer_templates()[fmt]
    content = make_content(
        theme=LONGEST_THEME,
        speakers=(long_person(), long_person()),
        moderator=long_person(),
    )
    layout = layout_flyer(content, template)
    assert_laid_out_cleanly(layout, template)
    theme = [text for text in texts(layout) if text.element == "theme"]
    assert " ".join(line.text for text in theme for line in text.lines) == LONGEST_THEME
    assert not any(text.shortened for text in theme)
    names = [
        line.text for text in texts(layout) if text.element == "speakers" for line in text.lines
    ]
    assert names  # the people are there, whole or cut at a word with "…"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_catalog_theme_fits_whole(fmt: FlyerFormat) -> None:
    template = flyer_templates()[fmt]
    for theme in bundled_catalog().themes:
        layout = layout_flyer(make_content(theme=theme.title), template)
        placed = [text for text in texts(layout) if text.element == "theme"]
        assert " ".join(line.text for text in placed for line in text.lines) == theme.title
        assert_laid_out_cleanly(layout, template)


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_speaker_without_moderator_meeting_or_link(fmt: FlyerFormat) -> None:
    template = flyer_templates()[fmt]
    content = make_content(
        speakers=(make_content().speakers[0],),
        moderator=None,
        meeting_id=None,
        passcode=None,
        registration_link=None,
    )
    layout = layout_flyer(content, template)
    assert_laid_out_cleanly(layout, template)
    shown = {text.element: text.text for text in texts(layout)}
    assert "moderator" not in shown
    assert "moderator_label" not in shown
    assert shown["meeting"] == "Zoom: link menyusul"
    assert shown["qr"] == "Kode QR pendaftaran menyusul"
    assert "registration_link" not in shown


def test_flyer_shows_the_grouped_meeting_id_and_the_link() -> None:
    layout = layout_flyer(make_content(), flyer_templates()[FlyerFormat.POST])
    shown = {text.element: text.text for text in texts(layout)}
    assert shown["meeting"] == "Zoom · Meeting ID 812 3456 7890 · Passcode gedsi26"
    assert shown["registration_link"] == "https://t.me/CaringGedsiBot?start=daftar_k7m2x9qa"
    assert shown["when"] == "Kamis, 26 November 2026 · 09.00–11.00 WIB"
    assert shown["episode"] == "EPISODE 12"
    qr = [item for item in layout.items if isinstance(item, PlacedImage) and item.element == "qr"]
    assert len(qr) == 1


def test_flyer_in_english() -> None:
    layout = layout_flyer(make_content(language="en"), flyer_templates()[FlyerFormat.POST])
    shown = {text.element: text.text for text in texts(layout)}
    assert shown["when"] == "Thursday, 26 November 2026 · 09:00–11:00 WIB"
    assert shown["speakers_label"] == "SPEAKERS"


def test_same_content_gives_the_same_bytes() -> None:
    first = render_flyer(make_content(), FlyerFormat.POST, templates=flyer_templates())
    second = render_flyer(make_content(), FlyerFormat.POST, templates=flyer_templates())
    assert first == second
    assert b"tIME" not in first
    assert b"tEXt" not in first


def test_photo_is_drawn_in_a_circle(tmp_path: Path) -> None:
    photo = write_photo(tmp_path / "foto.jpg", (200, 30, 40))
    speaker = PersonCard("Siti Aminah", "Psikolog", "PUSPAGA", photo)
    layout = layout_flyer(make_content(speakers=(speaker,)), flyer_templates()[FlyerFormat.POST])
    avatars = [
        item
        for item in layout.items
        if isinstance(item, PlacedImage) and item.element == "speakers"
    ]
    avatar = avatars[0].image
    centre = avatar.getpixel((avatar.width // 2, avatar.height // 2))
    assert centre[:3] == pytest.approx((200, 30, 40), abs=3)
    assert avatar.getpixel((0, 0))[3] == 0  # outside the circle is transparent


def test_exif_orientation_is_honoured(tmp_path: Path) -> None:
    from gedsi_bot.render.images import open_image

    picture = Image.new("RGB", (40, 20), (255, 0, 0))
    picture.paste((0, 0, 255), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: rotate 90° clockwise to show
    path = tmp_path / "miring.jpg"
    picture.save(path, exif=exif, quality=95)
    upright = open_image(path)
    assert upright.size == (20, 40)
    assert upright.getpixel((10, 5))[:3] == pytest.approx((255, 0, 0), abs=40)
    assert upright.getpixel((10, 35))[:3] == pytest.approx((0, 0, 255), abs=40)


def _initials_drawn(layout: Layout) -> bool:
    avatars = [
        item
        for item in layout.items
        if isinstance(item, PlacedImage) and item.element == "speakers"
    ]
    # The bundled avatar colour is the branding's secondary colour, #0F766E.
    image = avatars[0].image
    return image.getpixel((image.width // 2, image.height // 5))[:3] == (15, 118, 110)


def _missing(folder: Path) -> Path:
    return folder / "tidak-ada.jpg"


def _not_an_image(folder: Path) -> Path:
    path = folder / "rusak.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 these bytes are not a photo")
    return path


def _gif(folder: Path) -> Path:
    path = folder / "foto.gif"
    Image.new("RGB", (50, 50), (200, 30, 40)).save(path)
    return path


def _huge_png(folder: Path) -> Path:
    """A PNG whose header claims 10000 × 10000 pixels (no pixel data is ever needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 10_000, 10_000, 8, 2, 0, 0, 0)
    path = folder / "raksasa.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize(
    ("make_photo", "reason"),
    [
        (_missing, "(missing)"),
        (_not_an_image, "(damaged or unreadable image)"),
        (_gif, "(not a JPEG, PNG or WebP image)"),
        (_huge_png, "(too many pixels)"),
    ],
)
def test_unusable_photo_becomes_initials_with_a_warning_without_personal_data(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    make_photo: Callable[[Path], Path],
    reason: str,
) -> None:
    speaker = PersonCard(LONG_NAME, "Psikolog", "PUSPAGA", make_photo(tmp_path))
    with caplog.at_level(logging.WARNING, logger="gedsi_bot.render"):
        layout = layout_flyer(
            make_content(speakers=(speaker,)), flyer_templates()[FlyerFormat.POST]
        )
    assert _initials_drawn(layout)
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [f"speaker 1 photo unusable {reason}; initials drawn instead"]
    assert "Siti" not in messages[0]
    assert str(tmp_path) not in messages[0]


def test_logos_are_drawn_and_a_broken_one_is_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGBA", (300, 300), (255, 255, 255, 0)).save(logo)
    broken = _not_an_image(tmp_path)
    template = flyer_templates()[FlyerFormat.POST]
    with caplog.at_level(logging.WARNING, logger="gedsi_bot.render"):
        layout = layout_flyer(make_content(logos=(logo, broken, logo)), template)
    logos = [
        item for item in layout.items if isinstance(item, PlacedImage) and item.element == "logos"
    ]
    assert len(logos) == 2
    assert all(element_box(template, "logos").contains(item.box) for item in logos)
    assert not logos[0].box.intersects(logos[1].box)
    assert [record.getMessage() for record in caplog.records] == [
        "logo 2 unusable (damaged or unreadable image); left out"
    ]


def test_shapes_come_from_the_template() -> None:
    template = flyer_templates()[FlyerFormat.POST]
    layout = layout_flyer(make_content(), template)
    shapes = [item for item in layout.background if isinstance(item, PlacedShape)]
    assert [shape.box for shape in shapes] == [shape.box for shape in template.shapes]


def test_line_masks_are_kept_within_their_memory_budget() -> None:
    from gedsi_bot.render.draw import _MaskCache

    font = flyer_templates()[FlyerFormat.POST].elements["theme"].style.face.at(60)  # type: ignore[union-attr]
    cache = _MaskCache(budget=200_000)
    for number in range(40):
        mask, _, _ = cache.get(font, f"Episode {number}")
        assert mask.width > 0
    assert 0 < cache.used <= 200_000
    assert cache.get(font, "Episode 39") is cache.get(font, "Episode 39")
