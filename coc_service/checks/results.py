"""What a check gives back: a status, a detail in English and French, a reason code and the
evidence it was decided on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pass", "warn", "fail", "skip"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail", "skip")


@dataclass(frozen=True)
class Evidence:
    """One value a check looked at: from the order, or from a document (with where it was)."""

    source: Literal["order", "document"]
    field: str  # order path ("vehicle.vin") or extract field name ("vin")
    value: str | None
    document: int | None = None  # 0-based index in the list of documents given to the checks
    file: str | None = None
    page: int | None = None
    box: tuple[int, int, int, int] | None = None
    confidence: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "field": self.field, "value": self.value}
        if self.source == "document":
            out.update(document=self.document, file=self.file, page=self.page,
                       box=list(self.box) if self.box is not None else None)
            if self.confidence is not None:
                out["confidence"] = round(float(self.confidence), 3)
        return out


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one named check.

    `detail` (English) is the contract's human-readable text; `detail_fr` is the same in French.
    `reason` is a stable code ("vin_typo", "expired", ...) that the web shop maps to a
    plain-language explanation for the customer (see checks.explanations) and that tests and
    statistics can rely on, whereas the details' wording may change.
    """

    name: str
    status: Status
    detail: str
    detail_fr: str
    reason: str = ""
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    @property
    def detail_en(self) -> str:
        return self.detail

    def to_json(self) -> dict[str, Any]:
        """Return the `check-order` JSON object: name, status, detail, plus extra keys."""
        return {
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "detail_fr": self.detail_fr,
            "reason": self.reason,
            "evidence": [e.to_json() for e in self.evidence],
        }


def result(
    name: str,
    status: Status,
    reason: str,
    en: str,
    fr: str,
    evidence: list[Evidence] | tuple[Evidence, ...] = (),
) -> CheckResult:
    """Return a CheckResult; a short constructor that keeps the checks readable."""
    return CheckResult(name=name, status=status, detail=en, detail_fr=fr, reason=reason,
                       evidence=tuple(evidence))
