import datetime as dt
from dataclasses import replace

import pytest

from gedsi_bot.areas import load_areas
from gedsi_bot.domain.model import (
    AccessibilityNeed,
    AgeBand,
    Category,
    Disability,
    Participant,
    RegistrationStatus,
    Session,
    SessionStatus,
    Sex,
)
from gedsi_bot.domain.registration import (
    Answers,
    IncompleteAnswers,
    InvalidAnswer,
    Question,
    RegistrationClosed,
    SessionFull,
    answers_from_participant,
    can_reuse,
    capacity_of,
    decide,
    forget,
    is_minor,
    next_question,
    parse_birth_year,
    pending_questions,
    profile_from,
    seats_to_promote,
    snapshot_of,
    validate_area,
    validate_institution,
    validate_name,
)
from gedsi_bot.domain.series import RegistrationOptions

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
OPTIONS = RegistrationOptions(consent_version="2026-11")
ADULT = Answers(
    full_name="Siti Aminah",
    sex=Sex.FEMALE,
    birth_year=1985,
    category=Category.KADER,
    institution="Posyandu Melati",
    institution_answered=True,
    area_code="35.74.01.1001",
    disability_consent=True,
    disability=Disability.TIDAK,
    accessibility=frozenset(),
)


def session(**changes: object) -> Session:
    base = Session(
        id=7,
        number=12,
        theme_id="cegah-kdrt",
        starts_at=dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC),
        duration_minutes=120,
        status=SessionStatus.PUBLISHED,
        capacity=150,
        registration_code="K12",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Siti Aminah", "Siti Aminah"),
        ("  Moh.   Ali  ", "Moh. Ali"),
        ("Ni Luh Putu Ayu-Wulandari", "Ni Luh Putu Ayu-Wulandari"),
        ("Ma'ruf Amin", "Ma'ruf Amin"),
        ("N’Golo Kanté", "N’Golo Kanté"),
        ("Dr. A. Rahman", "Dr. A. Rahman"),
        ("Ştefan Müller", "Ştefan Müller"),
        ("Zoë", "Zoë"),
    ],
)
def test_name_accepts_letters_of_any_script_and_name_punctuation(typed: str, kept: str) -> None:
    assert validate_name(typed) == kept


