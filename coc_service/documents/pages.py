"""Page preparation: from a decoded image to an upright, level, grey page at print resolution.

One pass over the pixels: the document outline (when a photo shows it on a table), the quarter
turn, the skew and the scale are all measured on small copies, composed into one perspective
transform, and applied once. Scale is normalised on text size, not on image size: a phone photo
of an ID card and a scan of an A4 certificate both come out with their main print about as tall
as at 300 dpi (capital letters of 9-point type, about 25 pixels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from coc_service.documents.document_quad import (
    DocumentQuad,
    find_document,
    flattening_transform,
    search_scale,
)
from coc_service.documents.raster import DecodedImage
from coc_service.documents.text_layout import TextLayout, analyse_text
from coc_service.documents.types import Page

# 80th percentile of character heights (capitals of the main print) at 300 dpi, in pixels.
TARGET_TEXT_HEIGHT = 25.0
# Within this band the page keeps its own resolution: resampling costs time and sharpness.
KEEP_SCALE_BAND = (0.75, 1.35)
MAX_UPSCALE = 3.0
MAX_PAGE_SIDE = 4200
MAX_PAGE_PIXELS = 12_000_000
ANALYSIS_SIDE = 1400
# A photo in which no outline was found is cut down to its print, with this margin (in heights
# of the main print, and at least this share of the photo's long side) when that leaves at
# most TEXT_CROP_MAX_SHARE of it: OCR then does not spend its time on the table.
TEXT_CROP_MARGIN = 6.0
TEXT_CROP_MIN_MARGIN_SHARE = 0.03
TEXT_CROP_MAX_SHARE = 0.6
MIN_SKEW = 0.5  # degrees; below this, rotating costs more sharpness than it gives (and the
# estimate itself is good to about 0.3 degrees)


class Reductions:
    """An image and its halvings (means of 2 x 2 blocks), each made once when first needed.

    Page preparation warps the decoded image several times at reduced scales (the search for
    the document inside its outline, the analysis copy, a strongly reduced output page). An
    area reduction by an arbitrary factor reads every source pixel with fractional weights and
    costs some 15 ms on a 7-megapixel photo; a halving costs a tenth of a millisecond. Warps
    that need no calibrated filter start from the smallest halving that still has the
    resolution they need.
    """

    def __init__(self, image: np.ndarray) -> None:
        self._levels = [image]

    @property
    def full(self) -> np.ndarray:
        return self._levels[0]

    def at_least(self, factor: float) -> tuple[np.ndarray, float]:
        """Return the smallest halving with at least `factor` of the image's resolution, and
        its scale (a power of one half)."""
        level = 0
        while 0.5 ** (level + 1) >= factor and min(self._levels[level].shape[:2]) >= 2:
            level += 1
            if len(self._levels) == level:
                last = self._levels[-1]
                height, width = last.shape[0] // 2 * 2, last.shape[1] // 2 * 2
                # The odd last row or column is left out: each pixel is then the exact mean of
                # a 2 x 2 block, which OpenCV computes many times faster than other factors.
                self._levels.append(cv2.resize(
                    last[:height, :width], (width // 2, height // 2),
                    interpolation=cv2.INTER_AREA,
                ))
        return self._levels[level], 0.5**level


@dataclass
class PreparedPage:
    """A page ready for the readers, with what was measured on the way (for quality checks)."""

    page: Page
    source_shape: tuple[int, int]  # height, width of the decoded image
    quad: DocumentQuad | None  # the document outline found in the decoded image
    layout: TextLayout | None  # text geometry of the flattened document (analysis scale)
    analysis: np.ndarray  # the flattened document at analysis scale, before turning
    analysis_scale: float  # analysis image pixels per flattened-document pixel
    source_text_height: float  # 80th percentile character height in the decoded image
    text_height: float  # the same on the output page, pixels
    upright_confidence: float  # 0..1, how sure the quarter turn is


def prepare_page(decoded: DecodedImage, *, keep_color: bool = False) -> PreparedPage:
    """Return the decoded image as an upright, level page normalised in resolution.

    The colour copy (Page.color) costs a second warp and three times the memory; it is made
    only when asked for, since the readers work on grey.
    """
    grey = decoded.grey
    height, width = grey.shape[:2]
    paper = _paper(grey)
    source = Reductions(grey)
    quad, flatten, doc_size = _locate_document(source, paper)
    analysis_scale = min(1.0, ANALYSIS_SIDE / max(doc_size))
    to_analysis = _scaling(analysis_scale) @ flatten
    analysis_size = (
        max(1, round(doc_size[0] * analysis_scale)),
        max(1, round(doc_size[1] * analysis_scale)),
    )
    analysis = _warp(source, to_analysis, analysis_size, fill=paper, calibrated=True)
    layout = analyse_text(analysis)
    if quad is None and layout is not None:
        flatten, doc_size = _crop_to_print(flatten, doc_size, layout, analysis_scale)
    turns, skew = (layout.quarter_turns, layout.skew) if layout else (0, 0.0)
    if abs(skew) < MIN_SKEW or abs(skew) > 20:
        skew = 0.0
    text_height = layout.text_height_p80 / analysis_scale if layout else 0.0
    scale = _output_scale(text_height, doc_size, decoded.dpi)
    orient, out_size = _orientation(doc_size, turns, skew, scale)
    full = orient @ flatten
    page_grey = _warp(source, full, out_size, fill=paper)
    page_color = None
    if keep_color and decoded.color is not None:
        page_color = _warp(Reductions(decoded.color), full, out_size, fill=paper)
    if text_height > 0:
        dpi = 300.0 * text_height * scale / TARGET_TEXT_HEIGHT
    else:
        dpi = decoded.dpi * scale if decoded.dpi else 300.0
    page = Page(
        index=decoded.index,
        image=page_grey,
        color=page_color,
        dpi=round(dpi, 1),
        rotation=(turns * 90) % 360,
        skew=round(skew, 2),
    )
    return PreparedPage(
        page=page,
        source_shape=(height, width),
        quad=quad,
        layout=layout,
        analysis=analysis,
        analysis_scale=analysis_scale,
        source_text_height=text_height,
        text_height=text_height * scale,
        upright_confidence=layout.upright_confidence if layout else 0.0,
    )


def _locate_document(
    source: Reductions, paper: int
) -> tuple[DocumentQuad | None, np.ndarray, tuple[int, int]]:
    """Return the document's outline in the image, the transform that flattens it, and the
    flattened size; the whole image when no outline is found.

    A photo pasted on a PDF page, or a scan of a photo, shows the document inside the first
    outline found (the photo's own edge): one more look inside finds the document itself.
    """
    height, width = source.full.shape[:2]
    outer = _find_document(source)
    if outer is None:
        return None, np.eye(3), (width, height)
    flatten, size = flattening_transform(outer)
    scale = search_scale((size[1], size[0]))
    to_small = _scaling(scale) @ flatten
    small_size = (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))
    inner = find_document(_warp(source, to_small, small_size, fill=paper), 1.0)
    if inner is None:
        return outer, flatten, size
    inner_flatten, inner_size = flattening_transform(inner)
    combined = _scaling(1.0 / scale) @ inner_flatten @ to_small
    corners = cv2.perspectiveTransform(
        inner.corners.reshape(-1, 1, 2).astype(np.float64), np.linalg.inv(to_small)
    ).reshape(4, 2).astype(np.float32)
    located = DocumentQuad(
        corners=corners,
        area_share=inner.area_share * outer.area_share,
        edge_support=inner.edge_support,
        touches_frame=inner.touches_frame,
    )
    doc_size = (max(1, round(inner_size[0] / scale)), max(1, round(inner_size[1] / scale)))
    return located, combined, doc_size


def _crop_to_print(
    flatten: np.ndarray, doc_size: tuple[int, int], layout: TextLayout, analysis_scale: float
) -> tuple[np.ndarray, tuple[int, int]]:
    """Return the transform and size that keep only the part of the image holding print.

    When no outline was found (a narrow certificate on a patterned table, a card too small in
    the frame), the whole photo would otherwise go to OCR: Tesseract then reads the table's
    texture for seconds. The margin keeps what the blob search may have missed at the edges
    of the print (small labels, a faint line); a photo whose print fills most of it is kept
    whole.
    """
    width, height = doc_size
    left, top, right, bottom = (v / analysis_scale for v in layout.text_box)
    margin = max(TEXT_CROP_MARGIN * layout.text_height_p80 / analysis_scale,
                 TEXT_CROP_MIN_MARGIN_SHARE * max(width, height))
    left, top = max(0.0, left - margin), max(0.0, top - margin)
    right, bottom = min(float(width), right + margin), min(float(height), bottom + margin)
    if right <= left or bottom <= top:
        return flatten, doc_size
    if (right - left) * (bottom - top) > TEXT_CROP_MAX_SHARE * width * height:
        return flatten, doc_size
    shift = np.array([[1, 0, -left], [0, 1, -top], [0, 0, 1]], dtype=float)
    return shift @ flatten, (max(1, round(right - left)), max(1, round(bottom - top)))


def _find_document(source: Reductions) -> DocumentQuad | None:
    """Return the outline of the document in the whole image (see find_document).

    The search copy is area-reduced from a halving with at least twice its resolution, not
    from the smallest sufficient one: each block of the halving then straddles the edge of at
    most half a search pixel, and the outlines found are those a direct reduction finds.
    """
    scale = search_scale(source.full.shape)
    image, level_scale = source.at_least(2.0 * scale)
    rest = scale / level_scale
    if rest < 1.0:
        image = cv2.resize(image, None, fx=rest, fy=rest, interpolation=cv2.INTER_AREA)
    return find_document(image, scale)


def _output_scale(text_height: float, doc_size: tuple[int, int], dpi: float | None) -> float:
    """Return the factor that brings the page to print resolution, within pixel bounds."""
    if text_height > 0:
        scale = TARGET_TEXT_HEIGHT / text_height
        if KEEP_SCALE_BAND[0] <= scale <= KEEP_SCALE_BAND[1]:
            scale = 1.0
    elif dpi:
        scale = 300.0 / dpi if not 200 <= dpi <= 400 else 1.0
    else:
        scale = 1.0
    scale = min(scale, MAX_UPSCALE)
    width, height = doc_size
    scale = min(scale, MAX_PAGE_SIDE / max(width, height))
    scale = min(scale, math.sqrt(MAX_PAGE_PIXELS / max(1, width * height)))
    return max(scale, 1e-3)


def _orientation(
    doc_size: tuple[int, int], turns: int, skew: float, scale: float
) -> tuple[np.ndarray, tuple[int, int]]:
    """Return the transform (quarter turns, then skew, then scale) of a flattened document and
    the size of the canvas that holds all of it."""
    width, height = doc_size
    matrix = _quarter_turn_matrix(width, height, turns)
    if skew:
        # OpenCV's positive angles turn the picture counter-clockwise, as our skew needs.
        rotation = np.vstack([cv2.getRotationMatrix2D((0.0, 0.0), skew, 1.0), [0, 0, 1]])
        matrix = rotation @ matrix
    matrix = _scaling(scale) @ matrix
    # Pixel centres run from 0 to size - 1: map the outermost ones and keep them all.
    right, bottom = width - 1, height - 1
    corners = np.array([[0, 0, 1], [right, 0, 1], [right, bottom, 1], [0, bottom, 1]], float).T
    mapped = matrix @ corners
    xs, ys = mapped[0] / mapped[2], mapped[1] / mapped[2]
    shift = np.array([[1, 0, -xs.min()], [0, 1, -ys.min()], [0, 0, 1]], dtype=float)
    size = (max(1, round(xs.max() - xs.min()) + 1), max(1, round(ys.max() - ys.min()) + 1))
    return shift @ matrix, size


def _quarter_turn_matrix(width: int, height: int, turns: int) -> np.ndarray:
    """Return the matrix turning a width x height image clockwise by `turns` quarter turns."""
    turns %= 4
    right, bottom = width - 1, height - 1
    if turns == 1:
        return np.array([[0, -1, bottom], [1, 0, 0], [0, 0, 1]], dtype=float)
    if turns == 2:
        return np.array([[-1, 0, right], [0, -1, bottom], [0, 0, 1]], dtype=float)
    if turns == 3:
        return np.array([[0, 1, 0], [-1, 0, right], [0, 0, 1]], dtype=float)
    return np.eye(3)


def _scaling(factor: float) -> np.ndarray:
    return np.diag([factor, factor, 1.0])


def _paper(grey: np.ndarray) -> int:
    """Return the typical bright background level, to fill corners uncovered by rotation."""
    step = max(1, int(math.sqrt(grey.size / 40_000)))
    return int(np.percentile(grey[::step, ::step], 90))


def _warp(
    source: Reductions,
    matrix: np.ndarray,
    size: tuple[int, int],
    *,
    fill: int,
    calibrated: bool = False,
) -> np.ndarray:
    """Return the image transformed by a 3 x 3 matrix onto a canvas of `size` (width, height).

    A warp samples, and sampling a photo at a quarter of its resolution would alias thin
    strokes away: strong reductions start from the smallest halving that still has the
    canvas's resolution, and when that is still reduced below 0.7 go through an area-averaging
    resize first. `calibrated` asks for the filter the quality measures were calibrated on, an
    area resize of the full-resolution pixels: blur is read on the analysis copy.
    """
    if calibrated:
        image, level_scale = source.full, 1.0
    else:
        image, level_scale = source.at_least(_reduction(matrix))
        matrix = matrix @ _scaling(1.0 / level_scale)
    reduction = _reduction(matrix)
    if reduction < 0.7:
        image, matrix = _area_reduced(image, matrix, size, reduction * 1.2)
    border = (fill, fill, fill) if image.ndim == 3 else fill
    if np.allclose(matrix, np.eye(3)) and (image.shape[1], image.shape[0]) == size:
        return image
    if np.allclose(matrix[2], [0, 0, 1]):
        return cv2.warpAffine(
            image, matrix[:2], size, flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT, borderValue=border,
        )
    return cv2.warpPerspective(
        image, matrix, size, flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=border,
    )


def _area_reduced(
    image: np.ndarray, matrix: np.ndarray, size: tuple[int, int], factor: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return the part of the image the warp reads, area-reduced by `factor`, and the warp's
    matrix from that reduced part.

    A document covering half the photo needs only that half resized. The pixels are those of
    the whole image resized, but for a fraction of a pixel in where each one's footprint
    starts: like the photo taken a fraction of a pixel further left.
    """
    height, width = image.shape[:2]
    right, bottom = size[0] - 1, size[1] - 1
    canvas = np.array([[0, 0], [right, 0], [right, bottom], [0, bottom]], np.float64)
    read = cv2.perspectiveTransform(canvas.reshape(-1, 1, 2), np.linalg.inv(matrix))
    margin = 2.0 / factor  # the bilinear sampling reaches a pixel beyond the footprint
    low = np.floor(read.reshape(4, 2).min(axis=0) - margin)
    high = np.ceil(read.reshape(4, 2).max(axis=0) + margin) + 1
    left, top = (int(v) for v in np.clip(low, 0, [width - 1, height - 1]))
    stop_x, stop_y = (int(v) for v in np.clip(high, [left + 1, top + 1], [width, height]))
    part = cv2.resize(image[top:stop_y, left:stop_x], None, fx=factor, fy=factor,
                      interpolation=cv2.INTER_AREA)
    shift = np.array([[1, 0, left], [0, 1, top], [0, 0, 1]], dtype=float)
    return part, matrix @ shift @ _scaling(1.0 / factor)


def _reduction(matrix: np.ndarray) -> float:
    """Return the linear scale factor of a (nearly affine) transform."""
    return float(math.sqrt(abs(np.linalg.det(matrix[:2, :2]))))


def main_print_height(page: Page) -> float:
    """Return the height in pixels of the page's main print (capitals), as page preparation
    measured it when it set the page's resolution (Page.dpi says how far it was from 300)."""
    return TARGET_TEXT_HEIGHT * page.dpi / 300.0
