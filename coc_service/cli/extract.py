"""`coc-service extract FILE`: read one uploaded file exactly as the worker would, print JSON.

Exit codes (CONTRACTS.md): 0 for ok and unreadable, 2 for a rejected file or bad settings,
1 for an internal error, which is reported as JSON too, without a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from typing import Any

import click

from coc_service.documents.types import Limits

# Environment variable -> (Limits field, type, lowest accepted value)
LIMIT_VARIABLES: dict[str, tuple[str, type, float]] = {
    "COC_MAX_UPLOAD_BYTES": ("max_bytes", int, 1),
    "COC_MAX_PIXELS": ("max_pixels", int, 1),
    "COC_MAX_PAGES": ("max_pages", int, 1),
    "COC_STAGE_TIMEOUT_S": ("stage_timeout_s", float, 0.1),
}


class SettingsError(ValueError):
    """A limit in the environment is not a usable number."""


def limits_from_environment(environ: Mapping[str, str]) -> Limits:
    """Return the upload limits, with any COC_* variable set in `environ` applied."""
    values: dict[str, Any] = {}
    for variable, (name, kind, lowest) in LIMIT_VARIABLES.items():
        raw = environ.get(variable)
        if raw is None or raw.strip() == "":
            continue
        try:
            value = kind(raw.strip())
        except ValueError:
            raise SettingsError(f"{variable} must be a number, not {raw!r}") from None
        if value < lowest or (kind is float and value != value):  # NaN is not a limit
            raise SettingsError(f"{variable} must be at least {lowest}, not {raw!r}")
        values[name] = value
    return Limits(**values)


def _emit(payload: dict[str, Any], pretty: bool) -> None:
    text = json.dumps(payload, ensure_ascii=False, indent=2 if pretty else None)
    click.echo(text)


@click.command(name="extract")
@click.argument(
    "file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=str)
)
@click.option(
    "--kind",
    type=click.Choice(["auto", "identity", "registration"]),
    default="auto",
    show_default=True,
    help="What the file is expected to be; the true type is reported anyway.",
)
@click.option("--pretty", is_flag=True, help="Indent the JSON for people.")
def command(file: str, kind: str, pretty: bool) -> None:
    """Read FILE (an ID, passport or registration certificate) and print its fields as JSON."""
    try:
        limits = limits_from_environment(os.environ)
    except SettingsError as exc:
        click.echo(f"coc-service extract: {exc}", err=True)
        sys.exit(2)
    try:
        from coc_service.documents.pipeline import extract_document

        result = extract_document(file, kind=kind, limits=limits)  # type: ignore[arg-type]
    except Exception as exc:  # an internal error: JSON, no traceback, exit 1
        _emit(
            {
                "file": os.path.basename(file),
                "status": "error",
                "error": {"code": "internal_error", "message": _internal_message(exc)},
            },
            pretty,
        )
        sys.exit(1)
    _emit(result.to_json(), pretty)
    sys.exit(2 if result.status == "rejected" else 0)


def _internal_message(exc: Exception) -> str:
    """Return a message naming the failure without echoing data from the document."""
    from coc_service.documents.errors import OcrEngineError

    if isinstance(exc, OcrEngineError):
        return str(exc)
    return f"internal error ({type(exc).__name__})"
