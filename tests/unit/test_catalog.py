import datetime as dt
from pathlib import Path

import pytest

from gedsi_bot.catalog import load_catalog, parse_catalog
from gedsi_bot.domain.model import Role, Sex, ThemeGroup
from gedsi_bot.domain.series import Frequency, PlanningWeights
from gedsi_bot.errors import CatalogError
from tests.conftest import BUNDLED_CATALOG

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
SOURCE = BUNDLED_CATALOG.read_text(encoding="utf-8")


def parse(text: str, tmp_path: Path | None = None) -> object:
    source = (tmp_path or BUNDLED_CATALOG.parent) / "themes.yaml"
    return parse_catalog(text, source=source, now=NOW)


def errors_of(text: str, tmp_path: Path | None = None) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        parse(text, tmp_path)
    return [f"{issue.line}:{issue.column}: {issue.message}" for issue in caught.value.issues]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_bundled_catalog_is_valid_and_useful() -> None:
    catalog = load_catalog(BUNDLED_CATALOG, now=NOW)
    assert len(catalog.themes) >= 24
    assert {theme.group for theme in catalog.themes} == set(ThemeGroup)
    for group in ThemeGroup:
        assert sum(theme.group is group for theme in catalog.themes) >= 8
    assert catalog.series.cadence.frequency is Frequency.MONTHLY
    assert catalog.series.cadence.weeks_of_month == (2, 4)
    assert catalog.series.cadence.weekday == 3  # Thursday
    assert catalog.series.start_time == dt.time(9, 0)
    assert {person.gender for person in catalog.people} == {Sex.MALE, Sex.FEMALE}
    assert any(person.has_disability for person in catalog.people)
    assert sum(Role.MODERATOR in person.roles for person in catalog.people) >= 4


def test_every_theme_tag_has_a_speaker_who_knows_it() -> None:
    catalog = load_catalog(BUNDLED_CATALOG, now=NOW)
    expertise = set().union(*(p.expertise for p in catalog.people if p.can_speak))
    for theme in catalog.themes:
        assert theme.tags & expertise, theme.id


def test_several_mistakes_are_all_reported_with_their_lines() -> None:
    broken = (
        SOURCE.replace("timezone: Asia/Jakarta", "timezone: Asia/Jakrta")
        .replace("  capacity: 300 ", "  capacity: banyak ")
        .replace("    tags: [digital, kekerasan, remaja]", "    tags: [digitl, kekerasan, remaja]")
        .replace("  - id: uu-tpks\n", "  - id: cegah-kdrt\n    colour: red\n", 1)
    )
    found = errors_of(broken)
    assert len(found) == 5
    joined = "\n".join(found)
    assert (
        f"{line_of(broken, 'Asia/Jakrta')}:13: zona waktu tidak dikenal: 'Asia/Jakrta'" in joined
    )
    assert f"{line_of(broken, 'capacity: banyak')}:13: harus berupa bilangan bulat" in joined
    assert f"{line_of(broken, 'digitl')}:12: tag 'digitl' tidak ada" in joined
    assert f"{line_of(broken, 'colour: red')}:5: kunci 'colour' tidak dikenal" in joined
    duplicate_line = [
        i for i, row in enumerate(broken.splitlines(), 1) if "id: cegah-kdrt" in row
    ][1]
    assert f"{duplicate_line}:9: id 'cegah-kdrt' sudah dipakai oleh butir ke-11" in joined


def test_errors_carry_path_line_and_column() -> None:
    broken = SOURCE.replace("  duration_minutes: 120", "  duration_minutes: 5")
    with pytest.raises(CatalogError) as caught:
        parse(broken)
    (issue,) = caught.value.issues
    assert str(issue) == (
        f"{BUNDLED_CATALOG}:{line_of(broken, 'duration_minutes: 5')}:21: paling kecil 30"
    )


def test_yaml_syntax_error_names_its_place() -> None:
    broken = SOURCE.replace("  name: Caring Gedsi\n", "  name: [Caring Gedsi\n", 1)
    (message,) = errors_of(broken)
    assert "penulisan YAML keliru" in message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    weeks_of_month: [2, 4]", "    weeks_of_month: [2, 6]", "hanya boleh 1–5"),
        ("    weeks_of_month: [2, 4]", "    weeks_of_month: [2, 2]", "minggu yang sama dua kali"),
        (
            "    frequency: monthly ",
            "    frequency: weekly ",
            "hanya berlaku untuk jadwal 'monthly'",
        ),
        ("    weekday: thursday ", "    weekday: kemis ", "nama hari tidak dikenal"),
        ('  start_time: "09:00"', "  start_time: 9:30", "tanda kutip"),
        ('  start_time: "09:00"', '  start_time: "23:30"', "tengah malam"),
        ("  retention_days: 730 ", "  retention_days: 730\n  ends_on: 2026-01-01 ", "sudah lewat"),
        ("    gender: L\n", "    gender: X\n", "'L' atau 'P'"),
        ("  feedback_after_end: 10m", "  feedback_after_end: sepuluh", "jangka waktu"),
        (
            '{id: hari_kartini, name: Hari Kartini, date: "04-21"',
            '{id: hari_kartini, name: Hari Kartini, date: "04-31"',
            "bulan-tanggal",
        ),
        (
            "    commemorations: [hari_ibu]",
            "    commemorations: [hari_bapak]",
            "peringatan 'hari_bapak'",
        ),
    ],
)
def test_each_kind_of_mistake_is_explained(old: str, new: str, expected: str) -> None:
    assert old in SOURCE
    found = errors_of(SOURCE.replace(old, new, 1))
    assert any(expected in message for message in found), found


