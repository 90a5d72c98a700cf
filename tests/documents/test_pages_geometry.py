"""Page preparation: upright, level, flattened, at print resolution, without OCR."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from coc_service.documents.pages import (
    MAX_PAGE_PIXELS,
    TARGET_TEXT_HEIGHT,
    Reductions,
    _warp,
    prepare_page,
)
from coc_service.documents.raster import DecodedImage
from coc_service.documents.text_layout import analyse_text
from fixtures.synth import degrade
from fixtures.synth.text_page import text_page


def _decoded(grey: np.ndarray) -> DecodedImage:
    return DecodedImage(index=1, grey=grey, color=None)


def _grey(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def _similar(a: np.ndarray, b: np.ndarray) -> float:
    """Return the correlation of two grey images seen small and soft (a pixel or two of
    misalignment does not matter; a turned or mirrored picture does)."""
    size = (160, max(1, round(160 * a.shape[0] / a.shape[1])))
    a_small = cv2.GaussianBlur(cv2.resize(a, size, interpolation=cv2.INTER_AREA), (0, 0), 1.5)
    b_small = cv2.GaussianBlur(cv2.resize(b, size, interpolation=cv2.INTER_AREA), (0, 0), 1.5)
    return float(np.corrcoef(a_small.ravel().astype(float), b_small.ravel().astype(float))[0, 1])


@pytest.fixture(scope="module")
def certificate() -> np.ndarray:
    from fixtures.synth.registration import generate_registration

    image, _ = generate_registration("FRA", random.Random(4))
    return _grey(degrade.to_array(image))


@pytest.fixture(scope="module")
def card() -> np.ndarray:
    from fixtures.synth.identity import generate_identity

    image, _ = generate_identity("fr_id_2021", random.Random(4))
    return _grey(degrade.to_array(image))


def test_upright_scan_is_left_alone() -> None:
    page = text_page(1)
    prepared = prepare_page(_decoded(page))
    assert prepared.page.rotation == 0
    assert prepared.page.skew == 0
    assert prepared.page.image is page  # nothing to do: not even a copy


@pytest.mark.parametrize("document", ["certificate", "card", "text"])
@pytest.mark.parametrize("turns", [1, 2, 3])
def test_quarter_turns_are_undone(
    document: str, turns: int, request: pytest.FixtureRequest
) -> None:
    original = text_page(2) if document == "text" else request.getfixturevalue(document)
    turned = np.ascontiguousarray(np.rot90(original, k=-turns))  # clockwise
    prepared = prepare_page(_decoded(turned))
    assert prepared.page.rotation == (4 - turns) % 4 * 90
    assert prepared.page.image.shape == original.shape
    assert _similar(original, prepared.page.image) > 0.9


@pytest.mark.parametrize("angle", [-9.0, -4.0, 2.5, 7.0])
def test_small_skews_are_levelled(angle: float, certificate: np.ndarray) -> None:
    tilted = _grey(degrade.rotate(np.dstack([certificate] * 3), angle))
    prepared = prepare_page(_decoded(tilted))
    assert prepared.page.rotation == 0
    assert prepared.page.skew == pytest.approx(-angle, abs=0.5)
    layout = analyse_text(prepared.page.image)
    assert layout is not None
    assert abs(layout.skew) < 0.5


def test_photo_of_a_card_on_a_table_is_cropped_and_flattened(card: np.ndarray) -> None:
    rng = np.random.default_rng(3)
    scene = degrade.photograph_on_table(
        np.dstack([card] * 3), rng, scene_long_side=2400, fill=0.6, tilt=6.0,
        perspective_strength=0.05,
    )
    prepared = prepare_page(_decoded(_grey(scene)))
    assert prepared.quad is not None
    assert not prepared.quad.touches_frame
    height, width = prepared.page.image.shape
    assert width / height == pytest.approx(card.shape[1] / card.shape[0], rel=0.08)
    assert abs(prepared.page.skew) < 1.0  # flattening already levelled it
    assert _similar(card, prepared.page.image) > 0.8


def test_photo_of_a_card_pasted_on_a_page_is_cropped_to_the_card(card: np.ndarray) -> None:
    """The outline found first is the photo's own edge; the search inside it finds the card."""
    rng = np.random.default_rng(5)
    scene = _grey(degrade.photograph_on_table(
        np.dstack([card] * 3), rng, scene_long_side=1800, fill=0.6, tilt=4.0,
        perspective_strength=0.03,
    ))
    page = np.full((2480, 3508), 250, np.uint8)
    page[400 : 400 + scene.shape[0], 600 : 600 + scene.shape[1]] = scene
    prepared = prepare_page(_decoded(page))
    assert prepared.quad is not None
    assert prepared.quad.area_share < 0.6 * scene.size / page.size  # the card, not the photo
    height, width = prepared.page.image.shape
    assert width / height == pytest.approx(card.shape[1] / card.shape[0], rel=0.08)
    assert _similar(card, prepared.page.image) > 0.8


