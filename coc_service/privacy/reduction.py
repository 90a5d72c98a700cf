"""Data minimisation at the end of a scan's life: keep what proves the check was made.

After reduction an identity document row says which kind of document it was, from which
country, its number masked to the last three characters, whether it was valid when the order
was submitted and how the checks came out; a registration certificate row keeps its type,
country and outcome. Check results keep their name and status; the values they compared and
the sentences quoting them go.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from coc_service.db.orders import CheckResult, Document

IDENTITY_CHECKS = ("document_types", "documents_readable", "mrz_valid", "id_not_expired",
                   "name_match")
REGISTRATION_CHECKS = ("document_types", "documents_readable", "vin_match",
                       "first_registration_date_match", "make_match")
_REDUCED_MARK = "reduced"
_DETAIL_EN = "Check {status}; its details were removed at the end of the retention period."
_DETAIL_FR = "Contrôle {status} ; le détail a été effacé à la fin de la durée de conservation."


def field_value(fields: Mapping[str, Any] | None, name: str) -> Any:
    """Return a field's value from an `extract` fields object (or a bare value)."""
    item = (fields or {}).get(name)
    return item.get("value") if isinstance(item, Mapping) else item


def mask_number(number: Any, visible: int = 3) -> str | None:
    """Return a document number with all but its last `visible` characters masked."""
    if not number:
        return None
    text = str(number)
    shown = text[-visible:] if len(text) > visible + 2 else ""
    return "*" * (len(text) - len(shown)) + shown


def valid_at(expiry: Any, moment: datetime | None) -> bool | None:
    """Whether a document expiring on `expiry` (ISO date) was valid at `moment`; None if unknown."""
    if not expiry or moment is None:
        return None
    try:
        return date.fromisoformat(str(expiry)) >= moment.date()
    except ValueError:
        return None


def reduce_document(
    document: Document, checks: Mapping[str, str], submitted_at: datetime | None
) -> None:
    """Replace a scan's extracted data by its proof-of-check summary (in place)."""
    fields = document.fields or {}
    if document.kind == "identity":
        summary: dict[str, Any] = {
            "document_type": document.document_type,
            "issuing_country": field_value(fields, "issuing_country") or document.country,
            "document_number_masked": mask_number(field_value(fields, "document_number")),
            "valid_at_submission": valid_at(field_value(fields, "expiry_date"), submitted_at),
            "checks": {n: checks[n] for n in IDENTITY_CHECKS if n in checks},
        }
    else:
        summary = {
            "document_type": document.document_type,
            "country": document.country,
            "checks": {n: checks[n] for n in REGISTRATION_CHECKS if n in checks},
        }
    summary[_REDUCED_MARK] = True
    document.fields = summary
    mrz = document.mrz or {}
    document.mrz = {"format": mrz.get("format"), "valid": mrz.get("valid")} if mrz else None
    document.extraction = None


def _evidence_fields(evidence: Any) -> list[str]:
    items: Iterable[Any]
    if isinstance(evidence, Mapping):
        items = evidence.get("items", [])  # a mapping holding a list, or one piece of evidence
        if "field" in evidence:
            items = [evidence]
    elif isinstance(evidence, list):
        items = evidence
    else:
        items = []
    return sorted({str(e["field"]) for e in items if isinstance(e, Mapping) and "field" in e})


def reduce_checks(checks: Iterable[CheckResult]) -> int:
    """Strip compared values and quoting details from check results; return how many changed."""
    changed = 0
    for check in checks:
        if isinstance(check.evidence, Mapping) and check.evidence.get(_REDUCED_MARK):
            continue
        check.evidence = {_REDUCED_MARK: True, "fields": _evidence_fields(check.evidence)}
        check.detail = _DETAIL_EN.format(status=check.status)
        check.detail_fr = _DETAIL_FR.format(status=check.status)
        changed += 1
    return changed
