"""Turn segmented cells into the classifier's input: a fixed box per character, then features.

Each cell's print is cut to its own extent, scaled so that the line's character height fills
most of the box (a narrow 1 stays narrow, a wide W is shrunk to fit), centred on its centre of
mass across, and placed at its height in the line down the box: a J that dips below the
baseline keeps its dip, a misplaced speck stays misplaced.
Features are the box's pixels at half resolution and histograms of oriented gradients (HOG:
8 x 8 px cells, 9 orientation bins, overlapping 2 x 2 blocks normalised as Dalal and Triggs do;
OpenCV 5 no longer ships its HOGDescriptor), which tolerate the stroke weight and blur that
pixels alone do not.
"""

from __future__ import annotations

import cv2
import numpy as np

from coc_service.documents.glyphs.segment import LineCells, LinePrint

BOX = 32  # px side of a normalised character
_INNER = 24  # px the line's character height takes in the box
_TOP = 3  # px row of the line's top in the box; below the baseline 5 px remain
_HOG_CELL, _HOG_BINS = 8, 9
_HOG_GRID = BOX // _HOG_CELL
FEATURES = (BOX // 2) ** 2 + (_HOG_GRID - 1) ** 2 * 4 * _HOG_BINS


def cell_boxes(line: LineCells) -> np.ndarray | None:
    """Return one normalised (BOX, BOX) float32 image per cell, ink = 1; None when a cell
    holds no print."""
    y0, y1 = _rows(line.ink.shape[0], line.top, line.height)
    out = np.zeros((len(line.cuts) - 1, BOX, BOX), np.float32)
    for k in range(len(line.cuts) - 1):
        box = _box(line.ink[y0:y1], line.owner[y0:y1] == k, line.height, y0 - line.top,
                   line.threshold)
        if box is None:
            return None
        out[k] = box
    return out


def judged_boxes(line: LinePrint, bounds: np.ndarray) -> np.ndarray:
    """Return the normalised box of each candidate cell (left, right) of `bounds`, as
    cell_boxes would make it whatever the other cuts; blank where the cell holds no print."""
    y0, y1 = _rows(line.ink.shape[0], line.top, line.height)
    width = line.ink.shape[1]
    out = np.zeros((len(bounds), BOX, BOX), np.float32)
    for k, (left, right) in enumerate(bounds):
        # A whole blob whose middle the cell holds reaches at most a cell's width beyond it.
        x0 = max(0, int(2 * left - right))
        x1 = min(width, int(np.ceil(2 * right - left)) + 1)
        mine = line.cell_mask(float(left), float(right), x0, x1)[y0:y1]
        box = _box(line.ink[y0:y1, x0:x1], mine, line.height, y0 - line.top, line.threshold)
        if box is not None:
            out[k] = box
    return out


def _rows(rows: int, top: int, height: int) -> tuple[int, int]:
    """Return the rows cells are taken from: the line's and a quarter of its height around."""
    return max(0, int(top - 0.25 * height)), min(rows, int(top + 1.25 * height))


def _box(ink: np.ndarray, mine: np.ndarray, height: int, offset: int, threshold: float
         ) -> np.ndarray | None:
    """Return the normalised box of the print `mine` marks in `ink` (rows from `offset` px
    below the line's top), or None when it holds no print."""
    # Only the cell's own components, with their soft edges; a kerned or hooked neighbour
    # reaching into its columns is left out.
    mine = cv2.dilate(mine.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    cols = np.flatnonzero(mine.any(axis=0))
    if cols.size == 0:
        return None
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    cell = np.where(mine[:, x0:x1], ink[:, x0:x1], 0.0).astype(np.float32)
    rows = np.flatnonzero((cell > threshold).any(axis=1))
    cols = np.flatnonzero((cell > threshold).any(axis=0))
    if rows.size == 0 or cols.size == 0:
        return None
    glyph = cell[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    return place_in_box(glyph, height, offset + int(rows[0]))


def place_in_box(glyph: np.ndarray, height: float, top: float) -> np.ndarray:
    """Return `glyph` (ink in [0, 1]) scaled by the line's character `height` into the box,
    its centre of mass at the box's middle column and its `top` (px below the line's top)
    kept."""
    h, w = glyph.shape
    scale = min(_INNER / max(float(height), 1.0), (BOX - 2) / w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(glyph, size, interpolation=cv2.INTER_AREA if scale < 1
                       else cv2.INTER_LINEAR)
    mass = float(small.sum())
    if mass <= 0:
        return np.zeros((BOX, BOX), np.float32)
    cx = float((small.sum(axis=0) * np.arange(small.shape[1])).sum()) / mass
    shift = np.array([[1, 0, BOX / 2 - cx - 0.5], [0, 1, _TOP + top * scale]], np.float32)
    return np.asarray(cv2.warpAffine(small, shift, (BOX, BOX), flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=0))


def box_features(boxes: np.ndarray) -> np.ndarray:
    """Return (n, FEATURES) float32 rows: half-resolution pixels and HOG of each box."""
    n = len(boxes)
    pixels = boxes.reshape(n, BOX // 2, 2, BOX // 2, 2).mean(axis=(2, 4)).reshape(n, -1)
    return np.hstack([pixels, gradient_histograms(boxes)]).astype(np.float32)


def gradient_histograms(boxes: np.ndarray) -> np.ndarray:
    """Return the HOG descriptor of each (BOX, BOX) box, (n, blocks * 4 * bins)."""
    n = len(boxes)
    gx = np.zeros_like(boxes)
    gy = np.zeros_like(boxes)
    gx[:, :, 1:-1] = boxes[:, :, 2:] - boxes[:, :, :-2]
    gy[:, 1:-1, :] = boxes[:, 2:, :] - boxes[:, :-2, :]
    magnitude, angle = cv2.cartToPolar(gx.reshape(-1, BOX), gy.reshape(-1, BOX))
    magnitude = magnitude.reshape(boxes.shape)
    position = (angle.reshape(boxes.shape) % np.pi) / (np.pi / _HOG_BINS) - 0.5
    low = np.floor(position).astype(np.int64)
    frac = (position - low).astype(np.float32)
    # Each pixel votes into its two nearest bins of its cell: one histogram per box and cell,
    # counted in a single pass over all pixels.
    ys, xs = np.indices((BOX, BOX))
    cell = ((ys // _HOG_CELL) * _HOG_GRID + xs // _HOG_CELL) * _HOG_BINS
    base = np.arange(n)[:, None, None] * (_HOG_GRID * _HOG_GRID * _HOG_BINS) + cell[None]
    size = n * _HOG_GRID * _HOG_GRID * _HOG_BINS
    votes = (np.bincount((base + low % _HOG_BINS).ravel(), (magnitude * (1 - frac)).ravel(),
                         size)
             + np.bincount((base + (low + 1) % _HOG_BINS).ravel(), (magnitude * frac).ravel(),
                           size))
    cells = votes.reshape(n, _HOG_GRID, _HOG_GRID, _HOG_BINS).astype(np.float32)
    blocks = []
    for by in range(_HOG_GRID - 1):
        for bx in range(_HOG_GRID - 1):
            block = cells[:, by : by + 2, bx : bx + 2].reshape(n, -1)
            block = block / np.sqrt((block**2).sum(axis=1, keepdims=True) + 1e-6)
            block = np.minimum(block, 0.2)  # L2-Hys: no single edge dominates
            blocks.append(block / np.sqrt((block**2).sum(axis=1, keepdims=True) + 1e-6))
    return np.hstack(blocks)
