"""The printed-VIN glyph reader: segmentation, refusals, the committed model, and reading VINs
rendered in faces the classifier never saw in training (those of the synthetic certificates)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from coc_service.documents.glyphs import VIN_ALPHABET, best_vin, vin_glyph_log_probabilities
from coc_service.documents.glyphs.cells import FEATURES
from coc_service.documents.glyphs.ink import ink_strength, text_band
from coc_service.documents.glyphs.model import MODEL_PATH, GlyphModel
from coc_service.documents.glyphs.segment import segment_line
from coc_service.documents.registration.normalise import VIN_ALPHABET as READER_ALPHABET
from fixtures.synth.vin_glyph_lines import (
    Face,
    cells_on_characters,
    held_out_faces,
    render_crop,
    training_faces,
)

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _held_out() -> list[Face]:
    faces = held_out_faces()
    if not faces:
        pytest.fail("the certificates' fonts (fonts-dejavu-core, fonts-liberation) are missing")
    return faces


def _text_crop(lines: list[str], size: int = 40) -> np.ndarray:
    font = ImageFont.truetype(DEJAVU, size)
    img = Image.new("L", (30 + int(font.getlength(max(lines, key=len))) + 30,
                          int(size * (1.6 * len(lines) + 0.8))), 235)
    draw = ImageDraw.Draw(img)
    for i, text in enumerate(lines):
        draw.text((30, size * (0.4 + 1.6 * i)), text, font=font, fill=20)
    return np.asarray(img)


def test_alphabet_is_the_readers() -> None:
    assert VIN_ALPHABET == READER_ALPHABET


def test_model_file_loads_with_expected_shapes() -> None:
    model = GlyphModel.load(MODEL_PATH)
    hidden = model.w1.shape[1]
    assert model.alphabet == VIN_ALPHABET
    assert model.w1.shape == (FEATURES, hidden) and model.b1.shape == (hidden,)
    assert model.w2.shape == (hidden, len(VIN_ALPHABET)) and model.b2.shape == (33,)
    assert model.mean.shape == model.std.shape == (FEATURES,)
    assert 0.2 < model.temperature < 5
    # Trained on none of the certificates' families.
    assert model.fonts and not any("DejaVu" in f or "Liberation" in f for f in model.fonts)


def test_segmentation_finds_17_cells_on_a_rendered_vin() -> None:
    rng = np.random.default_rng(17)
    for face in _held_out():
        crop, _, centres = render_crop(rng, face, degraded=False)
        line = segment_line(crop)
        assert line is not None, face.family
        assert len(line.cuts) == 18
        assert cells_on_characters(line, centres), face


def test_log_probabilities_have_one_row_per_position() -> None:
    crop = _text_crop(["WF01RZ5BW4D507273"])
    logp = vin_glyph_log_probabilities(crop)
    assert logp is not None and logp.shape == (17, len(VIN_ALPHABET))
    np.testing.assert_allclose(np.exp(logp).sum(axis=1), 1.0, rtol=1e-4)


@pytest.mark.parametrize("lines", [[""], ["WF01RZ5BW4D507273", "ZFAGNE5BW4D507273"], ["VF1 CLIO"]],
                         ids=["blank", "two-lines", "too-few-characters"])
def test_nothing_rather_than_garbage(lines: list[str]) -> None:
    assert vin_glyph_log_probabilities(_text_crop(lines)) is None


def test_noise_alone_is_no_vin() -> None:
    rng = np.random.default_rng(3)
    noise = np.clip(rng.normal(230, 6, (70, 600)), 0, 255).astype(np.uint8)
    assert vin_glyph_log_probabilities(noise) is None


def test_reads_rendered_vins_in_held_out_fonts() -> None:
    """Clean renderings in DejaVu and Liberation faces: at least 97 % of the characters (the
    training script's evaluation measures more lines and the degraded ones)."""
    rng = np.random.default_rng(2024)
    right = total = 0
    for k in range(40):
        crop, vin, _ = render_crop(rng, _held_out()[k % len(_held_out())], degraded=False)
        logp = vin_glyph_log_probabilities(crop)
        read = best_vin(logp) if logp is not None else "?" * 17
        right += sum(a == b for a, b in zip(vin, read, strict=True))
        total += 17
    assert right / total >= 0.97


def test_reads_the_look_alikes_tesseract_confuses() -> None:
    """5 and S, 1 and L, J and 1 side by side, as in the VINs Tesseract got wrong."""
    for vin in ("ZFAGNE5BW4D507273", "WF01RZ5BW4D507273", "VF3J1S5L1J5S1LJ51"):
        logp = vin_glyph_log_probabilities(_text_crop([vin]))
        assert logp is not None and best_vin(logp) == vin


def test_training_fonts_exclude_the_certificates_families() -> None:
    for face in training_faces():  # whatever is installed here; may be none
        assert not any(name in face.family for name in ("DejaVu", "Liberation", "Hack",
                                                        "Arimo", "Cousine", "Tinos"))


def test_equal_pitch_cells_for_monospaced_runs_without_a_place_to_cut() -> None:
    """17 characters at a 30 px pitch, four runs of touching ones: cells fall on the grid."""
    from coc_service.documents.glyphs.segment import _equal_pitch

    runs = [(0, 3), (3, 4), (4, 9), (9, 10), (10, 17)]  # characters [first, last) per blob
    blobs = np.array([(30 * a + 4, 30 * b - 4) for a, b in runs])
    columns = np.zeros(520, np.float32)
    columns[4:506] = 20.0
    got = _equal_pitch(blobs, columns, height=40, count=17)
    assert got is not None
    np.testing.assert_allclose(got[1], np.arange(18) * 30.0, atol=0.5)
    shifted = blobs.copy()
    shifted[2, 0] += 14  # a gap half a pitch off the grid: not monospaced print
    assert _equal_pitch(shifted, columns, height=40, count=17) is None


def test_the_classifier_cuts_touching_characters_better_than_the_ink_alone() -> None:
    """Degraded renderings in the certificates' faces: where print runs together, judging
    candidate cells by how well they read puts more lines' cells on their characters."""
    from coc_service.documents.glyphs.model import glyph_model
    from coc_service.documents.glyphs.vin import _judge

    judge = _judge(glyph_model())
    rng = np.random.default_rng(7)
    by_ink = by_reading = 0
    for k in range(150):
        crop, _, centres = render_crop(rng, _held_out()[k % len(_held_out())], degraded=True)
        plain, judged = segment_line(crop), segment_line(crop, judge=judge)
        by_ink += plain is not None and cells_on_characters(plain, centres)
        by_reading += judged is not None and cells_on_characters(judged, centres)
    assert by_reading >= by_ink + 3  # 134 and 130 of 150 lines when written


def test_a_judged_cell_is_the_cell_the_cuts_give() -> None:
    """The judge sees each candidate cell as cell_boxes will make it, whatever the other cuts
    (a blob a side runs through is divided, a kerned neighbour stays whole)."""
    import cv2

    from coc_service.documents.glyphs.cells import box_features, cell_boxes, judged_boxes
    from coc_service.documents.glyphs.model import glyph_model
    from coc_service.documents.glyphs.segment import LineCells, _cut_at

    # Blurred so that two characters touch and a cut divides their blob.
    crop = cv2.GaussianBlur(_text_crop(["WAUJJ6JL39EE81583"], size=44), (0, 0), 2.2)
    ink = ink_strength(crop)
    band = text_band((ink > 0.4).astype(np.uint8))
    assert band is not None
    found = _cut_at(ink, 0.4, *band, 17)
    assert found is not None
    line = found.line
    inner = found.cuts[1:-1]
    assert ((inner[None, :] > line.blobs[:, :1] + 1)
            & (inner[None, :] < line.blobs[:, 1:2] - 1)).any()
    cells = LineCells(line.ink, line.owners(found.cuts), line.top, line.bottom, found.cuts,
                      found.cost, line.threshold)
    expected = cell_boxes(cells)
    assert expected is not None
    judged = judged_boxes(line, np.c_[found.cuts[:-1], found.cuts[1:]])
    # Alike but for a column where a blob another cut divides ends a pixel into the cell.
    assert (np.abs(judged - expected).mean(axis=(1, 2)) < 0.02).all()
    assert (np.abs(judged - expected).max(axis=(1, 2)) < 1e-6).sum() >= 15
    model = glyph_model()
    np.testing.assert_array_equal(model.log_probs(box_features(judged)).argmax(axis=1),
                                  model.log_probs(box_features(expected)).argmax(axis=1))


def test_gradient_histograms_match_a_plain_loop() -> None:
    from coc_service.documents.glyphs.cells import BOX, gradient_histograms

    rng = np.random.default_rng(5)
    boxes = np.clip(rng.normal(0.3, 0.4, (2, BOX, BOX)), 0, 1).astype(np.float32)
    got = gradient_histograms(boxes)
    for n, box in enumerate(boxes):
        gx, gy = np.zeros_like(box), np.zeros_like(box)
        gx[:, 1:-1], gy[1:-1, :] = box[:, 2:] - box[:, :-2], box[2:, :] - box[:-2, :]
        cells = np.zeros((4, 4, 9))
        for y in range(BOX):
            for x in range(BOX):
                angle = np.arctan2(gy[y, x], gx[y, x]) % np.pi
                position = angle / (np.pi / 9) - 0.5
                low = int(np.floor(position))
                weight = np.hypot(gx[y, x], gy[y, x])
                cells[y // 8, x // 8, low % 9] += weight * (1 - (position - low))
                cells[y // 8, x // 8, (low + 1) % 9] += weight * (position - low)
        blocks = []
        for by in range(3):
            for bx in range(3):
                block = cells[by : by + 2, bx : bx + 2].ravel()
                block = np.minimum(block / np.sqrt((block**2).sum() + 1e-6), 0.2)
                blocks.append(block / np.sqrt((block**2).sum() + 1e-6))
        np.testing.assert_allclose(got[n], np.concatenate(blocks), atol=2e-3)


def test_print_runs_are_the_long_words_of_a_page() -> None:
    """A VIN, short values and a sentence on one page: the VIN is a run of its own, a short
    value is none, a sentence's words are not joined into one run."""
    from coc_service.documents.glyphs.rows import print_runs

    font = ImageFont.truetype(DEJAVU, 30)
    img = Image.new("L", (1400, 400), 255)
    draw = ImageDraw.Draw(img)
    draw.text((60, 40), "VF3YFXNH01N052289", font=font, fill=0)
    draw.text((60, 140), "PEUGEOT 208", font=font, fill=0)
    draw.text((60, 240), "Veuillez trouver ci-joint les pieces demandees", font=font, fill=0)
    runs = print_runs(np.asarray(img), text_height=22)
    vin_box = (60, 40, int(font.getlength("VF3YFXNH01N052289")), 30)
    assert any(abs(x - vin_box[0]) <= 4 and abs(w - vin_box[2]) <= 8 and 40 <= y <= 52
               for x, y, w, _ in runs)
    assert not any(130 <= y <= 180 for _, y, _, _ in runs)
    assert all(w < 500 for _, y, w, _ in runs if y > 200)
