import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gedsi_bot.bot.persistence import DatabasePersistence
from gedsi_bot.store import Database
from gedsi_bot.store.engine import upgrade
from gedsi_bot.store.tables import BotStateRow
from tests.conftest import backends, drop_engine, make_engine


@pytest.fixture(params=backends())
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database of its own: the persistence commits, from worker threads."""
    engine, schema = make_engine(request.param, tmp_path)
    upgrade(engine)
    yield Database(engine)
    drop_engine(engine, schema)


async def test_conversations_and_user_data_survive_a_new_persistence(database: Database) -> None:
    first = DatabasePersistence(database)
    await first.update_conversation("registration", (42, 42), "birth_year")
    await first.update_user_data(42, {"form": {"mode": "register", "session_id": 7}})
    await first.flush()

    second = DatabasePersistence(database)
    assert await second.get_conversations("registration") == {(42, 42): "birth_year"}
    assert await second.get_user_data() == {42: {"form": {"mode": "register", "session_id": 7}}}
    assert await second.get_conversations("other") == {}


async def test_ended_conversations_and_empty_data_leave_no_rows(database: Database) -> None:
    persistence = DatabasePersistence(database)
    await persistence.update_conversation("registration", (42, 42), "name")
    await persistence.update_user_data(42, {"form": {}})
    await persistence.update_conversation("registration", (42, 42), None)
    await persistence.update_user_data(42, {})
    await persistence.flush()
    with database.read() as db:
        assert db.scalar(select(func.count(BotStateRow.id))) == 0


async def test_many_simultaneous_saves_are_all_written(database: Database) -> None:
    persistence = DatabasePersistence(database)
    await asyncio.gather(
        *(persistence.update_conversation("registration", (n, n), f"s{n}") for n in range(300)),
        *(persistence.update_user_data(n, {"n": n}) for n in range(300)),
    )
    again = DatabasePersistence(database)
    conversations = await again.get_conversations("registration")
    assert len(conversations) == 300
    assert conversations[(299, 299)] == "s299"
    assert (await again.get_user_data())[17] == {"n": 17}


async def test_latest_value_wins_when_a_key_is_saved_twice(database: Database) -> None:
    persistence = DatabasePersistence(database)
    await asyncio.gather(
        persistence.update_conversation("registration", (1, 1), "name"),
        persistence.update_conversation("registration", (1, 1), "sex"),
    )
    assert await DatabasePersistence(database).get_conversations("registration") == {(1, 1): "sex"}
