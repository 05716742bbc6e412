"""The planner on hand-made and bundled catalogs: explanations, stability, fixed sessions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Sequence

import pytest

from gedsi_bot.catalog import load_catalog
from gedsi_bot.domain.calendar import SkippedDay, SkipReason, candidate_dates
from gedsi_bot.domain.model import (
    Commemoration,
    DateRange,
    Role,
    Session,
    SessionStatus,
    Sex,
    ThemeGroup,
)
from gedsi_bot.domain.plan_facts import PlanFacts
from gedsi_bot.domain.plan_model import interchangeable_themes
from gedsi_bot.domain.plan_solve import SolveStatus
from gedsi_bot.domain.planner import ChangeKind, Plan, PlannedSession, Revision, plan_series
from gedsi_bot.domain.replacements import propose_replacements
from gedsi_bot.domain.series import Catalog, PlanningRules, PlanningWeights
from tests import plan_checks
from tests.conftest import BUNDLED_CATALOG
from tests.factories import (
    BOTH,
    JAKARTA,
    MODERATOR,
    SPEAKER,
    catalog,
    person,
    session,
    theme,
    weekly,
)

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
JAN_14 = dt.date(2027, 1, 14)


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return load_catalog(BUNDLED_CATALOG, now=NOW)


@pytest.fixture(scope="module")
def bundled_slots(bundled: Catalog) -> tuple[dt.datetime, ...]:
    return candidate_dates(bundled.series, start=dt.date(2026, 11, 24), count=12).starts


@pytest.fixture(scope="module")
def bundled_plan(bundled: Catalog, bundled_slots: tuple[dt.datetime, ...]) -> Plan:
    return plan_series(bundled, slots=bundled_slots)


def as_drafts(plan: Plan) -> list[Session]:
    return [
        session(index, item.starts_at, item.theme_id, item.speaker_ids, item.moderator_id)
        for index, item in enumerate(plan.sessions, start=1)
    ]


def with_person(made: Catalog, person_id: str, **availability: object) -> Catalog:
    people = tuple(
        dataclasses.replace(p, availability=dataclasses.replace(p.availability, **availability))
        if p.id == person_id
        else p
        for p in made.people
    )
    return dataclasses.replace(made, people=people)


def session_on(plan: Plan, day: dt.date) -> PlannedSession:
    return next(item for item in plan.sessions if item.starts_at.date() == day)


# --- impossible plans are explained -------------------------------------------------------------


def small(
    people: Sequence[object], themes: Sequence[object] | None = None, **rules: object
) -> Catalog:
    return catalog(
        themes or [theme("a", "gizi"), theme("b", "gizi"), theme("c", "gizi")],
        people,  # type: ignore[arg-type]
        rules=PlanningRules(**rules),  # type: ignore[arg-type]
    )


def test_a_catalog_without_moderators_is_explained() -> None:
    made = small([person("ahli", "gizi")])
    plan = plan_series(made, slots=weekly(JAN_14, 1))
    assert plan.solve.status is SolveStatus.INFEASIBLE
    assert plan.problems == (
        (
            "Kamis, 14 Januari 2027 pukul 09.00 WIB: katalog belum punya moderator. "
            "Tambah orang dengan peran moderator."
        ),
    )


def test_a_date_without_a_moderator_is_named_with_the_reason() -> None:
    away = [(dt.date(2027, 1, 21), dt.date(2027, 1, 21))]
    made = small([person("ahli", "gizi"), person("mod", roles=MODERATOR, blackout=away)])
    plan = plan_series(made, slots=weekly(JAN_14, 2))
    assert not plan.feasible
    assert plan.problems == (
        (
            "Kamis, 21 Januari 2027 pukul 09.00 WIB: tidak ada moderator yang dapat bertugas "
            "(Nama mod tidak bersedia pada hari itu). Tambah moderator di katalog atau ubah "
            "ketersediaannya."
        ),
    )


def test_a_theme_without_an_available_speaker_is_named_with_its_month() -> None:
    away = [(JAN_14, JAN_14)]
    made = small(
        [person("ahli", "gizi", blackout=away), person("mod", roles=MODERATOR)],
        themes=[theme("gizi-seimbang", "gizi")],
    )
    plan = plan_series(made, slots=weekly(JAN_14, 1))
    assert plan.problems == (
        (
            "Kamis, 14 Januari 2027 pukul 09.00 WIB: tidak ada tema yang dapat dibawakan "
            "(tema “Tema gizi-seimbang” tidak punya narasumber yang tersedia pada Januari 2027)."
        ),
    )


def test_too_few_themes_for_the_repeat_rule_is_explained() -> None:
    made = small(
        [person("ahli", "gizi"), person("mod", roles=MODERATOR)],
        themes=[theme("a", "gizi"), theme("b", "gizi")],
        min_gap_weeks=0,
    )
    plan = plan_series(made, slots=weekly(JAN_14, 3))
    assert plan.problems == (
        (
            "Tema tidak cukup: 3 sesi antara 14 Januari 2027 dan 28 Januari 2027 hanya dapat "
            "diisi 2 tema berbeda, karena tema tidak boleh diulang dalam 12 bulan "
            "(theme_repeat_months). Tambah tema atau kurangi theme_repeat_months."
        ),
    )


def test_a_gap_that_one_moderator_cannot_keep_is_explained() -> None:
    made = small(
        [person("ahli1", "gizi"), person("ahli2", "gizi"), person("mod", roles=MODERATOR)],
        min_gap_weeks=4,
    )
    plan = plan_series(made, slots=weekly(JAN_14, 2))
    assert not plan.feasible
    assert plan.problems == (
        (
            "Jeda 4 minggu (min_gap_weeks) tidak dapat dipenuhi: Nama mod perlu bertugas sebagai "
            "moderator lebih dari sekali antara 14 Januari 2027 dan 21 Januari 2027, karena "
            "moderator lain tidak tersedia. Tambah moderator atau kurangi min_gap_weeks."
        ),
    )


def test_a_quarter_limit_that_cannot_be_kept_is_explained() -> None:
    made = small(
        [person("ahli1", "gizi"), person("ahli2", "gizi"), person("mod", roles=MODERATOR)],
        min_gap_weeks=0,
        max_per_quarter=1,
    )
    plan = plan_series(made, slots=weekly(JAN_14, 2))
    assert [line.split(":")[0] for line in plan.problems] == [
        "Batas 1 kali per triwulan (max_per_quarter) tidak dapat dipenuhi"
    ]
    assert "Nama mod perlu bertugas sebagai moderator" in plan.problems[0]


def test_a_run_of_one_group_that_cannot_be_broken_is_explained() -> None:
    made = small(
        [person("ahli1", "gizi"), person("ahli2", "gizi"), person("mod", roles=MODERATOR)],
        min_gap_weeks=0,
        max_consecutive_group=1,
    )
    plan = plan_series(made, slots=weekly(JAN_14, 2))
    assert plan.problems == (
        (
            "Aturan paling banyak 1 sesi berturut-turut dari kelompok PUG dan inklusi "
            "(max_consecutive_group) tidak dapat dipenuhi antara 14 Januari 2027 dan 21 Januari "
            "2027: tema kelompok lain yang dapat dibawakan tidak cukup. Tambah tema kelompok lain "
            "atau naikkan max_consecutive_group."
        ),
    )


def test_nothing_to_plan_is_said_not_raised() -> None:
    plan = plan_series(small([person("mod", roles=MODERATOR)]), slots=())
    assert plan.problems == ("Tidak ada tanggal sesi untuk direncanakan pada periode ini.",)


def test_problems_come_in_english_too() -> None:
    made = small([person("ahli", "gizi")])
    plan = plan_series(made, slots=weekly(JAN_14, 1), language="en")
    assert plan.problems == (
        (
            "Thursday, 14 January 2027 at 09:00 WIB: the catalog has no moderator yet. "
            "Add a person with the moderator role."
        ),
    )


# --- the bundled catalog ----------------------------------------------------------------------


def test_bundled_plan_is_proven_optimal_and_breaks_no_rule(
    bundled: Catalog, bundled_plan: Plan
) -> None:
    assert bundled_plan.solve.status is SolveStatus.OPTIMAL
    assert [stage.stage for stage in bundled_plan.solve.stages] == ["themes", "people"]
    assert len(bundled_plan.sessions) == 12
    assert plan_checks.hard_violations(bundled, bundled_plan.sessions, []) == []


def test_bundled_plan_marks_the_commemorations_of_its_months(bundled_plan: Plan) -> None:
    november = session_on(bundled_plan, dt.date(2026, 11, 26))
    december = session_on(bundled_plan, dt.date(2026, 12, 10))
    april = session_on(bundled_plan, dt.date(2027, 4, 22))
    assert november.reasons[0] == (
        "memperingati 16 Hari Anti Kekerasan terhadap Perempuan (25 November–10 Desember) "
        "dan Hari Disabilitas Internasional (3 Desember)"
    )
    assert december.theme_id == "hari-ibu"
    assert december.reasons[0] == "Hari Ibu (22 Desember) jatuh di bulan ini"
    assert april.theme_id == "semangat-kartini"


def test_bundled_plan_spreads_groups_people_and_genders(
    bundled: Catalog, bundled_plan: Plan
) -> None:
    groups = Counter(bundled.theme(item.theme_id).group for item in bundled_plan.sessions)
    assert groups == dict.fromkeys(ThemeGroup, 4)
    speakers = [p for item in bundled_plan.sessions for p in item.speaker_ids]
    sexes = Counter(bundled.person(p).gender for p in speakers)
    assert min(sexes[Sex.FEMALE], sexes[Sex.MALE]) * 5 >= 2 * len(speakers)
    appearances = Counter(
        p for item in bundled_plan.sessions for p in (*item.speaker_ids, item.moderator_id)
    )
    assert max(appearances.values()) <= 3  # in half a year, with the gap rule between
    assert sum(count == 3 for count in appearances.values()) <= 1
    assert (
        sum(
            any(bundled.person(p).has_disability for p in item.speaker_ids)
            for item in bundled_plan.sessions
        )
        >= 3
    )


def test_the_same_input_gives_the_same_plan(
    bundled: Catalog, bundled_slots: tuple[dt.datetime, ...], bundled_plan: Plan
) -> None:
    again = plan_series(bundled, slots=bundled_slots)
    assert again.sessions == bundled_plan.sessions


# --- re-planning ------------------------------------------------------------------------------


def test_replanning_unchanged_drafts_keeps_them_all(
    bundled: Catalog, bundled_slots: tuple[dt.datetime, ...], bundled_plan: Plan
) -> None:
    again = plan_series(bundled, slots=bundled_slots, existing=as_drafts(bundled_plan))
    assert again.changes == ()
    assert {item.revision for item in again.sessions} == {Revision.KEPT}
    assert [item.session_id for item in again.sessions] == list(range(1, 13))


def test_a_speaker_who_becomes_unavailable_moves_only_their_session(
    bundled: Catalog, bundled_slots: tuple[dt.datetime, ...], bundled_plan: Plan
) -> None:
    target = session_on(bundled_plan, dt.date(2027, 2, 25))
    speaker = target.speaker_ids[0]
    day = target.starts_at.date()
    changed = with_person(bundled, speaker, blackout=(DateRange(day, day),))
    again = plan_series(changed, slots=bundled_slots, existing=as_drafts(bundled_plan))
    moved = [item for item in again.sessions if item.revision is not Revision.KEPT]
    assert [item.starts_at for item in moved] == [target.starts_at]
    assert speaker not in moved[0].speaker_ids
    assert moved[0].theme_id == target.theme_id
    (change,) = again.changes
    assert change.kind is ChangeKind.CHANGED
    assert change.text.startswith("Sesi 6 (Kamis, 25 Februari 2027 pukul 09.00 WIB): narasumber")
    assert change.text.endswith(f"{bundled.person(speaker).name} tidak bersedia pada tanggal itu")


def test_a_declined_invitation_is_respected_and_explained(
    bundled: Catalog, bundled_slots: tuple[dt.datetime, ...], bundled_plan: Plan
) -> None:
    drafts = as_drafts(bundled_plan)
    hari_ibu = next(d for d in drafts if d.theme_id == "hari-ibu")
    declining = hari_ibu.moderator_id
    assert declining is not None
    drafts[drafts.index(hari_ibu)] = session(
        hari_ibu.id,
        hari_ibu.starts_at,
        hari_ibu.theme_id,
        hari_ibu.speaker_ids,
        declining,
        declined=[declining],
    )
    again = plan_series(bundled, slots=bundled_slots, existing=drafts)
    replanned = session_on(again, hari_ibu.starts_at.date())
    assert replanned.moderator_id != declining
    assert replanned.theme_id == "hari-ibu"
    assert replanned.speaker_ids == hari_ibu.speaker_ids
    assert [change.text.split(" — ")[1] for change in again.changes] == [
        f"{bundled.person(declining).name} menolak undangan"
    ]


def test_a_draft_on_a_new_holiday_is_dropped_with_the_holiday_named(bundled: Catalog) -> None:
    christmas_eve = dt.datetime(2026, 12, 24, 9, 0, tzinfo=JAKARTA)
    slots = candidate_dates(bundled.series, start=dt.date(2026, 12, 1), count=2).starts
    draft = session(7, christmas_eve, "hari-ibu", ["ketua-gow"], "kabid-pp")
    plan = plan_series(
        bundled,
        slots=slots,
        existing=[draft],
        period=(slots[0], slots[-1]),
        skipped={
            christmas_eve.date(): SkippedDay(
                christmas_eve.date(), SkipReason.HOLIDAY, "Cuti Bersama Hari Raya Natal"
            )
        },
    )
    assert [(change.kind, change.text) for change in plan.changes] == [
        (
            ChangeKind.DROPPED,
            (
                "Sesi 7 (Kamis, 24 Desember 2026 pukul 09.00 WIB): dihapus dari rencana — "
                "tanggalnya kini hari libur (Cuti Bersama Hari Raya Natal)"
            ),
        )
    ]


def test_fixed_sessions_are_kept_exactly_and_respected(bundled: Catalog) -> None:
    slots = candidate_dates(bundled.series, start=dt.date(2027, 1, 1), count=4).starts
    approved = session(
        40,
        dt.datetime(2027, 1, 21, 9, 0, tzinfo=JAKARTA),
        "kbgo",
        ["penyidik-ppa"],
        "kabid-pp",
        status=SessionStatus.APPROVED,
        number=40,
    )
    plan = plan_series(bundled, slots=slots, existing=[approved], period=(slots[0], slots[-1]))
    fixed = [item for item in plan.sessions if item.is_fixed]
    assert [(f.session_id, f.theme_id, f.speaker_ids, f.moderator_id) for f in fixed] == [
        (40, "kbgo", ("penyidik-ppa",), "kabid-pp")
    ]
    planned = [item for item in plan.sessions if not item.is_fixed]
    assert plan_checks.hard_violations(bundled, planned, [approved]) == []
    assert all(item.theme_id != "kbgo" for item in planned)


# --- stand-ins for a declined invitation --------------------------------------------------------


def test_stand_ins_meet_every_rule_against_the_rest_of_the_plan(
    bundled: Catalog, bundled_plan: Plan
) -> None:
    drafts = as_drafts(bundled_plan)
    target = next(d for d in drafts if d.theme_id == "hari-ibu")
    leaving = target.speaker_ids[0]
    found = propose_replacements(bundled, session=target, person_id=leaving, existing=drafts)
    assert found
    others = [d for d in drafts if d.id != target.id]
    for candidate in found:
        assert candidate.role is Role.SPEAKER
        speakers = tuple(candidate.person_id if p == leaving else p for p in target.speaker_ids)
        substituted = dataclasses.replace(
            PlannedSession(
                target.starts_at, target.theme_id, speakers, target.moderator_id, 0, ("x",)
            )
        )
        assert plan_checks.hard_violations(bundled, [substituted], others) == []
        assert candidate.reasons[0].startswith("narasumber ahli ")
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)


def test_stand_ins_for_a_moderator_are_moderators(bundled: Catalog, bundled_plan: Plan) -> None:
    drafts = as_drafts(bundled_plan)
    target = drafts[0]
    assert target.moderator_id is not None
    found = propose_replacements(
        bundled, session=target, person_id=target.moderator_id, existing=drafts, limit=20
    )
    assert found
    assert all(bundled.person(c.person_id).can_moderate for c in found)
    assert all(c.person_id not in target.speaker_ids for c in found)
    assert target.moderator_id not in {c.person_id for c in found}


def test_nobody_fits_gives_an_empty_list() -> None:
    made = small([person("ahli", "gizi", roles=BOTH), person("mod", roles=MODERATOR)])
    target = session(1, weekly(JAN_14, 1)[0], "a", ["ahli"], "mod")
    assert propose_replacements(made, session=target, person_id="ahli", existing=[target]) == []


def test_long_plans_are_solved_in_blocks_and_break_no_rule() -> None:
    groups = list(ThemeGroup)
    themes = [
        theme(f"t{i}", "gizi", ("anak", "hukum", "data")[i % 3], group=groups[i % 3])
        for i in range(9)
    ]
    people = [
        person(
            f"p{i}",
            "gizi",
            ("anak", "hukum", "data")[i % 3],
            roles=BOTH if i % 3 == 0 else SPEAKER,
            gender=Sex.FEMALE if i % 2 else Sex.MALE,
        )
        for i in range(9)
    ]
    made = small(
        people,
        themes=themes,
        theme_repeat_months=1,
        min_gap_weeks=2,
        max_per_quarter=6,
    )
    slots = weekly(JAN_14, 45)
    plan = plan_series(made, slots=slots)
    assert plan.feasible
    (themes_stage, people_stage) = plan.solve.stages
    assert themes_stage.stage == "themes"
    assert themes_stage.objective is not None
    assert themes_stage.bound is not None
    assert themes_stage.objective <= themes_stage.bound
    assert people_stage.status is SolveStatus.OPTIMAL
    assert plan_checks.hard_violations(made, plan.sessions, []) == []


# --- days about women, themes named after their day ---------------------------------------------

KARTINI_DAY = Commemoration("kartini", "Hari Kartini", (4, 21), (4, 21), women_speakers=True)


def kartini_catalog(women_speakers: int) -> Catalog:
    return catalog(
        [theme("kartini", "gender", "pendidikan", commemorations=["kartini"])],
        [
            person("dosen", "gender", "pendidikan", gender=Sex.MALE),
            person("ketua", "gender", gender=Sex.FEMALE),
            person("mod", roles=MODERATOR),
        ],
        rules=PlanningRules(max_speakers=1),
        weights=dataclasses.replace(PlanningWeights(), women_speakers=women_speakers),
        commemorations=[KARTINI_DAY],
    )


def test_a_theme_of_a_day_about_women_prefers_women_speakers() -> None:
    plan = plan_series(kartini_catalog(2), slots=weekly(dt.date(2027, 4, 22), 1))
    (planned,) = plan.sessions
    assert planned.speaker_ids == ("ketua",)
    assert "narasumber perempuan untuk tema Hari Kartini" in planned.reasons


def test_without_the_women_speakers_weight_expertise_decides() -> None:
    plan = plan_series(kartini_catalog(0), slots=weekly(dt.date(2027, 4, 22), 1))
    assert plan.sessions[0].speaker_ids == ("dosen",)


def test_a_months_only_theme_stays_in_its_months() -> None:
    made = small(
        [person("ahli", "gizi"), person("mod", roles=MODERATOR)],
        themes=[
            theme("hari-gizi", "gizi", months=[2], months_only=True),
            theme("gizi", "gizi"),
        ],
        min_gap_weeks=0,
        theme_repeat_months=0,
        max_consecutive_group=3,
    )
    plan = plan_series(made, slots=weekly(dt.date(2027, 1, 21), 3))
    assert [(item.starts_at.month, item.theme_id) for item in plan.sessions] == [
        (1, "gizi"),
        (1, "gizi"),
        (2, "hari-gizi"),
    ]


def test_a_date_with_only_out_of_season_themes_is_explained() -> None:
    made = small(
        [person("ahli", "gizi"), person("mod", roles=MODERATOR)],
        themes=[theme("hari-gizi", "gizi", months=[2], months_only=True)],
    )
    plan = plan_series(made, slots=weekly(JAN_14, 1))
    assert plan.problems == (
        (
            "Kamis, 14 Januari 2027 pukul 09.00 WIB: tidak ada tema yang dapat dibawakan "
            "(1 tema hanya untuk bulan peringatannya (months_only))."
        ),
    )


def test_bundled_plan_keeps_day_themes_in_their_months_and_gives_women_days_to_women(
    bundled: Catalog, bundled_plan: Plan
) -> None:
    women_days = {c.id for c in bundled.commemorations if c.women_speakers}
    about_women = 0
    for item in bundled_plan.sessions:
        subject = bundled.theme(item.theme_id)
        if subject.months_only:
            assert item.starts_at.month in subject.preferred_months
        if women_days & set(subject.commemorations):
            about_women += 1
            assert {bundled.person(p).gender for p in item.speaker_ids} == {Sex.FEMALE}
    assert about_women >= 2


def test_interchangeable_themes_are_planned_as_one_set_and_never_repeat_too_soon() -> None:
    groups = list(ThemeGroup)
    themes = [theme(f"t{i}", "gizi", group=groups[i % 3]) for i in range(9)]
    people = [
        person(
            f"p{i}",
            "gizi",
            roles=BOTH if i % 3 == 0 else SPEAKER,
            gender=Sex.FEMALE if i % 2 else Sex.MALE,
        )
        for i in range(9)
    ]
    made = small(people, themes=themes, theme_repeat_months=2, min_gap_weeks=2, max_per_quarter=6)
    slots = weekly(JAN_14, 45)
    facts = PlanFacts(
        catalog=made,
        slots=slots,
        days=tuple(start.date() for start in slots),
        fixtures=(),
        drafts=(),
        demand={},
    )
    assert sorted(interchangeable_themes(facts)) == [(0, 3, 6), (1, 4, 7), (2, 5, 8)]
    plan = plan_series(made, slots=slots)
    assert plan.feasible
    assert plan_checks.hard_violations(made, plan.sessions, []) == []
    (themes_stage, _) = plan.solve.stages
    assert themes_stage.objective is not None
    assert themes_stage.bound is not None
    assert themes_stage.objective <= themes_stage.bound
    assert {item.theme_id for item in plan.sessions} == {item.id for item in themes}
