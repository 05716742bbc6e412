"""docker-compose.yml: PostgreSQL 16 with a volume and a health check, the schema migrated
once, then the bot and the delivery worker, all configured from .env. (No Docker engine is
needed: the file is read as Compose reads it.)"""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer.main
import yaml

from gedsi_bot.cli import app
from gedsi_bot.config import Settings
from tests.conftest import REPO_ROOT

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
GEDSI = ("migrate", "bot", "deliver")


def cli_commands() -> set[tuple[str, ...]]:
    """Every command of ``gedsi-bot`` as words: ("run",), ("db", "upgrade"), ..."""
    found: set[tuple[str, ...]] = set()
    group = typer.main.get_group(app)
    for name, command in group.commands.items():
        found.add((name,))
        for sub in getattr(command, "commands", {}):
            found.add((name, sub))
    return found


def test_postgres_16_keeps_its_data_in_a_volume_and_reports_health() -> None:
    db = SERVICES["db"]
    assert re.fullmatch(r"postgres:16(\.\d+)?(-alpine|-bookworm)?", db["image"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    volume = db["volumes"][0].split(":")[0]
    assert volume in COMPOSE["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


@pytest.mark.parametrize("name", GEDSI)
def test_gedsi_services_read_dot_env_and_use_the_compose_database(name: str) -> None:
    service = SERVICES[name]
    assert service["env_file"] == ".env"
    url = service["environment"]["GEDSI_DATABASE_URL"]
    assert url.startswith("postgresql://gedsi:")
    assert url.endswith("@db:5432/gedsi")
    assert service["depends_on"]["db"] == {"condition": "service_healthy"}
    assert "gedsi-data:/data" in service["volumes"]


def test_bot_and_worker_start_after_the_one_migration() -> None:
    assert SERVICES["migrate"]["command"] == ["gedsi-bot", "db", "upgrade"]
    assert SERVICES["migrate"]["restart"] == "no"
    for name in ("bot", "deliver"):
        migrate = SERVICES[name]["depends_on"]["migrate"]
        assert migrate == {"condition": "service_completed_successfully"}
        assert SERVICES[name]["restart"] == "unless-stopped"
    assert SERVICES["bot"]["command"] == ["gedsi-bot", "run"]
    assert SERVICES["deliver"]["command"] == ["gedsi-bot", "deliver"]


@pytest.mark.parametrize("name", ["migrate", "bot", "deliver"])
def test_service_commands_exist(name: str) -> None:
    assert tuple(SERVICES[name]["command"][1:]) in cli_commands()


def test_env_example_names_only_real_settings() -> None:
    example = (REPO_ROOT / ".env.example").read_text(encoding="utf-8")
    names = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    known = {
        alias
        for field in Settings.model_fields.values()
        for alias in getattr(field.validation_alias, "choices", [field.validation_alias])
        if isinstance(alias, str)
    }
    assert names - known == {"POSTGRES_PASSWORD"}  # compose's own, for the db service
    assert "TELEGRAM_BOT_TOKEN" in names
