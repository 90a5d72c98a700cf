from __future__ import annotations

import json
import logging

import pytest

from coc_service.logs import configure_logging, context_id, redact_text


@pytest.mark.parametrize(
    "secret",
    ["jean.dupont@example.fr", "VF3LBBHZHKS123456", "+33 6 12 34 56 78", "0612345678",
     "IDFRADUPONT<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"],
)
def test_redact_text_masks_personal_data(secret: str) -> None:
    assert secret not in redact_text(f"something about {secret} happened")


def test_logs_carry_no_personal_data(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(fmt="json", level="INFO")
    token = context_id.set("req-42")
    try:
        logging.getLogger("coc.test").info(
            "order for %s with VIN %s", "jean.dupont@example.fr", "VF3LBBHZHKS123456",
            extra={"first_name": "Jean", "last_name": "Dupont", "order_id": "abc"},
        )
    finally:
        context_id.reset(token)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert "Dupont" not in line and "jean.dupont" not in line and "VF3LBBHZHKS123456" not in line
    assert record["order_id"] == "abc"
    assert record["context_id"] == "req-42"
    assert record["last_name"] == "[redacted]"
