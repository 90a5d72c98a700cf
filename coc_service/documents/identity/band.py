"""Find machine-readable-zone bands on a page without OCR.

Morphology on a reduced copy: a black-hat transform brings out dark print on a light ground
whatever the lighting, its horizontal gradient marks character strokes, a horizontal closing
joins the characters of a line into one long thin blob. MRZ lines are the longest, thinnest
of those blobs and come in groups of two or three parallel lines of equal length, left-aligned
and evenly spaced. Each group is a candidate; the reader verifies it (check digits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

# Working sizes (longest side, px) at which lines are looked for; the kernels below suit
# characters about 8 to 24 px high, so two sizes cover cards that fill the frame and cards
# that fill a quarter of it.
_WORK_SIZES = (1600, 800, 400)
_NOMINAL_CHAR = 14.0
_MIN_CHAR = 7.0  # page px; smaller print cannot be read anyway


@dataclass
class LineBlob:
    center: tuple[float, float]
    length: float
    thickness: float
    angle: float  # degrees, the line's direction against the x axis, in (-45, 45]

    def direction(self) -> np.ndarray:
        a = np.deg2rad(self.angle)
        return np.array([np.cos(a), np.sin(a)])


@dataclass
class BandCandidate:
    """A probable MRZ band: its corners on the page (tl, tr, br, bl) and what we expect."""

    quad: np.ndarray  # (4, 2) float32, page pixels
    lines: int  # number of MRZ lines seen (1 when a lone line may have lost its partners)
    char_height: float  # page pixels
    angle: float
    prior: float  # the higher, the more MRZ-like (verified later)

    @cached_property
    def box(self) -> tuple[int, int, int, int]:
        x0, y0 = np.floor(self.quad.min(axis=0)).astype(int)
        x1, y1 = np.ceil(self.quad.max(axis=0)).astype(int)
        return (int(x0), int(y0), int(x1 - x0), int(y1 - y0))

    def same_band(self, other: BandCandidate) -> bool:
        """Return whether `other` is this band seen again (at another work scale): reading
        it would cut out nearly the same crop."""
        return (
            self.lines == other.lines
            and abs(np.log(self.char_height / max(other.char_height, 1e-6))) < 0.15
            and _overlap(self, other) >= 0.6
        )


def _line_blobs(grey: np.ndarray) -> list[LineBlob]:
    """Return long thin text-line blobs found on a reduced grey image."""
    h0 = _NOMINAL_CHAR
    k = int(h0 * 1.6) | 1
    blackhat = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(
        cv2.MORPH_RECT, (k, k)))
    grad = np.abs(cv2.Sobel(blackhat, cv2.CV_32F, 1, 0, ksize=3))
    top = float(np.percentile(grad[::3, ::3], 99.5)) or 1.0
    grad8 = np.clip(grad * (255.0 / top), 0, 255).astype(np.uint8)
    joined = cv2.morphologyEx(grad8, cv2.MORPH_CLOSE, cv2.getStructuringElement(
        cv2.MORPH_RECT, (int(h0 * 1.5), 3)))
    _, binary = cv2.threshold(joined, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    binary = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(
        cv2.MORPH_RECT, (int(h0), 3)))
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    blobs = []
    for contour in contours:
        if len(contour) < 5:
            continue
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        if w < h:
            w, h, angle = h, w, angle + 90.0
        angle = (angle + 90.0) % 180.0 - 90.0
        if abs(angle) > 45 or h < 3 or w < 12 * h or w < 8 * h0:
            continue
        fill = cv2.contourArea(contour) / max(w * h, 1.0)
        if fill < 0.45:
            continue
        blobs.append(LineBlob((cx, cy), w, h, angle))
    return blobs


def _groups(blobs: list[LineBlob]) -> list[list[LineBlob]]:
    """Return chains of 1 to 3 parallel, equally long, left-aligned, evenly spaced lines."""
    blobs = sorted(blobs, key=lambda b: b.center[1])
    groups: list[list[LineBlob]] = [[b] for b in blobs]
    for i, first in enumerate(blobs):
        chain = [first]
        for other in blobs[i + 1 :]:
            last = chain[-1]
            if _follows(last, other):
                chain.append(other)
                groups.append(list(chain))
                if len(chain) == 3:
                    break
    return groups


def _follows(a: LineBlob, b: LineBlob) -> bool:
    if abs(a.angle - b.angle) > 4 or not 0.8 < b.length / a.length < 1.25:
        return False
    thick = max(a.thickness, b.thickness)
    offset = np.subtract(b.center, a.center)
    along = float(offset @ a.direction())
    across = float(offset @ np.array([-a.direction()[1], a.direction()[0]]))
    return abs(along) < 0.08 * a.length and 1.1 * thick < across < 4.0 * thick


def _quad(group: list[LineBlob], scale: float, shape: tuple[int, int]) -> BandCandidate:
    angle = float(np.mean([b.angle for b in group]))
    d = np.array([np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))])
    n = np.array([-d[1], d[0]])
    pts = []
    for b in group:
        c = np.array(b.center)
        for s in (-0.5, 0.5):
            for t in (-0.5, 0.5):
                pts.append(c + s * b.length * d + t * b.thickness * n)
    arr = np.array(pts)
    along, across = arr @ d, arr @ n
    thick = float(np.median([b.thickness for b in group]))
    # Room around the text: the line blobs are dilated a little, characters are not.
    a0, a1 = along.min() - 1.2 * thick, along.max() + 1.2 * thick
    if len(group) == 1:  # a lone line: its partners may lie above or below
        c0, c1 = across.min() - 2.8 * thick, across.max() + 2.8 * thick
    else:
        c0, c1 = across.min() - 0.9 * thick, across.max() + 0.9 * thick
    corners = np.array([a0 * d + c0 * n, a1 * d + c0 * n, a1 * d + c1 * n, a0 * d + c1 * n])
    corners /= scale
    h, w = shape
    corners[:, 0] = np.clip(corners[:, 0], 0, w - 1)
    corners[:, 1] = np.clip(corners[:, 1], 0, h - 1)
    length = float(np.median([b.length for b in group]))
    centre_y = float(np.mean([b.center[1] for b in group])) / scale / h
    prior = (
        {1: 0.3, 2: 1.0, 3: 1.05}[len(group)]  # a third line makes a TD1, not a stray
        + 0.3 * centre_y  # MRZs sit at the foot of their side
        + 0.2 * min(length / thick / 40.0, 1.0)
    )
    return BandCandidate(
        quad=corners.astype(np.float32),
        lines=len(group),
        char_height=thick / scale,
        angle=angle,
        prior=prior,
    )


def work_scales(shape: tuple[int, ...]) -> list[float]:
    """Return the scales at which a page of this shape is searched when nothing is known of
    its print size, largest first."""
    longest = max(shape[:2])
    return sorted({min(1.0, size / longest) for size in _WORK_SIZES}, reverse=True)


def scale_for_print(char_height: float, shape: tuple[int, ...]) -> float:
    """Return the one work scale that suits characters `char_height` page px high.

    A whole reduction factor brings them near the nominal size (9 to 19 px), which is what
    the kernels suit best, and a whole factor is also the cheapest reduction there is; a
    large page is reduced to at most the largest work size all the same.
    """
    longest = max(shape[:2])
    factor = max(1, round(char_height / _NOMINAL_CHAR), math.ceil(longest / max(_WORK_SIZES)))
    return max(1.0 / factor, min(work_scales(shape)))


def band_candidates_at(grey: np.ndarray, scale: float) -> list[BandCandidate]:
    """Return every band candidate (unsorted) seen on a grey page reduced by `scale`."""
    height, width = grey.shape
    if scale < 1.0:
        small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    else:
        small = grey
    candidates = []
    for group in _groups(_line_blobs(small)):
        cand = _quad(group, scale, (height, width))
        if cand.char_height >= _MIN_CHAR:
            candidates.append(cand)
    return candidates


def find_mrz_bands(
    image: np.ndarray,
    *,
    max_candidates: int = 6,
    scales: list[float] | None = None,
    seen: dict[float, list[BandCandidate]] | None = None,
) -> list[BandCandidate]:
    """Return MRZ band candidates on a grey page, most MRZ-like first.

    `scales` defaults to work_scales(); `seen` keeps each scale's candidates, so that a
    caller searching again at more scales does not repeat the work.
    """
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    seen = {} if seen is None else seen
    candidates: list[BandCandidate] = []
    for scale in scales if scales is not None else work_scales(grey.shape):
        if scale not in seen:
            seen[scale] = band_candidates_at(grey, scale)
        candidates += seen[scale]
    candidates.sort(key=lambda c: -c.prior)
    kept: list[BandCandidate] = []
    for cand in candidates:
        if all(_overlap(cand, k) < 0.6 or cand.lines > k.lines for k in kept):
            kept.append(cand)
    return kept[:max_candidates]


def _overlap(a: BandCandidate, b: BandCandidate) -> float:
    ax, ay, aw, ah = a.box
    bx, by, bw, bh = b.box
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    return ix * iy / max(1, min(aw * ah, bw * bh))


def warp_band(image: np.ndarray, quad: np.ndarray, char_height: float, *,
              target_char: float = 30.0) -> tuple[np.ndarray, np.ndarray]:
    """Return the band cut out upright, scaled so characters are ~`target_char` px high,
    and the 3x3 matrix that maps crop pixels back to page pixels."""
    scale = target_char / max(char_height, 1.0)
    top = np.linalg.norm(quad[1] - quad[0])
    side = np.linalg.norm(quad[3] - quad[0])
    w, h = max(8, round(top * scale)), max(8, round(side * scale))
    dst = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    forward = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    crop = cv2.warpPerspective(image, forward, (w, h), flags=cv2.INTER_AREA
                               if scale < 1 else cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    return crop, np.linalg.inv(forward)
