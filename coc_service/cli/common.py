"""What every service command shares: settings from the environment, clear errors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from coc_service.config import Settings, ensure_dev_secret, settings_from_env
from coc_service.errors import CocError
from coc_service.logs import configure_logging
from coc_service.runtime import Runtime, build_runtime

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Turn the service's typed errors into one clear message and an exit code, no traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CocError as exc:
            click.echo(f"coc-service: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


def load_settings() -> Settings:
    settings = ensure_dev_secret(settings_from_env())
    configure_logging(fmt=settings.log_format, level=settings.log_level)
    return settings


def load_runtime() -> Runtime:
    return build_runtime(load_settings())
