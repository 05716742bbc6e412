"""The console script as the office runs it: real processes, real exit codes."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BUNDLED_CATALOG


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("GEDSI_", "TELEGRAM_", "ZOOM_"))
    }
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "gedsi_bot", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def office(tmp_path: Path) -> Path:
    shutil.copy(BUNDLED_CATALOG, tmp_path / "themes.yaml")
    return tmp_path


def test_version_and_help(office: Path) -> None:
    version = run("--version", cwd=office)
    assert version.returncode == 0
    assert version.stdout.startswith("gedsi-bot ")
    help_text = run("--help", cwd=office)
    assert help_text.returncode == 0
    for command in ("check", "db", "sessions"):
        assert command in help_text.stdout


def test_check_accepts_the_bundled_catalog(office: Path) -> None:
    result = run("check", cwd=office)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_check_lists_every_mistake_and_exits_2(office: Path) -> None:
    broken = office / "rusak.yaml"
    text = (office / "themes.yaml").read_text(encoding="utf-8")
    broken.write_text(
        text.replace("timezone: Asia/Jakarta", "timezone: Jakarta").replace(
            "    gender: L\n", "    gender: laki\n", 1
        ),
        encoding="utf-8",
    )
    result = run("check", str(broken), cwd=office)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(broken))]
    assert len(lines) == 2
    assert "Traceback" not in result.stderr
    assert "2 masalah" in result.stderr


def test_db_upgrade_then_sessions_list(office: Path) -> None:
    upgraded = run("db", "upgrade", cwd=office)
    assert upgraded.returncode == 0, upgraded.stderr
    assert (office / "data" / "gedsi.db").is_file()
    listed = run("sessions", "list", "--format", "json", cwd=office)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    emptied = run("db", "downgrade", "base", cwd=office)
    assert emptied.returncode == 0, emptied.stderr


def test_invalid_option_exits_2(office: Path) -> None:
    assert run("sessions", "list", "--format", "xml", cwd=office).returncode == 2


def test_unreachable_database_exits_1_with_a_clear_message(office: Path) -> None:
    result = run(
        "sessions",
        "list",
        cwd=office,
        env={"GEDSI_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )
    assert result.returncode == 1
    assert "Basis data tidak dapat dihubungi" in result.stderr
