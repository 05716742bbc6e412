"""Template files: what the office may change, and how mistakes are reported."""

import dataclasses
import re
from pathlib import Path

import pytest

from gedsi_bot.domain.series import Branding
from gedsi_bot.errors import TemplateError
from gedsi_bot.render.template import (
    FlyerFormat,
    load_certificate_template,
    load_flyer_templates,
)
from tests.render_factories import bundled_catalog, copy_flyers

ISSUE = re.compile(r"^(?P<path>.+):(?P<line>\d+):(?P<column>\d+): (?P<message>.+)$")


@pytest.fixture
def flyers(tmp_path: Path) -> Path:
    return copy_flyers(tmp_path / "flyers")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def messages(error: TemplateError) -> list[str]:
    return [issue.message for issue in error.issues]


def test_bundled_templates_load() -> None:
    templates = load_flyer_templates(Path("flyers"), bundled_catalog())
    assert {fmt: (t.width, t.height) for fmt, t in templates.items()} == {
        FlyerFormat.POST: (1080, 1350),
        FlyerFormat.SQUARE: (1080, 1080),
        FlyerFormat.STORY: (1080, 1920),
        FlyerFormat.A4: (2480, 3508),
    }
    certificate = load_certificate_template(Path("flyers"), bundled_catalog())
    assert (certificate.width, certificate.height, certificate.dpi) == (3508, 2480, 300)


def test_low_contrast_text_is_refused_naming_the_element_and_ratio(flyers: Path) -> None:
    post = flyers / "templates" / "post.yaml"
    edit(post, "size: [34, 68]\n    color: primary", "size: [34, 68]\n    color: accent")
    with pytest.raises(TemplateError) as caught:
        load_flyer_templates(flyers, bundled_catalog())
    assert messages(caught.value) == [
        (
            "teks 'theme' (accent (#F4A261)) di atas background (#FFFFFF): kontras 2.06:1, "
            "minimal 4.5:1"
        )
    ]
    issue = caught.value.issues[0]
    assert (issue.path, issue.line) == (str(post), line_of(post, "color: accent"))


def test_branding_colour_that_fails_contrast_is_refused(flyers: Path) -> None:
    catalog = bundled_catalog()
    pale = dataclasses.replace(
        catalog,
        branding=Branding(colors={**catalog.branding.colors, "text": "#B8B8C0"}),
    )
    with pytest.raises(TemplateError) as caught:
        load_flyer_templates(flyers, pale)
    found = messages(caught.value)
    assert (
        "teks 'meeting' (text (#B8B8C0)) di atas #F1EAF8: kontras 1.67:1, minimal 4.5:1" in found
    )
    assert all("kontras" in message for message in found)


def test_text_over_two_shapes_must_read_on_both(flyers: Path) -> None:
    post = flyers / "templates" / "post.yaml"
    # Move the date so it straddles the white page and the lavender panel.
    edit(post, "when: {box: [96, 990, 888, 42]", "when: {box: [96, 962, 888, 42]")
    edit(
        post,
        "font: bold, size: [22, 30], color: primary",
        'font: bold, size: [22, 30], color: "#9A8AA8"',
    )
    with pytest.raises(TemplateError) as caught:
        load_flyer_templates(flyers, bundled_catalog())
    found = [m for m in messages(caught.value) if "'when'" in m]
    assert found == [
        "teks 'when' (#9A8AA8) di atas #F1EAF8: kontras 2.71:1, minimal 4.5:1",
        "teks 'when' (#9A8AA8) di atas background (#FFFFFF): kontras 3.19:1, minimal 4.5:1",
    ]


