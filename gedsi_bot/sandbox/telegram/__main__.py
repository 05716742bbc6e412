"""``python -m gedsi_bot.sandbox.telegram '{"config": {…}, "host": …, "port": …}'``.

How ``TelegramSandbox(separate_process=True)`` starts its server: prints the root URL on the
first line of standard output once the port is open, serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import json
import sys

from gedsi_bot.sandbox.telegram.runner import serve_until_signalled
from gedsi_bot.sandbox.telegram.state import SandboxConfig


def main() -> None:
    arguments = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    config = SandboxConfig.from_json(arguments.get("config", {}))

    def ready(url: str) -> None:
        print(url, flush=True)

    asyncio.run(
        serve_until_signalled(
            config,
            host=arguments.get("host", "127.0.0.1"),
            port=arguments.get("port", 0),
            ready=ready,
        )
    )


if __name__ == "__main__":
    main()
