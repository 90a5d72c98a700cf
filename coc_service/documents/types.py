"""Plain result objects shared by every stage of the document pipeline.

These are the contract between intake, page preparation, the identity and registration readers
and the `coc-service extract` JSON (../shared/CONTRACTS.md). Nothing here imports Flask, a
database or Tesseract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

DocumentType = Literal["registration_certificate", "id_card", "passport", "unknown"]
Status = Literal["ok", "unreadable", "rejected"]
Box = tuple[int, int, int, int]  # x, y, width, height in the normalised page image


@dataclass(frozen=True)
class Limits:
    """Bounds applied to every upload; all come from configuration."""

    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_pages: int = 6
    stage_timeout_s: float = 30.0
    ocr_timeout_s: float = 20.0


@dataclass
class Page:
    """One page image, grey-scale uint8, upright and deskewed, resolution normalised."""

    index: int  # 1-based page number in the upload
    image: np.ndarray  # 2-D uint8 (grey)
    # 3-D uint8 BGR at the same geometry, when the source had colour
    color: np.ndarray | None = None
    dpi: float = 300.0
    rotation: int = 0  # quarter turns applied, degrees clockwise
    skew: float = 0.0  # small-angle correction applied, degrees


@dataclass
class Field:
    """One extracted value with how sure we are and where it was read."""

    value: str | None
    confidence: float  # 0..1
    page: int | None = None
    box: Box | None = None
    source: str = "ocr"  # "mrz", "visual", "band", "ocr", "derived"
    derived: bool = False  # True when computed (e.g. expiry of the 1988 French card) not read

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "value": self.value,
            "confidence": round(float(self.confidence), 3),
            "page": self.page,
            "box": list(self.box) if self.box is not None else None,
        }
        if self.source != "ocr":
            out["source"] = self.source
        if self.derived:
            out["derived"] = True
        return out


@dataclass
class MrzReading:
    format: Literal["TD1", "TD2", "TD3", "FRA_ID_1988"]
    lines: list[str]
    valid: bool
    failed_checks: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "lines": list(self.lines),
            "valid": self.valid,
            "failed_checks": list(self.failed_checks),
        }


@dataclass
class QualityVerdict:
    """Fast verdict on a photo before any OCR, for the customer to retake it at once."""

    acceptable: bool
    # too_small, blurry, dark, glare, cut_off, no_document
    problems: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "acceptable": self.acceptable,
            "problems": list(self.problems),
            "metrics": {k: round(float(v), 3) for k, v in self.metrics.items()},
        }


@dataclass
class Reading:
    """What a reader (identity or registration) found on the pages it was given."""

    document_type: DocumentType
    country: str | None = None
    fields: dict[str, Field] = field(default_factory=dict)
    mrz: MrzReading | None = None
    page: int | None = None  # the page that carries the document
    score: float = 0.0  # how sure the reader is that this is its kind of document (0..1)
    notes: list[str] = field(default_factory=list)  # cross-check findings for staff


@dataclass
class RejectionInfo:
    code: str
    message: str


@dataclass
class ExtractionResult:
    """The output of `coc-service extract` for one file."""

    file: str
    status: Status
    error: RejectionInfo | None = None
    document_type: DocumentType = "unknown"
    country: str | None = None
    pages: int = 0
    fields: dict[str, Field] = field(default_factory=dict)
    mrz: MrzReading | None = None
    timings_ms: dict[str, int] = field(default_factory=dict)
    quality: QualityVerdict | None = None
    engine: dict[str, str] = field(default_factory=dict)  # e.g. {"tesseract": "5.3.0"}
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "status": self.status,
            "error": (
                {"code": self.error.code, "message": self.error.message} if self.error else None
            ),
            "document_type": self.document_type,
            "country": self.country,
            "pages": self.pages,
            "fields": {name: f.to_json() for name, f in self.fields.items()},
            "mrz": self.mrz.to_json() if self.mrz else None,
            "timings_ms": dict(self.timings_ms),
        }
        if self.quality is not None:
            out["quality"] = self.quality.to_json()
        if self.engine:
            out["engine"] = dict(self.engine)
        if self.notes:
            out["notes"] = list(self.notes)
        return out
