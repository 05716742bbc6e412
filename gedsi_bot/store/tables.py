"""The database tables, typed with SQLAlchemy 2.0.

Times are stored in UTC and always come back timezone-aware (SQLite keeps no zone, so
``UTCDateTime`` converts on the way in and out). Enum-like columns hold the ``StrEnum`` values
of ``gedsi_bot.domain.model`` as short strings, so the database stays readable with plain SQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as UTC; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self,
        value: dt.datetime | None,
        dialect: Dialect,  # noqa: ARG002 - the signature SQLAlchemy calls
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self,
        value: dt.datetime | None,
        dialect: Dialect,  # noqa: ARG002 - the signature SQLAlchemy calls
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(default=_now, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        default=_now, onupdate=_now, server_default=func.now()
    )


class SeriesRow(Base):
    """A webinar series; one office runs one, a province may run many."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now, server_default=func.now())


class SessionRow(Timestamps, Base):
    """One episode: theme, time, status, and its meeting once there is one."""

    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("series_id", "number"),
        CheckConstraint(
            "status IN ('draft','approved','published','live','done','cancelled')",
            name="status",
        ),
        CheckConstraint("duration_minutes BETWEEN 15 AND 600", name="duration"),
        Index("ix_sessions_series_starts", "series_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    theme_id: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[dt.datetime]
    duration_minutes: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    capacity: Mapped[int | None] = mapped_column(Integer)
    # The code a flyer's QR carries in its /start payload.
    registration_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    plan_score: Mapped[float | None] = mapped_column(Float)
    plan_reasons: Mapped[list[Any]] = mapped_column(default=list)

    meeting_id: Mapped[str | None] = mapped_column(String(16))
    meeting_passcode: Mapped[str | None] = mapped_column(String(16))
    meeting_join_url: Mapped[str | None] = mapped_column(Text)
    meeting_host_url: Mapped[str | None] = mapped_column(Text)
    meeting_source: Mapped[str | None] = mapped_column(String(8))
    meeting_uses_registration: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set before asking the API for a meeting, so a retry after a crash finds the one made.
    meeting_request_key: Mapped[str | None] = mapped_column(String(64))
    # Set once the meeting's attendance was read ("zoom") or left to the admins ("admin").
    attendance_import: Mapped[str | None] = mapped_column(String(8))
    attendance_imported_at: Mapped[dt.datetime | None]

    # {"post": "<telegram file_id>", ...} and [{"chat_id": ..., "message_id": ...}, ...]
    flyer_file_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    announcement_messages: Mapped[list[Any]] = mapped_column(default=list)

    people: Mapped[list[SessionPersonRow]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        order_by="(SessionPersonRow.role, SessionPersonRow.position)",
        lazy="selectin",
    )


class SessionPersonRow(Base):
    """A speaker's or moderator's place in a session, and their answer to the invitation."""

    __tablename__ = "session_people"
    __table_args__ = (
        UniqueConstraint("session_id", "person_id"),
        CheckConstraint("role IN ('speaker','moderator')", name="role"),
        CheckConstraint("response IN ('pending','accepted','declined')", name="response"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    response: Mapped[str] = mapped_column(String(16), default="pending")
    invited_at: Mapped[dt.datetime | None]
    responded_at: Mapped[dt.datetime | None]

    session: Mapped[SessionRow] = relationship(back_populates="people")


class PersonLinkRow(Base):
    """A catalog person's Telegram account, linked once through a personal invitation link."""

    __tablename__ = "person_links"

    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    invite_token: Mapped[str] = mapped_column(String(64), unique=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    linked_at: Mapped[dt.datetime | None]


class ParticipantRow(Timestamps, Base):
    """One person who registers, keyed by Telegram account.

    Deleting one's data blanks every identifying column and sets ``deleted_at``; the row stays
    so that anonymous counts in past reports do not change.
    """

    __tablename__ = "participants"
    __table_args__ = (
        CheckConstraint("sex IS NULL OR sex IN ('L','P')", name="sex"),
        CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100", name="birth_year"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    language_code: Mapped[str | None] = mapped_column(String(16))
    full_name: Mapped[str | None] = mapped_column(String(80))
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    category: Mapped[str | None] = mapped_column(String(32))
    institution: Mapped[str | None] = mapped_column(String(120))
    area_code: Mapped[str | None] = mapped_column(String(16))
    disability_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    disability: Mapped[str | None] = mapped_column(String(24))
    needs_sign_language: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_captions: Mapped[bool] = mapped_column(Boolean, default=False)
    guardian_name: Mapped[str | None] = mapped_column(String(80))
    guardian_consent_at: Mapped[dt.datetime | None]
    consent_version: Mapped[str | None] = mapped_column(String(16))
    consent_at: Mapped[dt.datetime | None]
    subscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    subscribed_at: Mapped[dt.datetime | None]
    blocked_at: Mapped[dt.datetime | None]
    deleted_at: Mapped[dt.datetime | None]


class RegistrationRow(Timestamps, Base):
    """A participant's place in a session.

    The columns after ``snapshot`` copy who the person was when registering (sex, age band,
    category, area, disability if consented), so reports are one GROUP BY and survive the
    person deleting their data.
    """

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("session_id", "participant_id"),
        CheckConstraint(
            "status IN ('registered','waitlisted','cancelled','attended','no_show')",
            name="status",
        ),
        Index("ix_registrations_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    cancelled_at: Mapped[dt.datetime | None]
    attendance_minutes: Mapped[int | None] = mapped_column(Integer)
    attendance_source: Mapped[str | None] = mapped_column(String(8))  # zoom | admin | self
    zoom_registrant_id: Mapped[str | None] = mapped_column(String(64))
    personal_join_url: Mapped[str | None] = mapped_column(Text)
    # snapshot
    sex: Mapped[str | None] = mapped_column(String(1))
    age_band: Mapped[str | None] = mapped_column(String(8))
    is_child: Mapped[bool | None] = mapped_column(Boolean)
    category: Mapped[str | None] = mapped_column(String(32))
    area_code: Mapped[str | None] = mapped_column(String(16))
    disability: Mapped[str | None] = mapped_column(String(24))


class FeedbackRow(Base):
    __tablename__ = "feedback"
    __table_args__ = tuple(
        CheckConstraint(f"{column} IS NULL OR {column} BETWEEN 1 AND 5", name=column)
        for column in ("rating_material", "rating_speaker", "rating_usefulness")
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    rating_material: Mapped[int | None] = mapped_column(SmallInteger)
    rating_speaker: Mapped[int | None] = mapped_column(SmallInteger)
    rating_usefulness: Mapped[int | None] = mapped_column(SmallInteger)
    most_useful: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    suggested_theme_id: Mapped[str | None] = mapped_column(String(64), index=True)
    suggested_theme_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now, server_default=func.now())


class CertificateRow(Base):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    verification_code: Mapped[str] = mapped_column(String(24), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(default=_now)
    revoked_at: Mapped[dt.datetime | None]
    # The name printed on it; blanked when the holder deletes their data (and it is revoked).
    holder_name: Mapped[str | None] = mapped_column(String(80))


class OutboxRow(Base):
    """Something to send at ``due_at``; ``dedupe_key`` makes sure it is queued once."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending','sending','sent','failed','skipped','cancelled')",
            name="status",
        ),
        Index("ix_outbox_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    due_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    claimed_at: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[dt.datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=_now, server_default=func.now())


class BotStateRow(Base):
    """Conversation states and per-user data of the bot, so a restart continues a chat."""

    __tablename__ = "bot_state"
    __table_args__ = (UniqueConstraint("namespace", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    namespace: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)


class MediaRow(Base):
    """A file uploaded to Telegram once, re-sent by its ``file_id`` (keyed by content hash)."""

    __tablename__ = "media"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    file_id: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
