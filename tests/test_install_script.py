"""The set-up script's word to a user who lacks Debian packages and root."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _fake(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def test_missing_packages_without_root_print_the_exact_command(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # tesseract-ocr-fra is "missing", we are not root and have no sudo rights
    _fake(bin_dir, "dpkg-query", 'for a; do last=$a; done\n'
          '[ "$last" = tesseract-ocr-fra ] && exit 1\necho "install ok installed"')
    _fake(bin_dir, "id", 'echo 1000')
    _fake(bin_dir, "sudo", 'exit 1')
    _fake(bin_dir, "apt-get", 'echo "apt-get must not run" >&2; exit 99')
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    result = subprocess.run(["bash", str(ROOT / "scripts/install.sh"), "run"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "tesseract-ocr-fra" in result.stderr
    assert "sudo apt-get update && sudo apt-get install -y tesseract-ocr-fra" in result.stderr
    assert "apt-get must not run" not in result.stderr


def test_missing_tesseract_language_data_is_a_clear_extract_error(tmp_path: Path) -> None:
    from PIL import Image

    image = tmp_path / "scan.png"
    Image.new("L", (1200, 800), 255).save(image)
    empty = tmp_path / "tessdata"
    empty.mkdir()
    env = {**os.environ, "TESSDATA_PREFIX": str(empty)}  # no traineddata where Tesseract looks
    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "coc_service.cli", "extract",
                             str(image)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "tesseract" in (result.stdout + result.stderr).lower()
    assert "apt-get install tesseract-ocr-fra" in result.stdout + result.stderr
