"""A small client for the Zoom sandbox's control API, for a sandbox in another process.

A trainer's script or a demo drives ``gedsi-bot sandbox zoom`` with it exactly as tests drive an
in-process ``ZoomSandbox``: script faults and attendance, read meetings and the request log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Self, cast

import httpx

Json = dict[str, Any]


class SandboxControlError(RuntimeError):
    """The sandbox refused a control request; the text is the sandbox's explanation."""


class ZoomSandboxControl:
    """Talks to ``<url>/sandbox/…`` of a running Zoom sandbox."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self._http = httpx.Client(base_url=url.rstrip("/"), timeout=httpx.Timeout(timeout))

    def _call(self, method: str, path: str, **kwargs: Any) -> Json:
        response = self._http.request(method, f"/sandbox{path}", **kwargs)
        if response.status_code >= 400:
            try:
                message = str(response.json().get("error", response.text))
            except ValueError:
                message = response.text
            raise SandboxControlError(f"{response.status_code}: {message}")
        if response.status_code == 204 or not response.content:
            return {}
        return cast("Json", response.json())

    def add_fault(self, kind: str, **fields: Any) -> Json:
        """Script a fault: kind is error, slow, drop, rate_limit_qps or rate_limit_daily."""
        return cast("Json", self._call("POST", "/faults", json={"kind": kind, **fields})["fault"])

    def faults(self) -> list[Json]:
        return cast("list[Json]", self._call("GET", "/faults")["faults"])

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def meetings(self, *, include_deleted: bool = False) -> list[Json]:
        params = {"include_deleted": "true" if include_deleted else "false"}
        return cast("list[Json]", self._call("GET", "/meetings", params=params)["meetings"])

    def meeting(self, meeting_id: int | str) -> Json:
        return self._call("GET", f"/meetings/{meeting_id}")

    def set_participants(self, meeting_id: int | str, records: Sequence[Mapping[str, Any]]) -> int:
        body = {"participants": list(records)}
        stored = self._call("PUT", f"/past_meetings/{meeting_id}/participants", json=body)
        return int(stored["stored"])

    def requests(self) -> list[Json]:
        return cast("list[Json]", self._call("GET", "/requests")["requests"])

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    def expire_tokens(self) -> int:
        return int(self._call("POST", "/tokens/expire")["expired"])

    def config(self) -> Json:
        return self._call("GET", "/config")

    def configure(self, **changes: Any) -> Json:
        """Change ``token_lifetime``, ``daily_limit`` or ``qps`` (a mapping by category)."""
        return self._call("PATCH", "/config", json=changes)

    def reset(self) -> None:
        self._call("POST", "/reset")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
