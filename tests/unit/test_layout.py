"""The pure text-fitting rules, measured with a simple fixed-width font."""

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from gedsi_bot.domain.layout import (
    ELLIPSIS,
    NO_BREAK,
    Box,
    fit_or_shorten,
    fit_text,
    words_of,
    wrap_words,
)


@dataclass(frozen=True)
class MonoMetrics:
    """Every character is half the size wide; ascent is the size, descent a quarter."""

    size: int

    @property
    def ascent(self) -> int:
        return self.size

    @property
    def descent(self) -> int:
        return self.size // 4

    def width(self, text: str) -> int:
        return len(text) * self.size // 2


def mono(size: int) -> MonoMetrics:
    return MonoMetrics(size)


def test_wrap_words_keeps_whole_words_on_lines() -> None:
    lines = wrap_words(words_of("Mengenal Pengarusutamaan Gender"), width=16, measure=len)
    assert lines == ("Mengenal", "Pengarusutamaan", "Gender")


def test_wrap_words_refuses_a_word_wider_than_the_line() -> None:
    assert wrap_words(["Pengarusutamaan"], width=10, measure=len) is None


def test_wrap_words_fills_each_line_greedily() -> None:
    lines = wrap_words(words_of("data terpilah untuk semua"), width=13, measure=len)
    assert lines == ("data terpilah", "untuk semua")


def test_no_break_space_keeps_a_date_together() -> None:
    date = f"Kamis, 26{NO_BREAK}November{NO_BREAK}2026"
    assert words_of(f"pada {date}") == ["pada", "Kamis,", f"26{NO_BREAK}November{NO_BREAK}2026"]


def test_fit_text_takes_the_largest_size_that_fits() -> None:
    text = "Waspada Perdagangan Orang dan Jalur Kerja ke Luar Negeri"
    block = fit_text(text, width=400, height=200, sizes=(10, 80), metrics_at=mono)
    assert block is not None
    bigger = fit_text(
        text, width=400, height=200, sizes=(block.size + 1, block.size + 1), metrics_at=mono
    )
    assert bigger is None
    assert block.height <= 200
    assert all(mono(block.size).width(line) <= 400 for line in block.lines)
    assert " ".join(block.lines) == text


def test_fit_text_gives_none_when_even_the_smallest_size_fails() -> None:
    assert (
        fit_text("Pengarusutamaan", width=50, height=100, sizes=(10, 20), metrics_at=mono) is None
    )


def test_fit_text_respects_max_lines() -> None:
    block = fit_text(
        "satu dua tiga empat lima enam",
        width=300,
        height=1000,
        sizes=(10, 200),
        metrics_at=mono,
        max_lines=1,
    )
    assert block is not None
    assert len(block.lines) == 1


def test_balanced_lines_keep_the_count_and_avoid_a_stub() -> None:
    text = "Perempuan Berdaya Ekonomi dan Literasi Keuangan Keluarga kita"
    plain = fit_text(text, width=600, height=400, sizes=(30, 30), metrics_at=mono)
    balanced = fit_text(text, width=600, height=400, sizes=(30, 30), metrics_at=mono, balance=True)
    assert plain is not None
    assert balanced is not None
    assert len(balanced.lines) == len(plain.lines)
    assert max(map(len, balanced.lines)) - min(map(len, balanced.lines)) <= max(
        map(len, plain.lines)
    ) - min(map(len, plain.lines))


def test_fit_or_shorten_cuts_at_a_word_and_marks_it() -> None:
    block = fit_or_shorten(
        "Ketua Organisasi Penyandang Disabilitas Kota Probolinggo",
        width=200,
        height=40,
        sizes=(20, 30),
        metrics_at=mono,
    )
    assert block.shortened
    assert block.lines == (f"Ketua Organisasi{ELLIPSIS}",)


def test_fit_or_shorten_gives_nothing_when_not_even_one_word_fits() -> None:
    block = fit_or_shorten("Pengarusutamaan", width=20, height=40, sizes=(20, 30), metrics_at=mono)
    assert block.lines == ()
    assert block.shortened


def test_boxes_that_touch_do_not_overlap() -> None:
    top, below = Box(0, 0, 100, 50), Box(0, 50, 100, 50)
    assert not top.intersects(below)
    assert top.intersects(Box(99, 49, 10, 10))
    assert Box(0, 0, 100, 100).contains(top)
    assert not top.contains(Box(0, 0, 100, 51))


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=14)


@given(
    st.lists(words, min_size=1, max_size=30),
    st.integers(min_value=80, max_value=900),
    st.integers(min_value=20, max_value=400),
)
def test_fitted_text_never_leaves_its_box_and_keeps_every_word(
    parts: list[str], width: int, height: int
) -> None:
    text = " ".join(parts)
    block = fit_or_shorten(text, width=width, height=height, sizes=(8, 60), metrics_at=mono)
    assert block.height <= height
    assert all(mono(block.size).width(line) <= width for line in block.lines)
    if not block.shortened:
        assert words_of(" ".join(block.lines)) == parts
