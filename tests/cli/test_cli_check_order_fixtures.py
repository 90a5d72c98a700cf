"""`coc-service check-order` on the fixture orders (fixtures/orders/manifest.json) with the
committed sample scans: the consistent orders are auto-approved, each planted problem is
flagged by the check named in the manifest.

Every file is read once by the real pipeline for the whole module (the reading is what
`coc-service extract` tests measure); the command itself runs for every case.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from coc_service.cli import main
from coc_service.documents import pipeline
from coc_service.documents.types import ExtractionResult

pytestmark = [pytest.mark.ocr, pytest.mark.slow]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CASES: list[dict[str, Any]] = json.loads(
    (FIXTURES / "orders" / "manifest.json").read_text(encoding="utf-8"))["cases"]
_READ: dict[str, ExtractionResult] = {}


@pytest.fixture(autouse=True)
def read_each_file_once(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real = pipeline.extract_document

    def cached(source: Any, **kwargs: Any) -> ExtractionResult:
        key = str(source)
        if key not in _READ:
            _READ[key] = real(source, **kwargs)
        return _READ[key]

    monkeypatch.setattr(pipeline, "extract_document", cached)
    yield


def _check_order(case: dict[str, Any]) -> dict[str, Any]:
    args = ["check-order", str(FIXTURES / "orders" / case["order"]),
            *[str(FIXTURES / f) for f in case["files"]]]
    outcome = CliRunner().invoke(main, args)
    assert outcome.exit_code == 0, outcome.output
    return json.loads(outcome.output)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['order']}:{c['why']}" for c in CASES])
def test_fixture_order(case: dict[str, Any]) -> None:
    output = _check_order(case)
    statuses = {c["name"]: c for c in output["checks"]}
    assert len(output["documents"]) == len(case["files"])
    assert all({"name", "status", "detail"} <= set(c) for c in output["checks"])
    if case["outcome"] == "auto_approved":
        problems = [(c["name"], c["detail"]) for c in output["checks"]
                    if c["status"] in ("fail", "warn")]
        assert output["outcome"] == "auto_approved", problems
    else:
        assert output["outcome"] == "flagged"
        failing = statuses[case["check"]]
        assert failing["status"] == "fail", failing
        assert failing["reason"] == case["reason"], failing
        assert case["check"] in output["flagged_by"]
