"""A fast verdict on a photo before any OCR, so that a customer can retake it at once.

Measured on the small copies page preparation already made, in a few milliseconds, and in
units that do not depend on the camera: blur is the width of an edge relative to the height of
the text, size is the height of the text in pixels, glare is a share of the document.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from coc_service.documents.pages import PreparedPage
from coc_service.documents.text_layout import connected_components, subsample
from coc_service.documents.types import QualityVerdict


@dataclass(frozen=True)
class QualityThresholds:
    """Where a photo stops being good enough; each value is explained by what it protects."""

    # Capitals under ~9 px are below what OCR reads reliably (Tesseract wants 20+, and
    # upscaling cannot restore strokes that were never captured).
    min_text_height_px: float = 9.0
    # Images whose short side is below this cannot hold a legible card, whatever they show.
    min_short_side_px: int = 300
    # Edge blur (Gaussian sigma) as a share of the capitals' height. A sharp print measures
    # about 0.045 (anti-aliasing); past ~0.12 the strokes of neighbouring letters merge (a
    # 3 px blur on 25 px capitals), which blur_ratio reads as about 0.13-0.14.
    max_blur_ratio: float = 0.14
    # Paper darker than this grey level means the photo was taken in poor light.
    min_paper_level: float = 85.0
    # A saturated highlight covering this share of the document hides some of its print.
    max_glare_share: float = 0.004
    # Character-sized shapes cut by the frame: this many mean text runs off the picture.
    max_cut_blobs: int = 3
    max_cut_blob_share: float = 0.03
    # Fewer character-like shapes than this: no document (a blank page, a landscape).
    min_text_blobs: int = 25


DEFAULT_THRESHOLDS = QualityThresholds()
# Capitals of the main print measure about 3 % of a document's short side (4 % on an ID card,
# 1-2 % on an A4 certificate).
TYPICAL_TEXT_SHARE = 0.03
_MIN_TEXT_HEIGHT_FOR_BLUR = 16.0
_SMOOTHING = 0.8


def assess_quality(
    prepared: PreparedPage, thresholds: QualityThresholds = DEFAULT_THRESHOLDS
) -> QualityVerdict:
    """Return the quality verdict of one prepared page (problems named as in the contract)."""
    height, width = prepared.source_shape
    layout = prepared.layout
    analysis = prepared.analysis
    problems: list[str] = []
    metrics: dict[str, float] = {
        "width": float(width),
        "height": float(height),
        "text_blobs": float(layout.blobs if layout else 0),
        "text_height_px": prepared.source_text_height,
    }
    if min(width, height) < thresholds.min_short_side_px:
        problems.append("too_small")
    if layout is None or layout.blobs < thresholds.min_text_blobs:
        problems.append("no_document")
    elif (
        prepared.source_text_height < thresholds.min_text_height_px
        and "too_small" not in problems
    ):
        problems.append("too_small")

    paper = _paper_level(analysis)
    metrics["paper_level"] = paper
    if paper < thresholds.min_paper_level:
        problems.append("dark")

    if layout is not None and layout.blobs >= thresholds.min_text_blobs:
        text_height = layout.text_height_p80
    else:
        # No legible print, perhaps because the photo is badly out of focus: judge the blur
        # against the print a document of this size would carry.
        text_height = TYPICAL_TEXT_SHARE * min(analysis.shape[:2])
    if min(analysis.shape[:2]) >= 16:
        ratio = blur_ratio(analysis, text_height)
        metrics["blur_ratio"] = ratio
        if ratio > thresholds.max_blur_ratio:
            problems.append("blurry")

    glare = glare_share(analysis, paper)
    metrics["glare_share"] = glare
    if glare > thresholds.max_glare_share:
        problems.append("glare")

    cut = _is_cut_off(prepared, thresholds)
    metrics["cut_blobs"] = float(layout.cut_blobs if layout else 0)
    if cut:
        problems.append("cut_off")
    return QualityVerdict(acceptable=not problems, problems=problems, metrics=metrics)


def _paper_level(grey: np.ndarray) -> float:
    """Return the brightness of the paper: a high percentile, so that ink does not count."""
    return float(np.percentile(subsample(grey, 50_000), 90))


def blur_ratio(grey: np.ndarray, text_height: float) -> float:
    """Return the edge blur (Gaussian sigma) of the print as a share of the text height.

    For a step edge of contrast C blurred by a Gaussian of sigma s, the steepest gradient is
    C / (s * sqrt(2 pi)); the sharpest edges of the page (high percentile of the gradient) and
    the contrast of the print give s. The ratio does not depend on the image's scale, except
    that tiny text is enlarged first so that pixel steps do not pass for blur. Noise is
    smoothed away first: it fakes sharpness. On a blur sweep of generated certificates, cards
    and passports it reads the true ratio plus about 0.045 (the anti-aliasing of sharp print).
    """
    if text_height <= 0:
        return 0.0
    # Measured with the print about 16 px tall: enough pixels per stroke to see blur, few
    # enough to keep it fast (large print is reduced, tiny print enlarged).
    factor = min(2.0, _MIN_TEXT_HEIGHT_FOR_BLUR / text_height)
    if not 0.9 < factor < 1.1:
        interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
        grey = cv2.resize(grey, None, fx=factor, fy=factor, interpolation=interpolation)
        text_height *= factor
    smooth = cv2.GaussianBlur(grey, (0, 0), _SMOOTHING)
    # Both 3 x 3 Sobel derivatives in one pass, exact in 16 bits. Their magnitude is 8 times
    # the gradient (the Sobel gain): scaling by a power of two changes no comparison and no
    # percentile, so the gain is divided out of the one figure that needs it, not every pixel.
    gx, gy = cv2.spatialGradient(smooth, ksize=3)
    magnitude = cv2.magnitude(gx.astype(np.float32), gy.astype(np.float32))
    strong_level = float(np.percentile(subsample(magnitude, 200_000), 99.5))
    if strong_level < 8.0:
        return 0.0  # no edges at all (a blank page): nothing to judge the focus by
    # The contrast of those edges is measured around them (ink inside, paper beside), not
    # over the page, where the share of ink decides the percentiles.
    strong = (magnitude >= strong_level).view(np.uint8)  # booleans are bytes: no copy
    near = cv2.dilate(strong, np.ones((7, 7), np.uint8))
    around = smooth[near > 0]
    low, high = np.percentile(subsample(around, 50_000), (3, 97))
    sigma_total = float(high - low) / (strong_level / 8.0 * math.sqrt(2 * math.pi))
    # Remove the smoothing we added ourselves (sigmas add in quadrature).
    sigma = math.sqrt(max(0.0, sigma_total**2 - _SMOOTHING**2))
    return sigma / text_height


def glare_share(grey: np.ndarray, paper: float) -> float:
    """Return the share of the document covered by saturated highlights brighter than paper.

    On a white scan the paper itself is saturated: glare is only measurable when the paper is
    darker than the highlights, so a uniformly white page gives 0.
    """
    if paper >= 235:
        return 0.0
    saturated = (grey >= max(245, paper + 25)).astype(np.uint8)
    opened = cv2.morphologyEx(saturated, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    x, y, w, h = cv2.boundingRect(opened)  # the highlights' extent: labelling it is enough
    if w == 0 or h == 0:
        return 0.0
    count, _, stats, _ = connected_components(opened[y : y + h, x : x + w])
    if count <= 1:
        return 0.0
    largest = float(stats[1:, cv2.CC_STAT_AREA].max())
    return largest / float(grey.size)


def _is_cut_off(prepared: PreparedPage, thresholds: QualityThresholds) -> bool:
    quad = prepared.quad
    if quad is not None:
        return quad.touches_frame
    layout = prepared.layout
    if layout is None:
        return False
    return layout.cut_blobs > max(
        thresholds.max_cut_blobs, thresholds.max_cut_blob_share * layout.blobs
    )
