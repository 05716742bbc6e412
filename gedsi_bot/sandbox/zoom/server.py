"""Running the Zoom sandbox: in a background thread for tests, or in the foreground for the CLI.

    with ZoomSandbox() as zoom:             # port 0: the OS picks a free port
        client = ZoomClient(api_url=zoom.api_url, oauth_url=zoom.oauth_url, ...)
        zoom.add_fault("error", path="/meetings", status=500)
        zoom.meetings()

``stop()`` closes the listening socket and every open connection and joins the thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from gedsi_bot.sandbox.zoom.app import make_app
from gedsi_bot.sandbox.zoom.state import (
    Fault,
    FaultKind,
    Json,
    LoggedRequest,
    SandboxConfig,
    ZoomState,
)

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


class ZoomSandbox:
    """A Zoom API server on loopback, with its state open to the test that runs it."""

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.state = ZoomState(config, clock=clock)
        self.host = host
        self.port = port
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    # --- where it listens ----------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, the server's root."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        """What ``GEDSI_ZOOM_API_URL`` should be: the root plus ``/v2``."""
        return f"{self.url}/v2"

    @property
    def oauth_url(self) -> str:
        """What ``GEDSI_ZOOM_OAUTH_URL`` should be."""
        return f"{self.url}/oauth/token"

    @property
    def config(self) -> SandboxConfig:
        return self.state.config

    # --- running -------------------------------------------------------------------------

    async def serve(self, stop: asyncio.Event, *, ready: Callable[[], None] | None = None) -> None:
        """Serve in the running event loop until ``stop`` is set, then close every connection."""
        server = HTTPServer(make_app(self.state))
        sockets = bind_sockets(self.port, self.host)
        server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        try:
            if ready is not None:
                ready()
            await stop.wait()
        finally:
            server.stop()
            await server.close_all_connections()

    def start(self) -> Self:
        """Serve from a background thread; returns once the port is bound."""
        if self._thread is not None:
            raise RuntimeError("the Zoom sandbox is already running")
        self._ready.clear()
        self._error = None
        self._thread = threading.Thread(target=self._run, name="zoom-sandbox", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise RuntimeError("the Zoom sandbox did not start in time")
        error = self._startup_error()
        if error is not None:
            self._thread.join(STOP_TIMEOUT)
            self._thread = None
            raise RuntimeError("the Zoom sandbox could not start") from error
        return self

    def _startup_error(self) -> BaseException | None:
        """What stopped the server thread from serving, if anything (set by that thread)."""
        return self._error

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            self._stop = asyncio.Event()
            loop.run_until_complete(self.serve(self._stop, ready=self._ready.set))
        except BaseException as error:  # noqa: BLE001 - handed to the starting thread
            self._error = error
        finally:
            _cancel_leftovers(loop)
            loop.close()
            self._ready.set()

    def stop(self) -> None:
        """Stop serving, close open connections and join the thread (safe to call twice)."""
        thread, loop, stop = self._thread, self._loop, self._stop
        if thread is None:
            return
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        thread.join(STOP_TIMEOUT)
        if thread.is_alive():
            raise RuntimeError("the Zoom sandbox did not stop in time")
        self._thread = self._loop = self._stop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- steering and looking (the same as the HTTP control API) ---------------------------

    def add_fault(
        self,
        kind: FaultKind | str,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = 1,
        status: int = 500,
        delay: float = 0.0,
        retry_after: int = 1,
    ) -> Fault:
        """Make the next ``times`` matching requests fail as ``kind`` says (see ``FaultKind``)."""
        return self.state.add_fault(
            Fault(
                kind=FaultKind(kind),
                method=method,
                path=path,
                times=times,
                status=status,
                delay=delay,
                retry_after=retry_after,
            )
        )

    def clear_faults(self) -> None:
        self.state.clear_faults()

    def meetings(self, *, include_deleted: bool = False) -> list[Json]:
        return self.state.meetings(include_deleted=include_deleted)

    def meeting(self, meeting_id: int | str) -> Json | None:
        return self.state.meeting(int(meeting_id))

    def registrants(self, meeting_id: int | str) -> list[Json]:
        return self.state.registrants(int(meeting_id))

    def set_participants(self, meeting_id: int | str, records: Sequence[Mapping[str, Any]]) -> int:
        """Script a past meeting's join/leave records (see ``ZoomState.set_participants``)."""
        return self.state.set_participants(str(meeting_id), records)

    def requests(self) -> list[LoggedRequest]:
        return self.state.requests()

    def expire_tokens(self) -> int:
        return self.state.expire_tokens()

    def configure(self, **changes: Any) -> SandboxConfig:
        return self.state.configure(**changes)

    def reset(self, config: SandboxConfig | None = None) -> None:
        self.state.reset(config)


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel handlers still waiting (a slow-response fault) so the loop closes quietly."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
