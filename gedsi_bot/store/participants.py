"""Participants: one row per Telegram account, and what they told us about themselves."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession

from gedsi_bot.domain.model import AccessibilityNeed, Category, Disability, Participant, Sex
from gedsi_bot.domain.registration import Profile
from gedsi_bot.store.tables import ParticipantRow


def participant_from_row(row: ParticipantRow) -> Participant:
    """The domain value of a stored participant."""
    needs: set[AccessibilityNeed] = set()
    if row.needs_sign_language:
        needs.add(AccessibilityNeed.SIGN_LANGUAGE)
    if row.needs_captions:
        needs.add(AccessibilityNeed.CAPTIONS)
    return Participant(
        id=row.id,
        telegram_user_id=row.telegram_user_id,
        language_code=row.language_code,
        full_name=row.full_name,
        sex=Sex(row.sex) if row.sex else None,
        birth_year=row.birth_year,
        category=Category(row.category) if row.category else None,
        institution=row.institution,
        area_code=row.area_code,
        disability=(
            Disability(row.disability) if row.disability and row.disability_consent else None
        ),
        accessibility_needs=frozenset(needs),
        guardian_name=row.guardian_name,
        guardian_consent_at=row.guardian_consent_at,
        consent_version=row.consent_version,
        consent_at=row.consent_at,
        subscribed=row.subscribed,
        blocked=row.blocked_at is not None,
    )


def find_participant_row(db: DbSession, *, telegram_user_id: int) -> ParticipantRow | None:
    """The participant row of a Telegram account (deleted people have no account any more)."""
    return db.scalar(
        select(ParticipantRow).where(ParticipantRow.telegram_user_id == telegram_user_id)
    )


def ensure_participant_row(
    db: DbSession,
    *,
    telegram_user_id: int,
    chat_id: int,
    language_code: str | None,
    now: dt.datetime,
) -> ParticipantRow:
    """The participant row of an account, created on first contact; chat and language follow."""
    row = find_participant_row(db, telegram_user_id=telegram_user_id)
    if row is None:
        row = ParticipantRow(
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            language_code=language_code,
            created_at=now,
            updated_at=now,
        )
        try:
            with db.begin_nested():
                db.add(row)
        except IntegrityError:  # the same person's other update got there first
            existing = find_participant_row(db, telegram_user_id=telegram_user_id)
            assert existing is not None
            row = existing
        else:
            return row
    if row.chat_id != chat_id:
        row.chat_id = chat_id
    if language_code and row.language_code != language_code:
        row.language_code = language_code
    if row.blocked_at is not None:
        row.blocked_at = None  # they wrote to us, so they have not blocked the bot (any more)
    return row


def save_profile(
    row: ParticipantRow, profile: Profile, *, consent_version: str | None, now: dt.datetime
) -> None:
    """Store a complete profile; ``consent_version`` records a fresh agreement to the notice."""
    row.full_name = profile.full_name
    row.sex = profile.sex.value
    row.birth_year = profile.birth_year
    row.category = profile.category.value
    row.institution = profile.institution
    row.area_code = profile.area_code
    row.disability_consent = profile.disability_consent
    row.disability = profile.disability.value if profile.disability else None
    row.needs_sign_language = AccessibilityNeed.SIGN_LANGUAGE in profile.accessibility_needs
    row.needs_captions = AccessibilityNeed.CAPTIONS in profile.accessibility_needs
    if profile.minor:
        row.guardian_name = profile.guardian_name
        if row.guardian_consent_at is None or consent_version is not None:
            row.guardian_consent_at = now
    else:
        row.guardian_name = None
        row.guardian_consent_at = None
    if consent_version is not None:
        row.consent_version = consent_version
        row.consent_at = now
    row.updated_at = now


def set_subscribed(row: ParticipantRow, *, subscribed: bool, now: dt.datetime) -> None:
    if row.subscribed != subscribed:
        row.subscribed = subscribed
        row.subscribed_at = now if subscribed else None
        row.updated_at = now


def erase_participant(row: ParticipantRow, *, now: dt.datetime) -> None:
    """Blank every column that identifies or describes the person; keep the row and its id.

    The anonymous snapshots on past registrations keep the reports' counts unchanged.
    """
    row.telegram_user_id = None
    row.chat_id = None
    row.language_code = None
    row.full_name = None
    row.sex = None
    row.birth_year = None
    row.category = None
    row.institution = None
    row.area_code = None
    row.disability_consent = False
    row.disability = None
    row.needs_sign_language = False
    row.needs_captions = False
    row.guardian_name = None
    row.guardian_consent_at = None
    row.consent_version = None
    row.consent_at = None
    row.subscribed = False
    row.subscribed_at = None
    row.blocked_at = None
    row.deleted_at = now
    row.updated_at = now


def mark_blocked(db: DbSession, *, chat_id: int, now: dt.datetime) -> bool:
    """The person in ``chat_id`` blocked the bot (Telegram said 403): unsubscribe, record when.

    ``False`` if no participant has that chat. Writing to the bot again clears ``blocked_at``.
    """
    row = db.scalar(
        select(ParticipantRow).where(
            or_(ParticipantRow.chat_id == chat_id, ParticipantRow.telegram_user_id == chat_id)
        )
    )
    if row is None:
        return False
    set_subscribed(row, subscribed=False, now=now)
    row.blocked_at = now
    row.updated_at = now
    return True
