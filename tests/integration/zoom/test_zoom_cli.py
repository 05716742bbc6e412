"""``gedsi-bot zoom …`` and ``gedsi-bot sandbox zoom`` as the office runs them: real processes."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from gedsi_bot.domain.model import SessionStatus
from gedsi_bot.sandbox.zoom import ZoomSandbox
from gedsi_bot.store import open_database
from gedsi_bot.store.sessions import add_session, ensure_series, get_session
from gedsi_bot.store.tables import ParticipantRow, RegistrationRow
from tests.conftest import BUNDLED_CATALOG

STARTS = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)


def clean_environment() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("GEDSI_", "TELEGRAM_", "ZOOM_"))
    }


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gedsi_bot", *args],
        cwd=cwd,
        env={**clean_environment(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def zoom_env(zoom: ZoomSandbox) -> dict[str, str]:
    return {
        "GEDSI_ZOOM_API_URL": zoom.api_url,
        "GEDSI_ZOOM_OAUTH_URL": zoom.oauth_url,
        "ZOOM_ACCOUNT_ID": zoom.config.account_id,
        "ZOOM_CLIENT_ID": zoom.config.client_id,
        "ZOOM_CLIENT_SECRET": zoom.config.client_secret,
    }


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """An office folder with the bundled catalog and two approved sessions, #1 and #2."""
    shutil.copy(BUNDLED_CATALOG, tmp_path / "themes.yaml")
    database = open_database(f"sqlite:///{tmp_path / 'data' / 'gedsi.db'}")
    try:
        with database.write() as db:
            series = ensure_series(db, slug="caring-gedsi", name="Caring Gedsi")
            for offset in (0, 14):
                add_session(
                    db,
                    series_id=series,
                    theme_id="cegah-kdrt",
                    starts_at=STARTS + dt.timedelta(days=offset),
                    duration_minutes=120,
                    speaker_ids=[],
                    moderator_id=None,
                    status=SessionStatus.APPROVED,
                )
            session_id = get_session(db, series_id=series, number=1).id
            for name in ("Siti Aminah", "Rina Wati"):
                person = ParticipantRow(full_name=name)
                db.add(person)
                db.flush()
                db.add(
                    RegistrationRow(
                        session_id=session_id, participant_id=person.id, status="registered"
                    )
                )
    finally:
        database.dispose()
    return tmp_path


def test_create_show_attendance_delete_against_the_sandbox(
    office: Path, zoom: ZoomSandbox
) -> None:
    env = zoom_env(zoom)
    created = run("zoom", "create", "1", cwd=office, env=env)
    assert created.returncode == 0, created.stderr
    (meeting,) = zoom.meetings()
    digits = str(meeting["id"])
    shown_id = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    assert created.stdout.strip() == f"Rapat Zoom sesi #1 dibuat: {shown_id}."

    shown = run("zoom", "show", "1", "--host-url", cwd=office, env=env)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[4].startswith(f"Tautan tuan rumah: https://zoom.us/s/{digits}?zak=")
    assert lines[:4] + lines[5:] == [
        "Sesi: #1 — Kamis, 26 November 2026 pukul 09.00 WIB",
        f"ID rapat: {shown_id}",
        f"Kode sandi: {meeting['password']}",
        f"Tautan bergabung: {meeting['join_url']}",
        "Sumber: dibuat lewat API Zoom",
        "Tautan pribadi per peserta: tidak",
    ]

    zoom.set_participants(
        digits,
        [
            {"name": "Siti Aminah", "join_time": "2026-11-26T02:00:00Z",
             "leave_time": "2026-11-26T04:00:00Z"},
            {"name": "Pak Budi", "join_time": "2026-11-26T02:00:00Z",
             "leave_time": "2026-11-26T02:30:00Z"},
        ],
    )  # fmt: skip
    attendance = run("zoom", "attendance", "1", cwd=office, env=env)
    assert attendance.returncode == 0, attendance.stderr
    assert attendance.stdout.splitlines() == [
        f"Kehadiran sesi #1 (rapat {shown_id}): 2 catatan dari Zoom; 1 hadir, 1 tidak hadir.",
        "Dicocokkan lewat tautan pribadi: 0; lewat alamat pendaftar: 0; lewat nama: 1.",
        "Peserta Zoom tanpa pendaftaran yang cocok (1):",
        "  - Pak Budi: 30 menit",
    ]

    deleted = run("zoom", "delete", "1", cwd=office, env=env)
    assert deleted.stdout.strip() == "Rapat Zoom sesi #1 dihapus di Zoom dan dilepas dari sesi."
    assert zoom.meetings() == []


