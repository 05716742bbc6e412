"""Outbox messages as plain values: what a row asks for, and how long to wait before a retry.

A row's payload is one of three shapes (see TEAM.md's shared contracts):

- ``{"method": "sendMessage"|"sendPhoto"|"sendDocument", "params": {...}}`` — a Bot API call;
  a file parameter may be ``{"path": ..., "media_key": ...}``, uploaded once and then re-sent
  by the ``file_id`` kept under ``media_key``;
- ``{"compose": {"name": ..., "args": {...}}}`` — built at send time by a registered composer;
- ``{"expand": {"name": ..., "args": {...}}}`` — a fan-out row, expanded into one row per
  recipient by a registered expander.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
FILE_PARAMS = {"sendPhoto": "photo", "sendDocument": "document"}


class OutboxStatus(StrEnum):
    """A row's life: ``pending → sending → sent | failed | skipped``, or ``cancelled``."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class PayloadError(ValueError):
    """A payload that is none of the three shapes; the row can never be sent."""


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file to upload once: ``path`` (absolute or relative to the data directory)."""

    path: str
    media_key: str


@dataclass(frozen=True, slots=True)
class Direct:
    """A Bot API call with its parameters (file parameters may be ``FileRef``)."""

    method: str
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Compose:
    """Build the message at send time with the composer called ``name``."""

    name: str
    args: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Expand:
    """Fan out into one row per recipient with the expander called ``name``."""

    name: str
    args: Mapping[str, Any]


Payload = Direct | Compose | Expand


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """An outbox row as the delivery worker sees it once claimed."""

    id: int
    kind: str
    chat_id: int
    payload: Mapping[str, Any]
    attempts: int
    dedupe_key: str
    session_id: int | None = None


def parse_payload(payload: Mapping[str, Any]) -> Payload:
    """The payload's shape, or ``PayloadError`` naming what is wrong (no values quoted)."""
    if "compose" in payload or "expand" in payload:
        key = "compose" if "compose" in payload else "expand"
        name, args = _named(payload[key], key)
        return Compose(name, args) if key == "compose" else Expand(name, args)
    method = payload.get("method")
    params = payload.get("params", {})
    if not isinstance(params, Mapping):
        raise PayloadError("params must be an object")
    return parse_call(method, params)


def parse_call(method: object, params: Mapping[str, Any]) -> Direct:
    """A Bot API call of a supported method, its file parameters turned into ``FileRef``."""
    if method not in METHODS:
        raise PayloadError(f"unsupported method {method!r}")
    assert isinstance(method, str)
    parsed = {
        key: _file_ref(value) if _is_file_ref(value) else value for key, value in params.items()
    }
    file_param = FILE_PARAMS.get(method)
    if file_param is not None and file_param not in parsed:
        raise PayloadError(f"{method} needs {file_param}")
    if method == "sendMessage" and not isinstance(parsed.get("text"), str):
        raise PayloadError("sendMessage needs text")
    return Direct(method, parsed)


def _named(value: object, key: str) -> tuple[str, Mapping[str, Any]]:
    if not isinstance(value, Mapping) or not isinstance(value.get("name"), str):
        raise PayloadError(f"{key} needs a name")
    args = value.get("args", {})
    if not isinstance(args, Mapping):
        raise PayloadError(f"{key} args must be an object")
    return value["name"], args


def _is_file_ref(value: object) -> bool:
    return isinstance(value, Mapping) and "path" in value and "media_key" in value


def _file_ref(value: Mapping[str, Any]) -> FileRef:
    path, key = value["path"], value["media_key"]
    if not isinstance(path, str) or not isinstance(key, str) or not path or not key:
        raise PayloadError("a file parameter needs a path and a media_key")
    return FileRef(path, key)


def backoff_delay(attempt: int, *, base: float, cap: float) -> dt.timedelta:
    """The wait after failed attempt number ``attempt`` (1, 2, …): doubling from ``base``."""
    seconds = min(cap, base * 2 ** max(0, attempt - 1))
    return dt.timedelta(seconds=seconds)
