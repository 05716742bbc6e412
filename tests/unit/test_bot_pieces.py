import asyncio
import datetime as dt

import pytest
from icalendar import Calendar
from telegram import Chat, Message, Update, User

from gedsi_bot.areas import load_areas
from gedsi_bot.bot import keyboards as kb
from gedsi_bot.bot.updates import PerChatUpdateProcessor, serial_key
from gedsi_bot.domain.model import Registration, RegistrationStatus
from gedsi_bot.domain.registration import Question
from gedsi_bot.services.calendar_file import calendar_filename, session_calendar
from gedsi_bot.services.notices import confirmation_text, join_url
from gedsi_bot.store.sessions import session_from_row
from gedsi_bot.store.tables import SessionRow
from tests.registration_factories import NOW, bundled_catalog


def message_update(update_id: int, user_id: int) -> Update:
    chat = Chat(user_id, Chat.PRIVATE)
    user = User(user_id, "Siti", is_bot=False)
    return Update(update_id, message=Message(update_id, NOW, chat, from_user=user, text="hai"))


def stored_session(*, meeting: bool = True, uses_registration: bool = False) -> object:
    row = SessionRow(
        id=7,
        series_id=1,
        number=12,
        theme_id="cegah-kdrt",
        starts_at=dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC),
        duration_minutes=120,
        status="published",
        capacity=150,
        registration_code="K12",
        plan_reasons=[],
    )
    row.people = []
    if meeting:
        row.meeting_id = "81234567890"
        row.meeting_passcode = "gedsi26"
        row.meeting_join_url = "https://zoom.us/j/81234567890"
        row.meeting_source = "manual"
        row.meeting_uses_registration = uses_registration
    return session_from_row(row)


def registration(url: str | None = None) -> Registration:
    return Registration(
        id=3,
        session_id=7,
        participant_id=1,
        status=RegistrationStatus.REGISTERED,
        created_at=NOW,
        personal_join_url=url,
    )


# --- per-user ordering -------------------------------------------------------------------------


async def test_one_persons_updates_run_in_order_and_others_run_alongside() -> None:
    processor = PerChatUpdateProcessor(16)
    started: list[str] = []
    finished: list[str] = []
    release = asyncio.Event()

    async def work(name: str) -> None:
        started.append(name)
        if name == "a1":
            await release.wait()
        finished.append(name)

    tasks = [
        asyncio.create_task(processor.process_update(message_update(i, user), work(name)))
        for i, (user, name) in enumerate([(1, "a1"), (1, "a2"), (2, "b1")])
    ]
    await asyncio.sleep(0.05)
    assert started == ["a1", "b1"]  # a2 waits for a1; b1 does not
    assert finished == ["b1"]
    release.set()
    await asyncio.gather(*tasks)
    assert finished == ["b1", "a1", "a2"]
    assert processor._locks == {}


def test_serial_key_is_the_user() -> None:
    assert serial_key(message_update(1, 42)) == 42
    assert serial_key(object()) is None


# --- callback data -----------------------------------------------------------------------------


def test_every_area_button_fits_telegrams_callback_limit() -> None:
    areas = load_areas()
    markups = [kb.kecamatan(areas, "id")] + [kb.kelurahan(k, "id") for k in areas.kecamatan]
    for markup in markups:
        for row in markup.inline_keyboard:
            for button in row:
                assert len(str(button.callback_data).encode()) <= kb.MAX_CALLBACK_BYTES


def test_kecamatan_keyboard_offers_every_kecamatan_and_outside_the_city() -> None:
    areas = load_areas()
    texts = [b.text for row in kb.kecamatan(areas, "id").inline_keyboard for b in row]
    assert texts == [k.name for k in areas.kecamatan] + ["Luar Kota Probolinggo"]


def test_callback_data_over_64_bytes_is_refused() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        kb.data("x", "é" * 40)


def test_edit_menu_buttons_name_their_question() -> None:
    markup = kb.edit_menu([Question.NAME, Question.AREA], "id")
    assert [b.callback_data for b in markup.inline_keyboard[0]] == ["edit:name", "edit:area"]


# --- confirmation and the calendar file ---------------------------------------------------------


def test_confirmation_has_the_date_in_indonesian_and_the_meeting() -> None:
    session = stored_session()
    text = confirmation_text(
        bundled_catalog(), session, registration(), "id", name="Siti <Aminah>"
    )
    assert "Siti &lt;Aminah&gt;" in text
    assert "Kamis, 10 Desember 2026 pukul 09.00 WIB" in text
    assert "<code>812 3456 7890</code>" in text
    assert "<code>gedsi26</code>" in text
    assert "https://zoom.us/j/81234567890" in text
    assert "/batal" in text


def test_confirmation_without_a_meeting_says_the_link_follows() -> None:
    text = confirmation_text(
        bundled_catalog(), stored_session(meeting=False), registration(), "id", name="Siti"
    )
    assert "akan dikirim" in text
    assert "Meeting ID:" not in text


def test_registration_meetings_use_the_personal_link() -> None:
    session = stored_session(uses_registration=True)
    assert (
        join_url(session, registration("https://zoom.us/w/1?tk=me")) == "https://zoom.us/w/1?tk=me"
    )
    assert join_url(session, registration(None)) is None


def test_calendar_file_holds_the_session_with_alarms() -> None:
    catalog = bundled_catalog()
    session = stored_session()
    content = session_calendar(catalog, session, registration(), "id", now=NOW)
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC)
    assert event.decoded("dtend") == dt.datetime(2026, 12, 10, 4, 0, tzinfo=dt.UTC)
    assert str(event["uid"]) == "caring-gedsi-12@gedsi-bot"
    assert "812 3456 7890" in str(event["description"])
    assert str(event["location"]) == "https://zoom.us/j/81234567890"
    triggers = sorted(alarm.decoded("trigger") for alarm in event.walk("VALARM"))
    assert triggers == [-dt.timedelta(days=1), -dt.timedelta(hours=1)]
    assert calendar_filename(catalog, session) == "caring-gedsi-12.ics"