def test_biweekly_cadence_needs_an_anchor_on_the_weekday() -> None:
    cadence = "    frequency: monthly        # weekly | biweekly | monthly\n"
    biweekly = SOURCE.replace(cadence, "    frequency: biweekly\n    anchor: 2026-12-04\n")
    biweekly = biweekly.replace(
        "    weeks_of_month: [2, 4]    # the 2nd and 4th Thursday of each month\n", ""
    )
    found = errors_of(biweekly)
    assert any("tidak jatuh pada hari" in message for message in found), found
    fixed = parse(biweekly.replace("anchor: 2026-12-04", "anchor: 2026-12-03"))
    assert fixed.series.cadence.anchor == dt.date(2026, 12, 3)  # type: ignore[attr-defined]


def test_missing_photo_is_reported_and_present_one_accepted(tmp_path: Path) -> None:
    with_photo = SOURCE.replace(
        "  - id: psikolog-puspaga\n", "  - id: psikolog-puspaga\n    photo: foto/psikolog.jpg\n"
    )
    (message,) = errors_of(with_photo, tmp_path)
    assert "berkas 'foto/psikolog.jpg' tidak ditemukan" in message
    (tmp_path / "foto").mkdir()
    (tmp_path / "foto" / "psikolog.jpg").write_bytes(b"\xff\xd8\xff")
    catalog = parse(with_photo, tmp_path)
    assert catalog.person("psikolog-puspaga").photo == str(tmp_path / "foto" / "psikolog.jpg")  # type: ignore[attr-defined]


def test_duplicate_keys_are_reported() -> None:
    found = errors_of(SOURCE.replace("  capacity: 300 ", "  capacity: 300\n  capacity: 200 "))
    assert any("'capacity' ditulis dua kali" in message for message in found)


def test_missing_required_section_is_reported() -> None:
    start = SOURCE.index("registration:\n  consent_version")
    end = SOURCE.index("certificates:")
    found = errors_of(SOURCE[:start] + SOURCE[end:])
    assert any("'registration' wajib diisi" in message for message in found)


def test_empty_and_non_mapping_files_are_refused() -> None:
    assert errors_of("")
    assert errors_of("- just\n- a list\n")


def test_english_messages_are_available() -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(
            SOURCE.replace("timezone: Asia/Jakarta", "timezone: Mars/Base"),
            source=BUNDLED_CATALOG,
            now=NOW,
            language="en",
        )
    assert "unknown timezone: 'Mars/Base'" in str(caught.value)


def test_unreadable_file_is_a_catalog_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path / "absent.yaml")
    assert caught.value.issues[0].path.endswith("absent.yaml")


def test_planning_weights_include_group_balance() -> None:
    bundled = load_catalog(BUNDLED_CATALOG, now=NOW)
    assert bundled.planning.weights.group_balance == 2
    without = SOURCE.replace("    group_balance: 2          # an even share", "    # share")
    assert parse(without).planning.weights.group_balance == PlanningWeights().group_balance  # type: ignore[attr-defined]
    zero = SOURCE.replace("    group_balance: 2 ", "    group_balance: 0 ")
    assert parse(zero).planning.weights.group_balance == 0  # type: ignore[attr-defined]


def test_lead_days_default_to_two_weeks_and_are_validated() -> None:
    assert load_catalog(BUNDLED_CATALOG, now=NOW).planning.lead_days == 14
    without = SOURCE.replace("  lead_days: 14 ", "  # lead_days: 14 ")
    assert parse(without).planning.lead_days == 14  # type: ignore[attr-defined]
    assert parse(SOURCE.replace("  lead_days: 14 ", "  lead_days: 0 ")).planning.lead_days == 0  # type: ignore[attr-defined]
    found = errors_of(SOURCE.replace("  lead_days: 14 ", "  lead_days: -3 "))
    assert found[0].startswith(f"{line_of(SOURCE, 'lead_days: 14')}:"), found


def test_months_only_needs_months_and_women_speakers_are_read() -> None:
    bundled = load_catalog(BUNDLED_CATALOG, now=NOW)
    assert bundled.commemoration("hari_kartini").women_speakers
    assert not bundled.commemoration("hari_disabilitas").women_speakers
    assert bundled.theme("hari-ibu").months_only
    assert not bundled.theme("cegah-kdrt").months_only
    broken = SOURCE.replace("    months: [12]\n    months_only: true", "    months_only: true", 1)
    found = errors_of(broken)
    assert any("'months_only: true' perlu 'months'" in message for message in found), found
