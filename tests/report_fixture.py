"""A small series whose report can be counted by hand.

Groups of identical registrations, each line one group (P = perempuan, L = laki-laki):

session 1 — Thu 8 Jan 2026 06.30 WIB (23.30 UTC the day before), done, attendance recorded
  G1  10 P 30-34 kader          Ketapang   tidak            attended  feedback 5/4/5 (1)
  G2   6 L 40-44 asn            Mayangan   (not asked)      attended
  G3   4 P 15-19 pelajar (child) Jati      fisik            no_show
  G4   2 P 20-24 org. perempuan luar kota  tidak_menjawab   registered (never marked)
  G5   3 L 50-54 kepala sekolah Ketapang   tidak            waitlisted
  G6   1 P 25-29 masy. umum     Kedopok    sensorik_netra   cancelled
session 2 — Thu 12 Feb 2026 09.00 WIB, done, attendance recorded
  G7   8 P 30-34 kader          Ketapang   tidak            attended  feedback 4/4/3 (2)
  G8   5 L 10-14 pelajar (child) Wonoasih  (not asked)      attended  feedback 3/5/4 (1)
  G9   2 P 35-39 asn            Mayangan   sensorik_rungu   no_show
session 3 — Thu 12 Mar 2026 09.00 WIB, published, not held yet
  G10  7 P 45-49 kader          Kanigaran  tidak            registered
  G11  1 L 60-64 lainnya        luar kota  (not asked)      waitlisted
session 4 — draft, no registrations (not reported); another series' session with 3 registrations
(never counted).

(1) suggesting theme kesehatan-mental; (2) the first 8 people of G1. G7's feedback: 6 suggest
uu-tpks; one writes "Parenting digital" (most useful: "Contoh kasus");
the first person of G1 (and so of G7) has deleted their data and wrote "Rahasia" / "jangan
tampil" — counted, never listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from gedsi_bot.domain.model import SessionStatus
from gedsi_bot.store.sessions import add_session, ensure_series
from gedsi_bot.store.tables import FeedbackRow, ParticipantRow, RegistrationRow, SessionRow

JAKARTA = ZoneInfo("Asia/Jakarta")
KETAPANG = "35.74.01.1001"  # kecamatan Kademangan 35.74.01
MAYANGAN = "35.74.03.1001"  # kecamatan Mayangan 35.74.03
JATI = "35.74.03.1004"  # kecamatan Mayangan
KEDOPOK = "35.74.05.1005"  # kecamatan Kedopok 35.74.05
WONOASIH = "35.74.02.1007"  # kecamatan Wonoasih 35.74.02
KANIGARAN = "35.74.04.1003"  # kecamatan Kanigaran 35.74.04

SESSION_STARTS = {
    1: dt.datetime(2026, 1, 8, 6, 30, tzinfo=JAKARTA),
    2: dt.datetime(2026, 2, 12, 9, 0, tzinfo=JAKARTA),
    3: dt.datetime(2026, 3, 12, 9, 0, tzinfo=JAKARTA),
    4: dt.datetime(2026, 4, 9, 9, 0, tzinfo=JAKARTA),
}
SERIES_SLUG = "caring-gedsi"


@dataclass(frozen=True)
class Group:
    count: int
    session: int
    sex: str
    age_band: str
    category: str
    area: str
    disability: str | None
    status: str
    ratings: tuple[int, int, int] | None = None
    theme: str | None = None
    same_people_as: str | None = None


GROUPS = {
    "G1": Group(
        10, 1, "P", "30-34", "kader", KETAPANG, "tidak", "attended", (5, 4, 5), "kesehatan-mental"
    ),
    "G2": Group(6, 1, "L", "40-44", "asn", MAYANGAN, None, "attended"),
    "G3": Group(4, 1, "P", "15-19", "pelajar_forum_anak", JATI, "fisik", "no_show"),
    "G4": Group(
        2, 1, "P", "20-24", "organisasi_perempuan", "luar_kota", "tidak_menjawab", "registered"
    ),
    "G5": Group(3, 1, "L", "50-54", "kepala_sekolah", KETAPANG, "tidak", "waitlisted"),
    "G6": Group(1, 1, "P", "25-29", "masyarakat_umum", KEDOPOK, "sensorik_netra", "cancelled"),
    "G7": Group(
        8, 2, "P", "30-34", "kader", KETAPANG, "tidak", "attended", (4, 4, 3), "uu-tpks", "G1"
    ),
    "G8": Group(
        5,
        2,
        "L",
        "10-14",
        "pelajar_forum_anak",
        WONOASIH,
        None,
        "attended",
        (3, 5, 4),
        "kesehatan-mental",
    ),
    "G9": Group(2, 2, "P", "35-39", "asn", MAYANGAN, "sensorik_rungu", "no_show"),
    "G10": Group(7, 3, "P", "45-49", "kader", KANIGARAN, "tidak", "registered"),
    "G11": Group(1, 3, "L", "60-64", "lainnya", "luar_kota", None, "waitlisted"),
}
CHILD_BANDS = {"10-14", "15-19"}


def _birth_year(age_band: str, on: int = 2026) -> int:
    """A birth year that falls in ``age_band`` in the year ``on``."""
    return on - int(age_band.split("-", maxsplit=1)[0]) - 2


def build_series(db: Session) -> int:
    """Store the fixture series; return its id."""
    series_id = ensure_series(db, slug=SERIES_SLUG, name="Caring Gedsi")
    session_ids = {}
    themes = {1: "pug-dasar", 2: "cegah-kdrt", 3: "uu-tpks", 4: "kbgo"}
    statuses = {
        1: SessionStatus.DONE,
        2: SessionStatus.DONE,
        3: SessionStatus.PUBLISHED,
        4: SessionStatus.DRAFT,
    }
    for number, starts in SESSION_STARTS.items():
        session = add_session(
            db,
            series_id=series_id,
            theme_id=themes[number],
            starts_at=starts,
            duration_minutes=120,
            speaker_ids=[],
            moderator_id=None,
            status=statuses[number],
            number=number,
        )
        session_ids[number] = session.id

    people: dict[str, list[ParticipantRow]] = {}
    serial = 0
    for name, group in GROUPS.items():
        if group.same_people_as:
            people[name] = people[group.same_people_as][: group.count]
            continue
        rows = []
        for index in range(group.count):
            serial += 1
            rows.append(
                ParticipantRow(
                    telegram_user_id=1000 + serial,
                    full_name=f"Peserta {name}-{index + 1}",
                    sex=group.sex,
                    birth_year=_birth_year(group.age_band),
                    category=group.category,
                    institution=f"Instansi {name}",
                    area_code=group.area,
                    disability_consent=group.disability is not None,
                    disability=group.disability,
                )
            )
        db.add_all(rows)
        people[name] = rows
    db.flush()

    registrations: dict[str, list[RegistrationRow]] = {}
    for name, group in GROUPS.items():
        registrations[name] = [
            RegistrationRow(
                session_id=session_ids[group.session],
                participant_id=person.id,
                status=group.status,
                attendance_minutes=110 if group.status == "attended" else None,
                sex=group.sex,
                age_band=group.age_band,
                is_child=group.age_band in CHILD_BANDS,
                category=group.category,
                area_code=group.area,
                disability=group.disability,
            )
            for person in people[name]
        ]
        db.add_all(registrations[name])
    db.flush()

    for name, group in GROUPS.items():
        if group.ratings is None:
            continue
        material, speaker, usefulness = group.ratings
        for index, registration in enumerate(registrations[name]):
            feedback = FeedbackRow(
                registration_id=registration.id,
                rating_material=material,
                rating_speaker=speaker,
                rating_usefulness=usefulness,
                suggested_theme_id=group.theme,
            )
            if name == "G7" and index == 0:
                feedback.suggested_theme_id = None
                feedback.suggested_theme_text = "Rahasia"
                feedback.comment = "jangan tampil"
            elif name == "G7" and index == 1:
                feedback.suggested_theme_id = None
                feedback.suggested_theme_text = "Parenting digital"
                feedback.most_useful = "Contoh kasus"
            db.add(feedback)

    # The first person of G1 (also in G7) deletes their data: identifying columns blanked.
    deleted = people["G1"][0]
    deleted.full_name = None
    deleted.institution = None
    deleted.birth_year = None
    deleted.telegram_user_id = None
    deleted.deleted_at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

    _other_series(db)
    db.flush()
    return series_id


def _other_series(db: Session) -> None:
    other = ensure_series(db, slug="seri-lain", name="Seri lain")
    session = SessionRow(
        series_id=other,
        number=1,
        theme_id="pug-dasar",
        starts_at=dt.datetime(2026, 2, 12, 9, 0, tzinfo=JAKARTA),
        duration_minutes=90,
        status="done",
    )
    db.add(session)
    db.flush()
    for index in range(3):
        person = ParticipantRow(telegram_user_id=9000 + index, full_name="Orang lain", sex="L")
        db.add(person)
        db.flush()
        db.add(
            RegistrationRow(
                session_id=session.id,
                participant_id=person.id,
                status="attended",
                sex="L",
                age_band="30-34",
                is_child=False,
                category="asn",
                area_code=KETAPANG,
            )
        )
