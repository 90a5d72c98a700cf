"""The document pipeline: one upload in, one ExtractionResult out.

intake (bytes, type) → in a bounded child process: decode, page preparation, quality, then
the readers (identity, registration) → result. Bad input comes back as status "rejected" with the
contract's error code; only internal errors (a bug, Tesseract missing) are raised.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from coc_service.documents.classify import (
    Classification,
    Kind,
    ReaderSet,
    classify_and_read,
    default_readers,
)
from coc_service.documents.errors import DocumentRejected
from coc_service.documents.intake import Source, Upload, read_upload
from coc_service.documents.isolation import next_stage, run_isolated
from coc_service.documents.pages import prepare_page
from coc_service.documents.quality import assess_quality
from coc_service.documents.raster import DecodedImage
from coc_service.documents.types import (
    ExtractionResult,
    Limits,
    Page,
    QualityVerdict,
    RejectionInfo,
)

# Pages whose upright direction was this unclear are read again upside down when nothing
# was found the first time.
UNSURE_UPRIGHT = 0.35
# The child's time bound for reading, in stage bounds: the readers stop themselves within one
# (each OCR call and the MRZ search are bounded); this catches what they cannot stop.
READING_BOUND = 2.0


@dataclass
class PreparedUpload:
    """Everything the bounded child hands back: pages ready to read and their quality."""

    pages: list[Page]
    quality: list[QualityVerdict]
    upright_confidence: list[float]
    notes: list[str] = field(default_factory=list)
    timings_ms: dict[str, int] = field(default_factory=dict)


def decode_upload(
    upload: Upload, limits: Limits, *, colour: bool = False
) -> tuple[list[DecodedImage], list[str]]:
    """Return the upload's pages as arrays (grey, plus colour when asked) and notes; raise a
    DocumentRejected if the file is refused."""
    if upload.kind == "pdf":
        from coc_service.documents.pdf_pages import decode_pdf

        return decode_pdf(upload.data, limits, colour=colour)
    from coc_service.documents.raster import decode_raster

    return decode_raster(upload.data, upload.kind, limits, colour=colour), []


def warm_decoders(kind: str) -> None:
    """Import the decoders a file of this kind needs, in this process.

    Each upload is decoded in a fresh child process; whatever the child loads for itself is
    lost when it exits, so the parent loads it once and every child inherits it.
    """
    if kind == "pdf":
        import pypdf  # noqa: F401
        import pypdfium2  # noqa: F401

        from coc_service.documents import pdf_pages  # noqa: F401
    elif kind == "heif":
        import pillow_heif  # noqa: F401
    else:
        from PIL import (  # noqa: F401
            Image,
            JpegImagePlugin,
            PngImagePlugin,
            TiffImagePlugin,
            WebPImagePlugin,
        )

        Image.preinit()


def prepare_upload(upload: Upload, limits: Limits) -> PreparedUpload:
    """Return the upload's prepared pages and their quality (run inside the bounded child)."""
    start = time.perf_counter()
    decoded, notes = decode_upload(upload, limits)
    decoded_at = time.perf_counter()
    prepared = []
    for image in decoded:
        prepared.append(prepare_page(image))
        image.grey = image.color = np.zeros((1, 1), np.uint8)  # free the source early
    prepared_at = time.perf_counter()
    verdicts = [assess_quality(page) for page in prepared]
    done = time.perf_counter()
    return PreparedUpload(
        pages=[p.page for p in prepared],
        quality=verdicts,
        upright_confidence=[p.upright_confidence for p in prepared],
        notes=notes,
        timings_ms={
            "decode": _ms(decoded_at - start),
            "pages": _ms(prepared_at - decoded_at),
            "quality": _ms(done - prepared_at),
        },
    )


def extract_document(
    source: Source,
    *,
    file_name: str | None = None,
    kind: Kind = "auto",
    limits: Limits | None = None,
    readers: ReaderSet | None = None,
    isolate: bool = True,
) -> ExtractionResult:
    """Return what one uploaded file contains, as `coc-service extract` prints it.

    The file is decoded, prepared and read in one bounded child process (isolation.py): the
    decoders and Tesseract both run on the customer's bytes, and a crash or a runaway in
    either takes only the child. Decoding has `stage_timeout_s`; the readers bound their own
    OCR calls and MRZ search within that too, and the child's reading bound (READING_BOUND
    times it) is the backstop for what they cannot stop. The child hands back only the
    result, not the pages.

    `readers` replaces the identity and registration readers (tests, benchmarks); `isolate`
    False runs everything in this process, without time or memory bounds (profiling, and
    tests that look at what their stand-in readers were shown).
    """
    limits = limits or Limits()
    started = time.perf_counter()
    name = file_name or _display_name(source)
    try:
        upload = read_upload(source, file_name=name, limits=limits)
        read_at = time.perf_counter()
        warm_decoders(upload.kind)
        if isolate:
            result = run_isolated(
                _extract, upload, name, kind, limits, readers or default_readers(),
                timeout_s=limits.stage_timeout_s,
                then_timeout_s=READING_BOUND * limits.stage_timeout_s,
            )
        else:
            result = _extract(upload, name, kind, limits, readers or default_readers())
    except DocumentRejected as exc:
        return _rejected(name, exc, {"total": _ms(time.perf_counter() - started)})
    done = time.perf_counter()
    child = result.timings_ms
    # Forking, handing the result back: counted with the intake.
    overhead = _ms(done - read_at) - sum(child.values())
    result.timings_ms = {
        "intake": _ms(read_at - started) + child.pop("decode") + max(0, overhead),
        **child,
        "total": _ms(done - started),
    }
    return result


