"""The synthetic upload generator: reproducible, realistic formats, ground truth beside."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from coc_service.documents.intake import read_upload
from coc_service.documents.pipeline import decode_upload
from coc_service.documents.types import Limits
from fixtures.synth import degrade
from fixtures.synth.__main__ import generate_one, main
from fixtures.synth.formats import FORMATS, save_upload
from fixtures.synth.text_page import text_page


def _document() -> Image.Image:
    return Image.fromarray(text_page(9, width=900, height=600, font_px=24)).convert("RGB")


@pytest.mark.parametrize("difficulty", degrade.DIFFICULTIES)
def test_degradation_is_reproducible(difficulty: degrade.Difficulty) -> None:
    first, record_a = degrade.degrade(_document(), difficulty, random.Random(5),
                                      small_document=False, scene_long_side=1200)
    second, record_b = degrade.degrade(_document(), difficulty, random.Random(5),
                                       small_document=False, scene_long_side=1200)
    assert np.array_equal(np.asarray(first), np.asarray(second))
    assert record_a == record_b


def test_clean_level_leaves_a_sheet_as_it_is() -> None:
    clean, record = degrade.degrade(_document(), "clean", random.Random(1), small_document=False)
    assert np.array_equal(np.asarray(clean), np.asarray(_document()))
    assert record.steps == []


def test_hard_level_degrades_and_says_how() -> None:
    wanted = {"on", "tilt", "blur", "noise", "quarter", "exif", "uneven"}
    steps: set[str] = set()
    for seed in range(30):
        _, record = degrade.degrade(_document(), "hard", random.Random(seed),
                                    small_document=False, scene_long_side=800)
        assert -10 <= record.tilt <= 10
        assert record.jpeg_quality <= 55
        steps |= {step.split("_")[0] for step in record.steps}
        if wanted <= steps:
            break
    assert wanted <= steps


def test_card_may_be_photocopied_front_and_back_on_a_sheet() -> None:
    card = Image.new("RGB", (500, 316), (230, 230, 240))
    found = False
    for seed in range(20):
        image, record = degrade.degrade(card, "clean", random.Random(seed), small_document=True,
                                        other_sides=[card])
        if "scanned_sheet_2_sides" in record.steps:
            found = True
            assert image.size == (int(8.27 * 300), int(11.69 * 300))
            break
    assert found


@pytest.mark.parametrize("upload_format", FORMATS)
def test_every_format_decodes_to_the_picture(upload_format: str) -> None:
    picture = _document()
    saved = save_upload(picture, upload_format, random.Random(2),  # type: ignore[arg-type]
                        jpeg_quality=90, exif_orientation=6)
    upload = read_upload(saved.data)
    pages, _ = decode_upload(upload, Limits())
    assert len(pages) == saved.pages
    page = pages[saved.document_page - 1]
    if upload_format != "pdf_composed":  # a composed page holds the picture among other things
        height, width = page.grey.shape
        assert width / height == pytest.approx(picture.width / picture.height, rel=0.02)


def test_jpeg_orientation_tag_is_written_and_pixels_stored_turned() -> None:
    data = save_upload(_document(), "jpeg", random.Random(0), exif_orientation=8).data
    stored = Image.open(io.BytesIO(data))
    assert stored.getexif()[0x0112] == 8
    assert stored.size == (600, 900)


def test_ground_truth_describes_the_upload() -> None:
    data, extension, truth = generate_one(1, 77, scene_long_side=1200)
    assert data and extension in {"jpg", "png", "heic", "pdf"}
    assert truth["family"] == "registration"
    assert truth["document_type"] == "registration_certificate"
    assert set(truth["fields"]) >= {"vin", "registration_number", "make"}
    assert truth["difficulty"] in degrade.DIFFICULTIES
    again = generate_one(1, 77, scene_long_side=1200)[2]
    assert again == truth


def test_command_writes_uploads_and_truth(tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path), "--count", "2", "--seed", "3", "--scene-size",
                 "1000"]) == 0
    uploads = sorted(p for p in tmp_path.iterdir() if p.suffix != ".json")
    assert len(uploads) == 2
    for upload in uploads:
        truth = json.loads(upload.with_suffix(".json").read_text())
        assert truth["file"] == upload.name
    assert json.loads(uploads[0].with_suffix(".json").read_text())["family"] == "identity"


def test_command_writes_the_bad_corpus(tmp_path: Path) -> None:
    assert main(["--bad-out", str(tmp_path)]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert all((tmp_path / row["file"]).exists() for row in manifest["files"])



def test_a_1988_card_s_expiry_truth_is_what_the_upload_allows_knowing() -> None:
    # Seed 3: upload 144 is the card's front alone, 78 its front and back on one sheet.
    _, _, front_only = generate_one(144, 3, scene_long_side=1000)
    _, _, both_sides = generate_one(78, 3, scene_long_side=1000)
    assert front_only["generator_kind"] == both_sides["generator_kind"] == "fr_id_1988"
    assert "scanned_sheet_2_sides" in both_sides["degradation"]["steps"]
    # Issued in July 2015 to an adult: 15 years from the earliest day of that month.
    assert front_only["fields"]["expiry_date"] == "2030-06-30"
    # The back says the day of issue: the exact end.
    assert both_sides["fields"]["expiry_date"] == "2019-04-21"
