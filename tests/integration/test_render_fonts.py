"""The bundled fonts cover Indonesian text and names; what they cannot draw is left out."""

from pathlib import Path

import pytest
from PIL import Image

from gedsi_bot.render.certificate import layout_certificate
from gedsi_bot.render.content import PersonCard
from gedsi_bot.render.draw import PlacedText, _rasterise, _rasterise_measured
from gedsi_bot.render.flyer import layout_flyer
from gedsi_bot.render.fonts import face
from gedsi_bot.render.template import FlyerFormat
from tests.render_factories import (
    FLYERS_DIR,
    certificate_template,
    flyer_templates,
    make_certificate,
    make_content,
)

FONTS = sorted((FLYERS_DIR / "fonts").glob("*.woff2"))
# The Indonesian alphabet, digits, the punctuation of dates, times, degrees and links, and the
# accented letters of names from across the archipelago and abroad.
NEEDED = (
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    " .,:;!?'\"()[]/-–—·…‘’“”&@#%+=_~*"
    "ÀÁÂÄÅÈÉÊËÌÍÎÏÒÓÔÖÙÚÛÜÑÇàáâäåèéêëìíîïòóôöùúûüñçĀāĒēĪīŌōŪūŚśŁłŻżŠšŽžĞğŞşİı"
)


@pytest.mark.parametrize("path", FONTS, ids=lambda path: path.name)
def test_bundled_font_covers_indonesian_text_and_names(path: Path) -> None:
    font = face(path.resolve())
    assert [char for char in NEEDED if not font.covers(char)] == []


def test_font_says_what_it_cannot_draw() -> None:
    font = face(FONTS[0].resolve())
    assert not font.covers("🌸")
    assert font.printable("Siti 🌸 Aminah ★") == "Siti Aminah"
    assert font.printable("Siti Aminah") == "Siti Aminah"


def test_emoji_in_names_leave_no_empty_boxes() -> None:
    speaker = PersonCard("Siti 🌸 Aminah", "Psikolog ✨", "PUSPAGA")
    layout = layout_flyer(make_content(speakers=(speaker,)), flyer_templates()[FlyerFormat.POST])
    lines = [
        line.text
        for item in layout.items
        if isinstance(item, PlacedText) and item.element == "speakers"
        for line in item.lines
    ]
    assert lines == ["Siti Aminah", "Psikolog, PUSPAGA"]


def test_certificate_name_keeps_its_letters_without_emoji() -> None:
    layout = layout_certificate(
        make_certificate(participant_name="Dewi Lestari 😊"), certificate_template()
    )
    names = [
        item.text
        for item in layout.items
        if isinstance(item, PlacedText) and item.element == "participant"
    ]
    assert names == ["Dewi Lestari"]


def _painted(line: tuple[Image.Image, int, int]) -> bytes:
    mask, dx, dy = line
    canvas = Image.new("L", (1600, 240), 0)
    canvas.paste(255, (80 + dx, 160 + dy), mask)
    return canvas.tobytes()


LINES = ["Kamis, 14 Januari 2027 pukul 09.00–11.00 WIB", "t.me/CaringGedsiBot?start=kode01", "ƒjÅ"]


@pytest.mark.parametrize("path", FONTS, ids=lambda path: path.name)
@pytest.mark.parametrize("size", [17, 23, 24, 40])  # below 24 px text is oversampled
def test_line_mask_holds_all_the_ink_the_font_draws(path: Path, size: int) -> None:
    sized = face(path.resolve()).at(size)
    for text in LINES:
        assert _painted(_rasterise(sized, text)) == _painted(_rasterise_measured(sized, text))


def test_line_wider_than_measured_is_still_drawn_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    sized = face(FONTS[0].resolve()).at(18)
    expected = _painted(_rasterise_measured(sized, LINES[0]))
    monkeypatch.setattr(sized, "width", lambda text: 1)
    assert _painted(_rasterise(sized, LINES[0])) == expected
