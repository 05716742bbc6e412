"""Flood control with Telegram's numbers: across chats, per chat, per group."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gedsi_bot.sandbox.telegram.flood import FloodControl, FloodLimits


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_one_chat_gets_a_short_burst_then_about_one_per_second(clock: FakeClock) -> None:
    flood = FloodControl(FloodLimits(), clock)

    answers = [flood.admit(7, group=False) for _ in range(4)]
    clock.now += 1.0
    after_a_second = flood.admit(7, group=False)

    assert answers == [(0, ""), (0, ""), (0, ""), (1, "chat")]
    assert after_a_second == (0, "")


def test_thirty_chats_a_second_then_the_global_limit(clock: FakeClock) -> None:
    flood = FloodControl(FloodLimits(), clock)

    admitted = [flood.admit(chat, group=False) for chat in range(30)]
    refused = flood.admit(30, group=False)

    assert set(admitted) == {(0, "")}
    assert refused == (1, "global")


def test_group_gets_twenty_a_minute(clock: FakeClock) -> None:
    flood = FloodControl(replace(FloodLimits(), chat_burst=100, chat_per_second=100), clock)

    admitted = [flood.admit(-5, group=True) for _ in range(20)]
    refused = flood.admit(-5, group=True)

    assert set(admitted) == {(0, "")}
    assert refused == (3, "group")


def test_refused_messages_cost_nothing(clock: FakeClock) -> None:
    flood = FloodControl(replace(FloodLimits(), chat_burst=1), clock)
    flood.admit(1, group=False)
    for _ in range(5):
        flood.admit(1, group=False)

    clock.now += 1.0

    assert flood.admit(1, group=False) == (0, "")


def test_paid_broadcast_lifts_the_limit_across_chats(clock: FakeClock) -> None:
    flood = FloodControl(replace(FloodLimits(), global_burst=1, global_per_second=1), clock)
    flood.admit(1, group=False)

    assert flood.admit(2, group=False, broadcast_paid=True) == (0, "")


def test_disabled_limits_let_everything_through(clock: FakeClock) -> None:
    flood = FloodControl(FloodLimits(enabled=False), clock)

    assert {flood.admit(1, group=False) for _ in range(100)} == {(0, "")}


def test_limits_scale_for_load_tests() -> None:
    scaled = FloodLimits().scaled(10)

    assert (scaled.global_per_second, scaled.chat_burst, scaled.group_per_minute) == (
        300.0,
        30,
        200.0,
    )


def test_limits_from_json_keep_what_is_not_named() -> None:
    limits = FloodLimits.from_json({"global_per_second": 300}, FloodLimits(chat_burst=5))

    assert (limits.global_per_second, limits.chat_burst) == (300.0, 5)


@pytest.mark.parametrize("change", [{"speed": 1}, {"chat_burst": 0}, {"enabled": "yes"}])
def test_malformed_limits_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"."):
        FloodLimits.from_json(change)
