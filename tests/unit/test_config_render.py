from pathlib import Path

import pytest
from pydantic import ValidationError

from gedsi_bot.config import Settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("GEDSI_BOT_USERNAME", "GEDSI_FLYERS_DIR", "GEDSI_CATALOG"):
        monkeypatch.delenv(name, raising=False)


def test_bot_username_is_optional_and_read_without_the_at(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().bot_username is None
    monkeypatch.setenv("GEDSI_BOT_USERNAME", "@CaringGedsiBot")
    assert Settings().bot_username == "CaringGedsiBot"


@pytest.mark.parametrize("username", ["caring gedsi", "ab", "1gedsi_bot", "x" * 40])
def test_impossible_bot_username_is_refused(
    monkeypatch: pytest.MonkeyPatch, username: str
) -> None:
    monkeypatch.setenv("GEDSI_BOT_USERNAME", username)
    with pytest.raises(ValidationError):
        Settings()


def test_flyers_folder_sits_beside_the_catalog_unless_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GEDSI_CATALOG", "/etc/gedsi/themes.yaml")
    assert Settings().resolved_flyers_dir == Path("/etc/gedsi/flyers")
    monkeypatch.setenv("GEDSI_FLYERS_DIR", "/srv/desain")
    assert Settings().resolved_flyers_dir == Path("/srv/desain")
