from __future__ import annotations

import pytest
from check_builders import identity, registration

from coc_service.checks.extraction_json import extraction_from_json
from coc_service.documents.types import ExtractionResult, QualityVerdict, RejectionInfo


def test_round_trip_of_read_documents() -> None:
    for doc in (identity(), registration()):
        doc.quality = QualityVerdict(acceptable=True, problems=[], metrics={"blur": 1.5})
        doc.notes = ["checked"]
        again = extraction_from_json(doc.to_json())
        assert again.to_json() == doc.to_json()


def test_round_trip_of_a_rejection() -> None:
    doc = ExtractionResult(file="x.pdf", status="rejected",
                           error=RejectionInfo("encrypted", "the PDF is encrypted"))
    assert extraction_from_json(doc.to_json()).error == doc.error


def test_unknown_status_or_type_is_refused() -> None:
    data = registration().to_json()
    with pytest.raises(ValueError):
        extraction_from_json({**data, "status": "maybe"})
    with pytest.raises(ValueError):
        extraction_from_json({**data, "document_type": "driving_licence"})
