"""After a session: attendance marks, feedback and certificates — queries returning values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session as DbSession

from gedsi_bot.domain.attendance import ImportOutcome
from gedsi_bot.domain.certificates import CertificateFacts
from gedsi_bot.domain.feedback import FeedbackAnswers
from gedsi_bot.domain.model import RegistrationStatus, Session, SessionStatus
from gedsi_bot.store.sessions import session_from_row
from gedsi_bot.store.tables import (
    CertificateRow,
    FeedbackRow,
    ParticipantRow,
    RegistrationRow,
    SessionRow,
)

# Sessions whose attendance may be read: they took place (or were meant to).
HELD = (SessionStatus.PUBLISHED, SessionStatus.LIVE, SessionStatus.DONE)


# --- attendance ----------------------------------------------------------------------------


def sessions_awaiting_attendance(
    db: DbSession, *, series_id: int, now: dt.datetime
) -> list[Session]:
    """Held sessions that began before ``now`` and whose attendance was not read yet."""
    query = (
        select(SessionRow)
        .where(
            SessionRow.series_id == series_id,
            SessionRow.status.in_([status.value for status in HELD]),
            SessionRow.attendance_import.is_(None),
            SessionRow.starts_at < now,
        )
        .order_by(SessionRow.starts_at)
    )
    return [session_from_row(row) for row in db.scalars(query)]


def mark_import(
    db: DbSession, *, session_id: int, outcome: ImportOutcome, now: dt.datetime
) -> bool:
    """Record that a session's attendance was read (or left to the admins); ``False`` if an
    earlier run did so already."""
    result = db.execute(
        update(SessionRow)
        .where(SessionRow.id == session_id, SessionRow.attendance_import.is_(None))
        .values(attendance_import=outcome.value, attendance_imported_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


def import_outcome(db: DbSession, *, session_id: int) -> ImportOutcome | None:
    value = db.scalar(select(SessionRow.attendance_import).where(SessionRow.id == session_id))
    return ImportOutcome(value) if value else None


@dataclass(frozen=True, slots=True)
class AttendanceLine:
    """One registration on the admins' attendance list."""

    registration_id: int
    name: str | None
    status: RegistrationStatus
    minutes: int | None
    source: str | None


def attendance_lines(db: DbSession, *, session_id: int) -> list[AttendanceLine]:
    """Registrations that could have attended (not cancelled), in registration order."""
    rows = db.execute(
        select(RegistrationRow, ParticipantRow.full_name)
        .join(ParticipantRow, ParticipantRow.id == RegistrationRow.participant_id)
        .where(
            RegistrationRow.session_id == session_id,
            RegistrationRow.status != RegistrationStatus.CANCELLED.value,
        )
        .order_by(RegistrationRow.id)
    )
    return [
        AttendanceLine(
            registration_id=row.id,
            name=name,
            status=RegistrationStatus(row.status),
            minutes=row.attendance_minutes,
            source=row.attendance_source,
        )
        for row, name in rows
    ]


def set_attendance(
    db: DbSession,
    *,
    session_id: int,
    registration_ids: Iterable[int],
    status: RegistrationStatus,
    source: str,
    now: dt.datetime,
) -> tuple[list[int], list[int]]:
    """Mark registrations of one session ``status`` by hand: (changed ids, unknown ids).

    Cancelled registrations count as unknown: a person who gave up their place cannot be
    marked present by mistake (they register again, or the admin asks them to).
    """
    wanted = sorted(set(registration_ids))
    rows = {
        row.id: row
        for row in db.scalars(
            select(RegistrationRow).where(
                RegistrationRow.session_id == session_id,
                RegistrationRow.id.in_(wanted),
                RegistrationRow.status != RegistrationStatus.CANCELLED.value,
            )
        )
    }
    changed = []
    for registration_id in wanted:
        row = rows.get(registration_id)
        if row is None:
            continue
        if row.status != status.value or row.attendance_source != source:
            row.status = status.value
            row.attendance_source = source
            row.updated_at = now
            changed.append(registration_id)
    return changed, [rid for rid in wanted if rid not in rows]


# --- people's registrations ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlaceHeld:
    """One of a person's registrations, as feedback and certificates see it."""

    registration_id: int
    participant_id: int
    status: RegistrationStatus
    session: Session
    has_feedback: bool


