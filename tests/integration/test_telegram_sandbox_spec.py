"""The sandbox's per-method parameter rules agree with the Bot API 10.1 specification.

The machine-readable spec lives outside the repository, in ``../shared/specs`` next to it; it is
read in place and never copied in.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from gedsi_bot.sandbox.telegram.botapi import _SCOPES
from gedsi_bot.sandbox.telegram.markup import _BOOLEAN_FIELDS, _INLINE_KINDS
from gedsi_bot.sandbox.telegram.params import METHODS, UNSUPPORTED
from gedsi_bot.sandbox.telegram.state import UPDATE_KINDS
from tests.conftest import REPO_ROOT

SPEC = REPO_ROOT.parent / "shared" / "specs" / "telegram-bot-api-10.1.json"

pytestmark = pytest.mark.skipif(
    not SPEC.is_file(), reason=f"the Bot API spec is not at {SPEC} (the shared folder is absent)"
)


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    return loaded


def fields_of(kind: str, name: str) -> dict[str, tuple[tuple[str, ...], bool]]:
    entry = spec()[kind][name]
    return {
        field["name"]: (tuple(field["types"]), field["required"])
        for field in entry.get("fields", [])
    }


def test_spec_is_bot_api_10_1() -> None:
    assert spec()["version"] == "Bot API 10.1"


@pytest.mark.parametrize("method", sorted(METHODS))
def test_method_parameters_match_the_spec(method: str) -> None:
    ours = {param.name: (param.types, param.required) for param in METHODS[method]}

    assert ours == fields_of("methods", method)


def test_refused_features_are_real_parameters() -> None:
    everywhere = {name for method in METHODS for name in fields_of("methods", method)}

    assert everywhere >= UNSUPPORTED


def test_update_kinds_are_the_specs() -> None:
    kinds = set(fields_of("types", "Update")) - {"update_id"}

    assert set(UPDATE_KINDS) == kinds


def test_inline_button_kinds_are_the_specs() -> None:
    button = set(fields_of("types", "InlineKeyboardButton"))

    assert button - {"text", "icon_custom_emoji_id", "style"} == set(_INLINE_KINDS)


def test_keyboard_flags_are_fields_of_the_spec() -> None:
    known = (
        set(fields_of("types", "ReplyKeyboardMarkup"))
        | set(fields_of("types", "ReplyKeyboardRemove"))
        | set(fields_of("types", "ForceReply"))
    )

    assert set(_BOOLEAN_FIELDS) <= known


def test_bot_command_scopes_are_the_specs() -> None:
    subtypes = spec()["types"]["BotCommandScope"]["subtypes"]
    declared = set()
    for subtype in subtypes:
        kind = fields_of("types", subtype)["type"]
        description = spec()["types"][subtype]["fields"][0]["description"]
        assert kind[0] == ("String",)
        declared.add(description.split("must be ")[-1].strip().strip(".").strip('"'))

    assert declared == _SCOPES
