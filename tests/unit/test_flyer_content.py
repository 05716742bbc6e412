"""What a flyer says: content gathered from a session and the catalog, and its caption."""

import dataclasses
import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gedsi_bot.catalog import load_catalog
from gedsi_bot.domain.model import (
    Meeting,
    MeetingSource,
    Role,
    Session,
    SessionPerson,
    SessionStatus,
)
from gedsi_bot.domain.series import Catalog, CertificatePolicy, Contact
from gedsi_bot.errors import NotFound
from gedsi_bot.render.content import (
    CAPTION_LIMIT,
    FlyerContent,
    PersonCard,
    certificate_note,
    flyer_caption,
    flyer_content,
    utf16_length,
)
from tests.conftest import BUNDLED_CATALOG

JAKARTA = ZoneInfo("Asia/Jakarta")


@cache
def catalog() -> Catalog:
    return load_catalog(BUNDLED_CATALOG, now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))


def session(**overrides: object) -> Session:
    values: dict[str, object] = {
        "id": 3,
        "number": 12,
        "theme_id": "waspada-tppo",
        "starts_at": dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC),  # 09.00 WIB
        "duration_minutes": 120,
        "status": SessionStatus.PUBLISHED,
        "people": (
            SessionPerson("psikolog-puspaga", Role.SPEAKER, 0),
            SessionPerson("ketua-organisasi-disabilitas", Role.SPEAKER, 1),
            SessionPerson("analis-pug", Role.MODERATOR),
        ),
        "meeting": Meeting(
            "81234567890", "gedsi26", "https://zoom.us/j/81234567890", MeetingSource.API
        ),
        "registration_code": "k7m2x9qa",
    }
    values.update(overrides)
    return Session(**values)  # type: ignore[arg-type]


def content(**overrides: object) -> FlyerContent:
    made = flyer_content(session(), catalog(), bot_username="@CaringGedsiBot")
    return dataclasses.replace(made, **overrides)  # type: ignore[arg-type]


def test_flyer_content_gathers_the_session_and_catalog() -> None:
    made = content()
    assert made.series_name == "Caring Gedsi"
    assert made.episode == 12
    assert made.theme == catalog().theme("waspada-tppo").title
    assert [card.name for card in made.speakers] == [
        catalog().person("psikolog-puspaga").name,
        catalog().person("ketua-organisasi-disabilitas").name,
    ]
    assert made.moderator == PersonCard(
        catalog().person("analis-pug").name,
        catalog().person("analis-pug").title,
        catalog().person("analis-pug").organisation,
    )
    assert made.starts_at == dt.datetime(2026, 11, 26, 9, 0, tzinfo=JAKARTA)
    assert made.meeting_id == "812 3456 7890"
    assert made.passcode == "gedsi26"
    assert made.registration_link == "https://t.me/CaringGedsiBot?start=daftar_k7m2x9qa"


def test_flyer_content_has_no_link_without_the_bot_username() -> None:
    made = flyer_content(session(), catalog(), bot_username=None)
    assert made.registration_link is None


def test_flyer_content_names_a_theme_that_left_the_catalog() -> None:
    with pytest.raises(NotFound, match="hilang"):
        flyer_content(session(theme_id="hilang"), catalog(), bot_username=None)


def test_caption_carries_everything_the_flyer_shows() -> None:
    caption = flyer_caption(content(), "id")
    for expected in (
        "Caring Gedsi · Episode 12",
        "Bincang Ringan Gender dan Sosial Inklusi",
        catalog().theme("waspada-tppo").title,
        "Kamis, 26 November 2026 · 09.00–11.00 WIB",
        "Narasumber:",
        catalog().person("psikolog-puspaga").name,
        "Pusat Pembelajaran Keluarga (PUSPAGA) Kota Probolinggo",
        "Moderator:",
        catalog().person("analis-pug").name,
        "Zoom · Meeting ID 812 3456 7890 · Passcode gedsi26",
        "https://t.me/CaringGedsiBot?start=daftar_k7m2x9qa",
        "E-sertifikat 2 JP bagi peserta yang hadir dan mengisi umpan balik",
        "Narahubung: Sekretariat Bidang Pemberdayaan Perempuan",
        "Penyelenggara: Bidang Pemberdayaan Perempuan",
    ):
        assert expected in caption


def test_caption_says_what_is_still_to_come() -> None:
    caption = flyer_caption(content(meeting_id=None, passcode=None, registration_link=None))
    assert "Zoom: link menyusul" in caption
    assert "Pendaftaran lewat Telegram: tautan dan kode QR menyusul" in caption


def test_caption_in_english() -> None:
    caption = flyer_caption(content(), "en")
    assert "Thursday, 26 November 2026 · 09:00–11:00 WIB" in caption
    assert "Speakers:" in caption
    assert "E-certificate of 2 JP for participants who attend and give feedback" in caption


def test_caption_escapes_catalog_text() -> None:
    tricky = PersonCard("Ani <b>& Budi</b>", "Ketua", "LSM <Cahaya>")
    caption = flyer_caption(content(speakers=(tricky,)))
    assert "Ani &lt;b&gt;&amp; Budi&lt;/b&gt;" in caption
    assert "LSM &lt;Cahaya&gt;" in caption
    assert "<Cahaya>" not in caption


def test_caption_of_the_longest_texts_stays_within_telegrams_limit() -> None:
    long_text = "Pemberdayaan Perempuan dan Perlindungan Anak " * 9
    person = PersonCard(long_text, long_text, long_text)
    made = content(
        speakers=(person, person),
        moderator=person,
        organiser=long_text,
        tagline=long_text,
        contact=Contact(long_text, "0812 3456 7890", "@sekretariat_pp"),
    )
    caption = flyer_caption(made)
    assert utf16_length(caption) <= CAPTION_LIMIT
    assert made.theme in caption
    assert "https://t.me/CaringGedsiBot?start=daftar_k7m2x9qa" in caption


@settings(max_examples=60, deadline=None)
@given(
    st.text(min_size=1, max_size=400),
    st.text(min_size=1, max_size=400),
    st.text(min_size=1, max_size=160),
)
def test_caption_never_exceeds_the_limit(name: str, details: str, theme: str) -> None:
    person = PersonCard(name, details, details)
    made = content(speakers=(person, person), moderator=person, theme=theme, organiser=details)
    assert utf16_length(flyer_caption(made)) <= CAPTION_LIMIT


@pytest.mark.parametrize(
    ("policy", "jp", "expected"),
    [
        (
            CertificatePolicy(),
            2,
            "E-sertifikat 2 JP bagi peserta yang hadir dan mengisi umpan balik",
        ),
        (
            CertificatePolicy(require_feedback=False),
            3,
            "E-sertifikat 3 JP bagi peserta yang hadir",
        ),
        (
            CertificatePolicy(require_attendance=False, require_feedback=False),
            0,
            "E-sertifikat bagi semua peserta terdaftar",
        ),
    ],
)
def test_certificate_note_follows_the_policy(
    policy: CertificatePolicy, jp: int, expected: str
) -> None:
    assert certificate_note(jp, policy, "id") == expected
