"""Golden extraction on the committed sample (fixtures/sample): the whole pipeline, real OCR.

Every sample upload must be recognised as what it is, and every field the readers state with
confidence must be the true value (or, for names, the MRZ spelling of it). Fields a reader
leaves out, states with low confidence for staff to check, or derives rather than reads (the
validity of the 1988 French card, which only encodes the month of issue) are not held against
it here; the accuracy benchmark counts those.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coc_service.documents.pipeline import extract_document

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "sample"
UPLOADS = sorted(p for p in SAMPLE.iterdir() if p.suffix not in (".json", ".md"))
CONFIDENT = 0.8


def _same(got: str, *expected: str | None) -> bool:
    return " ".join(got.split()).upper() in {" ".join(e.split()).upper() for e in expected if e}


def test_sample_is_there() -> None:
    assert len(UPLOADS) == 14
    assert {json.loads(p.with_suffix(".json").read_text())["family"] for p in UPLOADS} == {
        "identity", "registration",
    }


@pytest.mark.ocr
@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.parametrize("upload", UPLOADS, ids=[p.name for p in UPLOADS])
def test_sample_upload_is_read_right(upload: Path) -> None:
    truth = json.loads(upload.with_suffix(".json").read_text())
    result = extract_document(upload)
    assert result.status == "ok", result.to_json()
    assert result.document_type == truth["document_type"]
    assert result.country == truth["country"]
    wrong = {}
    for name, expected in truth["fields"].items():
        field = result.fields.get(name)
        if field is None or field.value is None or field.confidence < CONFIDENT or field.derived:
            continue
        if not _same(field.value, expected, truth["alternatives"].get(name)):
            wrong[name] = (field.value, expected, round(field.confidence, 2))
    assert not wrong, f"confidently wrong: {wrong}"
