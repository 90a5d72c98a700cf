"""Every file of the bad corpus (fixtures/bad) gets its expected outcome, within bounds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coc_service.documents.classify import ReaderSet
from coc_service.documents.pipeline import extract_document
from coc_service.documents.types import Limits
from fixtures.synth.badfiles import BAD_FILES

BAD = Path(__file__).resolve().parents[2] / "fixtures" / "bad"
MANIFEST = json.loads((BAD / "manifest.json").read_text())["files"]
# No OCR here: whether a document can be read is the readers' business, not intake's.
NO_READERS = ReaderSet(identity=lambda pages, limits: None, registration=lambda pages, limits: None)


def test_manifest_lists_the_whole_corpus() -> None:
    assert [row["file"] for row in MANIFEST] == [bad.name for bad in BAD_FILES]
    assert sorted(p.name for p in BAD.iterdir() if p.name != "manifest.json") == sorted(
        row["file"] for row in MANIFEST
    )


@pytest.mark.timeout(60)
@pytest.mark.parametrize("row", MANIFEST, ids=[row["file"] for row in MANIFEST])
def test_bad_file_gets_its_expected_outcome(row: dict[str, str | None]) -> None:
    result = extract_document(
        BAD / str(row["file"]), readers=NO_READERS, limits=Limits(stage_timeout_s=20)
    )
    assert result.status == row["expected_status"]
    assert (result.error.code if result.error else None) == row["expected_code"]
    if result.error is not None:
        assert result.error.message  # a sentence for the customer, never empty
    payload = result.to_json()
    assert payload["file"] == row["file"]