def test_every_mistake_is_reported_at_once_with_its_place(flyers: Path) -> None:
    post = flyers / "templates" / "post.yaml"
    edit(post, "color: secondary, uppercase: true}", "color: ungu, uppercase: true}")
    edit(post, "regular: ../fonts/PlusJakartaSans-Regular.woff2", "regular: ../fonts/Hilang.ttf")
    edit(post, "  when: {box: [96, 990, 888, 42]", "  when: {box: [96, 990, 888, 42], warna: 1")
    edit(post, "contact: {box: [300, 1266, 716, 64]", "contact: {box: [300, 1266, 716, 64, 3]")
    with pytest.raises(TemplateError) as caught:
        load_flyer_templates(flyers, bundled_catalog())
    issues = caught.value.issues
    assert all(issue.path == str(post) for issue in issues)
    assert [(issue.line, issue.message) for issue in issues] == sorted(
        (issue.line, issue.message) for issue in issues
    )
    assert {issue.message for issue in issues} == {
        "kunci 'warna' tidak dikenal (salah ketik?)",
        "kotak ditulis sebagai [x, y, lebar, tinggi] dalam piksel, lebar dan tinggi lebih dari 0",
    }
    # Shape mistakes stop the file before names are resolved; fix them and the rest shows.
    edit(post, ", warna: 1", "")
    edit(post, "[300, 1266, 716, 64, 3]", "[300, 1266, 716, 64]")
    with pytest.raises(TemplateError) as caught:
        load_flyer_templates(flyers, bundled_catalog())
    found = messages(caught.value)
    assert "berkas font '../fonts/Hilang.ttf' tidak ditemukan" in found
    assert (
        "warna 'ungu' tidak ada di branding.colors pada themes.yaml; tulis nama warna dari sana "
        "atau kode seperti #5B2A86"
    ) in found


def test_overlapping_boxes_are_refused(flyers: Path) -> None:
    post = flyers / "templates" / "post.yaml"
    edit(post, "meeting: {box: [96, 1036, 888, 34]", "meeting: {box: [96, 1020, 888, 34]")
    with pytest.raises(TemplateError) as caught:
        load_flyer_templates(flyers, bundled_catalog())
    assert messages(caught.value) == ["kotak 'meeting' bertumpuk dengan kotak 'when'"]
    assert caught.value.issues[0].line == line_of(post, "meeting: {box:")


def test_box_outside_the_canvas_is_refused(flyers: Path) -> None:
    square = flyers / "templates" / "square.yaml"
    edit(square, "contact: {box: [264, 1010, 760, 56]", "contact: {box: [264, 1010, 860, 56]")
    with pytest.raises(TemplateError) as caught:
        load_flyer_templates(flyers, bundled_catalog())
    assert messages(caught.value) == ["kotak 'contact' keluar dari bidang 1080×1080 piksel"]


def test_theme_box_too_small_for_the_longest_theme_is_refused(flyers: Path) -> None:
    story = flyers / "templates" / "story.yaml"
    edit(story, "box: [72, 560, 936, 290]", "box: [72, 560, 936, 120]")
    with pytest.raises(TemplateError) as caught:
        load_flyer_templates(flyers, bundled_catalog())
    assert messages(caught.value) == [
        (
            "kotak 'theme' terlalu kecil: tema sepanjang 160 karakter tidak muat walau pada "
            "ukuran huruf terkecil (40 px)"
        )
    ]


def test_missing_template_file_is_named(flyers: Path) -> None:
    (flyers / "templates" / "story.yaml").unlink()
    with pytest.raises(TemplateError) as caught:
        load_flyer_templates(flyers, bundled_catalog())
    assert messages(caught.value) == [
        f"templat 'story.yaml' tidak ditemukan di {flyers / 'templates'}"
    ]


def test_messages_in_english(flyers: Path) -> None:
    post = flyers / "templates" / "post.yaml"
    edit(post, "meeting: {box: [96, 1036, 888, 34]", "meeting: {box: [96, 1020, 888, 34]")
    with pytest.raises(TemplateError) as caught:
        load_flyer_templates(flyers, bundled_catalog(), language="en")
    assert messages(caught.value) == ["box 'meeting' overlaps box 'when'"]


def test_flyer_larger_than_telegram_accepts_is_refused(flyers: Path) -> None:
    square = flyers / "templates" / "square.yaml"
    edit(square, "size: [1080, 1080]\n", "size: [1080, 1080]\noutput: [6000, 6000]\n")
    with pytest.raises(TemplateError) as caught:
        load_flyer_templates(flyers, bundled_catalog())
    assert messages(caught.value) == [
        (
            "bidang 6000×6000 piksel terlalu besar untuk foto Telegram: lebar + tinggi paling "
            "banyak 10000"
        )
    ]
