"""The quality verdict names what is wrong with a photo, from generated degradations."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from coc_service.documents.pages import prepare_page
from coc_service.documents.quality import QualityThresholds, assess_quality
from coc_service.documents.raster import DecodedImage
from coc_service.documents.types import QualityVerdict
from fixtures.synth import degrade


def _verdict(grey: np.ndarray, thresholds: QualityThresholds | None = None) -> QualityVerdict:
    prepared = prepare_page(DecodedImage(index=1, grey=grey, color=None))
    return assess_quality(prepared, thresholds or QualityThresholds())


def _grey(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


@pytest.fixture(scope="module")
def certificate() -> np.ndarray:
    from fixtures.synth.registration import generate_registration

    image, _ = generate_registration("DEU", random.Random(8))
    return degrade.to_array(image)


@pytest.fixture(scope="module")
def card() -> np.ndarray:
    from fixtures.synth.identity import generate_identity

    image, _ = generate_identity("id_de", random.Random(8))
    return degrade.to_array(image)


@pytest.mark.parametrize("document", ["certificate", "card"])
def test_good_scan_is_acceptable(document: str, request: pytest.FixtureRequest) -> None:
    verdict = _verdict(_grey(request.getfixturevalue(document)))
    assert verdict.acceptable, verdict.problems
    assert verdict.problems == []
    assert set(verdict.metrics) >= {"blur_ratio", "paper_level", "text_height_px", "glare_share"}


def test_mild_blur_is_tolerated_heavy_blur_is_not(certificate: np.ndarray) -> None:
    assert "blurry" not in _verdict(_grey(degrade.blur(certificate, 1.0))).problems
    assert "blurry" in _verdict(_grey(degrade.blur(certificate, 5.0))).problems


def test_photo_too_blurred_to_show_any_print_is_blurry(card: np.ndarray) -> None:
    verdict = _verdict(_grey(degrade.blur(card, 8.0)))
    assert "blurry" in verdict.problems


def test_blur_is_judged_relative_to_the_print(certificate: np.ndarray) -> None:
    """The same blur in print units reads the same at twice the resolution."""
    bigger = cv2.resize(certificate, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    small = _verdict(_grey(degrade.blur(certificate, 2.0))).metrics["blur_ratio"]
    large = _verdict(_grey(degrade.blur(bigger, 4.0))).metrics["blur_ratio"]
    assert large == pytest.approx(small, rel=0.35)


def test_photo_in_poor_light_is_dark(card: np.ndarray) -> None:
    dim = (card.astype(np.float32) * 0.3).astype(np.uint8)
    assert "dark" in _verdict(_grey(dim)).problems


def test_saturated_highlight_is_glare(card: np.ndarray) -> None:
    lit = (card.astype(np.float32) * 0.8).astype(np.uint8)  # paper well below white
    height, width = lit.shape[:2]
    cv2.ellipse(lit, (width // 2, height // 2), (width // 8, height // 10), 20, 0, 360,
                (255, 255, 255), -1)
    verdict = _verdict(_grey(lit))
    assert "glare" in verdict.problems
    assert "glare" not in _verdict(_grey((card.astype(np.float32) * 0.8).astype(np.uint8))).problems


def test_distant_photo_is_too_small(certificate: np.ndarray) -> None:
    tiny = cv2.resize(certificate, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    assert "too_small" in _verdict(_grey(tiny)).problems


def test_one_pixel_is_too_small_and_no_document() -> None:
    verdict = _verdict(np.full((1, 1), 255, np.uint8))
    assert {"too_small", "no_document"} <= set(verdict.problems)


def test_blank_page_is_no_document() -> None:
    verdict = _verdict(np.full((1200, 900), 245, np.uint8))
    assert verdict.problems == ["no_document"]


def test_card_running_off_the_picture_is_cut_off(card: np.ndarray) -> None:
    scene = degrade.photograph_on_table(
        card, np.random.default_rng(5), scene_long_side=2000, fill=0.75, tilt=3.0,
        perspective_strength=0.02,
    )
    width = scene.shape[1]
    whole = _verdict(_grey(scene))
    assert "cut_off" not in whole.problems
    cropped = scene[:, : int(width * 0.62)]  # the photo cuts through the card
    assert "cut_off" in _verdict(_grey(cropped)).problems


def test_thresholds_are_configuration(certificate: np.ndarray) -> None:
    blurred = _grey(degrade.blur(certificate, 5.0))
    lenient = QualityThresholds(max_blur_ratio=1.0)
    assert "blurry" not in _verdict(blurred, lenient).problems
