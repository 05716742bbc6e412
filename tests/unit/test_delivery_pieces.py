"""Pure pieces of delivery: payload shapes, backoff, the limiter's pacing, Bot arguments."""

from __future__ import annotations

import datetime as dt

import pytest

from gedsi_bot.delivery.limits import Gcra, Limiter, Limits
from gedsi_bot.delivery.sender import bot_arguments
from gedsi_bot.domain.outbox import (
    Compose,
    Direct,
    Expand,
    FileRef,
    PayloadError,
    backoff_delay,
    parse_payload,
)


class FakeTime:
    """A monotonic clock that moves only when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_direct_payload_with_a_file_reference() -> None:
    payload = {
        "method": "sendPhoto",
        "params": {"photo": {"path": "flyers/1.png", "media_key": "flyer:1"}, "caption": "x"},
    }
    assert parse_payload(payload) == Direct(
        "sendPhoto", {"photo": FileRef("flyers/1.png", "flyer:1"), "caption": "x"}
    )


def test_compose_and_expand_payloads() -> None:
    assert parse_payload({"compose": {"name": "host", "args": {"s": 1}}}) == Compose(
        "host", {"s": 1}
    )
    assert parse_payload({"expand": {"name": "announce"}}) == Expand("announce", {})


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"method": "sendSticker", "params": {}}, "unsupported method"),
        ({"method": "sendMessage", "params": {}}, "needs text"),
        ({"method": "sendPhoto", "params": {"caption": "x"}}, "needs photo"),
        ({"method": "sendMessage", "params": []}, "params must be an object"),
        ({"compose": {"args": {}}}, "compose needs a name"),
        ({"expand": {"name": "x", "args": [1]}}, "args must be an object"),
        (
            {"method": "sendPhoto", "params": {"photo": {"path": "", "media_key": "k"}}},
            "needs a path",
        ),
    ],
)
def test_malformed_payloads_are_refused(payload: dict[str, object], problem: str) -> None:
    with pytest.raises(PayloadError, match=problem):
        parse_payload(payload)


def test_backoff_doubles_up_to_the_cap() -> None:
    delays = [backoff_delay(n, base=2.0, cap=30.0) for n in range(1, 7)]
    assert delays == [dt.timedelta(seconds=s) for s in (2, 4, 8, 16, 30, 30)]


def test_gcra_allows_its_burst_then_spaces_sends() -> None:
    bucket = Gcra(rate=10.0, burst=3)
    starts = [bucket.reserve(0.0) for _ in range(5)]
    assert starts == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2])


async def test_the_limiter_keeps_the_overall_rate() -> None:
    fake = FakeTime()
    limiter = Limiter(Limits(per_second=50.0), clock=fake.clock, sleep=fake.sleep)
    for chat_id in range(1, 501):
        assert await limiter.acquire(chat_id, max_wait=1.0) == 0.0
    # 500 sends at 50/s, after a burst of 5: just under ten seconds.
    assert fake.now - 100.0 == pytest.approx(500 / 50 - 5 / 50, abs=0.02)


async def test_one_chat_gets_its_burst_then_waits_its_turn() -> None:
    fake = FakeTime()
    limiter = Limiter(
        Limits(chat_per_second=1.0, chat_burst=2), clock=fake.clock, sleep=fake.sleep
    )
    waits = [await limiter.acquire(7, max_wait=0.5) for _ in range(3)]
    assert waits[:2] == [0.0, 0.0]
    assert waits[2] == pytest.approx(1.0)  # over max_wait: returned, nothing reserved


async def test_groups_and_channels_get_twenty_a_minute() -> None:
    fake = FakeTime()
    limiter = Limiter(Limits(group_burst=1), clock=fake.clock, sleep=fake.sleep)
    await limiter.acquire(-100123, max_wait=0.0)
    assert limiter.chat_delay(-100123) == pytest.approx(3.0)
    assert limiter.chat_delay(100123) == 0.0


async def test_a_held_chat_waits_while_others_go_on() -> None:
    fake = FakeTime()
    limiter = Limiter(Limits(), clock=fake.clock, sleep=fake.sleep)
    limiter.hold(5, 30.0)
    assert await limiter.acquire(5, max_wait=1.0) == pytest.approx(30.0)
    assert await limiter.acquire(6, max_wait=1.0) == 0.0
    assert fake.now == 100.0


def test_bot_arguments_apply_the_bots_defaults_and_pass_the_rest() -> None:
    call = Direct("sendMessage", {"chat_id": 1, "text": "<b>Hai</b>", "reply_markup": {"k": 1}})
    name, arguments = bot_arguments(call, "<b>Hai</b>")
    assert name == "send_message"
    assert arguments == {
        "text": "<b>Hai</b>",
        "api_kwargs": {
            "reply_markup": {"k": 1},
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        },
    }
    photo = Direct("sendPhoto", {"photo": "FILEID", "caption": "c", "parse_mode": None})
    assert bot_arguments(photo, "FILEID") == (
        "send_photo",
        {"photo": "FILEID", "api_kwargs": {"caption": "c", "parse_mode": None}},
    )
