"""Rebuild ExtractionResult objects from their `coc-service extract` JSON (as the worker stores
them), so the checks take one kind of input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from coc_service.documents.types import (
    DocumentType,
    ExtractionResult,
    Field,
    MrzReading,
    QualityVerdict,
    RejectionInfo,
    Status,
)

_STATUSES = ("ok", "unreadable", "rejected")
_TYPES = ("registration_certificate", "id_card", "passport", "unknown")


def field_from_json(data: Mapping[str, Any]) -> Field:
    """Return the Field of one `fields` entry of the extract JSON."""
    box = data.get("box")
    value = data.get("value")
    return Field(
        value=None if value is None else str(value),
        confidence=float(data.get("confidence") or 0.0),
        page=data.get("page"),
        box=(int(box[0]), int(box[1]), int(box[2]), int(box[3])) if box else None,
        source=str(data.get("source") or "ocr"),
        derived=bool(data.get("derived", False)),
    )


def extraction_from_json(data: Mapping[str, Any]) -> ExtractionResult:
    """Return the ExtractionResult that `ExtractionResult.to_json()` produced `data` from.

    Unknown keys are ignored; an unknown status or document type raises ValueError.
    """
    status = data.get("status")
    doc_type = data.get("document_type") or "unknown"
    if status not in _STATUSES:
        raise ValueError(f"unknown extraction status: {status!r}")
    if doc_type not in _TYPES:
        raise ValueError(f"unknown document type: {doc_type!r}")
    error = data.get("error")
    mrz = data.get("mrz")
    quality = data.get("quality")
    return ExtractionResult(
        file=str(data.get("file") or ""),
        status=cast(Status, status),
        error=RejectionInfo(str(error.get("code")), str(error.get("message"))) if error else None,
        document_type=cast(DocumentType, doc_type),
        country=data.get("country"),
        pages=int(data.get("pages") or 0),
        fields={name: field_from_json(f) for name, f in (data.get("fields") or {}).items()},
        mrz=MrzReading(format=mrz["format"], lines=list(mrz.get("lines") or []),
                       valid=bool(mrz.get("valid")),
                       failed_checks=list(mrz.get("failed_checks") or []))
        if mrz else None,
        timings_ms=dict(data.get("timings_ms") or {}),
        quality=QualityVerdict(acceptable=bool(quality.get("acceptable")),
                               problems=list(quality.get("problems") or []),
                               metrics=dict(quality.get("metrics") or {}))
        if quality else None,
        engine=dict(data.get("engine") or {}),
        notes=list(data.get("notes") or []),
    )