def places_of(db: DbSession, *, telegram_user_id: int, series_id: int) -> list[PlaceHeld]:
    """A person's registrations in a series, latest session first."""
    has_feedback = exists().where(FeedbackRow.registration_id == RegistrationRow.id)
    query = (
        select(RegistrationRow, SessionRow, has_feedback)
        .join(SessionRow, SessionRow.id == RegistrationRow.session_id)
        .join(ParticipantRow, ParticipantRow.id == RegistrationRow.participant_id)
        .where(
            ParticipantRow.telegram_user_id == telegram_user_id,
            SessionRow.series_id == series_id,
        )
        .order_by(SessionRow.starts_at.desc(), RegistrationRow.id.desc())
    )
    return [
        PlaceHeld(
            registration_id=row.id,
            participant_id=row.participant_id,
            status=RegistrationStatus(row.status),
            session=session_from_row(session),
            has_feedback=bool(given),
        )
        for row, session, given in db.execute(query)
    ]


def session_of_registration(db: DbSession, *, registration_id: int) -> Session | None:
    row = db.scalar(
        select(SessionRow)
        .join(RegistrationRow, RegistrationRow.session_id == SessionRow.id)
        .where(RegistrationRow.id == registration_id)
    )
    return session_from_row(row) if row else None


def lock_registration(db: DbSession, *, registration_id: int) -> RegistrationRow | None:
    return db.scalar(
        select(RegistrationRow).where(RegistrationRow.id == registration_id).with_for_update()
    )


# --- feedback ----------------------------------------------------------------------------------


def feedback_answers(db: DbSession, *, registration_id: int) -> FeedbackAnswers | None:
    row = db.scalar(select(FeedbackRow).where(FeedbackRow.registration_id == registration_id))
    if row is None:
        return None
    return FeedbackAnswers(
        material=row.rating_material,
        speaker=row.rating_speaker,
        usefulness=row.rating_usefulness,
        most_useful=row.most_useful,
        most_useful_answered=True,
        theme_id=row.suggested_theme_id,
        theme_text=row.suggested_theme_text,
        theme_answered=True,
    )


def save_feedback(
    db: DbSession, *, registration_id: int, answers: FeedbackAnswers, now: dt.datetime
) -> bool:
    """Store a registration's feedback, replacing an earlier one; ``True`` if it is the first.

    The caller holds the registration's row lock, so two submissions never both insert.
    """
    row = db.scalar(select(FeedbackRow).where(FeedbackRow.registration_id == registration_id))
    first = row is None
    if row is None:
        row = FeedbackRow(registration_id=registration_id, created_at=now)
        db.add(row)
    row.rating_material = answers.material
    row.rating_speaker = answers.speaker
    row.rating_usefulness = answers.usefulness
    row.most_useful = answers.most_useful
    row.suggested_theme_id = answers.theme_id
    row.suggested_theme_text = answers.theme_text
    db.flush()
    return first


def themes_taken(db: DbSession, *, series_id: int) -> set[str]:
    """Themes of the series' sessions that are planned, published or held (not cancelled)."""
    query = select(SessionRow.theme_id).where(
        SessionRow.series_id == series_id,
        SessionRow.status != SessionStatus.CANCELLED.value,
    )
    return set(db.scalars(query))


# --- certificates ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CertificateCandidate:
    registration_id: int
    participant_id: int
    holder_name: str | None
    session: Session
    facts: CertificateFacts


def certificate_candidates(
    db: DbSession,
    *,
    series_id: int,
    now: dt.datetime,
    session_ids: Sequence[int] | None = None,
    registration_ids: Sequence[int] | None = None,
    started_after: dt.datetime | None = None,
    open_only: bool = True,
) -> list[CertificateCandidate]:
    """Registrations with what the policy needs to decide; ``open_only``: only those without a
    certificate that attended or may have."""
    has_feedback = exists().where(FeedbackRow.registration_id == RegistrationRow.id)
    has_certificate = exists().where(CertificateRow.registration_id == RegistrationRow.id)
    query = (
        select(
            RegistrationRow, SessionRow, ParticipantRow.full_name, has_feedback, has_certificate
        )
        .join(SessionRow, SessionRow.id == RegistrationRow.session_id)
        .join(ParticipantRow, ParticipantRow.id == RegistrationRow.participant_id)
        .where(SessionRow.series_id == series_id)
        .order_by(RegistrationRow.id)
    )
    if open_only:
        query = query.where(
            ~has_certificate,
            ParticipantRow.deleted_at.is_(None),
            RegistrationRow.status.in_(
                [RegistrationStatus.ATTENDED.value, RegistrationStatus.REGISTERED.value]
            ),
        )
    if session_ids is not None:
        query = query.where(RegistrationRow.session_id.in_(list(session_ids)))
    if registration_ids is not None:
        query = query.where(RegistrationRow.id.in_(list(registration_ids)))
    if started_after is not None:
        query = query.where(SessionRow.starts_at >= started_after)
    candidates = []
    for row, session_row, name, given, certified in db.execute(query):
        session = session_from_row(session_row)
        candidates.append(
            CertificateCandidate(
                registration_id=row.id,
                participant_id=row.participant_id,
                holder_name=name,
                session=session,
                facts=CertificateFacts(
                    status=RegistrationStatus(row.status),
                    session_status=session.status,
                    session_ended=session.ends_at <= now,
                    feedback_given=bool(given),
                    has_certificate=bool(certified),
                    holder_known=bool(name),
                ),
            )
        )
    return candidates


