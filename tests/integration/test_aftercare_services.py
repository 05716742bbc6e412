"""Feedback, hand-marked and self-declared attendance, certificates and their revocation, on
SQLite and (with GEDSI_TEST_DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from gedsi_bot.domain.certificates import Missing, is_serial
from gedsi_bot.domain.feedback import FeedbackAnswers
from gedsi_bot.domain.model import RegistrationStatus
from gedsi_bot.services import attendance, certificates, feedback, registration
from gedsi_bot.services.certificates import Validity
from gedsi_bot.services.context import ServiceContext
from gedsi_bot.store import Database
from gedsi_bot.store.demand import theme_demand
from gedsi_bot.store.tables import CertificateRow, FeedbackRow, OutboxRow
from tests.aftercare_factories import (
    catalog_with_certificates,
    held_session,
    registration_row,
    renderer,
    set_status,
)
from tests.registration_factories import FixedClock, bundled_catalog

ANSWERS = FeedbackAnswers(
    material=5,
    speaker=4,
    usefulness=5,
    most_useful="Cara melapor kekerasan",
    most_useful_answered=True,
    theme_id="kbgo",
    theme_answered=True,
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def ctx(database: Database, clock: FixedClock) -> ServiceContext:
    return ServiceContext.open(database, bundled_catalog(), clock=clock)


def give_feedback(
    ctx: ServiceContext, user: int, answers: FeedbackAnswers = ANSWERS
) -> tuple[int, bool]:
    target = feedback.feedback_target(ctx, telegram_user_id=user)
    first = feedback.submit_feedback(
        ctx, telegram_user_id=user, registration_id=target.registration_id, answers=answers
    )
    return target.registration_id, first


# --- feedback ----------------------------------------------------------------------------------


def test_feedback_is_one_per_registration_and_replaced_when_given_again(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    held_session(ctx, clock, "fb1", [1])
    registration_id, first = give_feedback(ctx, 1)
    better = dataclasses.replace(ANSWERS, material=2, theme_id=None, theme_text="Parenting remaja")
    again_id, again_first = give_feedback(ctx, 1, better)
    assert (first, again_first) == (True, False)
    assert again_id == registration_id
    with ctx.database.read() as db:
        rows = db.scalars(select(FeedbackRow)).all()
    assert [(r.rating_material, r.suggested_theme_text) for r in rows] == [(2, "Parenting remaja")]
    target = feedback.feedback_target(ctx, telegram_user_id=1)
    assert target.previous is not None
    assert target.previous.material == 2


def test_feedback_waits_for_the_session_to_begin(ctx: ServiceContext, clock: FixedClock) -> None:
    session, _ = held_session(ctx, clock, "fb2", [1])
    clock.moment = session.starts_at.replace(hour=0)
    with pytest.raises(feedback.NoFeedbackPlace) as raised:
        feedback.feedback_target(ctx, telegram_user_id=1)
    assert raised.value.not_started


def test_feedback_for_a_session_one_did_not_join_is_refused(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    held_session(ctx, clock, "fb3", [1])
    with pytest.raises(feedback.NoFeedbackPlace):
        feedback.feedback_target(ctx, telegram_user_id=2)
    with pytest.raises(feedback.NoFeedbackPlace):
        feedback.feedback_target(ctx, telegram_user_id=1, number=99)


def test_suggestions_feed_the_planners_demand(ctx: ServiceContext, clock: FixedClock) -> None:
    held_session(ctx, clock, "fb4", [1, 2, 3])
    give_feedback(ctx, 1)
    give_feedback(ctx, 2)
    typed = dataclasses.replace(ANSWERS, theme_id=None, theme_text=" KBGO ")
    give_feedback(ctx, 3, typed)  # names a theme exactly: counts as a vote too
    with ctx.database.read() as db:
        assert theme_demand(db, series_id=ctx.series_id) == {"kbgo": 3}


def test_theme_choices_leave_out_the_series_own_themes(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    session, _ = held_session(ctx, clock, "fb5", [1])
    choices = feedback.theme_choices(ctx)
    assert choices
    assert session.theme_id not in {theme.id for theme in choices}


# --- attendance by hand and by the person ---------------------------------------------------


def test_admin_marks_attendance_by_hand(ctx: ServiceContext, clock: FixedClock) -> None:
    session, ids = held_session(ctx, clock, "at1", [1, 2])
    result = attendance.mark_attendance(
        ctx, number=session.number, registration_ids=[ids[1], 999_999]
    )
    assert result.changed == (ids[1],)
    assert result.unknown == (999_999,)
    row = registration_row(ctx.database, ids[1])
    assert (row.status, row.attendance_source) == ("attended", "admin")
    sheet = attendance.attendance_sheet(ctx, number=session.number)
    assert sheet.attended == 1
    toggled = attendance.toggle_attendance(ctx, number=session.number, registration_id=ids[1])
    assert toggled.changed == (ids[1],)
    assert registration_row(ctx.database, ids[1]).status == "no_show"


def test_attendance_of_a_future_session_cannot_be_marked(
    ctx: ServiceContext, clock: FixedClock
) -> None:
    session, ids = held_session(ctx, clock, "at2", [1])
    clock.moment = session.starts_at.replace(hour=0)
    with pytest.raises(attendance.NotHeldYet):
        attendance.mark_attendance(ctx, number=session.number, registration_ids=[ids[1]])


def test_self_declared_attendance_only_where_the_office_allows_it(
    database: Database, clock: FixedClock
) -> None:
    strict = ServiceContext.open(database, catalog_with_certificates(), clock=clock)
    session, ids = held_session(strict, clock, "at3", [1])
    with pytest.raises(attendance.SelfDeclarationOff):
        attendance.declare_attendance(strict, telegram_user_id=1)
    assert registration_row(database, ids[1]).status == "registered"

    lenient = dataclasses.replace(
        strict, catalog=catalog_with_certificates(self_declared_attendance=True)
    )
    declared = attendance.declare_attendance(lenient, telegram_user_id=1)
    assert (declared.session.number, declared.already) == (session.number, False)
    row = registration_row(database, ids[1])
    assert (row.status, row.attendance_source) == ("attended", "self")
    assert attendance.declare_attendance(lenient, telegram_user_id=1).already
    with pytest.raises(attendance.NothingToDeclare):
        attendance.declare_attendance(lenient, telegram_user_id=2)


# --- certificates ------------------------------------------------------------------------------


def test_certificate_is_issued_once_when_the_last_condition_is_met(
    ctx: ServiceContext, clock: FixedClock, tmp_path: Path
) -> None:
    session, ids = held_session(ctx, clock, "ce1", [1, 2])
    drawer = renderer(tmp_path)
    give_feedback(ctx, 1)
    assert certificates.issue_due_certificates(ctx, drawer) == []  # not attended yet
    outlook = certificates.certificate_outlook(ctx, registration_id=ids[1])
    assert outlook.missing == (Missing.ATTENDANCE,)

    set_status(ctx.database, ids[1], RegistrationStatus.ATTENDED)
    set_status(ctx.database, ids[2], RegistrationStatus.ATTENDED)
    issued = certificates.issue_due_certificates(ctx, drawer)
    assert [c.chat_id for c in issued] == [1]  # person 2 has not given feedback
    assert certificates.issue_due_certificates(ctx, drawer) == []  # never twice

    give_feedback(ctx, 2)
    second = certificates.issue_due_certificates(ctx, drawer, registration_ids=[ids[2]])
    serials = [issued[0].serial, second[0].serial]
    assert serials == [f"CG-2026-{session.number:03d}-0001", f"CG-2026-{session.number:03d}-0002"]
    assert all(is_serial(serial) for serial in serials)
    with Image.open(issued[0].files.png) as picture:
        assert picture.format == "PNG"
    assert issued[0].files.pdf.read_bytes().startswith(b"%PDF")
    with ctx.database.read() as db:
        assert db.scalar(select(func.count(CertificateRow.id))) == 2


def test_verification_names_holder_and_session(
    ctx: ServiceContext, clock: FixedClock, tmp_path: Path
) -> None:
    session, ids = held_session(ctx, clock, "ce2", [1])
    set_status(ctx.database, ids[1], RegistrationStatus.ATTENDED)
    give_feedback(ctx, 1)
    [issued] = certificates.issue_due_certificates(ctx, renderer(tmp_path))
    found = certificates.verify_certificate(ctx, issued.code.lower().replace("-", " "))
    assert found.validity is Validity.VALID
    assert found.holder_name == "Peserta B"
    assert found.session is not None
    assert found.session.number == session.number
    assert found.serial == issued.serial
    assert certificates.verify_certificate(ctx, "ABCD-EFGH-JKMN").validity is Validity.UNKNOWN
    assert certificates.verify_certificate(ctx, issued.serial).validity is Validity.UNKNOWN


def test_deleting_ones_data_revokes_the_certificate_and_its_files(
    ctx: ServiceContext, clock: FixedClock, tmp_path: Path
) -> None:
    _, ids = held_session(ctx, clock, "ce3", [1])
    set_status(ctx.database, ids[1], RegistrationStatus.ATTENDED)
    give_feedback(ctx, 1)
    drawer = renderer(tmp_path)
    [issued] = certificates.issue_due_certificates(ctx, drawer)
    result = registration.delete_personal_data(ctx, telegram_user_id=1)
    assert result is not None
    assert result.revoked == (issued.serial,)
    verification = certificates.verify_certificate(ctx, issued.code)
    assert verification.validity is Validity.REVOKED
    assert verification.holder_name is None
    with ctx.database.read() as db:
        row = db.scalar(select(CertificateRow))
        assert row is not None
        assert row.holder_name is None
    assert certificates.sweep_revoked_files(ctx, drawer) == 1
    assert not issued.files.png.exists()
    assert not issued.files.pdf.exists()
    assert certificates.my_certificates(ctx, drawer, telegram_user_id=1) == []


def test_my_certificates_draws_missing_files_again(
    ctx: ServiceContext, clock: FixedClock, tmp_path: Path
) -> None:
    _, ids = held_session(ctx, clock, "ce4", [1])
    set_status(ctx.database, ids[1], RegistrationStatus.ATTENDED)
    give_feedback(ctx, 1)
    drawer = renderer(tmp_path)
    [issued] = certificates.issue_due_certificates(ctx, drawer)
    issued.files.png.unlink()
    [again] = certificates.my_certificates(ctx, drawer, telegram_user_id=1)
    assert again.serial == issued.serial
    assert again.files.png.exists()


def test_certificates_are_queued_through_the_outbox_once(
    ctx: ServiceContext, clock: FixedClock, tmp_path: Path
) -> None:
    _, ids = held_session(ctx, clock, "ce5", [1])
    set_status(ctx.database, ids[1], RegistrationStatus.ATTENDED)
    give_feedback(ctx, 1)
    issued = certificates.issue_due_certificates(ctx, renderer(tmp_path))
    assert certificates.enqueue_certificates(ctx, issued) == 2
    assert certificates.enqueue_certificates(ctx, issued) == 0
    with ctx.database.read() as db:
        rows = db.scalars(select(OutboxRow).order_by(OutboxRow.id)).all()
    assert [row.payload["method"] for row in rows] == ["sendPhoto", "sendDocument"]
    photo = rows[0].payload["params"]["photo"]
    assert photo == {
        "path": str(issued[0].files.png.resolve()),
        "media_key": f"certificate:{issued[0].serial}:png",
    }
    assert rows[0].chat_id == 1
