"""Tell what a document is by letting each reader try it, cheapest first, and keep the best.

The identity reader goes first: finding an MRZ band costs little, and when it reads a valid MRZ
the registration reader need not run at all. Each reader says how sure it is (Reading.score).
When the customer said what they uploaded (`kind`), only that reader runs, unless it finds
nothing: then the other one looks too, so that a certificate uploaded as an ID is reported as
what it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from coc_service.documents.types import Limits, Page, Reading

Kind = Literal["auto", "identity", "registration"]
Reader = Callable[..., Reading | None]  # reader(pages, *, limits=...) -> Reading | None

# An identity reading this sure (a valid MRZ) ends the search at once.
CONFIDENT_SCORE = 0.8
# Below this a reading is not trusted to name the document type.
MIN_SCORE = 0.3


@dataclass(frozen=True)
class ReaderSet:
    """The two readers; tests and benchmarks may pass their own."""

    identity: Reader
    registration: Reader


@dataclass
class Classification:
    """The chosen reading (None when neither reader recognised a document) and notes."""

    reading: Reading | None
    tried: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def default_readers() -> ReaderSet:
    """Return the real readers, imported only when a document is read (they load OCR data)."""

    def identity(pages: list[Page], *, limits: Limits) -> Reading | None:
        from coc_service.documents.identity import read_identity

        return read_identity(pages, limits=limits)

    def registration(pages: list[Page], *, limits: Limits) -> Reading | None:
        from coc_service.documents.registration import read_registration

        return read_registration(pages, limits=limits)

    return ReaderSet(identity=identity, registration=registration)


def classify_and_read(
    pages: list[Page], *, kind: Kind, limits: Limits, readers: ReaderSet
) -> Classification:
    """Return the best reading of the pages by the readers `kind` calls for."""
    result = Classification(reading=None)
    order = _order(kind)
    for name in order:
        reader = readers.identity if name == "identity" else readers.registration
        result.tried.append(name)
        reading = reader(pages, limits=limits)
        if reading is not None and reading.score >= MIN_SCORE and (
            result.reading is None or reading.score > result.reading.score
        ):
            result.reading = reading
        if result.reading is None:
            continue
        if kind != "auto" and name == kind:
            break  # the kind the customer named was found
        if name == "identity" and result.reading.score >= CONFIDENT_SCORE:
            break
    if kind != "auto" and result.reading is not None and not _matches(kind, result.reading):
        result.notes.append(f"uploaded_as_{kind}_but_is_{result.reading.document_type}")
    return result


def _order(kind: Kind) -> list[str]:
    if kind == "registration":
        return ["registration", "identity"]
    return ["identity", "registration"]


def _matches(kind: Kind, reading: Reading) -> bool:
    if kind == "identity":
        return reading.document_type in ("id_card", "passport")
    return reading.document_type == "registration_certificate"
