"""How the MRZ is searched for: at the scale the page's print calls for first, every scale only
when that finds nothing trustworthy, each band read once; and the helpers that keep it cheap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from coc_service.documents.identity import band, reader
from coc_service.documents.identity.band import BandCandidate, scale_for_print, work_scales
from coc_service.documents.identity.mrz_lines import print_extent
from coc_service.documents.identity.reader import find_mrz
from coc_service.documents.pages import TARGET_TEXT_HEIGHT, main_print_height
from coc_service.documents.types import Page

MakePages = Callable[..., tuple[list[Page], dict[str, Any]]]


def _searched_scales(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    scales: list[float] = []
    original = band.band_candidates_at

    def recording(grey: np.ndarray, scale: float) -> list[BandCandidate]:
        scales.append(scale)
        return original(grey, scale)

    monkeypatch.setattr(band, "band_candidates_at", recording)
    return scales


def _with_print_height(page: Page, height: float) -> Page:
    """Return the page as page preparation would hand it over with print `height` px high."""
    page.dpi = 300.0 * height / TARGET_TEXT_HEIGHT
    return page


def test_main_print_height_follows_the_page_resolution() -> None:
    page = Page(index=1, image=np.zeros((10, 10), np.uint8), dpi=600.0)
    assert main_print_height(page) == pytest.approx(2 * TARGET_TEXT_HEIGHT)


@pytest.mark.parametrize(("height", "factor"), [(12, 1), (22, 2), (29, 2), (40, 3)])
def test_the_hinted_scale_is_a_whole_reduction_to_nominal_print(height: float,
                                                                factor: int) -> None:
    assert scale_for_print(height, (1000, 1400)) == pytest.approx(1 / factor)


def test_the_hinted_scale_stays_within_the_work_scales() -> None:
    assert scale_for_print(200.0, (1000, 1400)) == pytest.approx(min(work_scales((1000, 1400))))


def test_the_hinted_scale_never_searches_a_large_page_at_more_than_the_largest_work_size(
) -> None:
    scale = scale_for_print(12.0, (3500, 2480))
    assert 3500 * scale <= max(band._WORK_SIZES)
    assert scale >= min(work_scales((3500, 2480)))


def test_a_page_whose_print_size_is_known_is_searched_at_one_scale(
    make_pages: MakePages, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages, truth = make_pages("passport_fr", 5, "mild")
    page = pages[truth["mrz_page"]]
    found = band.find_mrz_bands(page.image)
    _with_print_height(page, found[0].char_height)
    scales = _searched_scales(monkeypatch)
    result = find_mrz([page], deadline=1e18)
    assert result is not None and result.reading.parsed.lines == truth["mrz_lines"]
    assert scales == [scale_for_print(found[0].char_height, page.image.shape)]


def test_a_hinted_scale_that_finds_nothing_falls_back_to_every_scale(
    make_pages: MakePages, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages, truth = make_pages("fr_id_1988", 8, "clean")
    page = pages[truth["mrz_page"]]
    # A print size so wrong that the band cannot be seen at the scale it calls for.
    monkeypatch.setattr(reader, "scale_for_print", lambda height, shape: 0.02)
    scales = _searched_scales(monkeypatch)
    result = find_mrz([page], deadline=1e18)
    assert result is not None and result.reading.parsed.lines == truth["mrz_lines"]
    assert set(work_scales(page.image.shape)) <= set(scales)


def test_a_band_seen_at_two_scales_is_one_band() -> None:
    quad = np.array([[100, 500], [900, 500], [900, 560], [100, 560]], np.float32)
    first = BandCandidate(quad=quad, lines=2, char_height=20.0, angle=0.0, prior=1.2)
    again = BandCandidate(quad=quad + 3, lines=2, char_height=21.0, angle=0.0, prior=1.1)
    assert first.same_band(again)
    assert not first.same_band(BandCandidate(quad=quad + 3, lines=3, char_height=21.0,
                                             angle=0.0, prior=1.1))
    assert not first.same_band(BandCandidate(quad=quad + 3, lines=2, char_height=30.0,
                                             angle=0.0, prior=1.1))
    assert not first.same_band(BandCandidate(quad=quad + 200, lines=2, char_height=20.0,
                                             angle=0.0, prior=1.1))


def test_print_extent_is_the_first_longest_stretch_with_short_gaps_bridged() -> None:
    columns = np.zeros(400, np.float32)
    columns[10:60] = 1.0  # 50 columns
    columns[100:130] = 1.0
    columns[135:160] = 1.0  # 30 and 25 columns, 5 apart: one stretch of print at 10 px
    columns[300:305] = 1.0  # a stray mark
    assert print_extent(columns, 10.0) == (99, 161)  # the profile is blurred by a column
    assert print_extent(columns, 2.0) == (9, 61)  # no longer bridged: the first is longest
    columns[210:260] = 1.0  # as long as the first stretch: the first one is kept
    assert print_extent(columns, 2.0) == (9, 61)
    assert print_extent(np.zeros(50, np.float32), 10.0) is None
