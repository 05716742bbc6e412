"""Where a published session stands in time: published until it starts, live while it runs,
done once it has ended. Approving, publishing and cancelling are the team's decisions; these
two steps are the clock's."""

from __future__ import annotations

import datetime as dt

from gedsi_bot.domain.model import Session, SessionStatus

_RUNNING = frozenset({SessionStatus.PUBLISHED, SessionStatus.LIVE})


def status_at(session: Session, now: dt.datetime) -> SessionStatus:
    """The status ``session`` should have at ``now``; unchanged unless the clock moves it."""
    if session.status not in _RUNNING:
        return session.status
    if now >= session.ends_at:
        return SessionStatus.DONE
    if now >= session.starts_at:
        return SessionStatus.LIVE
    return session.status
