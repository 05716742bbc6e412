from pathlib import Path

import pytest
from pydantic import ValidationError

from gedsi_bot.config import Settings
from gedsi_bot.domain.meetings import MeetingOptions, Recording


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in (
        "GEDSI_ZOOM_USER",
        "GEDSI_ZOOM_RECORDING",
        "GEDSI_ZOOM_ALTERNATIVE_HOSTS",
        "GEDSI_ZOOM_REGISTRATION",
        "GEDSI_ZOOM_REGISTRANT_DOMAIN",
        "GEDSI_ZOOM_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)


def test_meeting_options_default_to_plain_meetings() -> None:
    assert Settings().meeting_options == MeetingOptions()


def test_meeting_options_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEDSI_ZOOM_USER", "host@dinsos.probolinggokota.go.id")
    monkeypatch.setenv("GEDSI_ZOOM_RECORDING", "cloud")
    monkeypatch.setenv("GEDSI_ZOOM_ALTERNATIVE_HOSTS", "a@dinsos.go.id; b@dinsos.go.id,")
    monkeypatch.setenv("GEDSI_ZOOM_REGISTRATION", "true")
    monkeypatch.setenv("GEDSI_ZOOM_REGISTRANT_DOMAIN", "peserta.dinsos.go.id")
    assert Settings().meeting_options == MeetingOptions(
        user_id="host@dinsos.probolinggokota.go.id",
        recording=Recording.CLOUD,
        alternative_hosts=("a@dinsos.go.id", "b@dinsos.go.id"),
        registration=True,
        registrant_email_domain="peserta.dinsos.go.id",
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GEDSI_ZOOM_ALTERNATIVE_HOSTS", "bukan-email"),
        ("GEDSI_ZOOM_RECORDING", "youtube"),
        ("GEDSI_ZOOM_REGISTRANT_DOMAIN", "not a domain"),
        ("GEDSI_ZOOM_TIMEOUT", "0"),
    ],
)
def test_bad_zoom_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=variable):
        Settings()
