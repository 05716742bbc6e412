"""Shared fixtures: a migrated database on SQLite and, when configured, on PostgreSQL, and the
Telegram and Zoom sandboxes.

Each test runs inside a transaction that is rolled back, so tests never see each other's
rows. PostgreSQL runs get a schema of their own, so parallel runs on one server do not meet.
"""

from __future__ import annotations

import os
import secrets
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gedsi_bot.sandbox.telegram import SandboxClient, TelegramSandbox
from gedsi_bot.sandbox.zoom import SandboxConfig as ZoomSandboxConfig
from gedsi_bot.sandbox.zoom import ZoomSandbox
from gedsi_bot.store.engine import Database, create_database_engine, upgrade

PG_URL_VARIABLE = "GEDSI_TEST_DATABASE_URL"
REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CATALOG = REPO_ROOT / "themes.yaml"


def postgres_url() -> str | None:
    return os.environ.get(PG_URL_VARIABLE) or None


def backends() -> list[object]:
    return [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(postgres_url() is None, reason=f"{PG_URL_VARIABLE} is not set"),
            ],
        ),
    ]


def make_engine(backend: str, tmp_dir: Path) -> tuple[Engine, str | None]:
    """A fresh, empty database of ``backend``; for PostgreSQL, a new schema (returned)."""
    if backend == "sqlite":
        return create_database_engine(f"sqlite:///{tmp_dir / 'test.db'}"), None
    url = postgres_url()
    assert url is not None
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_database_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    engine = create_database_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    return engine, schema


def drop_engine(engine: Engine, schema: str | None) -> None:
    engine.dispose()
    if schema is None:
        return
    url = postgres_url()
    assert url is not None
    admin = create_database_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session", params=backends())
def migrated_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A database with every migration applied, shared by the whole run (one per backend)."""
    engine, schema = make_engine(request.param, tmp_path_factory.mktemp(request.param))
    upgrade(engine)
    yield engine
    drop_engine(engine, schema)


@pytest.fixture
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A brand-new database without any tables (for migration tests)."""
    backend = request.param if hasattr(request, "param") else "sqlite"
    engine, schema = make_engine(backend, tmp_path)
    yield engine
    drop_engine(engine, schema)


@pytest.fixture
def database(migrated_engine: Engine) -> Iterator[Database]:
    """A ``Database`` whose every write is rolled back when the test ends."""
    with migrated_engine.connect() as connection:
        outer = connection.begin()
        yield Database(migrated_engine, connection=connection)
        outer.rollback()


@pytest.fixture
def db(database: Database) -> Iterator[Session]:
    """One ORM session inside the test's rolled-back transaction."""
    with database.write() as session:
        yield session


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One client for raw HTTP in tests: building a TLS context per client costs ~80 ms."""
    with httpx.Client(timeout=10, verify=ssl.create_default_context()) as client:
        yield client


@pytest.fixture
def telegram_sandbox() -> Iterator[TelegramSandbox]:
    """A Telegram Bot API sandbox on a free port, Telegram's flood limits in force."""
    with TelegramSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def telegram_users(telegram_sandbox: TelegramSandbox) -> Iterator[SandboxClient]:
    """The simulation client of ``telegram_sandbox``: create users, act as them, read chats."""
    with telegram_sandbox.client() as client:
        yield client


@pytest.fixture(scope="session")
def zoom_server() -> Iterator[ZoomSandbox]:
    """One Zoom sandbox on a free port for the whole run (see ``zoom_sandbox``)."""
    with ZoomSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def zoom_sandbox(zoom_server: ZoomSandbox) -> ZoomSandbox:
    """The Zoom API sandbox with a fresh account: no meetings, tokens, faults or counters.

    Point a client at ``.api_url`` and ``.oauth_url`` with ``.config``'s credentials.
    """
    zoom_server.reset(ZoomSandboxConfig())
    return zoom_server
