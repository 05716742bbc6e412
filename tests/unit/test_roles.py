import datetime as dt
from dataclasses import replace

from gedsi_bot.bot.roles import admin_ids, is_admin
from gedsi_bot.catalog import load_catalog
from gedsi_bot.domain.series import TeamMember
from tests.conftest import BUNDLED_CATALOG

CATALOG = replace(
    load_catalog(BUNDLED_CATALOG, now=dt.datetime(2026, 11, 23, tzinfo=dt.UTC)),
    team=(
        TeamMember(name="Staf PUG", telegram_id=501),
        TeamMember(name="Staf Bidang", telegram_username="@StafBidang"),
    ),
)


def test_admins_come_from_settings_and_the_catalog_team() -> None:
    assert admin_ids(frozenset({7}), CATALOG) == frozenset({7, 501})


def test_admin_is_recognised_by_id_or_team_username() -> None:
    settings_ids = frozenset({7})
    assert is_admin(user_id=7, username=None, settings_ids=settings_ids, catalog=CATALOG)
    assert is_admin(user_id=501, username=None, settings_ids=settings_ids, catalog=CATALOG)
    assert is_admin(user_id=9, username="stafbidang", settings_ids=settings_ids, catalog=CATALOG)


def test_anyone_else_is_not_an_admin() -> None:
    settings_ids = frozenset({7})
    assert not is_admin(user_id=8, username=None, settings_ids=settings_ids, catalog=CATALOG)
    assert not is_admin(user_id=8, username="peserta", settings_ids=settings_ids, catalog=CATALOG)
