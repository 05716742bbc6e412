import pytest

from gedsi_bot.domain.contrast import (
    contrast_ratio,
    format_ratio,
    parse_hex,
    readable,
    relative_luminance,
)

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)


def test_parse_hex_reads_six_digit_codes() -> None:
    assert parse_hex("#5B2A86") == (91, 42, 134)
    assert parse_hex("#ffffff") == WHITE


@pytest.mark.parametrize("text", ["5B2A86", "#FFF", "#GGGGGG", "primary", "#5B2A86 "])
def test_parse_hex_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="#RRGGBB"):
        parse_hex(text)


def test_relative_luminance_spans_black_to_white() -> None:
    assert relative_luminance(BLACK) == 0.0
    assert relative_luminance(WHITE) == pytest.approx(1.0)


def test_contrast_ratio_of_black_on_white_is_21() -> None:
    assert contrast_ratio(BLACK, WHITE) == pytest.approx(21.0)
    assert contrast_ratio(WHITE, BLACK) == pytest.approx(21.0)


def test_contrast_ratio_of_a_colour_with_itself_is_1() -> None:
    assert contrast_ratio((91, 42, 134), (91, 42, 134)) == pytest.approx(1.0)


def test_contrast_ratio_matches_the_wcag_reference_grey() -> None:
    # #767676 is the lightest grey that passes AA on white (4.54:1).
    assert contrast_ratio(parse_hex("#767676"), WHITE) == pytest.approx(4.54, abs=0.01)
    assert readable(parse_hex("#767676"), WHITE)
    assert not readable(parse_hex("#777777"), WHITE)


def test_branding_accent_on_white_fails_but_on_primary_passes() -> None:
    accent, primary = parse_hex("#F4A261"), parse_hex("#5B2A86")
    assert not readable(accent, WHITE)
    assert readable(accent, primary)


def test_format_ratio_rounds_down_so_a_shown_pass_is_a_pass() -> None:
    assert format_ratio(4.4999) == "4.49:1"
    assert format_ratio(21.0) == "21.00:1"