def test_halvings_are_means_of_blocks() -> None:
    image = np.random.default_rng(0).integers(0, 256, (403, 602), dtype=np.uint8)
    reductions = Reductions(image)
    half, scale = reductions.at_least(0.3)
    assert scale == 0.5
    assert half.shape == (201, 301)
    quarter, scale = reductions.at_least(0.25)
    assert scale == 0.25
    assert quarter.shape == (100, 150)
    blocks = image[:400, :600].reshape(100, 4, 150, 4).mean(axis=(1, 3))
    assert np.abs(quarter - blocks).max() <= 1.0  # rounded once per halving
    same, scale = reductions.at_least(0.9)
    assert same is image and scale == 1.0


def test_strong_reductions_average_fine_detail_instead_of_sampling_it() -> None:
    """One-pixel stripes seen at a fifth of their size are grey: sampling them would keep
    stripes (aliasing), which thin strokes of print suffer the same way."""
    stripes = np.zeros((800, 1200), np.uint8)
    stripes[:, ::2] = 255
    for calibrated in (False, True):
        small = _warp(Reductions(stripes), np.diag([0.2, 0.2, 1.0]), (240, 160), fill=255,
                      calibrated=calibrated)
        assert small.shape == (160, 240)
        assert float(small[5:-5, 5:-5].std()) < 10.0  # sampled stripes: about 127
        assert float(small[5:-5, 5:-5].mean()) == pytest.approx(127.5, abs=3)