def lock_session(db: DbSession, *, session_id: int) -> None:
    """Hold the session row until the transaction ends, so serial numbers do not collide."""
    db.execute(select(SessionRow.id).where(SessionRow.id == session_id).with_for_update())


def certificates_in_session(db: DbSession, *, session_id: int) -> int:
    query = (
        select(func.count(CertificateRow.id))
        .join(RegistrationRow, RegistrationRow.id == CertificateRow.registration_id)
        .where(RegistrationRow.session_id == session_id)
    )
    return db.scalar(query) or 0


def has_certificate(db: DbSession, *, registration_id: int) -> bool:
    query = select(CertificateRow.id).where(CertificateRow.registration_id == registration_id)
    return db.scalar(query) is not None


def code_taken(db: DbSession, code: str) -> bool:
    query = select(CertificateRow.id).where(CertificateRow.verification_code == code)
    return db.scalar(query) is not None


def add_certificate(
    db: DbSession,
    *,
    registration_id: int,
    serial: str,
    code: str,
    holder_name: str,
    now: dt.datetime,
) -> None:
    db.add(
        CertificateRow(
            registration_id=registration_id,
            serial=serial,
            verification_code=code,
            holder_name=holder_name,
            issued_at=now,
        )
    )
    db.flush()


@dataclass(frozen=True, slots=True)
class StoredCertificate:
    """A certificate with its holder's chat and the session it is for."""

    serial: str
    code: str
    issued_at: dt.datetime
    revoked_at: dt.datetime | None
    holder_name: str | None
    registration_id: int
    session: Session
    chat_id: int | None
    language_code: str | None


def _stored(db: DbSession, *conditions: object) -> list[StoredCertificate]:
    query = (
        select(CertificateRow, RegistrationRow.id, SessionRow, ParticipantRow)
        .join(RegistrationRow, RegistrationRow.id == CertificateRow.registration_id)
        .join(SessionRow, SessionRow.id == RegistrationRow.session_id)
        .join(ParticipantRow, ParticipantRow.id == RegistrationRow.participant_id)
        .where(*conditions)  # type: ignore[arg-type]
        .order_by(SessionRow.starts_at, CertificateRow.id)
    )
    return [
        StoredCertificate(
            serial=certificate.serial,
            code=certificate.verification_code,
            issued_at=certificate.issued_at,
            revoked_at=certificate.revoked_at,
            holder_name=certificate.holder_name,
            registration_id=registration_id,
            session=session_from_row(session),
            chat_id=person.chat_id,
            language_code=person.language_code,
        )
        for certificate, registration_id, session, person in db.execute(query)
    ]


def certificate_by_code(db: DbSession, code: str) -> StoredCertificate | None:
    found = _stored(db, CertificateRow.verification_code == code)
    return found[0] if found else None


def certificate_by_serial(db: DbSession, serial: str) -> StoredCertificate | None:
    found = _stored(db, CertificateRow.serial == serial)
    return found[0] if found else None


def certificates_of(
    db: DbSession, *, telegram_user_id: int, series_id: int
) -> list[StoredCertificate]:
    """A person's certificates in the series that still stand, earliest session first."""
    return _stored(
        db,
        ParticipantRow.telegram_user_id == telegram_user_id,
        SessionRow.series_id == series_id,
        CertificateRow.revoked_at.is_(None),
    )


def certificates_for_registrations(
    db: DbSession, registration_ids: Sequence[int]
) -> list[StoredCertificate]:
    return _stored(db, CertificateRow.registration_id.in_(list(registration_ids)))


def revoke_certificates(db: DbSession, *, participant_id: int, now: dt.datetime) -> list[str]:
    """Revoke a person's certificates and forget the name on them; the serials revoked."""
    rows = db.scalars(
        select(CertificateRow)
        .join(RegistrationRow, RegistrationRow.id == CertificateRow.registration_id)
        .where(RegistrationRow.participant_id == participant_id)
    ).all()
    revoked = []
    for row in rows:
        if row.revoked_at is None:
            row.revoked_at = now
        row.holder_name = None
        revoked.append(row.serial)
    return revoked


def revoked_serials(db: DbSession) -> list[str]:
    query = select(CertificateRow.serial).where(CertificateRow.revoked_at.is_not(None))
    return list(db.scalars(query))
