"""The error types of gedsi-bot.

User-facing wording comes from the locale catalog; the text of an exception is for logs and
developers. ``exit_code`` tells the CLI how to end: 2 for invalid input, 1 for anything else.
"""

from __future__ import annotations

from dataclasses import dataclass


class GedsiError(Exception):
    """Base of every error gedsi-bot raises on purpose."""

    exit_code = 1


class InvalidInput(GedsiError):  # noqa: N818 - reads as a sentence at the raise site
    """Something the user supplied cannot be used as it is."""

    exit_code = 2


class ConfigError(InvalidInput):
    """A setting is missing or malformed."""


class MissingCredentials(ConfigError):  # noqa: N818
    """A command needs credentials that are not set."""

    def __init__(self, service: str, variables: tuple[str, ...]) -> None:
        super().__init__(f"{service} needs {', '.join(variables)}")
        self.service = service
        self.variables = variables


@dataclass(frozen=True, slots=True)
class CatalogIssue:
    """One problem in a catalog file, with the place it stands."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class CatalogError(InvalidInput):
    """The catalog file cannot be used; ``issues`` lists every problem found."""

    summary_key = "cli.catalog_invalid"  # the locale message the CLI ends the list with

    def __init__(self, issues: list[CatalogIssue]) -> None:
        super().__init__("\n".join(str(issue) for issue in issues))
        self.issues = issues


class TemplateError(CatalogError):
    """A flyer or certificate template in ``flyers/`` cannot be used (same report style)."""

    summary_key = "render.template_invalid"


class RenderError(GedsiError):
    """A flyer or certificate cannot be drawn within the limits it must meet."""


class NotFound(InvalidInput):
    """A named thing (session, participant, …) does not exist."""
