"""The MRZ band locator and the glyph reader on generated documents at several degradations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import pytest

from coc_service.documents.identity.band import find_mrz_bands, warp_band
from coc_service.documents.identity.glyph_training import line_samples
from coc_service.documents.identity.glyphs import glyph_classifier
from coc_service.documents.identity.mrz_ocr import read_band
from coc_service.documents.identity.reader import expanded_quad, find_mrz
from coc_service.documents.types import Page

MakePages = Callable[..., tuple[list[Any], dict[str, Any]]]
LEVELS = ("clean", "mild", "hard")


def _overlap(box: tuple[int, int, int, int], truth: tuple[int, int, int, int],
             scale: float) -> float:
    """Return the share of the truth box (scaled to the page) covered by `box`."""
    tx, ty, tw, th = (v * scale for v in truth)
    x, y, w, h = box
    ix = max(0.0, min(x + w, tx + tw) - max(x, tx))
    iy = max(0.0, min(y + h, ty + th) - max(y, ty))
    return ix * iy / (tw * th)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("kind", ["passport_de", "fr_id_1988", "id_be", "id_ro"])
def test_band_locator_finds_the_mrz(make_pages: MakePages, kind: str, level: str) -> None:
    pages, truth = make_pages(kind, 3, level)
    page = pages[truth["mrz_page"]]
    scale = page.image.shape[1] / (truth["mrz_box"][2] + 2 * truth["mrz_box"][0])
    bands = find_mrz_bands(page.image)
    assert bands, "no band candidate"
    best = max(_overlap(b.box, truth["mrz_box"], scale) for b in bands[:3])
    assert best > 0.6


def test_band_locator_ignores_a_page_without_mrz() -> None:
    page = np.full((900, 1300), 235, np.uint8)
    for k in range(8):  # ordinary printed lines of different lengths
        cv2.putText(page, "Lorem ipsum dolor sit amet " * (1 + k % 3), (40, 90 + 95 * k),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.9, 20, 2)
    found = find_mrz([Page(index=1, image=page)], deadline=1e18)
    assert found is None or not found.reading.credible


@pytest.mark.parametrize("level", LEVELS)
def test_band_reading_is_exact_on_generated_documents(make_pages: MakePages, level: str) -> None:
    for kind in ("passport_it", "fr_id_2021", "fr_id_1988"):
        pages, truth = make_pages(kind, 11, level)
        page = pages[truth["mrz_page"]]
        band = find_mrz_bands(page.image)[0]
        crop, _ = warp_band(page.image, expanded_quad(band), band.char_height)
        reading = read_band(crop, 30.0)
        assert reading is not None, kind
        assert reading.parsed.lines == truth["mrz_lines"], (kind, level)
        assert reading.trusted


def test_read_upside_down_band(make_pages: MakePages) -> None:
    pages, truth = make_pages("passport_gb", 2, "mild")
    page = pages[0]
    page.image = np.ascontiguousarray(page.image[::-1, ::-1])
    found = find_mrz(pages, deadline=1e18)
    assert found is not None and found.reading.parsed.lines == truth["mrz_lines"]


@pytest.mark.parametrize(("jitter", "minimum"), [(0.0, 0.95), (0.12, 0.91)])
def test_glyph_classifier_on_unseen_degraded_lines(jitter: float, minimum: float) -> None:
    """Lines rendered with a seed the training never used, degraded at random (blur, noise,
    JPEG, low resolution, uneven light), cells cut a little off-centre."""
    model = glyph_classifier()
    rng = np.random.default_rng(20240601)
    right = total = 0
    for _ in range(40):
        got = line_samples(rng, length=40, jitter=jitter)
        if got is None:
            continue
        feats, labels = got
        right += int((model.log_probs(feats).argmax(axis=1) == labels).sum())
        total += len(labels)
    assert total > 1000
    assert right / total >= minimum


def test_classifier_is_cached_and_deterministic() -> None:
    assert glyph_classifier() is glyph_classifier()
    cells = line_samples(np.random.default_rng(3), length=30)
    assert cells is not None
    again = line_samples(np.random.default_rng(3), length=30)
    assert again is not None
    assert np.array_equal(cells[0], again[0]) and np.array_equal(cells[1], again[1])


def test_reading_a_shifted_grid_recovers(make_pages: MakePages) -> None:
    """A band cut with extra margin on one side still reads: the grid comes from the print."""
    pages, truth = make_pages("id_de", 4, "clean")
    page = pages[truth["mrz_page"]]
    band = find_mrz_bands(page.image)[0]
    quad = expanded_quad(band)
    quad[[0, 3], 0] -= 60
    crop, _ = warp_band(page.image, quad, band.char_height)
    reading = read_band(crop, 30.0)
    assert reading is not None and reading.parsed.lines == truth["mrz_lines"]
