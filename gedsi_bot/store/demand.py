"""What participants ask for: votes for themes, counted from their feedback."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from gedsi_bot.store.tables import FeedbackRow, RegistrationRow, SessionRow


def theme_demand(db: DbSession, *, series_id: int) -> dict[str, int]:
    """How many feedback answers of the series suggested each theme, by theme id."""
    query = (
        select(FeedbackRow.suggested_theme_id, func.count())
        .join(RegistrationRow, RegistrationRow.id == FeedbackRow.registration_id)
        .join(SessionRow, SessionRow.id == RegistrationRow.session_id)
        .where(SessionRow.series_id == series_id, FeedbackRow.suggested_theme_id.is_not(None))
        .group_by(FeedbackRow.suggested_theme_id)
    )
    return {str(theme_id): int(votes) for theme_id, votes in db.execute(query)}
