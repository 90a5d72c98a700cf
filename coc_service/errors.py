"""Errors shared across the service; each knows the exit code the CLI gives for it."""

from __future__ import annotations

from collections.abc import Iterable


class CocError(Exception):
    """Base of the service's own errors."""

    exit_code = 1


class ConfigError(CocError):
    """One or more settings are missing or invalid."""

    exit_code = 2

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("Invalid configuration:\n" + "\n".join(f"  - {p}" for p in self.problems))


class ServiceUnavailable(CocError):
    """A backing service (database, Redis, storage) cannot be reached."""

    exit_code = 3


class NotFound(CocError):
    """The object does not exist or the caller may not see it."""

    exit_code = 4
