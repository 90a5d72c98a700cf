"""What every check reads: the order, the documents, the settings and an optional duplicate
lookup, with the identity document and registration certificate chosen once for all checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from coc_service.checks.extraction_json import extraction_from_json
from coc_service.checks.order_facts import OrderFacts
from coc_service.checks.results import Evidence
from coc_service.checks.settings import CheckSettings
from coc_service.documents.types import ExtractionResult, Field

IDENTITY_TYPES = ("id_card", "passport")
REGISTRATION_TYPE = "registration_certificate"


class DuplicateLookup(Protocol):
    """Answers the duplicate checks from the order database (the app provides it)."""

    def other_open_orders_with_vin(self, vin: str) -> list[str]:
        """Return references of other open orders for this (normalised) VIN."""
        ...

    def other_customers_with_identity(self, doc_number: str) -> list[str]:
        """Return references of other customers' orders showing this identity document."""
        ...


def as_extractions(documents: Sequence[ExtractionResult | Mapping[str, Any]]) -> list[
    ExtractionResult
]:
    """Return the documents as ExtractionResult objects (extract JSON dicts are converted)."""
    return [d if isinstance(d, ExtractionResult) else extraction_from_json(d) for d in documents]


def _identity_rank(doc: ExtractionResult) -> tuple[int, int, int]:
    mrz = doc.mrz
    return (int(mrz is not None and mrz.valid), int(mrz is not None),
            sum(1 for f in doc.fields.values() if f.value))


def _registration_rank(doc: ExtractionResult) -> tuple[int, int]:
    vin = doc.fields.get("vin")
    has_vin = vin is not None and bool(vin.value)
    return (int(has_vin), sum(1 for f in doc.fields.values() if f.value))


@dataclass
class CheckContext:
    order: OrderFacts
    documents: list[ExtractionResult]
    settings: CheckSettings = field(default_factory=CheckSettings)
    duplicates: DuplicateLookup | None = None

    def indexes_of(self, *types: str) -> list[int]:
        """Return the indexes of the readable documents of the given types."""
        return [i for i, d in enumerate(self.documents)
                if d.status == "ok" and d.document_type in types]

    @property
    def identity_index(self) -> int | None:
        """Return the index of the identity document the checks use (best MRZ, most fields)."""
        found = self.indexes_of(*IDENTITY_TYPES)
        return max(found, key=lambda i: _identity_rank(self.documents[i])) if found else None

    @property
    def registration_index(self) -> int | None:
        """Return the index of the registration certificate the checks use (one with a VIN)."""
        found = self.indexes_of(REGISTRATION_TYPE)
        return max(found, key=lambda i: _registration_rank(self.documents[i])) if found else None

    @property
    def identity(self) -> ExtractionResult | None:
        index = self.identity_index
        return None if index is None else self.documents[index]

    @property
    def registration(self) -> ExtractionResult | None:
        index = self.registration_index
        return None if index is None else self.documents[index]

    def id_field(self, name: str) -> tuple[int, Field] | None:
        """Return (document index, field) of an identity field with a value.

        The chosen identity document comes first; another identity file of the same document
        (front and back uploaded separately) fills in what it lacks.
        """
        primary = self.identity_index
        if primary is None:
            return None
        number = _value(self.documents[primary], "document_number")
        order = [primary] + [i for i in self.indexes_of(*IDENTITY_TYPES) if i != primary]
        for i in order:
            other_number = _value(self.documents[i], "document_number")
            if i != primary and number and other_number and other_number != number:
                continue
            f = self.documents[i].fields.get(name)
            if f is not None and f.value:
                return i, f
        return None

    def reg_field(self, name: str) -> tuple[int, Field] | None:
        """Return (document index, field) of a registration field with a value."""
        index = self.registration_index
        if index is None:
            return None
        f = self.documents[index].fields.get(name)
        return (index, f) if f is not None and f.value else None

    def doc_evidence(self, found: tuple[int, Field] | None, name: str) -> Evidence:
        """Return the evidence of a document field (value None when it was not read)."""
        if found is None:
            return Evidence(source="document", field=name, value=None)
        index, f = found
        return Evidence(source="document", field=name, value=f.value, document=index,
                        file=self.documents[index].file, page=f.page, box=f.box,
                        confidence=f.confidence)


def order_evidence(path: str, value: object) -> Evidence:
    """Return the evidence of a value the customer gave in the order."""
    return Evidence(source="order", field=path, value=None if value is None else str(value))


def _value(doc: ExtractionResult, name: str) -> str | None:
    f = doc.fields.get(name)
    return f.value if f is not None and f.value else None