def test_name_is_normalised_to_composed_form() -> None:
    decomposed = "Rene\u0301 Nur"
    assert validate_name(decomposed) == "René Nur"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("Al", "name_too_short"),
        ("  ", "name_too_short"),
        ("A" * 81, "name_too_long"),
        ("Siti 123", "name_characters"),
        ("<b>Siti</b>", "name_characters"),
        ("Siti 😀", "name_characters"),
        ("-Siti", "name_characters"),
        ("Siti_Aminah", "name_characters"),
        ("A. .", "name_characters"),
    ],
)
def test_name_rejects_what_no_certificate_should_print(typed: str, reason: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        validate_name(typed)
    assert caught.value.reason == reason
    assert caught.value.question is Question.NAME


def test_name_of_exactly_80_characters_is_accepted() -> None:
    assert len(validate_name("A" * 80)) == 80


# --- birth years ---------------------------------------------------------------------------------


def test_birth_year_reads_four_digits() -> None:
    assert parse_birth_year(" 1990 ", today=TODAY) == 1990


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("90", "year_format"),
        ("1990an", "year_format"),
        ("١٩٩٠", "year_format"),  # Arabic-Indic digits
        ("2023", "year_too_recent"),
        ("1925", "year_too_early"),
    ],
)
def test_birth_year_rejects_implausible_answers(typed: str, reason: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        parse_birth_year(typed, today=TODAY)
    assert caught.value.reason == reason


def test_birth_year_bounds_are_ages_5_and_100() -> None:
    assert parse_birth_year("2021", today=TODAY) == 2021
    assert parse_birth_year("1926", today=TODAY) == 1926


# --- institution and area -----------------------------------------------------------------------


def test_institution_is_trimmed_and_bounded() -> None:
    assert validate_institution("  SMPN 1   Probolinggo ") == "SMPN 1 Probolinggo"
    with pytest.raises(InvalidAnswer):
        validate_institution("x")
    with pytest.raises(InvalidAnswer):
        validate_institution("x" * 121)
    with pytest.raises(InvalidAnswer):
        validate_institution("TP\u200bPKK")  # a zero-width space


def test_area_accepts_kelurahan_codes_and_outside_the_city() -> None:
    areas = load_areas()
    assert validate_area("35.74.01.1001", areas) == "35.74.01.1001"
    assert validate_area("luar_kota", areas) == "luar_kota"
    with pytest.raises(InvalidAnswer):
        validate_area("35.74.99.9999", areas)


# --- which question comes next -------------------------------------------------------------------


def test_questions_are_asked_in_order() -> None:
    assert pending_questions(Answers(), OPTIONS, TODAY) == [
        Question.NAME,
        Question.SEX,
        Question.BIRTH_YEAR,
        Question.CATEGORY,
        Question.INSTITUTION,
        Question.AREA,
        Question.DISABILITY_CONSENT,
        Question.ACCESSIBILITY,
    ]


def test_complete_adult_answers_leave_nothing_to_ask() -> None:
    assert next_question(ADULT, OPTIONS, TODAY) is None


def test_disability_is_asked_only_after_consent() -> None:
    declined = replace(ADULT, disability_consent=False, disability=None)
    consented = replace(ADULT, disability_consent=True, disability=None)
    assert next_question(declined, OPTIONS, TODAY) is None
    assert next_question(consented, OPTIONS, TODAY) is Question.DISABILITY


def test_child_is_asked_for_a_guardian_and_consent() -> None:
    child = replace(ADULT, birth_year=2012, category=Category.PELAJAR_FORUM_ANAK)
    assert is_minor(child, TODAY)
    assert next_question(child, OPTIONS, TODAY) is Question.GUARDIAN_NAME
    named = replace(child, guardian_name="Bapak Slamet")
    assert next_question(named, OPTIONS, TODAY) is Question.GUARDIAN_CONSENT
    assert next_question(replace(named, guardian_consent=True), OPTIONS, TODAY) is None


def test_someone_turning_18_this_year_is_asked_whether_they_are_18_yet() -> None:
    turning = replace(ADULT, birth_year=2008)
    assert next_question(turning, OPTIONS, TODAY) is Question.ADULT_CHECK
    assert next_question(replace(turning, is_adult=True), OPTIONS, TODAY) is None
    not_yet = replace(turning, is_adult=False)
    assert is_minor(not_yet, TODAY)
    assert next_question(not_yet, OPTIONS, TODAY) is Question.GUARDIAN_NAME


def test_switched_off_questions_are_not_asked() -> None:
    options = RegistrationOptions(
        consent_version="2026-11",
        ask_institution=False,
        ask_area=False,
        ask_disability=False,
        ask_accessibility=False,
    )
    answers = Answers(full_name="Siti Aminah", sex=Sex.FEMALE, birth_year=1985)
    assert pending_questions(answers, options, TODAY) == [Question.CATEGORY]


def test_forgetting_an_answer_asks_it_again() -> None:
    assert next_question(forget(ADULT, Question.AREA), OPTIONS, TODAY) is Question.AREA
    assert next_question(forget(ADULT, Question.NAME), OPTIONS, TODAY) is Question.NAME


def test_forgetting_the_birth_year_forgets_the_guardian_too() -> None:
    child = replace(ADULT, birth_year=2012, guardian_name="Bapak Slamet", guardian_consent=True)
    forgotten = forget(child, Question.BIRTH_YEAR)
    assert forgotten.birth_year is None
    assert forgotten.guardian_name is None
    assert forgotten.guardian_consent is False


def test_answers_survive_a_round_trip_through_json_values() -> None:
    answers = replace(
        ADULT,
        accessibility=frozenset({AccessibilityNeed.CAPTIONS, AccessibilityNeed.SIGN_LANGUAGE}),
    )
    assert Answers.from_dict(answers.to_dict()) == answers


def test_malformed_stored_answers_read_as_unanswered() -> None:
    answers = Answers.from_dict({"sex": "X", "birth_year": "1990", "category": 3})
    assert answers == Answers()


# --- the profile ---------------------------------------------------------------------------------


def test_profile_needs_every_question_answered() -> None:
    with pytest.raises(IncompleteAnswers) as caught:
        profile_from(replace(ADULT, sex=None), OPTIONS, TODAY)
    assert caught.value.question is Question.SEX


def test_profile_of_an_adult_has_no_guardian() -> None:
    profile = profile_from(replace(ADULT, guardian_name="left over"), OPTIONS, TODAY)
    assert profile.minor is False
    assert profile.guardian_name is None
    assert profile.disability is Disability.TIDAK


def test_profile_keeps_disability_only_with_consent() -> None:
    declined = replace(ADULT, disability_consent=False, disability=Disability.FISIK)
    profile = profile_from(declined, OPTIONS, TODAY)
    assert profile.disability_consent is False
    assert profile.disability is None


def test_profile_of_a_child_carries_the_guardian() -> None:
    child = replace(ADULT, birth_year=2012, guardian_name="Ibu Sri", guardian_consent=True)
    profile = profile_from(child, OPTIONS, TODAY)
    assert profile.minor is True
    assert profile.guardian_name == "Ibu Sri"


def stored(**changes: object) -> Participant:
    base = Participant(
        id=1,
        telegram_user_id=100,
        full_name="Siti Aminah",
        sex=Sex.FEMALE,
        birth_year=1985,
        category=Category.KADER,
        institution="Posyandu Melati",
        area_code="35.74.01.1001",
        disability=Disability.TIDAK,
        consent_version="2026-11",
        consent_at=NOW,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_returning_participant_can_reuse_data_under_the_same_notice() -> None:
    assert can_reuse(stored(), OPTIONS, TODAY)


def test_new_privacy_notice_prevents_one_tap_reuse() -> None:
    assert not can_reuse(stored(consent_version="2025-01"), OPTIONS, TODAY)


def test_stored_data_reads_back_as_the_same_answers() -> None:
    answers = answers_from_participant(stored(), TODAY)
    assert profile_from(answers, OPTIONS, TODAY) == profile_from(ADULT, OPTIONS, TODAY)


def test_teen_who_registered_with_a_guardian_stays_a_minor_in_their_18th_year() -> None:
    teen = stored(birth_year=2008, guardian_name="Ibu Sri", guardian_consent_at=NOW)
    answers = answers_from_participant(teen, TODAY)
    assert answers.is_adult is False
    assert is_minor(answers, TODAY)
    assert can_reuse(teen, OPTIONS, TODAY)


# --- seats and the waitlist ----------------------------------------------------------------------


def test_seat_while_seats_remain() -> None:
    status = decide(session=session(), options=OPTIONS, capacity=150, seats_taken=149, now=NOW)
    assert status is RegistrationStatus.REGISTERED


def test_waitlist_when_full() -> None:
    status = decide(session=session(), options=OPTIONS, capacity=150, seats_taken=150, now=NOW)
    assert status is RegistrationStatus.WAITLISTED


def test_full_session_without_a_waitlist_refuses() -> None:
    options = replace(OPTIONS, waitlist=False)
    with pytest.raises(SessionFull):
        decide(session=session(), options=options, capacity=150, seats_taken=150, now=NOW)


@pytest.mark.parametrize(
    "changes",
    [
        {"status": SessionStatus.APPROVED},
        {"status": SessionStatus.CANCELLED},
        {"status": SessionStatus.LIVE},
        {"starts_at": NOW},
    ],
)
def test_registration_is_closed_unless_published_and_before_the_start(
    changes: dict[str, object],
) -> None:
    with pytest.raises(RegistrationClosed):
        decide(session=session(**changes), options=OPTIONS, capacity=150, seats_taken=0, now=NOW)


def test_registration_closes_early_when_the_catalog_says_so() -> None:
    options = replace(OPTIONS, closes_before_start=dt.timedelta(days=30))
    with pytest.raises(RegistrationClosed):
        decide(session=session(), options=options, capacity=150, seats_taken=0, now=NOW)


def test_session_capacity_overrides_the_series() -> None:
    assert capacity_of(session(capacity=40), 300) == 40
    assert capacity_of(session(capacity=None), 300) == 300


@pytest.mark.parametrize(
    ("capacity", "taken", "waiting", "promoted"),
    [(150, 149, 5, 1), (150, 150, 5, 0), (150, 140, 3, 3), (150, 149, 0, 0), (100, 120, 4, 0)],
)
def test_promotions_fill_free_seats_from_the_waitlist(
    capacity: int, taken: int, waiting: int, promoted: int
) -> None:
    assert seats_to_promote(capacity=capacity, seats_taken=taken, waiting=waiting) == promoted


# --- the snapshot --------------------------------------------------------------------------------


def test_snapshot_counts_age_in_the_year_of_the_session() -> None:
    snapshot = snapshot_of(stored(birth_year=2001), on=dt.date(2027, 1, 14))
    assert snapshot.age_band is AgeBand.A25_29
    assert snapshot.is_child is False
    assert snapshot.sex is Sex.FEMALE
    assert snapshot.category is Category.KADER
    assert snapshot.area_code == "35.74.01.1001"
    assert snapshot.disability is Disability.TIDAK


def test_snapshot_marks_children() -> None:
    child = stored(birth_year=2012, guardian_name="Ibu Sri", guardian_consent_at=NOW)
    assert snapshot_of(child, on=TODAY).is_child is True


def test_snapshot_counts_a_teen_not_yet_18_as_a_child() -> None:
    teen = stored(birth_year=2008, guardian_name="Ibu Sri", guardian_consent_at=NOW)
    assert snapshot_of(teen, on=TODAY).is_child is True
    assert snapshot_of(stored(birth_year=2008), on=TODAY).is_child is False


def test_snapshot_leaves_out_disability_without_consent() -> None:
    assert snapshot_of(stored(disability=None), on=TODAY).disability is None
