"""The in-process Tesseract engine: what it reads, that it reads as the `tesseract` program
does, its bounds, and that a forked child reads with the engine its parent loaded."""

from __future__ import annotations

import subprocess

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from coc_service.documents import ocr
from coc_service.documents.errors import StageTimeout
from coc_service.documents.isolation import run_isolated

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LINES = ("CERTIFICAT D'IMMATRICULATION", "E VF1RFB00X56789012", "D.1 RENAULT  D.3 CLIO",
         "B 14/03/2019  I 02/05/2021")


def page(lines: tuple[str, ...] = LINES, size: int = 34) -> np.ndarray:
    image = Image.new("L", (1300, 120 + 90 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, size)
    for row, line in enumerate(lines):
        draw.text((60, 60 + 90 * row), line, font=font, fill=0)
    return np.asarray(image)


def test_words_come_with_boxes_confidences_and_their_lines() -> None:
    result = ocr.read_words(page(), lang="fra", psm=11)
    texts = [w.text for w in result.words]
    assert "RENAULT" in texts and "CLIO" in texts and "14/03/2019" in texts
    # The VIN (its 1 and 0 may read as I and O), on the line below the title
    vin = next(w for w in result.words if len(w.text) == 17 and w.box[1] > 120)
    left, top, width, height = vin.box
    assert 60 < left < 300 and 150 < top < 250 and width > 300 and 15 < height < 60
    assert 0.5 < vin.confidence <= 1.0
    assert "RENAULT" in result.text.splitlines()[2]


def test_it_reads_exactly_what_the_tesseract_program_reads(tmp_path) -> None:
    image = cv2.GaussianBlur(page(size=28), (3, 3), 0)  # not too easy: confidences vary
    path = tmp_path / "page.png"
    cv2.imwrite(str(path), image)
    done = subprocess.run(
        ["tesseract", str(path), "stdout", "-l", "fra", "--psm", "11", "--oem", "1", "tsv"],
        capture_output=True, text=True, check=True,
        env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
    )
    program = [(w.text, w.box, round(w.confidence, 4)) for w in ocr._words(done.stdout)]
    ours = [(w.text, w.box, round(w.confidence, 4))
            for w in ocr.read_words(image, lang="fra", psm=11).words]
    assert program and ours == program


def test_a_colour_image_reads_as_its_grey_copy() -> None:
    grey = page()
    colour = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    colour[:, :, 0] = np.maximum(colour[:, :, 0], 40)  # a blue tint on the paper and the ink
    assert [w.text for w in ocr.read_words(colour, lang="fra", psm=11).words] == [
        w.text for w in ocr.read_words(grey, lang="fra", psm=11).words]


def test_a_whitelist_applies_to_its_own_call_only() -> None:
    image = page(("ABC 123",))
    digits = ocr.read_words(image, lang="eng", psm=7, whitelist="0123456789")
    assert not any(ch.isalpha() for w in digits.words for ch in w.text)
    after = ocr.read_words(image, lang="eng", psm=7)
    assert [w.text for w in after.words] == ["ABC", "123"]


def test_a_read_past_its_time_bound_is_a_stage_timeout_and_the_engine_reads_on() -> None:
    big = np.tile(page(), (4, 2))
    with pytest.raises(StageTimeout):
        ocr.read_words(big, lang="fra", psm=11, timeout_s=0.005)
    assert "RENAULT" in [w.text for w in ocr.read_words(page(), lang="fra", psm=11).words]


def test_an_empty_image_has_no_words() -> None:
    assert ocr.read_words(np.zeros((0, 0), np.uint8)).words == []


def test_each_language_is_loaded_once_and_a_forked_child_reads_with_it() -> None:
    loaded = ocr.engine("fra")
    assert ocr.engine("fra") is loaded

    def child_reads() -> list[str]:
        assert ocr.engine("fra") is loaded  # inherited, not loaded again
        return [w.text for w in ocr.read_words(page(), lang="fra", psm=11).words]

    assert "RENAULT" in run_isolated(child_reads, timeout_s=30)


def test_the_version_is_the_library_s() -> None:
    version = ocr.tesseract_version()
    assert version[0].isdigit() and version.count(".") >= 1


def test_a_child_forked_while_another_thread_reads_is_not_blocked_by_its_lock() -> None:
    import threading

    loaded = ocr.engine("fra")
    with loaded.lock:  # as if another thread of the parent were reading when it forked
        words = run_isolated(
            lambda: [w.text for w in ocr.read_words(page(), lang="fra", psm=11).words],
            timeout_s=30,
        )
    assert "RENAULT" in words
    assert isinstance(loaded.lock, type(threading.Lock()))
