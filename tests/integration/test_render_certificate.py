"""E-certificates: A4 landscape PNG and PDF, names that fit, the verification QR code."""

import io
from itertools import combinations

import pytest
import zxingcpp
from PIL import Image

from gedsi_bot.domain.layout import Box
from gedsi_bot.domain.series import Signatory
from gedsi_bot.render.certificate import layout_certificate, render_certificate
from gedsi_bot.render.draw import PlacedImage, PlacedText
from gedsi_bot.render.template.checks import LONGEST_PARTICIPANT, LONGEST_THEME
from tests.render_factories import certificate_template, make_certificate, write_photo


def shown(content: object) -> dict[str, str]:
    layout = layout_certificate(content, certificate_template())  # type: ignore[arg-type]
    return {item.element: item.text for item in layout.items if isinstance(item, PlacedText)}


def test_certificate_png_is_a4_landscape_at_300_dpi() -> None:
    data = render_certificate(make_certificate(), template=certificate_template(), fmt="png")
    image = Image.open(io.BytesIO(data), formats=["PNG"])
    assert image.size == (3508, 2480)
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)


def test_certificate_pdf_is_one_a4_landscape_page_without_a_date() -> None:
    data = render_certificate(make_certificate(), template=certificate_template(), fmt="pdf")
    assert data.startswith(b"%PDF-")
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") == 1
    # 3508 × 2480 pixels at 300 dpi is 842 × 595 points: A4 landscape.
    assert b"/MediaBox [ 0 0 841.92 595.2 ]" in data
    assert b"CreationDate" not in data
    assert b"ModDate" not in data


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_same_certificate_gives_the_same_bytes(fmt: str) -> None:
    first = render_certificate(make_certificate(), template=certificate_template(), fmt=fmt)
    second = render_certificate(make_certificate(), template=certificate_template(), fmt=fmt)
    assert first == second


def test_certificate_says_who_what_when_and_how_many_hours() -> None:
    texts = shown(make_certificate())
    assert texts["title"] == "SERTIFIKAT"
    assert texts["serial"] == "Nomor: CG-2026-012-00042"
    assert texts["participant"] == "Siti Nurhaliza Rahmawati, S.Pd."
    assert texts["role"] == (
        "sebagai peserta Caring Gedsi — Bincang Ringan Gender dan Sosial Inklusi, episode 12, "
        "dengan tema"
    )
    assert texts["theme"] == (
        "“Waspada Perdagangan Orang dan Jalur Kerja ke Luar Negeri yang Tidak Resmi”"
    )
    assert texts["held"].replace("\u00a0", " ") == (
        "yang diselenggarakan secara daring pada Kamis, 26 November 2026, setara dengan 2 jam "
        "pelajaran (JP)."
    )
    assert texts["signatory_title"] == "Kepala Dinas"
    assert texts["signatory_name"] == "Kepala Dinas Sosial PPPA Kota Probolinggo"
    assert texts["verify_code"] == "Kode verifikasi: x8k2m9q4"
    assert "specimen" not in texts


def test_long_name_and_theme_fit_without_overlap() -> None:
    content = make_certificate(participant_name=LONGEST_PARTICIPANT, theme=LONGEST_THEME)
    template = certificate_template()
    layout = layout_certificate(content, template)
    placed = [item for item in layout.items if isinstance(item, PlacedText)]
    for text in placed:
        assert template.elements[text.element].box.contains(text.box), text.element
        assert not text.shortened, text.element
    for first, second in combinations(placed, 2):
        assert not first.box.intersects(second.box), (first.element, second.element)
    texts = {text.element: text.text for text in placed}
    assert texts["participant"] == LONGEST_PARTICIPANT


def test_sample_is_marked_as_not_valid() -> None:
    assert shown(make_certificate(specimen=True))["specimen"] == (
        "CONTOH — bukan sertifikat yang sah"
    )


def test_verification_qr_code_scans_to_the_check_link() -> None:
    data = render_certificate(make_certificate(), template=certificate_template())
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)).convert("RGB"))
    assert [code.text for code in found] == ["https://t.me/CaringGedsiBot?start=cek_x8k2m9q4"]


def test_verification_qr_code_needs_the_bot_username() -> None:
    template = certificate_template()
    with_link = layout_certificate(make_certificate(), template)
    without = make_certificate(verification_link=None)
    qr = [i for i in with_link.items if isinstance(i, PlacedImage) and i.element == "qr"]
    assert len(qr) == 1
    assert template.elements["qr"].box.contains(qr[0].box)
    texts = shown(without)
    assert texts["verify"] == (
        "Kode verifikasi: x8k2m9q4. Tanyakan keasliannya kepada penyelenggara."
    )
    layout = layout_certificate(without, template)
    assert not [i for i in layout.items if isinstance(i, PlacedImage) and i.element == "qr"]


def test_signature_image_is_drawn_in_its_box(tmp_path: object) -> None:
    from pathlib import Path

    signature = write_photo(Path(str(tmp_path)) / "ttd.png", (20, 20, 120), size=(600, 200))
    content = make_certificate(signatory=Signatory("Dra. Siti Aminah", "Kepala Dinas", signature))
    template = certificate_template()
    layout = layout_certificate(content, template)
    drawn = [i for i in layout.items if isinstance(i, PlacedImage) and i.element == "signature"]
    assert len(drawn) == 1
    box: Box = template.elements["signature"].box
    assert box.contains(drawn[0].box)
    assert drawn[0].box.height == box.height or drawn[0].box.width == box.width