def test_hand_entered_meeting_is_checked_then_stored(office: Path) -> None:
    wrong = run(
        "zoom", "set", "2", "--meeting-id", "812 3456", "--join-url",
        "https://us02web.zoom.us/j/81234567890", cwd=office,
    )  # fmt: skip
    assert wrong.returncode == 2
    assert (
        wrong.stderr.strip() == "ID rapat harus terdiri dari 9–11 angka, misalnya 812 3456 7890."
    )
    stored = run(
        "zoom", "set", "2", "--meeting-id", "812 3456 7890", "--passcode", "abc123",
        "--join-url", "https://us02web.zoom.us/j/81234567890?pwd=x", cwd=office,
    )  # fmt: skip
    assert stored.returncode == 0, stored.stderr
    assert stored.stdout.strip() == "Rapat Zoom sesi #2 disimpan: 812 3456 7890 (diisi manual)."
    shown = run("zoom", "show", "2", "--format", "json", cwd=office)
    assert json.loads(shown.stdout)["meeting"] == {
        "meeting_id": "81234567890",
        "passcode": "abc123",
        "join_url": "https://us02web.zoom.us/j/81234567890?pwd=x",
        "source": "manual",
        "uses_registration": False,
        "host_url": None,
    }


def test_create_without_credentials_names_the_three_variables(office: Path) -> None:
    result = run("zoom", "create", "1", cwd=office)
    assert result.returncode == 2
    assert "ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET" in result.stderr
    assert "Traceback" not in result.stderr


def test_used_up_daily_quota_is_told_in_local_time(office: Path, zoom: ZoomSandbox) -> None:
    zoom.add_fault("rate_limit_daily", method="POST", path="/meetings$")
    result = run("zoom", "create", "1", cwd=office, env=zoom_env(zoom))
    assert result.returncode == 1
    assert result.stderr.strip() == "kuota harian Zoom habis; coba lagi setelah pukul 07.00 WIB"


def test_sandbox_command_serves_until_ctrl_c(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "gedsi_bot", "sandbox", "zoom", "--port", "0"],
        cwd=tmp_path,
        env=clean_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        announced: dict[str, str] = {}
        first = process.stdout.readline()
        assert first.startswith("Sandbox Zoom berjalan di http://127.0.0.1:")
        while "ZOOM_CLIENT_SECRET" not in announced:
            name, _, value = process.stdout.readline().strip().partition("=")
            announced[name] = value
        token = httpx.post(
            announced["GEDSI_ZOOM_OAUTH_URL"],
            params={
                "grant_type": "account_credentials",
                "account_id": announced["ZOOM_ACCOUNT_ID"],
            },
            auth=(announced["ZOOM_CLIENT_ID"], announced["ZOOM_CLIENT_SECRET"]),
        )
        assert token.status_code == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert out.strip().endswith("Sandbox Zoom berhenti.")
    assert "Traceback" not in err


def test_sandbox_command_on_a_taken_port_says_so(tmp_path: Path, zoom: ZoomSandbox) -> None:
    result = run("sandbox", "zoom", "--port", str(zoom.port), cwd=tmp_path)
    assert result.returncode == 1
    assert f"tidak dapat memakai 127.0.0.1:{zoom.port}" in result.stderr
