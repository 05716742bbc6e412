"""Running the sandbox: in a background thread for tests and scripts, or in the foreground.

``TelegramSandbox`` starts the server on its own event loop in a daemon thread (port 0 by
default, so parallel test runs never collide) and stops it cleanly; ``serve`` runs it in the
current loop until asked to stop, which is what ``gedsi-bot sandbox telegram`` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import tornado.netutil

from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient, SandboxClient
from gedsi_bot.sandbox.telegram.flood import FloodLimits
from gedsi_bot.sandbox.telegram.server import make_app, make_server
from gedsi_bot.sandbox.telegram.state import SandboxConfig, World

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0


async def serve(
    config: SandboxConfig,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    stop: asyncio.Event,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until ``stop`` is set; ``ready`` gets the root URL once the port is open."""
    world = World(config)
    server = make_server(make_app(world))
    sockets = tornado.netutil.bind_sockets(port, address=host)
    server.add_sockets(sockets)
    bound_port = sockets[0].getsockname()[1]
    try:
        if ready is not None:
            ready(f"http://{_url_host(host)}:{bound_port}")
        await stop.wait()
    finally:
        await _shut_down(world, server)


async def _shut_down(world: World, server: Any) -> None:
    """Stop listening, end long polls and waits at once, close every connection."""
    world.closing = True
    server.stop()
    world.updates.arrived.notify()
    world.changes.notify()
    task = world.webhook_task
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await asyncio.sleep(0.01)  # let woken requests answer before their connections close
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(server.close_all_connections(), _STOP_TIMEOUT)


async def serve_until_signalled(
    config: SandboxConfig, *, host: str, port: int, ready: Callable[[str], None]
) -> None:
    """Serve until SIGINT (Ctrl-C) or SIGTERM, then close every connection and return."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(config, host=host, port=port, stop=stop, ready=ready)


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):  # noqa: S104 - naming the wildcard, not binding it
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


class TelegramSandbox:
    """A Telegram Bot API sandbox in a background thread, or in a process of its own.

    ``with TelegramSandbox() as sandbox:`` starts it; ``sandbox.url`` is its root,
    ``sandbox.token`` the bot's token, ``sandbox.client()`` a simulation client. Point
    python-telegram-bot at it with ``Bot(sandbox.token, base_url=sandbox.api_url,
    base_file_url=sandbox.file_url)``. ``separate_process=True`` runs the server in its own
    Python process, so a load test's clients and the server do not share one interpreter lock.
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        flood: FloodLimits | None = None,
        separate_process: bool = False,
    ) -> None:
        config = config or SandboxConfig()
        if flood is not None:
            config = dataclasses.replace(config, flood=flood)
        self.config = config
        self._host = host
        self._port = port
        self._separate = separate_process
        self._url: str | None = None
        self._thread: threading.Thread | None = None
        self._process: subprocess.Popen[str] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._failure: BaseException | None = None

    @property
    def url(self) -> str:
        """Root URL, e.g. ``http://127.0.0.1:40123`` (also ``GEDSI_TELEGRAM_API_URL``)."""
        if self._url is None:
            raise RuntimeError("the Telegram sandbox is not running")
        return self._url

    @property
    def api_url(self) -> str:
        """``base_url`` for python-telegram-bot (it appends the token)."""
        return f"{self.url}/bot"

    @property
    def file_url(self) -> str:
        """``base_file_url`` for python-telegram-bot."""
        return f"{self.url}/file/bot"

    @property
    def token(self) -> str:
        return self.config.token

    @property
    def process_id(self) -> int | None:
        """The server's process id when it runs in a process of its own (for CPU figures)."""
        return self._process.pid if self._process is not None else None

    def start(self) -> Self:
        if self._thread is not None or self._process is not None:
            raise RuntimeError("the Telegram sandbox is already running")
        if self._separate:
            self._start_process()
            return self
        self._thread = threading.Thread(target=self._run, name="telegram-sandbox", daemon=True)
        self._thread.start()
        if not self._started.wait(_START_TIMEOUT):
            raise RuntimeError("the Telegram sandbox did not start in time")
        if self._failure is not None:
            self._thread.join()
            self._thread = None
            raise RuntimeError("the Telegram sandbox could not start") from self._failure
        return self

    def _start_process(self) -> None:
        arguments = json.dumps(
            {"config": self.config.as_json(), "host": self._host, "port": self._port}
        )
        process = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
            [sys.executable, "-m", "gedsi_bot.sandbox.telegram", arguments],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        first_line = process.stdout.readline().strip()
        if not first_line.startswith("http"):
            process.kill()
            process.wait()
            process.stdout.close()
            raise RuntimeError("the Telegram sandbox process could not start")
        self._process = process
        self._url = first_line

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # noqa: BLE001 - handed to the starting thread
            self._failure = error
            self._started.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()

        def ready(url: str) -> None:
            self._url = url
            self._started.set()

        await serve(self.config, host=self._host, port=self._port, stop=self._stop, ready=ready)

    def stop(self) -> None:
        """Stop the server and wait for its thread or process; safe to call twice."""
        if self._process is not None:
            self._stop_process(self._process)
        thread, loop, stop = self._thread, self._loop, self._stop
        if thread is None:
            return
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        thread.join(_STOP_TIMEOUT + 5)
        if thread.is_alive():
            raise RuntimeError("the Telegram sandbox did not stop in time")
        self._thread = None
        self._url = None
        self._started.clear()

    def _stop_process(self, process: subprocess.Popen[str]) -> None:
        process.terminate()
        try:
            process.wait(_STOP_TIMEOUT + 5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        self._process = None
        self._url = None

    def client(self, *, timeout: float = 30.0) -> SandboxClient:
        return SandboxClient(self.url, timeout=timeout)

    def async_client(self, *, timeout: float = 30.0) -> AsyncSandboxClient:
        return AsyncSandboxClient(self.url, timeout=timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
