"""The session's run-sheet (rundown): opening, each speaker, Q&A and closing, with times.

The moderator opens and closes; speakers share the talk time equally in their order; the
questions get about a quarter of the time between opening and closing. Times are rounded to
five minutes so the sheet reads like one a person would write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from gedsi_bot.domain.model import Session

OPENING_MINUTES = 10
CLOSING_MINUTES = 10
QA_SHARE = 0.25
_STEP = 5


class Segment(StrEnum):
    OPENING = "opening"
    TALK = "talk"
    QA = "qa"
    CLOSING = "closing"


@dataclass(frozen=True, slots=True)
class RunItem:
    segment: Segment
    starts_at: dt.datetime
    minutes: int
    person_id: str | None = None  # the speaker of a talk, the moderator otherwise


def _rounded(minutes: float) -> int:
    return max(_STEP, round(minutes / _STEP) * _STEP)


def run_sheet(session: Session) -> list[RunItem]:
    """The run-sheet of ``session``, from its start to its end without gaps."""
    middle = session.duration_minutes - OPENING_MINUTES - CLOSING_MINUTES
    qa = _rounded(middle * QA_SHARE)
    speakers = session.speaker_ids or (None,)
    talk_total = middle - qa
    each = _rounded(talk_total / len(speakers)) if talk_total > 0 else _STEP
    lengths = [each] * (len(speakers) - 1)
    lengths.append(max(_STEP, talk_total - sum(lengths)))
    moderator = session.moderator_id
    items = [(Segment.OPENING, OPENING_MINUTES, moderator)]
    items += [(Segment.TALK, length, pid) for pid, length in zip(speakers, lengths, strict=True)]
    items += [(Segment.QA, qa, moderator), (Segment.CLOSING, CLOSING_MINUTES, moderator)]
    sheet = []
    at = session.starts_at
    for segment, minutes, person in items:
        sheet.append(RunItem(segment, at, minutes, person))
        at += dt.timedelta(minutes=minutes)
    return sheet
