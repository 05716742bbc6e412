"""The sandbox bot's identity when nobody names another one."""

# Accepted only by the sandbox; public on purpose so tests and rehearsals need no setup.
DEFAULT_TOKEN = "7000000001:AAGedsiSandboxTokenForLocalUseOnly0"  # noqa: S105
DEFAULT_BOT_NAME = "Caring Gedsi (sandbox)"
DEFAULT_BOT_USERNAME = "caring_gedsi_sandbox_bot"
