"""extract_document: the flow from bytes to result, with stand-in readers (no OCR here).

Tests that look at what the stand-in readers were shown run them in this process
(isolate=False): in the bounded child their notes would be lost with it."""

from __future__ import annotations

import io
import os
import signal
import time
from dataclasses import dataclass, field

import numpy as np
import pytest
from PIL import Image

from coc_service.documents.classify import ReaderSet
from coc_service.documents.errors import OcrEngineError, StageTimeout
from coc_service.documents.pipeline import PreparedUpload, _read, extract_document
from coc_service.documents.types import Field, Limits, Page, QualityVerdict, Reading
from fixtures.synth.formats import pdf_of_images
from fixtures.synth.text_page import text_page


@dataclass
class FakeReader:
    """Returns a fixed reading (or None) and records the pages it was shown."""

    reading: Reading | None
    calls: list[list[Page]] = field(default_factory=list)

    def __call__(self, pages: list[Page], *, limits: Limits) -> Reading | None:
        self.calls.append(pages)
        return self.reading


def _identity(score: float = 0.95, page: int = 1) -> Reading:
    return Reading(
        document_type="id_card", country="FRA", score=score, page=page,
        fields={"surname": Field("DUPONT", 0.97, page=page, box=(10, 20, 100, 30), source="mrz")},
    )


def _registration(score: float = 0.9, page: int = 1) -> Reading:
    return Reading(
        document_type="registration_certificate", country="FRA", score=score, page=page,
        fields={"vin": Field("VF3LBBHZHKS123456", 0.94, page=page, box=(1, 2, 3, 4))},
    )


