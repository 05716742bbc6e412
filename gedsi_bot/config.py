"""Settings from the environment and an optional ``.env`` file.

This is the only module that reads ``os.environ``. Everything else receives a ``Settings``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from gedsi_bot.domain.meetings import MeetingOptions, Recording, is_email
from gedsi_bot.errors import MissingCredentials

TELEGRAM_API_URL = "https://api.telegram.org"
ZOOM_API_URL = "https://api.zoom.us/v2"
ZOOM_OAUTH_URL = "https://zoom.us/oauth/token"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class Settings(BaseSettings):
    """Every setting gedsi-bot reads, with its environment variable and default."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        frozen=True,
    )

    data_dir: Path = Field(Path("data"), validation_alias=_env("GEDSI_DATA_DIR"))
    database_url: str | None = Field(None, validation_alias=_env("GEDSI_DATABASE_URL"))
    catalog_path: Path = Field(Path("themes.yaml"), validation_alias=_env("GEDSI_CATALOG"))
    language: Literal["id", "en"] = Field("id", validation_alias=_env("GEDSI_LANGUAGE"))
    log_level: LogLevel = Field("INFO", validation_alias=_env("GEDSI_LOG_LEVEL"))

    telegram_bot_token: SecretStr | None = Field(None, validation_alias=_env("TELEGRAM_BOT_TOKEN"))
    telegram_api_url: str = Field(
        TELEGRAM_API_URL, validation_alias=_env("GEDSI_TELEGRAM_API_URL")
    )
    telegram_channel: str | None = Field(None, validation_alias=_env("GEDSI_TELEGRAM_CHANNEL"))
    webhook_url: str | None = Field(None, validation_alias=_env("GEDSI_WEBHOOK_URL"))
    webhook_secret: SecretStr | None = Field(None, validation_alias=_env("GEDSI_WEBHOOK_SECRET"))
    webhook_listen: str = Field("0.0.0.0", validation_alias=_env("GEDSI_WEBHOOK_LISTEN"))  # noqa: S104
    webhook_port: int = Field(8443, validation_alias=_env("GEDSI_WEBHOOK_PORT"))
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), validation_alias=_env("GEDSI_ADMIN_IDS")
    )
    bot_username: str | None = Field(
        None,
        validation_alias=_env("GEDSI_BOT_USERNAME"),
        pattern=r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$",
    )
    flyers_dir: Path | None = Field(None, validation_alias=_env("GEDSI_FLYERS_DIR"))
    # A file holding a shift of the clock, for rehearsals against the sandbox (see clock.py).
    rehearsal_clock: Path | None = Field(None, validation_alias=_env("GEDSI_REHEARSAL_CLOCK"))

    zoom_account_id: str | None = Field(None, validation_alias=_env("ZOOM_ACCOUNT_ID"))
    zoom_client_id: str | None = Field(None, validation_alias=_env("ZOOM_CLIENT_ID"))
    zoom_client_secret: SecretStr | None = Field(None, validation_alias=_env("ZOOM_CLIENT_SECRET"))
    zoom_api_url: str = Field(ZOOM_API_URL, validation_alias=_env("GEDSI_ZOOM_API_URL"))
    zoom_oauth_url: str = Field(ZOOM_OAUTH_URL, validation_alias=_env("GEDSI_ZOOM_OAUTH_URL"))
    # The Zoom user who hosts the meetings: "me" (the app's owner), a user id or an e-mail.
    zoom_user: str = Field("me", min_length=1, validation_alias=_env("GEDSI_ZOOM_USER"))
    zoom_recording: Literal["none", "local", "cloud"] = Field(
        "none", validation_alias=_env("GEDSI_ZOOM_RECORDING")
    )
    zoom_alternative_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias=_env("GEDSI_ZOOM_ALTERNATIVE_HOSTS")
    )
    # Personal join links (Zoom registration) instead of one link for everybody.
    zoom_registration: bool = Field(
        default=False, validation_alias=_env("GEDSI_ZOOM_REGISTRATION")
    )
    # Zoom wants an e-mail per registrant; participants get peserta-<id>@<this domain>.
    zoom_registrant_domain: str = Field(
        "peserta.invalid",
        pattern=r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$",
        validation_alias=_env("GEDSI_ZOOM_REGISTRANT_DOMAIN"),
    )
    zoom_timeout_seconds: float = Field(
        20.0, gt=0, le=300, validation_alias=_env("GEDSI_ZOOM_TIMEOUT")
    )

    # Delivery of the outbox (gedsi_bot.delivery): Telegram's limits and the worker's bounds.
    delivery_rate: float = Field(30.0, gt=0, validation_alias=_env("GEDSI_DELIVERY_RATE"))
    delivery_chat_rate: float = Field(1.0, gt=0, validation_alias=_env("GEDSI_DELIVERY_CHAT_RATE"))
    delivery_chat_burst: int = Field(2, ge=1, validation_alias=_env("GEDSI_DELIVERY_CHAT_BURST"))
    delivery_group_rate: float = Field(
        20.0, gt=0, validation_alias=_env("GEDSI_DELIVERY_GROUP_RATE")
    )  # per minute, for groups and channels
    delivery_window: int = Field(32, ge=1, le=1000, validation_alias=_env("GEDSI_DELIVERY_WINDOW"))
    delivery_lease_seconds: float = Field(
        60.0, gt=0, validation_alias=_env("GEDSI_DELIVERY_LEASE")
    )
    delivery_max_attempts: int = Field(
        5, ge=1, le=50, validation_alias=_env("GEDSI_DELIVERY_MAX_ATTEMPTS")
    )
    delivery_backoff_seconds: float = Field(
        2.0, gt=0, validation_alias=_env("GEDSI_DELIVERY_BACKOFF")
    )
    delivery_poll_seconds: float = Field(5.0, gt=0, validation_alias=_env("GEDSI_DELIVERY_POLL"))
    # The PostgreSQL advisory lock that elects the one scheduler ("GEDS"; below 2**32).
    scheduler_lock_key: int = Field(
        0x47454453, ge=1, lt=2**63, validation_alias=_env("GEDSI_SCHEDULER_LOCK_KEY")
    )
    # False for bot processes behind a load balancer when `gedsi-bot deliver` workers send.
    delivery_in_bot: bool = Field(default=True, validation_alias=_env("GEDSI_DELIVERY_IN_BOT"))

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            return frozenset(int(part) for part in parts if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("zoom_alternative_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            parts = (part.strip() for part in value.replace(";", ",").split(","))
            value = tuple(part for part in parts if part)
        if isinstance(value, tuple | list):
            for email in value:
                if not isinstance(email, str) or not is_email(email):
                    raise ValueError(f"not an e-mail address: {email!r}")
        return value

    @field_validator("telegram_api_url", "zoom_api_url", "zoom_oauth_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("bot_username")
    @classmethod
    def _without_at(cls, value: str | None) -> str | None:
        return value.lstrip("@") if value else None

    @property
    def resolved_flyers_dir(self) -> Path:
        """Templates, fonts and logos: ``GEDSI_FLYERS_DIR``, or ``flyers/`` beside the catalog."""
        return self.flyers_dir or self.catalog_path.parent / "flyers"

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'gedsi.db'}"

    @property
    def has_zoom_credentials(self) -> bool:
        return bool(self.zoom_account_id and self.zoom_client_id and self.zoom_client_secret)

    def require_zoom_credentials(self) -> tuple[str, str, SecretStr]:
        """The three Zoom credentials, or one error naming every variable to set."""
        if not (self.zoom_account_id and self.zoom_client_id and self.zoom_client_secret):
            raise MissingCredentials(
                "Zoom", ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET")
            )
        return self.zoom_account_id, self.zoom_client_id, self.zoom_client_secret

    @property
    def meeting_options(self) -> MeetingOptions:
        """How meetings are set up at Zoom, from the ``GEDSI_ZOOM_*`` settings."""
        return MeetingOptions(
            user_id=self.zoom_user,
            recording=Recording(self.zoom_recording),
            alternative_hosts=self.zoom_alternative_hosts,
            registration=self.zoom_registration,
            registrant_email_domain=self.zoom_registrant_domain,
        )

    def require_telegram_token(self) -> SecretStr:
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value():
            raise MissingCredentials("Telegram", ("TELEGRAM_BOT_TOKEN",))
        return self.telegram_bot_token


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment (and ``.env``), with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
