"""Text geometry measured without OCR: character size, line direction, skew and which way is up.

Dark character-sized blobs are found by adaptive thresholding; their centres line up along text
lines. Projecting the centres across candidate directions gives the sharpest profile along the
true line direction (a centroid form of the projection-profile method), which tells horizontal
from vertical text and the skew to a tenth of a degree in a few milliseconds. Which of the two
remaining directions is up is told by two properties of printed Latin text: capitals and
ascenders rise above the x-height far more often than descenders drop below the baseline, and
lines of forms and paragraphs start at aligned left edges while their right ends are ragged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

MIN_COMPONENTS = 12
UNSURE_UPRIGHT = 0.15  # upright scores weaker than this are a guess


@dataclass(frozen=True)
class Blobs:
    """Character-sized dark blobs: centres x, y, widths, heights (working-image pixels)."""

    x: np.ndarray
    y: np.ndarray
    w: np.ndarray
    h: np.ndarray
    cut: int = 0  # character-sized blobs cut by the image border (a document cut off?)

    def __len__(self) -> int:
        return int(self.x.size)


@dataclass(frozen=True)
class TextLayout:
    """What the text blobs say about a page, in the analysed image's pixels."""

    blobs: int  # number of character-like blobs
    cut_blobs: int  # character-like blobs cut by the image border
    char_height: float  # median blob height across the line direction, in pixels
    text_height_p80: float  # 80th percentile of that height: capitals of the main print
    quarter_turns: int  # clockwise quarter turns that make the text upright (0..3)
    skew: float  # line angle (degrees, clockwise) left after the quarter turns: rotate the
    # turned image counter-clockwise by this much to level its lines
    upright_confidence: float  # 0..1: how clearly one of the two upright candidates won
    line_sharpness: float  # profile sharpness along the lines (higher: clearer text lines)
    # Where the print lies: left, top, right, bottom of the blobs (all but the outermost half
    # percent on each side, so that a stray speck does not count), in the image's pixels.
    text_box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


