"""The demo's servers: both sandboxes in this process, the bot in a process of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from gedsi_bot.sandbox.telegram.runner import TelegramSandbox
from gedsi_bot.sandbox.zoom import ZoomSandbox

STOP_TIMEOUT = 20.0  # seconds the bot gets to finish after SIGTERM


@dataclass(frozen=True, slots=True)
class BotEnvironment:
    """What the bot process is told through its environment, as an office would set it."""

    telegram: TelegramSandbox
    zoom: ZoomSandbox
    database_url: str
    data_dir: Path
    catalog: Path
    admin_ids: tuple[int, ...]
    clock_file: Path
    language: str

    def variables(self) -> dict[str, str]:
        account = self.zoom.config
        return {
            "TELEGRAM_BOT_TOKEN": self.telegram.token,
            "GEDSI_TELEGRAM_API_URL": self.telegram.url,
            "GEDSI_DATABASE_URL": self.database_url,
            "GEDSI_DATA_DIR": str(self.data_dir),
            "GEDSI_CATALOG": str(self.catalog),
            "GEDSI_ADMIN_IDS": ",".join(str(admin) for admin in self.admin_ids),
            "GEDSI_REHEARSAL_CLOCK": str(self.clock_file),
            "GEDSI_LANGUAGE": self.language,
            "GEDSI_LOG_LEVEL": "INFO",
            "ZOOM_ACCOUNT_ID": account.account_id,
            "ZOOM_CLIENT_ID": account.client_id,
            "ZOOM_CLIENT_SECRET": account.client_secret,
            "GEDSI_ZOOM_API_URL": self.zoom.api_url,
            "GEDSI_ZOOM_OAUTH_URL": self.zoom.oauth_url,
        }


class BotProcess:
    """``gedsi-bot run`` as a child process, its output in a log file."""

    def __init__(self, environment: BotEnvironment, log_path: Path) -> None:
        self.environment = environment
        self.log_path = log_path
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("GEDSI_", "ZOOM_", "TELEGRAM_"))
        }
        env.update(self.environment.variables())
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "gedsi_bot", "run"],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def exit_code(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def stop(self) -> None:
        """Stop the bot as a service manager does: SIGTERM, then SIGKILL if it hangs."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
