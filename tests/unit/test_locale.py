import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gedsi_bot.locale import (
    format_span,
    format_when,
    language_for,
    messages,
    placeholders,
    t,
)

JAKARTA = ZoneInfo("Asia/Jakarta")


def test_both_languages_have_the_same_keys() -> None:
    assert set(messages("id")) == set(messages("en"))


def test_translations_use_the_same_placeholders() -> None:
    english = messages("en")
    for key, indonesian in messages("id").items():
        assert placeholders(indonesian) == placeholders(english[key]), key


def test_date_reads_as_in_indonesian_letters() -> None:
    moment = dt.datetime(2026, 11, 26, 9, 0, tzinfo=JAKARTA)
    assert format_when(moment) == "Kamis, 26 November 2026 pukul 09.00 WIB"
    assert format_when(moment, "en") == "Thursday, 26 November 2026 at 09:00 WIB"


def test_span_uses_a_dot_in_times_and_the_zone_once() -> None:
    start = dt.datetime(2026, 11, 26, 9, 0, tzinfo=JAKARTA)
    end = start + dt.timedelta(hours=2)
    assert format_span(start, end) == "Kamis, 26 November 2026 · 09.00–11.00 WIB"


@pytest.mark.parametrize(("zone", "name"), [("Asia/Makassar", "WITA"), ("Asia/Jayapura", "WIT")])
def test_other_indonesian_zones_have_their_names(zone: str, name: str) -> None:
    moment = dt.datetime(2027, 1, 14, 9, 0, tzinfo=ZoneInfo(zone))
    assert format_when(moment).endswith(f"09.00 {name}")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        format_when(dt.datetime(2026, 11, 26, 9, 0))  # noqa: DTZ001


def test_language_follows_telegram_language_code() -> None:
    assert language_for("en-GB") == "en"
    assert language_for("id") == "id"
    assert language_for("jv") == "id"
    assert language_for(None) == "id"


def test_messages_fill_their_placeholders() -> None:
    assert t("cli.not_found", "id", what="sesi 9") == "Tidak ditemukan: sesi 9."