def _png(page: np.ndarray | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(text_page(1) if page is None else page).save(buffer, "PNG")
    return buffer.getvalue()


def test_confident_identity_reading_ends_the_search() -> None:
    identity, registration = FakeReader(_identity()), FakeReader(_registration())
    result = extract_document(
        _png(), file_name="id.png", readers=ReaderSet(identity, registration), isolate=False
    )
    assert len(identity.calls) == 1 and registration.calls == []
    assert result.status == "ok"
    assert result.document_type == "id_card"
    payload = result.to_json()
    assert payload["file"] == "id.png"
    assert payload["fields"]["surname"] == {
        "value": "DUPONT", "confidence": 0.97, "page": 1, "box": [10, 20, 100, 30],
        "source": "mrz",
    }
    assert set(payload["timings_ms"]) == {"intake", "pages", "quality", "ocr", "total"}
    assert payload["pages"] == 1
    assert payload["quality"]["acceptable"] is True
    assert "tesseract" in payload["engine"]


def test_registration_reader_runs_when_no_identity_document_is_found() -> None:
    identity, registration = FakeReader(None), FakeReader(_registration())
    result = extract_document(_png(), readers=ReaderSet(identity, registration), isolate=False)
    assert result.document_type == "registration_certificate"
    assert result.fields["vin"].value == "VF3LBBHZHKS123456"
    assert len(identity.calls) == 1 and len(registration.calls) == 1


def test_the_surer_reading_wins() -> None:
    readers = ReaderSet(FakeReader(_identity(score=0.5)), FakeReader(_registration(score=0.7)))
    assert extract_document(_png(), readers=readers).document_type == "registration_certificate"


def test_a_clear_certificate_spares_the_full_mrz_search() -> None:
    glance, full = FakeReader(None), FakeReader(_identity(score=0.75))
    registration = FakeReader(_registration(score=0.9))
    result = extract_document(_png(), readers=ReaderSet(full, registration, glance), isolate=False)
    assert result.document_type == "registration_certificate"
    assert len(glance.calls) == 1 and len(registration.calls) == 1
    assert full.calls == []


def test_a_certificate_whose_vin_was_read_spares_the_full_mrz_search() -> None:
    glance, full = FakeReader(None), FakeReader(_identity(score=0.75))
    registration = FakeReader(_registration(score=0.6))
    result = extract_document(_png(), readers=ReaderSet(full, registration, glance))
    assert result.document_type == "registration_certificate"
    assert full.calls == []


def test_the_full_mrz_search_runs_when_the_glance_and_the_certificate_reader_fail() -> None:
    glance, full = FakeReader(None), FakeReader(_identity(score=0.75))
    doubtful = _registration(score=0.6)
    doubtful.fields["vin"].confidence = 0.3
    registration = FakeReader(doubtful)
    result = extract_document(_png(), readers=ReaderSet(full, registration, glance), isolate=False)
    assert result.document_type == "id_card"
    assert len(glance.calls) == len(registration.calls) == len(full.calls) == 1


def test_an_mrz_read_at_a_glance_ends_the_search() -> None:
    glance, full = FakeReader(_identity()), FakeReader(_identity())
    registration = FakeReader(_registration())
    result = extract_document(_png(), readers=ReaderSet(full, registration, glance), isolate=False)
    assert result.document_type == "id_card"
    assert len(glance.calls) == 1 and registration.calls == [] and full.calls == []


def test_true_type_is_reported_whatever_the_customer_said() -> None:
    identity, registration = FakeReader(_identity()), FakeReader(None)
    result = extract_document(
        _png(), kind="registration", readers=ReaderSet(identity, registration)
    )
    assert result.document_type == "id_card"
    assert "uploaded_as_registration_but_is_id_card" in result.notes


def test_named_kind_runs_only_its_reader_when_it_finds_one() -> None:
    identity, registration = FakeReader(_identity(score=0.5)), FakeReader(_registration())
    result = extract_document(_png(), kind="identity", readers=ReaderSet(identity, registration),
                              isolate=False)
    assert result.document_type == "id_card"
    assert registration.calls == []
    assert result.notes == []


def test_valid_file_without_a_document_is_unreadable() -> None:
    result = extract_document(_png(), readers=ReaderSet(FakeReader(None), FakeReader(None)))
    assert result.status == "unreadable"
    assert result.document_type == "unknown"
    assert result.fields == {}
    assert result.error is None


def test_bad_input_is_returned_not_raised() -> None:
    result = extract_document(b"", readers=ReaderSet(FakeReader(None), FakeReader(None)))
    assert result.status == "rejected"
    assert result.error is not None and result.error.code == "empty"
    assert result.to_json()["error"] == {"code": "empty", "message": "The file is empty."}


def test_size_limit_applies() -> None:
    data = _png()
    result = extract_document(
        data, limits=Limits(max_bytes=len(data) // 2),
        readers=ReaderSet(FakeReader(None), FakeReader(None)),
    )
    assert result.error is not None and result.error.code == "too_large"


def test_ocr_running_out_of_time_is_a_timeout_rejection() -> None:
    def slow(pages: list[Page], *, limits: Limits) -> Reading | None:
        raise StageTimeout("OCR took longer than 20 s")

    result = extract_document(_png(), readers=ReaderSet(slow, FakeReader(None)))
    assert result.status == "rejected"
    assert result.error is not None and result.error.code == "timeout"


def test_missing_ocr_engine_is_an_internal_error() -> None:
    def broken(pages: list[Page], *, limits: Limits) -> Reading | None:
        raise OcrEngineError("Tesseract is not installed")

    with pytest.raises(OcrEngineError):
        extract_document(_png(), readers=ReaderSet(broken, FakeReader(None)))


def test_quality_is_that_of_the_page_with_the_document() -> None:
    blank = Image.new("RGB", (300, 200), "white")
    document = Image.fromarray(text_page(2)).convert("RGB")
    data = pdf_of_images([blank, document], 90, 150)
    readers = ReaderSet(FakeReader(_identity(page=2)), FakeReader(None))
    result = extract_document(data, readers=readers)
    assert result.pages == 2
    assert result.quality is not None
    assert result.quality.acceptable
    assert result.quality.metrics["width"] == 1700


def test_path_and_stream_sources(tmp_path: object) -> None:
    readers = ReaderSet(FakeReader(_identity()), FakeReader(None))
    path = f"{tmp_path}/scan.jpeg"
    with open(path, "wb") as handle:
        handle.write(_png())
    assert extract_document(path, readers=readers).file == "scan.jpeg"
    with open(path, "rb") as stream:
        assert extract_document(stream, readers=readers).status == "ok"


def _read_where(pages: list[Page], *, limits: Limits) -> Reading | None:
    """A reader that says which process read the page."""
    reading = _identity()
    reading.fields["surname"].value = str(os.getpid())
    return reading


def test_the_readers_run_in_the_bounded_child_and_only_the_result_comes_back() -> None:
    result = extract_document(_png(), readers=ReaderSet(_read_where, FakeReader(None)))
    assert result.status == "ok"
    assert result.fields["surname"].value != str(os.getpid())
    assert set(result.timings_ms) == {"intake", "pages", "quality", "ocr", "total"}
    assert result.timings_ms["total"] >= result.timings_ms["ocr"]


def _crash(pages: list[Page], *, limits: Limits) -> Reading | None:
    os.kill(os.getpid(), signal.SIGSEGV)  # Tesseract, in-process, crashing on the image
    return None


def test_a_reader_crashing_on_the_file_is_a_rejection_not_a_lost_worker() -> None:
    result = extract_document(_png(), readers=ReaderSet(_crash, FakeReader(None)))
    assert result.status == "rejected"
    assert result.error is not None and result.error.code == "corrupt"


def _slow(seconds: float):  # type: ignore[no-untyped-def]
    def reader(pages: list[Page], *, limits: Limits) -> Reading | None:
        time.sleep(seconds)
        return _identity()

    return reader


def test_reading_has_its_own_time_bound_after_decoding() -> None:
    # Longer than one stage bound, within the reading's: decoding's time is not taken from it.
    readers = ReaderSet(_slow(1.3), FakeReader(None))
    result = extract_document(_png(), limits=Limits(stage_timeout_s=1.0), readers=readers)
    assert result.status == "ok"


def test_a_reading_that_runs_away_is_stopped_at_its_bound() -> None:
    readers = ReaderSet(_slow(60), FakeReader(None))
    started = time.monotonic()
    result = extract_document(_png(), limits=Limits(stage_timeout_s=0.5), readers=readers)
    assert result.status == "rejected"
    assert result.error is not None and result.error.code == "timeout"
    assert time.monotonic() - started < 10


def _upright_only(pages: list[Page], *, limits: Limits) -> Reading | None:
    """A reader that finds its document only when the dark mark is at the top left."""
    image = pages[0].image
    return _identity() if image[:10, :10].mean() < 50 else None


def test_unsure_pages_are_read_upside_down_when_nothing_was_found() -> None:
    image = np.full((100, 160), 230, np.uint8)
    image[-10:, -10:] = 0  # the mark is bottom right: the page is upside down
    prepared = PreparedUpload(
        pages=[Page(index=1, image=image)],
        quality=[QualityVerdict(acceptable=True)],
        upright_confidence=[0.1],
    )
    readers = ReaderSet(_upright_only, FakeReader(None))
    classification = _read(prepared, "auto", Limits(), readers)
    assert classification.reading is not None
    assert "read_upside_down" in classification.notes
    assert prepared.pages[0].rotation == 180


def test_sure_pages_are_not_read_twice() -> None:
    image = np.full((100, 160), 230, np.uint8)
    image[-10:, -10:] = 0
    prepared = PreparedUpload(
        pages=[Page(index=1, image=image)],
        quality=[QualityVerdict(acceptable=True)],
        upright_confidence=[0.9],
    )
    identity = FakeReader(None)
    _read(prepared, "auto", Limits(), ReaderSet(identity, FakeReader(None)))
    assert len(identity.calls) == 1
