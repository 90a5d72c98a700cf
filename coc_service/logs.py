"""Structured logs tagged with the request or job id, with personal data kept out.

JSON lines in production, readable lines in development. Every record passes the redactor:
values of personal fields (names, e-mails, phones, VINs, document numbers, addresses) are
replaced, and e-mail addresses, phone numbers, VINs and MRZ lines are masked in free text.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

import structlog

context_id: ContextVar[str | None] = ContextVar("context_id", default=None)

PERSONAL_KEYS = frozenset(
    {
        "name", "first_name", "last_name", "surname", "given_names", "holder_name", "email",
        "phone", "vin", "document_number", "birth_date", "address", "line1", "line2", "postcode",
        "city", "registration_number", "mrz", "lines", "password", "token", "access_token",
        "secret", "siren", "vat_number", "company_name",
    }
)

_PATTERNS = [
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[email]"),
    (re.compile(r"(?<![A-Z0-9])[A-HJ-NPR-Z0-9]{17}(?![A-Z0-9])"), "[vin]"),
    (re.compile(r"[A-Z0-9<]{28,44}"), "[mrz]"),
    (re.compile(r"(?<![\w+])(?:\+|00)?\d[\d .-]{7,}\d(?!\w)"), "[number]"),
]
REDACTED = "[redacted]"


def redact_text(text: str) -> str:
    """Return `text` with e-mails, VINs, MRZ lines and phone-like numbers masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_value(key: str, value: Any) -> Any:
    if key.lower() in PERSONAL_KEYS:
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value("", v) for v in value]
    return value


def redact_event(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    """structlog processor: mask personal data in every key and in the message."""
    for key in list(event):
        if key in {"timestamp", "level", "logger", "context_id"}:
            continue
        event[key] = redact_value(key, event[key])
    return event


def _add_context_id(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    cid = context_id.get()
    if cid:
        event["context_id"] = cid
    return event


def _record_extras(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    record = event.get("_record")
    if record is not None:
        for key, value in record.__dict__.items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                event.setdefault(key, value)
    return event


_STD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def configure_logging(*, fmt: str = "console", level: str = "INFO") -> None:
    """Route stdlib and structlog records through one redacting formatter on stderr."""
    shared: list[Any] = [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_context_id,
        redact_event,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[_record_extras, *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if getattr(h, "_coc", False) is False]
    handler._coc = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
