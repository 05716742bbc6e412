"""The rehearsal clock: a shift of the real time, shared by processes through a file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gedsi_bot.clock import RehearsalClock, SystemClock, clock_from_settings
from gedsi_bot.config import Settings
from gedsi_bot.errors import ConfigError

MOMENT = dt.datetime(2026, 12, 9, 8, 0, tzinfo=dt.UTC)
SLACK = dt.timedelta(seconds=5)


def test_rehearsal_clock_without_file_is_the_real_time(tmp_path: Path) -> None:
    clock = RehearsalClock(tmp_path / "clock.json")

    assert abs(clock.now() - dt.datetime.now(dt.UTC)) < SLACK
    assert clock.changed() is False


def test_rehearsal_clock_moved_by_one_instance_is_seen_by_another(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    mover, reader = RehearsalClock(path), RehearsalClock(path)

    mover.move_to(MOMENT)

    assert MOMENT <= reader.now() < MOMENT + SLACK
    assert reader.changed() is True
    assert reader.changed() is False


def test_rehearsal_clock_reports_a_change_even_after_now_read_it(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    clock = RehearsalClock(path)
    clock.changed()

    RehearsalClock(path).move_to(MOMENT + dt.timedelta(days=1))
    clock.now()

    assert clock.changed() is True


def test_rehearsal_clock_with_a_broken_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    path.write_text("besok pagi")

    with pytest.raises(ConfigError, match=r"clock\.json"):
        RehearsalClock(path).now()


def test_clock_from_settings_is_the_real_clock_by_default() -> None:
    assert isinstance(clock_from_settings(Settings()), SystemClock)


def test_clock_from_settings_refuses_a_shift_against_real_telegram(tmp_path: Path) -> None:
    settings = Settings(rehearsal_clock=tmp_path / "clock.json")

    with pytest.raises(ConfigError, match="GEDSI_REHEARSAL_CLOCK"):
        clock_from_settings(settings)


def test_clock_from_settings_shifts_against_the_sandbox(tmp_path: Path) -> None:
    settings = Settings(
        rehearsal_clock=tmp_path / "clock.json", telegram_api_url="http://127.0.0.1:8081"
    )

    assert isinstance(clock_from_settings(settings), RehearsalClock)
