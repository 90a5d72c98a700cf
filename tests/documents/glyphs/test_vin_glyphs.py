"""The printed-VIN glyph reader: segmentation, refusals, the committed model, and reading VINs
rendered in faces the classifier never saw in training (those of the synthetic certificates)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from coc_service.documents.glyphs import VIN_ALPHABET, best_vin, vin_glyph_log_probabilities
from coc_service.documents.glyphs.cells import FEATURES
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