def test_calibrated_warp_reduces_the_full_resolution_pixels() -> None:
    """The analysis copy, on which blur is measured, is the area reduction of the full image
    that the blur thresholds were set on, even when only a part of the image is warped."""
    page = text_page(7, width=3000, height=2000, font_px=40, lines=14)
    shift = np.array([[1, 0, -700], [0, 1, -300], [0, 0, 1]], dtype=float)
    matrix = np.diag([0.45, 0.45, 1.0]) @ shift  # a 0.45 reduction of a part of the page
    warped = _warp(Reductions(page), matrix, (700, 500), fill=255, calibrated=True)
    factor = 0.45 * 1.2
    reduced = cv2.resize(page, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    direct = cv2.warpAffine(reduced, (matrix @ np.diag([1 / factor, 1 / factor, 1]))[:2],
                            (700, 500), flags=cv2.INTER_LINEAR, borderValue=255)
    assert np.abs(warped.astype(int) - direct).mean() < 1.0


def _ink(grey: np.ndarray) -> int:
    return int(np.count_nonzero(grey < 110))


def test_card_on_a_scanned_sheet_keeps_all_its_print(card: np.ndarray) -> None:
    """A card is a small part of the sheet: no outline is taken for the document, and only
    the blank paper around the print is cut away (the page keeps every dark pixel)."""
    sheet = _grey(degrade.place_on_scanned_sheet(np.dstack([card] * 3),
                                                 np.random.default_rng(1)))
    prepared = prepare_page(_decoded(sheet))
    assert prepared.quad is None
    page = prepared.page.image
    assert page.size < 0.6 * sheet.size
    assert prepared.page.dpi == pytest.approx(300, rel=0.25)  # not resampled
    # (a fraction of a pixel of shift resamples the edges of the strokes: a few percent)
    assert _ink(page) == pytest.approx(_ink(sheet), rel=0.06)


def test_a_document_lost_on_a_patterned_table_is_cut_down_to_its_print(
    certificate: np.ndarray,
) -> None:
    """A certificate too small in the frame for its outline to be taken, on a blotchy table:
    the page is the print with a margin, not the whole photo (OCR would read the table for
    seconds), and all the print is on it."""
    rng = np.random.default_rng(5)
    document = cv2.resize(certificate, None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)
    photo = cv2.resize(rng.integers(90, 200, (30, 40)).astype(np.uint8), (4000, 3000),
                       interpolation=cv2.INTER_CUBIC)
    top, left = 1100, 1300
    height, width = document.shape
    photo[top : top + height, left : left + width] = document
    prepared = prepare_page(_decoded(photo))
    assert prepared.quad is None
    scale = prepared.text_height / prepared.source_text_height  # output pixels per photo pixel
    kept_height, kept_width = (side / scale for side in prepared.page.image.shape)
    assert kept_width * kept_height < 0.2 * photo.size
    ink_rows = np.flatnonzero((document < 110).any(axis=1))
    ink_cols = np.flatnonzero((document < 110).any(axis=0))
    assert kept_height >= ink_rows[-1] - ink_rows[0]
    assert kept_width >= ink_cols[-1] - ink_cols[0]


def test_portrait_rectangle_is_not_taken_for_the_document() -> None:
    page = text_page(3)
    page[300:800, 900:1500] = 60  # a big dark photo area inside the document
    prepared = prepare_page(_decoded(page))
    assert prepared.quad is None
    assert prepared.page.image.shape == page.shape


def test_large_print_is_brought_to_print_resolution() -> None:
    page = text_page(4, width=4000, height=2600, font_px=90, lines=10)
    prepared = prepare_page(_decoded(page))
    layout = analyse_text(prepared.page.image)
    assert layout is not None
    assert layout.text_height_p80 == pytest.approx(TARGET_TEXT_HEIGHT, rel=0.2)
    assert prepared.page.dpi == pytest.approx(300, rel=0.2)


def test_small_print_is_enlarged_within_bounds() -> None:
    page = text_page(5, width=900, height=600, font_px=15, lines=12)
    prepared = prepare_page(_decoded(page))
    assert prepared.page.image.shape[1] > 1.3 * page.shape[1]
    assert prepared.page.image.size <= MAX_PAGE_PIXELS


def test_blank_page_is_passed_through() -> None:
    blank = np.full((500, 700), 240, np.uint8)
    prepared = prepare_page(_decoded(blank))
    assert prepared.layout is None
    assert prepared.page.image.shape == blank.shape
    assert prepared.upright_confidence == 0.0


def test_a_dense_guilloche_behind_the_text_does_not_turn_the_page() -> None:
    """Security paper's fine wavy lines, faint but far more numerous than the characters
    (nineteen blobs in twenty once small), must not decide which way the lines run."""
    page = text_page(3).copy()
    height, width = page.shape
    x = np.arange(width)
    for y0 in range(0, height, 7):
        y = (y0 + 3 * np.sin(x / 23.0 + y0)).astype(int)
        keep = (y >= 0) & (y < height) & (x % 9 < 6)  # broken strokes: many small blobs
        page[y[keep], x[keep]] = np.minimum(page[y[keep], x[keep]], 200)
    prepared = prepare_page(_decoded(page))
    assert prepared.page.rotation == 0