def _extract(
    upload: Upload, name: str, kind: Kind, limits: Limits, readers: ReaderSet
) -> ExtractionResult:
    """Prepare and read an upload (in the bounded child); raise DocumentRejected if refused.
    The timings are the child's own: decode, pages, quality, ocr."""
    prepared = prepare_upload(upload, limits)
    next_stage()  # decoded: the reading's own time bound starts
    read_from = time.perf_counter()
    classification = _read(prepared, kind, limits, readers)
    result = _result(name, upload, prepared, classification)
    result.timings_ms = {**prepared.timings_ms, "ocr": _ms(time.perf_counter() - read_from)}
    return result


def _read(
    prepared: PreparedUpload, kind: Kind, limits: Limits, readers: ReaderSet
) -> Classification:
    classification = classify_and_read(prepared.pages, kind=kind, limits=limits, readers=readers)
    unsure = [c < UNSURE_UPRIGHT for c in prepared.upright_confidence]
    if classification.reading is None and any(unsure):
        # The text's own cues could not tell up from down: try the other way once.
        turned = [_turned_over(p) if u else p for p, u in zip(prepared.pages, unsure, strict=True)]
        second = classify_and_read(turned, kind=kind, limits=limits, readers=readers)
        if second.reading is not None:
            prepared.pages = turned
            second.notes.append("read_upside_down")
            return second
    return classification


def _turned_over(page: Page) -> Page:
    return Page(
        index=page.index,
        image=np.ascontiguousarray(page.image[::-1, ::-1]),
        color=np.ascontiguousarray(page.color[::-1, ::-1]) if page.color is not None else None,
        dpi=page.dpi,
        rotation=(page.rotation + 180) % 360,
        skew=page.skew,
    )


def _result(
    name: str, upload: Upload, prepared: PreparedUpload, classification: Classification
) -> ExtractionResult:
    reading = classification.reading
    readable = reading is not None and any(f.value for f in reading.fields.values())
    page_number = reading.page if reading is not None and reading.page else 1
    quality = prepared.quality[min(max(page_number, 1), len(prepared.quality)) - 1]
    result = ExtractionResult(
        file=name,
        status="ok" if readable else "unreadable",
        pages=len(prepared.pages),
        quality=quality,
        engine=engine_versions(upload.kind),
        notes=list(prepared.notes) + classification.notes,
    )
    if reading is not None:
        result.document_type = reading.document_type
        result.country = reading.country
        result.fields = dict(reading.fields)
        result.mrz = reading.mrz
        result.notes += reading.notes
    return result


def _rejected(name: str, exc: DocumentRejected, timings: dict[str, int]) -> ExtractionResult:
    return ExtractionResult(
        file=name,
        status="rejected",
        error=RejectionInfo(code=exc.code, message=exc.message),
        timings_ms=dict(timings),
    )


def _display_name(source: Source) -> str:
    if isinstance(source, str | os.PathLike):
        return os.path.basename(os.fspath(source))
    return str(getattr(source, "name", "upload"))


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def engine_versions(kind: str) -> dict[str, str]:
    """Return the versions of the engines that read a file of this kind."""
    versions = dict(_base_versions())
    if kind == "pdf":
        versions.update(_pdf_versions())
    return versions


@lru_cache(maxsize=1)
def _base_versions() -> dict[str, str]:
    import cv2
    import PIL

    from coc_service.documents.ocr import tesseract_version

    return {"tesseract": tesseract_version(), "opencv": cv2.__version__, "pillow": PIL.__version__}


@lru_cache(maxsize=1)
def _pdf_versions() -> dict[str, str]:
    import pypdf
    import pypdfium2

    return {"pypdf": pypdf.__version__, "pdfium": str(pypdfium2.version.PDFIUM_INFO)}
