"""`coc-service extract FILE`: the contract's JSON, exit codes and settings from the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from coc_service.cli import main
from coc_service.cli.extract import SettingsError, limits_from_environment
from coc_service.documents import pipeline
from coc_service.documents.classify import ReaderSet
from coc_service.documents.types import Field, Limits, Page, Reading

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "sample"
BAD = ROOT / "fixtures" / "bad"
CONTRACT_KEYS = {
    "file", "status", "error", "document_type", "country", "pages", "fields", "mrz", "timings_ms",
}


def _registration(pages: list[Page], *, limits: Limits) -> Reading | None:
    return Reading(
        document_type="registration_certificate", country="FRA", score=0.9, page=1,
        fields={"vin": Field("VF3LBBHZHKS123456", 0.94, page=1, box=(412, 880, 610, 42))},
    )


@pytest.fixture
def stand_in_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    readers = ReaderSet(identity=lambda pages, limits: None, registration=_registration)
    monkeypatch.setattr(pipeline, "default_readers", lambda: readers)


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["extract", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.usefixtures("stand_in_readers")
def test_ok_file_prints_the_contract_json() -> None:
    code, out, _ = _run(str(SAMPLE / "0001-registration-clean.pdf"))
    assert code == 0
    payload = json.loads(out)
    assert set(payload) >= CONTRACT_KEYS
    assert payload["status"] == "ok"
    assert payload["file"] == "0001-registration-clean.pdf"
    assert payload["fields"]["vin"] == {
        "value": "VF3LBBHZHKS123456", "confidence": 0.94, "page": 1, "box": [412, 880, 610, 42],
    }
    assert out.count("\n") == 1  # one line unless --pretty


@pytest.mark.usefixtures("stand_in_readers")
def test_pretty_output_is_indented_json() -> None:
    code, out, _ = _run(str(SAMPLE / "0001-registration-clean.pdf"), "--pretty", "--kind",
                        "registration")
    assert code == 0
    assert out.startswith("{\n  ")
    assert json.loads(out)["document_type"] == "registration_certificate"


@pytest.mark.usefixtures("stand_in_readers")
def test_rejected_file_exits_2_with_its_code() -> None:
    code, out, _ = _run(str(BAD / "encrypted.pdf"))
    assert code == 2
    payload = json.loads(out)
    assert payload["status"] == "rejected"
    assert payload["error"]["code"] == "encrypted"


def test_unreadable_file_exits_0(monkeypatch: pytest.MonkeyPatch) -> None:
    nothing = ReaderSet(
        identity=lambda pages, limits: None, registration=lambda pages, limits: None
    )
    monkeypatch.setattr(pipeline, "default_readers", lambda: nothing)
    code, out, _ = _run(str(BAD / "one-pixel.png"), "--kind", "identity")
    assert code == 0
    payload = json.loads(out)
    assert payload["status"] == "unreadable"
    assert "too_small" in payload["quality"]["problems"]


@pytest.mark.usefixtures("stand_in_readers")
def test_limits_come_from_the_environment() -> None:
    code, out, _ = _run(str(SAMPLE / "0001-registration-clean.pdf"),
                        env={"COC_MAX_UPLOAD_BYTES": "1000"})
    assert code == 2
    assert json.loads(out)["error"]["code"] == "too_large"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("COC_MAX_PIXELS", "lots"), ("COC_MAX_PAGES", "0"), ("COC_STAGE_TIMEOUT_S", "nan"),
     ("COC_MAX_UPLOAD_BYTES", "-5")],
)
def test_bad_setting_is_a_clear_message_and_exit_2(variable: str, value: str) -> None:
    code, out, err = _run(str(SAMPLE / "0001-registration-clean.pdf"), env={variable: value})
    assert code == 2
    assert out == ""
    assert variable in err


def test_internal_error_is_json_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret personal data must not leak")

    monkeypatch.setattr(pipeline, "extract_document", explode)
    code, out, err = _run(str(SAMPLE / "0001-registration-clean.pdf"))
    assert code == 1
    payload = json.loads(out)
    assert payload["status"] == "error"
    assert payload["error"]["code"] == "internal_error"
    assert "secret" not in out + err
    assert "Traceback" not in out + err


def test_missing_file_is_a_usage_error() -> None:
    code, _, err = _run(str(SAMPLE / "no-such-file.jpg"))
    assert code == 2
    assert "does not exist" in err


def test_environment_parsing() -> None:
    limits = limits_from_environment(
        {"COC_MAX_UPLOAD_BYTES": "1048576", "COC_MAX_PIXELS": "1000000", "COC_MAX_PAGES": "2",
         "COC_STAGE_TIMEOUT_S": "2.5", "UNRELATED": "x"}
    )
    assert limits == Limits(max_bytes=1048576, max_pixels=1_000_000, max_pages=2,
                            stage_timeout_s=2.5)
    assert limits_from_environment({}) == Limits()
    with pytest.raises(SettingsError):
        limits_from_environment({"COC_MAX_PAGES": "2.5"})


@pytest.mark.ocr
@pytest.mark.timeout(120)
def test_console_command_reads_a_real_sample() -> None:
    """The installed entry point, real readers, a fresh process: what an operator runs."""
    command = [sys.executable, "-m", "coc_service.cli", "extract",
               str(SAMPLE / "0006-identity-clean.png")]
    entry = Path(sys.executable).with_name("coc-service")
    if entry.exists():
        command = [str(entry), "extract", str(SAMPLE / "0006-identity-clean.png")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=110, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    truth = json.loads((SAMPLE / "0006-identity-clean.json").read_text())
    assert set(payload) >= CONTRACT_KEYS
    assert payload["status"] == "ok"
    assert payload["document_type"] == truth["document_type"]
    assert payload["mrz"]["format"] == truth["mrz_format"]