def find_blobs(grey: np.ndarray) -> Blobs:
    """Return the character-like dark blobs of a grey image."""
    short = min(grey.shape[:2])
    block = max(15, (short // 40) | 1)
    # Sensor noise and JPEG speckle must not pass for ink: the threshold's offset grows with
    # the measured noise level.
    noise = noise_sigma(grey)
    # Ink is 1, not 255: the mask can then be read as booleans, which numpy scans for the ink
    # pixels several times faster than bytes.
    binary = cv2.adaptiveThreshold(
        grey, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, max(10.0, 3 * noise)
    )
    count, labels, stats, centroids = connected_components(binary)
    if count <= 1:
        empty = np.zeros(0, dtype=np.float32)
        return Blobs(empty, empty, empty, empty)
    left, top = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_TOP]
    width, height = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    area = stats[1:, cv2.CC_STAT_AREA]
    centroids = centroids[1:]
    longest = np.maximum(width, height)
    fill = area / np.maximum(width * height, 1)
    rows, cols = grey.shape[:2]
    shaped = (
        (longest >= 4)
        & (longest <= max(8, short * 0.08))
        & (np.minimum(width, height) >= 2)
        & (fill > 0.12)
        & (fill < 0.95)
    )
    shaped &= _contrasty(grey, labels, np.flatnonzero(binary.view(bool)), count, centroids, area,
                         block, noise)
    inside = (left > 0) & (top > 0) & (left + width < cols) & (top + height < rows)
    keep = shaped & inside
    return Blobs(
        x=centroids[keep, 0].astype(np.float32),
        y=centroids[keep, 1].astype(np.float32),
        w=width[keep].astype(np.float32),
        h=height[keep].astype(np.float32),
        cut=int(np.count_nonzero(shaped & ~inside)),
    )


def connected_components(
    binary: np.ndarray,
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Return cv2.connectedComponentsWithStats(binary, connectivity=8).

    16-bit labels make it two to three times faster; OpenCV refuses them (and 32-bit labels
    are used) when an image holds more than 65535 blobs.
    """
    try:
        return cv2.connectedComponentsWithStats(binary, connectivity=8, ltype=cv2.CV_16U)
    except cv2.error:
        return cv2.connectedComponentsWithStats(binary, connectivity=8, ltype=cv2.CV_32S)


def _contrasty(
    grey: np.ndarray,
    labels: np.ndarray,
    ink_pixels: np.ndarray,
    count: int,
    centroids: np.ndarray,
    area: np.ndarray,
    block: int,
    noise: float,
) -> np.ndarray:
    """Return which blobs are ink: much darker than their surroundings, like the best text.

    Guilloches, paper texture and faint steps in the background are a little darker than
    their neighbourhood; printed characters are far darker. The bar is set relative to the
    page's own strongest blobs so that faint photos keep their (faint) text.
    """
    # Summed over the blobs' own pixels (`ink_pixels`, flat indices) only: the same sums as
    # over the whole image, whose background would only add to the label 0 left out here.
    ink = np.bincount(labels.ravel()[ink_pixels], weights=grey.ravel()[ink_pixels],
                      minlength=count)[1:]
    ink = ink / np.maximum(area, 1)
    surroundings = cv2.blur(grey, (block, block))
    cx = np.clip(centroids[:, 0].astype(np.int64), 0, grey.shape[1] - 1)
    cy = np.clip(centroids[:, 1].astype(np.int64), 0, grey.shape[0] - 1)
    contrast = surroundings[cy, cx].astype(np.float64) - ink
    # A fine guilloche can make nineteen blobs in twenty: the strongest few then still tell
    # what ink looks like on this page.
    reference = (max(float(np.percentile(contrast, 95)), 0.6 * float(np.percentile(contrast, 99.5)))
                 if contrast.size else 0.0)
    return contrast >= max(15.0, 0.35 * reference, 4.0 * noise)


def noise_sigma(grey: np.ndarray) -> float:
    """Return the standard deviation of the image noise (Immerkaer's fast estimator)."""
    if min(grey.shape[:2]) < 3:
        return 0.0
    height, width = grey.shape[:2]
    if height * width > 360_000:
        # A central window holds plenty of samples; filtering the whole page costs more.
        top, left = max(0, height // 2 - 300), max(0, width // 2 - 300)
        grey = grey[top : top + 600, left : left + 600]
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
    response = cv2.filter2D(grey.astype(np.float32), -1, kernel)
    inner = np.abs(response[1:-1, 1:-1])
    # The median, unlike the mean, is not inflated by the edges of the print.
    return float(np.median(subsample(inner, 40_000))) * math.sqrt(math.pi / 2) / 6.0 * 1.4826


def subsample(values: np.ndarray, size: int = 150_000) -> np.ndarray:
    """Return about `size` evenly spread values: percentiles of a sample cost far less."""
    flat = values.ravel()
    step = max(1, flat.size // size)
    return flat[::step]

def analyse_text(grey: np.ndarray) -> TextLayout | None:
    """Return the text layout of a grey image, or None when it shows too little text."""
    blobs = find_blobs(grey)
    if len(blobs) < MIN_COMPONENTS:
        return None
    vertical = _lines_run_vertically(blobs)
    across = blobs.w if vertical else blobs.h
    char_height = float(np.median(across))
    angle, sharpness = _line_direction(blobs, char_height, vertical)
    # Coordinates in a frame where lines run left to right: rotate by -angle.
    theta = math.radians(angle)
    u = blobs.x * math.cos(theta) + blobs.y * math.sin(theta)
    v = -blobs.x * math.sin(theta) + blobs.y * math.cos(theta)
    up_score, strength = _upright_score(u, v, across, blobs.w if not vertical else blobs.h,
                                        char_height)
    # `angle` is the direction of the lines measured clockwise from the x axis (image y runs
    # down). Lines at +90 degrees (running downwards) are read after a quarter turn
    # counter-clockwise, i.e. three clockwise quarter turns.
    base_turns = 0 if not vertical else (3 if angle > 0 else 1)
    turns = base_turns if up_score >= 0 else (base_turns + 2) % 4
    if not vertical and strength < UNSURE_UPRIGHT:
        # Most uploads are upright once EXIF is applied: when the cues barely disagree,
        # leave the page as it came (the pipeline retries upside down if nothing is read).
        turns = 0
    # A clockwise quarter turn adds 90 degrees to a direction measured clockwise.
    skew = (angle + 90.0 * turns + 90.0) % 180.0 - 90.0
    return TextLayout(
        blobs=len(blobs),
        cut_blobs=blobs.cut,
        char_height=char_height,
        text_height_p80=float(np.percentile(across, 80)),
        quarter_turns=turns,
        skew=skew,
        upright_confidence=strength,
        line_sharpness=sharpness,
        text_box=(
            float(np.percentile(blobs.x - blobs.w / 2, 0.5)),
            float(np.percentile(blobs.y - blobs.h / 2, 0.5)),
            float(np.percentile(blobs.x + blobs.w / 2, 99.5)),
            float(np.percentile(blobs.y + blobs.h / 2, 99.5)),
        ),
    )


def _lines_run_vertically(blobs: Blobs) -> bool:
    """Return True when most blobs' nearest neighbours sit above or below them.

    Within a line, a character's nearest neighbour is the next character of its word; the next
    line is further away. This ignores columns of aligned labels, which fool projections.
    """
    rng = np.random.default_rng(0)
    count = len(blobs)
    sample = rng.choice(count, size=min(count, 800), replace=False)
    dx_all, dy_all = [], []
    for chunk in np.array_split(sample, max(1, sample.size // 200)):
        dx = blobs.x[None, :] - blobs.x[chunk, None]
        dy = blobs.y[None, :] - blobs.y[chunk, None]
        distance = dx * dx + dy * dy
        distance[np.arange(chunk.size), chunk] = np.inf
        nearest = np.argmin(distance, axis=1)
        rows = np.arange(chunk.size)
        dx_all.append(dx[rows, nearest])
        dy_all.append(dy[rows, nearest])
    dx_near, dy_near = np.abs(np.concatenate(dx_all)), np.abs(np.concatenate(dy_all))
    along_x = int(np.sum(dx_near > 1.7 * dy_near))  # within about 30 degrees of horizontal
    along_y = int(np.sum(dy_near > 1.7 * dx_near))
    return along_y > along_x


def _line_direction(blobs: Blobs, char_height: float, vertical: bool) -> tuple[float, float]:
    """Return (line direction in degrees clockwise from the x axis, sharpness)."""
    centre = 90.0 if vertical else 0.0
    coarse = np.arange(centre - 16.0, centre + 16.5, 1.0)
    scores = np.array([_sharpness(blobs.x, blobs.y, a, char_height * 0.4) for a in coarse])
    best = float(coarse[int(np.argmax(scores))])
    # Refine on the blobs' lower (or, upside down, upper) edges: baselines line up more
    # tightly than the centres of letters of different heights.
    if vertical:
        edge_x, edge_y = blobs.x + blobs.w / 2, blobs.y
    else:
        edge_x, edge_y = blobs.x, blobs.y + blobs.h / 2
    fine = np.arange(best - 1.0, best + 1.01, 0.1)
    fine_scores = np.array([_sharpness(edge_x, edge_y, a, char_height * 0.25) for a in fine])
    angle = float(fine[int(np.argmax(fine_scores))])
    if angle > 90:
        angle -= 180
    return angle, float(fine_scores.max())


def _sharpness(x: np.ndarray, y: np.ndarray, angle: float, bin_size: float) -> float:
    """Return how peaked the profile of points across lines running at `angle` is."""
    theta = math.radians(angle)
    across = -x * math.sin(theta) + y * math.cos(theta)
    bins = np.floor((across - across.min()) / max(1.0, bin_size)).astype(np.int64)
    counts = np.bincount(bins).astype(np.float64)
    return float((counts * counts).sum() / max(1, x.size))


def _upright_score(
    u: np.ndarray, v: np.ndarray, extent: np.ndarray, length: np.ndarray, char_height: float
) -> tuple[float, float]:
    """Return (score > 0 when the text reads upright in the u/v frame, strength 0..1).

    `extent` is each blob's size across the lines, `length` its size along them.
    """
    order = np.argsort(v)
    u, v, extent, length = u[order], v[order], extent[order], length[order]
    tops, bottoms = v - extent / 2, v + extent / 2
    # Narrow blobs are letters; wide ones (framed codes, underlines, merged words) would bias
    # the ascender count.
    letter = (length <= 1.1 * extent) & (length >= 0.15 * extent)
    # Group blobs into lines: a gap across the lines wider than half a character starts a line.
    breaks = np.where(np.diff(v) > 0.5 * char_height)[0] + 1
    rising = falling = 0.0
    starts: list[float] = []
    ends: list[float] = []
    for line in np.split(np.arange(v.size), breaks):
        if line.size < 3:
            continue
        sizes = extent[line]
        big = line[(sizes >= 0.6 * np.median(sizes)) & letter[line]]
        if big.size >= 5:
            top_ref, bottom_ref = np.median(tops[big]), np.median(bottoms[big])
            line_h = max(1.0, float(bottom_ref - top_ref))
            rising += float(np.sum(tops[big] < top_ref - 0.2 * line_h))
            falling += float(np.sum(bottoms[big] > bottom_ref + 0.2 * line_h))
        if line.size >= 4:
            starts.append(float(u[line].min()))
            ends.append(float(u[line].max()))
    ascender = (rising - falling) / (rising + falling + 8.0)
    start_focus, end_focus = _concentration(starts, char_height), _concentration(ends, char_height)
    alignment = (start_focus - end_focus) / (start_focus + end_focus + 1e-6)
    weight = min(1.0, len(starts) / 6.0)  # a handful of lines says little about alignment
    score = 0.5 * ascender + weight * alignment
    return score, float(min(1.0, abs(score)))


def _concentration(edges: list[float], char_height: float) -> float:
    """Return how concentrated line edges are (1: all at one position, ~0: all different)."""
    if len(edges) < 3:
        return 0.0
    values = np.asarray(edges)
    bins = np.floor((values - values.min()) / max(1.0, char_height)).astype(np.int64)
    counts = np.bincount(bins).astype(np.float64)
    # Neighbouring bins count together, so an edge on a bin boundary is not split in two.
    merged = counts + np.concatenate([counts[1:], [0.0]])
    return float(np.sum(merged * merged) / (2.0 * values.size * values.size))
