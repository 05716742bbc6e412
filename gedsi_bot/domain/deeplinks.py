"""The ``/start`` payloads gedsi-bot puts behind t.me links and QR codes.

Telegram allows at most 64 characters of ``[A-Za-z0-9_-]``. Each payload is a short prefix and
an opaque code: registering for a session (the flyer's QR), verifying a certificate (the
certificate's QR) and linking a speaker's or moderator's account (their personal invitation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_PAYLOAD = 64
_CODE = re.compile(r"^[A-Za-z0-9-]{1,56}$")


class LinkKind(StrEnum):
    REGISTER = "daftar"
    VERIFY = "cek"
    INVITE = "tim"


@dataclass(frozen=True, slots=True)
class DeepLink:
    kind: LinkKind
    code: str


def payload_for(kind: LinkKind, code: str) -> str:
    """The ``/start`` payload for ``code``; ``ValueError`` if it cannot be one."""
    if not _CODE.match(code):
        raise ValueError(f"not a deep-link code: {code!r}")
    payload = f"{kind.value}_{code}"
    if len(payload) > MAX_PAYLOAD:
        raise ValueError("deep-link payload longer than Telegram allows")
    return payload


def parse_payload(payload: str) -> DeepLink | None:
    """What a ``/start`` payload asks for, or ``None`` for anything gedsi-bot did not make."""
    prefix, _, code = payload.partition("_")
    try:
        kind = LinkKind(prefix)
    except ValueError:
        return None
    if not _CODE.match(code):
        return None
    return DeepLink(kind, code)


def start_link(bot_username: str, payload: str) -> str:
    """``https://t.me/<bot>?start=<payload>``."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={payload}"
