"""`coc-service check-order` input errors: answered with JSON and exit code 2, before any OCR."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from coc_service.cli import main


def _run(*args: str) -> tuple[int, dict]:
    outcome = CliRunner().invoke(main, ["check-order", *args])
    return outcome.exit_code, json.loads(outcome.output)


def _scan(tmp_path: Path) -> Path:
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return scan


def test_order_missing_fields_is_a_json_error(tmp_path: Path) -> None:
    order = tmp_path / "order.json"
    order.write_text(json.dumps({"customer": {"first_name": "Jean"}, "vehicle": {}}))
    code, output = _run(str(order), str(_scan(tmp_path)))
    assert code == 2
    assert output["error"]["code"] == "invalid_order"
    fields = {p["field"] for p in output["error"]["problems"]}
    assert {"customer.last_name", "customer.email", "vehicle.vin", "submitted_at"} <= fields


def test_order_that_is_not_json(tmp_path: Path) -> None:
    order = tmp_path / "order.json"
    order.write_text("{not json")
    code, output = _run(str(order), str(_scan(tmp_path)))
    assert code == 2
    assert "not JSON" in output["error"]["message"]


def test_order_file_missing(tmp_path: Path) -> None:
    code, output = _run(str(tmp_path / "nope.json"), str(_scan(tmp_path)))
    assert code == 2 and output["error"]["code"] == "invalid_order"


def test_scan_missing(tmp_path: Path) -> None:
    order = tmp_path / "order.json"
    order.write_text("{}")
    code, output = _run(str(order), str(tmp_path / "absent.jpg"))
    assert code == 2 and output["error"]["code"] == "file_not_found"
