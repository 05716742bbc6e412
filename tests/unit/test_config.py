from pathlib import Path

import pytest
from pydantic import ValidationError

from gedsi_bot.config import Settings
from gedsi_bot.errors import MissingCredentials


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in (
        "GEDSI_DATABASE_URL",
        "GEDSI_DATA_DIR",
        "GEDSI_ADMIN_IDS",
        "TELEGRAM_BOT_TOKEN",
        "ZOOM_ACCOUNT_ID",
        "ZOOM_CLIENT_ID",
        "ZOOM_CLIENT_SECRET",
        "GEDSI_TELEGRAM_API_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_use_sqlite_in_the_data_directory() -> None:
    settings = Settings()
    assert settings.resolved_database_url == "sqlite:///data/gedsi.db"
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.zoom_api_url == "https://api.zoom.us/v2"
    assert settings.zoom_oauth_url == "https://zoom.us/oauth/token"
    assert settings.catalog_path == Path("themes.yaml")


def test_environment_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GEDSI_DATA_DIR", "/srv/gedsi")
    (tmp_path / ".env").write_text(
        "GEDSI_ADMIN_IDS=11, 22;33\nGEDSI_TELEGRAM_API_URL=http://127.0.0.1:8081/\n"
    )
    settings = Settings()
    assert settings.resolved_database_url == "sqlite:////srv/gedsi/gedsi.db"
    assert settings.admin_ids == frozenset({11, 22, 33})
    assert settings.telegram_api_url == "http://127.0.0.1:8081"


def test_secrets_are_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:very-secret-token")
    monkeypatch.setenv("ZOOM_CLIENT_SECRET", "zoom-secret-value")
    settings = Settings()
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    assert "very-secret-token" not in shown
    assert "zoom-secret-value" not in shown
    assert settings.require_telegram_token().get_secret_value() == "123:very-secret-token"


def test_missing_zoom_credentials_name_all_three_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZOOM_CLIENT_ID", "abc")
    with pytest.raises(MissingCredentials) as caught:
        Settings().require_zoom_credentials()
    assert caught.value.variables == ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET")


def test_bad_admin_ids_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEDSI_ADMIN_IDS", "12,abc")
    with pytest.raises(ValidationError):
        Settings()
