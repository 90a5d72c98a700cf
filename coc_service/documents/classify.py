"""Tell what a document is by letting each reader try it, cheapest first, and keep the best.

A glance for an MRZ band goes first: it costs little, and when it reads a valid MRZ the
registration reader need not run at all. Otherwise the registration reader runs, and the
identity reader's full MRZ search (every scale, upside down) only when no clear certificate was
read. Each reader says how sure it is (Reading.score). When the customer said what they
uploaded (`kind`), only that reader runs, unless it finds nothing: then the other one looks
too, so that a certificate uploaded as an ID is reported as what it is.
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
# A registration reading this sure is a certificate: no need to search it for an MRZ.
CLEAR_CERTIFICATE = 0.85
# Or this sure, with a VIN read at least this sure.
CERTIFICATE_WITH_VIN = 0.5


@dataclass(frozen=True)
class ReaderSet:
    """The readers; tests and benchmarks may pass their own.

    `identity_glance` is the identity reader's quick look (the MRZ searched only where the
    page's print size says it should be); without it the full identity reader goes first.
    """

    identity: Reader
    registration: Reader
    identity_glance: Reader | None = None


@dataclass
class Classification:
    """The chosen reading (None when neither reader recognised a document) and notes."""

    reading: Reading | None
    tried: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def default_readers() -> ReaderSet:
    """Return the real readers (module-level functions: a call to a standby child pickles
    them by name)."""
    return ReaderSet(identity=_identity, registration=_registration,
                     identity_glance=_identity_glance)


# Imported only when a document is read: the readers load OCR data.
def _identity(pages: list[Page], *, limits: Limits) -> Reading | None:
    from coc_service.documents.identity import read_identity

    return read_identity(pages, limits=limits)


def _identity_glance(pages: list[Page], *, limits: Limits) -> Reading | None:
    from coc_service.documents.identity import read_identity

    return read_identity(pages, limits=limits, glance=True)


def _registration(pages: list[Page], *, limits: Limits) -> Reading | None:
    from coc_service.documents.registration import read_registration

    return read_registration(pages, limits=limits)


@dataclass(frozen=True)
class _Step:
    name: str  # the document family the reader looks for
    reader: Reader
    enough: float  # a reading this sure, after this step, ends the search


def classify_and_read(
    pages: list[Page], *, kind: Kind, limits: Limits, readers: ReaderSet
) -> Classification:
    """Return the best reading of the pages by the readers `kind` calls for."""
    result = Classification(reading=None)
    for step in _plan(kind, readers):
        result.tried.append(step.name)
        reading = step.reader(pages, limits=limits)
        if reading is not None and reading.score >= MIN_SCORE and (
            result.reading is None or reading.score > result.reading.score
        ):
            result.reading = reading
        if result.reading is not None and (result.reading.score >= step.enough
                                           or _certificate_with_vin(result.reading)):
            break
    if kind != "auto" and result.reading is not None and not _matches(kind, result.reading):
        result.notes.append(f"uploaded_as_{kind}_but_is_{result.reading.document_type}")
    return result


def _plan(kind: Kind, readers: ReaderSet) -> list[_Step]:
    """Return the readers to try in order, each with the score that makes the next needless."""
    identity = _Step("identity", readers.identity, CONFIDENT_SCORE)
    registration = _Step("registration", readers.registration, CLEAR_CERTIFICATE)
    if kind == "identity":
        return [_Step("identity", readers.identity, MIN_SCORE), registration]
    if kind == "registration":
        return [_Step("registration", readers.registration, MIN_SCORE), identity]
    if readers.identity_glance is None:
        return [identity, registration]
    return [_Step("identity", readers.identity_glance, CONFIDENT_SCORE), registration, identity]


def _certificate_with_vin(reading: Reading) -> bool:
    """Return True for a certificate reading that found a VIN: no identity document has one,
    so an MRZ search of the page would be time lost."""
    vin = reading.fields.get("vin")
    return (reading.document_type == "registration_certificate"
            and reading.score >= CERTIFICATE_WITH_VIN and vin is not None
            and vin.confidence >= CERTIFICATE_WITH_VIN)


def _matches(kind: Kind, reading: Reading) -> bool:
    if kind == "identity":
        return reading.document_type in ("id_card", "passport")
    return reading.document_type == "registration_certificate"
