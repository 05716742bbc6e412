import re

import pytest

from gedsi_bot.domain.deeplinks import LinkKind, parse_payload, payload_for, start_link


@pytest.mark.parametrize("kind", list(LinkKind))
def test_payload_round_trips_within_telegram_rules(kind: LinkKind) -> None:
    payload = payload_for(kind, "a1B2-c3")
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", payload)
    link = parse_payload(payload)
    assert link is not None
    assert (link.kind, link.code) == (kind, "a1B2-c3")


@pytest.mark.parametrize(
    "payload", ["", "daftar", "daftar_", "halo_123", "daftar_a b", "cek_" + "x" * 60]
)
def test_foreign_payloads_are_ignored(payload: str) -> None:
    assert parse_payload(payload) is None


def test_codes_that_break_the_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="code"):
        payload_for(LinkKind.REGISTER, "has space")


def test_start_link_points_at_the_bot() -> None:
    assert (
        start_link("@CaringGedsiBot", "daftar_ab12")
        == "https://t.me/CaringGedsiBot?start=daftar_ab12"
    )
