"""The admins' attendance list and the feedback form's buttons, as Telegram will show them."""

from __future__ import annotations

import datetime as dt

from gedsi_bot.bot.attendance import PAGE_SIZE, sheet_message
from gedsi_bot.bot.feedback_form import rating_keyboard, theme_keyboard
from gedsi_bot.domain.attendance import ImportOutcome
from gedsi_bot.domain.feedback import Aspect
from gedsi_bot.domain.model import RegistrationStatus, Session, SessionStatus
from gedsi_bot.services.attendance import AttendanceSheet
from gedsi_bot.store.aftercare import AttendanceLine

SESSION = Session(
    id=1,
    number=12,
    theme_id="cegah-kdrt",
    starts_at=dt.datetime(2026, 12, 10, 2, tzinfo=dt.UTC),
    duration_minutes=120,
    status=SessionStatus.PUBLISHED,
)


def sheet(count: int) -> AttendanceSheet:
    lines = tuple(
        AttendanceLine(
            registration_id=100 + i,
            name=None if i == 0 else f"Peserta {i}",
            status=RegistrationStatus.ATTENDED if i % 2 else RegistrationStatus.NO_SHOW,
            minutes=90 if i % 2 else None,
            source="zoom",
        )
        for i in range(count)
    )
    return AttendanceSheet(session=SESSION, lines=lines, imported=ImportOutcome.ZOOM)


def callback_data(markup: object) -> list[str]:
    rows = getattr(markup, "inline_keyboard", ())
    return [button.callback_data for row in rows for button in row]


def test_attendance_list_pages_ten_at_a_time_with_toggles() -> None:
    text, markup = sheet_message(sheet(23), 1, "Cegah KDRT", "id")
    data = callback_data(markup)
    toggles = [d for d in data if d.startswith("hdr:")]
    assert len(toggles) == PAGE_SIZE
    assert toggles[0] == "hdr:12:110:1"
    assert data[-2:] == ["hdp:12:0", "hdp:12:2"]
    assert "Halaman 2 dari 3" in text
    assert "11 dari 23 pendaftar hadir" in text  # the odd ones
    assert all(len(d.encode()) <= 64 for d in data)


def test_attendance_list_shows_deleted_people_without_a_name() -> None:
    text, _ = sheet_message(sheet(1), 0, "Cegah KDRT", "id")
    assert "(data dihapus)" in text


def test_empty_attendance_list_says_so() -> None:
    text, markup = sheet_message(sheet(0), 0, "Cegah KDRT", "id")
    assert "Belum ada pendaftar" in text
    assert markup is None


def test_rating_buttons_carry_the_aspect_and_value() -> None:
    data = callback_data(rating_keyboard(Aspect.SPEAKER, "id"))
    assert data == [f"fbr:speaker:{n}" for n in range(1, 6)] + ["fbx:"]


def test_theme_too_long_for_a_button_is_left_to_typing() -> None:
    data = callback_data(theme_keyboard([("a" * 70, "Panjang"), ("kbgo", "KBGO")], "id"))
    assert data == ["fbt:kbgo", "fbo:", "fbs:", "fbx:"]
