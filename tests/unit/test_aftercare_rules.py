"""Pure rules after a session: attendance threshold and timing, certificate policy, serials and
codes, feedback answers and the themes offered for a vote."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from gedsi_bot.domain.attendance import (
    IMPORT_DELAY,
    IMPORT_GIVE_UP,
    attendance_status,
    give_up_import,
    import_due,
)
from gedsi_bot.domain.certificates import (
    CODE_ALPHABET,
    CertificateFacts,
    Missing,
    certificate_due,
    display_code,
    format_serial,
    is_serial,
    new_verification_code,
    normalise_code,
    serial_prefix,
    still_missing,
)
from gedsi_bot.domain.feedback import (
    Aspect,
    FeedbackAnswers,
    FeedbackProblem,
    InvalidFeedback,
    Step,
    candidate_themes,
    clean_text,
    may_give_feedback,
    next_step,
    parse_rating,
    theme_for_text,
)
from gedsi_bot.domain.model import RegistrationStatus, SessionStatus, Theme, ThemeGroup
from gedsi_bot.domain.series import CertificatePolicy

END = dt.datetime(2026, 12, 10, 4, 0, tzinfo=dt.UTC)


# --- attendance ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (84, RegistrationStatus.ATTENDED),  # exactly 70% of 120
        (83, RegistrationStatus.NO_SHOW),
        (0, RegistrationStatus.NO_SHOW),
        (200, RegistrationStatus.ATTENDED),
    ],
)
def test_attendance_threshold_is_a_share_of_the_duration(
    minutes: int, expected: RegistrationStatus
) -> None:
    status = attendance_status(minutes=minutes, duration_minutes=120, threshold_percent=70)
    assert status is expected


def test_import_waits_a_few_minutes_after_the_end() -> None:
    assert not import_due(ends_at=END, now=END)
    assert not import_due(ends_at=END, now=END + IMPORT_DELAY - dt.timedelta(seconds=1))
    assert import_due(ends_at=END, now=END + IMPORT_DELAY)


def test_missing_report_is_final_at_once_for_a_hand_entered_meeting() -> None:
    assert give_up_import(ends_at=END, now=END + IMPORT_DELAY, manual=True)
    assert not give_up_import(ends_at=END, now=END + IMPORT_DELAY, manual=False)
    assert give_up_import(ends_at=END, now=END + IMPORT_GIVE_UP, manual=False)


# --- certificate policy -------------------------------------------------------------------------


def facts(**changes: object) -> CertificateFacts:
    base: dict[str, object] = {
        "status": RegistrationStatus.ATTENDED,
        "session_status": SessionStatus.PUBLISHED,
        "session_ended": True,
        "feedback_given": True,
        "has_certificate": False,
        "holder_known": True,
    }
    base.update(changes)
    return CertificateFacts(**base)  # type: ignore[arg-type]


STRICT = CertificatePolicy(require_attendance=True, require_feedback=True)


def test_certificate_is_due_when_attended_and_feedback_given() -> None:
    assert certificate_due(STRICT, facts())


@pytest.mark.parametrize(
    "changes",
    [
        {"status": RegistrationStatus.REGISTERED},
        {"status": RegistrationStatus.NO_SHOW},
        {"feedback_given": False},
        {"has_certificate": True},
        {"holder_known": False},
        {"session_ended": False},
        {"session_status": SessionStatus.CANCELLED},
    ],
)
def test_certificate_waits_for_every_condition(changes: dict[str, object]) -> None:
    assert not certificate_due(STRICT, facts(**changes))


def test_policy_without_attendance_takes_registered_people() -> None:
    policy = CertificatePolicy(require_attendance=False, require_feedback=True)
    assert certificate_due(policy, facts(status=RegistrationStatus.REGISTERED))
    assert not certificate_due(policy, facts(status=RegistrationStatus.NO_SHOW))
    assert not certificate_due(policy, facts(status=RegistrationStatus.CANCELLED))


def test_policy_without_feedback_needs_only_attendance() -> None:
    policy = CertificatePolicy(require_attendance=True, require_feedback=False)
    assert certificate_due(policy, facts(feedback_given=False))


def test_still_missing_names_what_a_person_can_do() -> None:
    waiting = facts(status=RegistrationStatus.REGISTERED, feedback_given=False)
    assert still_missing(STRICT, waiting) == (Missing.ATTENDANCE, Missing.FEEDBACK)
    assert still_missing(STRICT, facts()) == ()


# --- serials and codes -------------------------------------------------------------------------


def test_serial_reads_like_the_offices_numbering() -> None:
    prefix = serial_prefix("caring-gedsi")
    serial = format_serial(prefix=prefix, year=2026, session_number=12, sequence=42)
    assert serial == "CG-2026-012-0042"
    assert is_serial(serial)


def test_serial_prefix_of_odd_ids() -> None:
    assert serial_prefix("pkk") == "P"
    assert serial_prefix("---") == "GB"
    assert serial_prefix("a-b-c-d-e-f-g-h") == "ABCDEF"


def test_verification_code_uses_only_unmistakable_characters() -> None:
    chars = itertools.cycle("A2Z9")
    code = new_verification_code(lambda alphabet: next(chars))
    assert code == "A2Z9A2Z9A2Z9"
    assert not set("01OIL") & set(CODE_ALPHABET)


def test_typed_code_is_read_regardless_of_case_spaces_and_dashes() -> None:
    assert normalise_code(" k7qm-4xpd 9rta ") == "K7QM4XPD9RTA"
    assert display_code("K7QM4XPD9RTA") == "K7QM-4XPD-9RTA"
    assert normalise_code(display_code("K7QM4XPD9RTA")) == "K7QM4XPD9RTA"


@pytest.mark.parametrize(
    "text", ["", "K7QM4XPD9RT", "K7QM4XPD9RTAA", "K7QM4XPD9RT0", "CG-2026-012"]
)
def test_anything_else_is_not_a_code(text: str) -> None:
    assert normalise_code(text) is None


# --- feedback answers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("4", 4), (" 5 ", 5), ("3/5", 3), ("2 bintang", 2), ("⭐⭐⭐⭐", 4), ("1.", 1)],
)
def test_typed_ratings_are_understood(text: str, value: int) -> None:
    assert parse_rating(text) == value


@pytest.mark.parametrize("text", ["0", "6", "bagus", "45", "", "⭐⭐⭐⭐⭐⭐", "4 dari 10"])
def test_anything_else_is_not_a_rating(text: str) -> None:
    with pytest.raises(InvalidFeedback) as raised:
        parse_rating(text)
    assert raised.value.problem is FeedbackProblem.RATING


def test_rating_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidFeedback):
        FeedbackAnswers().rated(Aspect.MATERIAL, 6)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("🙏🙏🙏", FeedbackProblem.EMPTY),
        ("...", FeedbackProblem.EMPTY),
        ("ok", FeedbackProblem.TOO_SHORT),
        ("aaaaaaa", FeedbackProblem.REPEATED),
        ("x" * 30 + " " + "y" * 1000, FeedbackProblem.TOO_LONG),
    ],
)
def test_noise_is_asked_again(text: str, problem: FeedbackProblem) -> None:
    with pytest.raises(InvalidFeedback) as raised:
        clean_text(text)
    assert raised.value.problem is problem


def test_real_text_is_kept_with_spaces_tidied() -> None:
    assert clean_text("  Cara  melapor\nkekerasan ") == "Cara melapor kekerasan"


def test_form_asks_the_ratings_then_the_texts() -> None:
    answers = FeedbackAnswers()
    seen = []
    while (step := next_step(answers)) is not None:
        seen.append(step)
        if step in (Step.MATERIAL, Step.SPEAKER, Step.USEFULNESS):
            answers = answers.rated(Aspect(step.value), 4)
        elif step is Step.MOST_USEFUL:
            answers = FeedbackAnswers(**{**answers.to_dict(), "most_useful_answered": True})
        else:
            answers = FeedbackAnswers(**{**answers.to_dict(), "theme_answered": True})
    assert seen == list(Step)
    assert FeedbackAnswers.from_dict(answers.to_dict()) == answers


def test_stored_form_with_garbage_is_read_safely() -> None:
    answers = FeedbackAnswers.from_dict({"material": 9, "speaker": "4", "most_useful": 3})
    assert answers == FeedbackAnswers()


def theme(theme_id: str, title: str = "") -> Theme:
    return Theme(
        id=theme_id,
        title=title or theme_id.title(),
        group=ThemeGroup.PERLINDUNGAN,
        summary="",
        tags=frozenset(),
    )


def test_candidates_leave_out_taken_themes_and_put_demand_first() -> None:
    themes = [theme("a"), theme("b"), theme("c"), theme("d")]
    chosen = candidate_themes(themes, taken={"b"}, demand={"d": 3, "c": 1}, limit=2)
    assert [t.id for t in chosen] == ["d", "c"]


def test_typed_suggestion_naming_a_theme_counts_for_it() -> None:
    themes = [theme("cegah-kdrt", "Cegah KDRT: Kenali, Lapor, Pulihkan")]
    assert theme_for_text("  cegah kdrt: kenali, lapor, pulihkan ", themes) == "cegah-kdrt"
    assert theme_for_text("Cegah-KDRT", themes) == "cegah-kdrt"
    assert theme_for_text("tentang KDRT", themes) is None


def test_feedback_is_for_places_held_in_sessions_that_began() -> None:
    held = SessionStatus.PUBLISHED
    assert may_give_feedback(RegistrationStatus.ATTENDED, session_status=held, started=True)
    assert may_give_feedback(RegistrationStatus.NO_SHOW, session_status=held, started=True)
    assert not may_give_feedback(RegistrationStatus.ATTENDED, session_status=held, started=False)
    assert not may_give_feedback(RegistrationStatus.WAITLISTED, session_status=held, started=True)
    assert not may_give_feedback(
        RegistrationStatus.ATTENDED, session_status=SessionStatus.CANCELLED, started=True
    )
