"""Turn an upright MRZ band crop into normalised line strips and fixed-pitch character cells.

The same functions prepare the glyph classifier's training lines and the lines it reads, so
that both see identical geometry and contrast.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

STRIP_HEIGHT = 32  # px of a normalised line strip
TEXT_HEIGHT = 22  # px the characters occupy in it
CELL_W, CELL_H = 16, 24  # classifier input window, resampled
CELL_SPAN = 1.1  # window width in pitches


def ink_map(grey: np.ndarray, char_height: float = 30.0) -> np.ndarray:
    """Return ink strength in [0, 1] (1 = darkest print) whatever the lighting and contrast.

    Dark areas much wider or taller than a character (the table beyond the document's edge,
    a photo) are not print and are cleared.
    """
    img = grey.astype(np.float32)
    k = max(9, int(min(grey.shape) * 0.5) | 1)
    k = min(k, 41)
    # The paper's brightness: a closing wider than the print removes it; done at a quarter
    # of the size (it varies slowly) and brought back.
    small = cv2.resize(img, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    ks = max(3, k // 4 | 1)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(
        cv2.MORPH_RECT, (ks, ks)))
    background = cv2.blur(background, (ks, ks))
    background = cv2.resize(background, (img.shape[1], img.shape[0]),
                            interpolation=cv2.INTER_LINEAR)
    diff = np.maximum(background - img, 0)
    scale = float(np.percentile(diff[::2, ::2], 99.0))
    if scale < 8.0:  # no print at all
        scale = 8.0
    ink = np.clip(diff / (scale * 0.85), 0.0, 1.0)
    solid = (ink > 0.4).astype(np.uint8)
    long_side = max(3, int(2.5 * char_height))
    wide = cv2.morphologyEx(solid, cv2.MORPH_OPEN, np.ones((1, long_side), np.uint8))
    tall = cv2.morphologyEx(solid, cv2.MORPH_OPEN, np.ones((long_side, 1), np.uint8))
    blobs = cv2.dilate(np.bitwise_or(wide, tall), np.ones((5, 5), np.uint8))
    if blobs.any():
        ink[blobs > 0] = 0.0
    return ink


@dataclass
class LineRun:
    top: int
    bottom: int
    left: int
    right: int

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def width(self) -> int:
        return self.right - self.left


def find_line_runs(ink: np.ndarray, char_height: float) -> list[LineRun]:
    """Return the text lines of a band crop, top to bottom, from its row profile.

    Lines are the peaks of the profile at least a line apart; each extends to where the
    profile falls below a third of its peak, or to the valley shared with its neighbour, so
    that lines touching after blur are still told apart.
    """
    rows = cv2.GaussianBlur(ink.mean(axis=1).astype(np.float32).reshape(-1, 1), (1, 5), 0)
    rows = rows.ravel()
    peak = float(rows.max()) if rows.size else 0.0
    if peak <= 0.01:
        return []
    distance = max(3, int(char_height * 1.15))
    peaks: list[int] = []
    taken = np.zeros(rows.size, dtype=bool)  # rows closer than `distance` to a peak found
    for y in np.argsort(-rows):
        if rows[y] < 0.35 * peak:
            break
        if not taken[y]:
            peaks.append(int(y))
            taken[max(0, y - distance + 1) : y + distance] = True
    peaks.sort()
    out: list[LineRun] = []
    for k, p in enumerate(peaks):
        lo = peaks[k - 1] if k > 0 else 0
        hi = peaks[k + 1] if k + 1 < len(peaks) else len(rows) - 1
        floor = rows[p] / 3
        top = p
        while top > lo and rows[top - 1] > floor and rows[top - 1] >= rows[lo:p + 1].min():
            top -= 1
        bottom = p
        while bottom < hi and rows[bottom + 1] > floor:
            bottom += 1
        if k > 0:
            top = max(top, lo + int(np.argmin(rows[lo:p + 1])))
        if k + 1 < len(peaks):
            bottom = min(bottom, p + int(np.argmin(rows[p:hi + 1])))
        if bottom - top < 0.4 * char_height:
            continue
        extent = print_extent(ink[top : bottom + 1].mean(axis=0), char_height)
        if extent is None:
            continue
        out.append(LineRun(top, bottom + 1, extent[0], extent[1]))
    return out


def print_extent(columns: np.ndarray, char_height: float) -> tuple[int, int] | None:
    """Return the column range of the longest stretch of print in a line's column profile.

    Columns count as print between the paper's level (noise, a table's texture) and the
    print's; gaps narrower than about a character and a half are bridged, so stray marks
    beyond the text do not stretch the line.
    """
    profile = cv2.blur(columns.astype(np.float32).reshape(1, -1), (3, 1)).ravel()
    if profile.size == 0:
        return None
    low, high = np.percentile(profile, (5, 90))
    cols = np.nonzero(profile > max(0.04, low + 0.25 * (high - low)))[0]
    if cols.size == 0:
        return None
    gap_max = int(char_height * 1.6)
    breaks = np.nonzero(np.diff(cols) > gap_max)[0]
    starts = np.concatenate([cols[:1], cols[breaks + 1]])
    ends = np.concatenate([cols[breaks], cols[-1:]])
    longest = int(np.argmax(ends - starts))  # the first of equally long stretches
    start, last = int(starts[longest]), int(ends[longest])
    if last - start < char_height * 4:
        return None
    return start, last + 1


@dataclass
class LineStrip:
    """A line of print resampled to STRIP_HEIGHT rows, with the map back to the crop."""

    ink: np.ndarray  # (STRIP_HEIGHT, width) float32
    scale: float  # strip px per crop px
    x0: float  # crop x of strip column 0
    y0: float  # crop y of the strip's top at x0
    slope: float  # crop dy/dx of the line

    def to_crop(self, x: float, y: float) -> tuple[float, float]:
        cx = self.x0 + x / self.scale
        return cx, self.y0 + y / self.scale + self.slope * (cx - self.x0)


def normalise_line(ink: np.ndarray, run: LineRun) -> LineStrip:
    """Return the line straightened (its own slope) and scaled to TEXT_HEIGHT px characters."""
    height, width = ink.shape
    pad = int(run.height * 0.6)
    top, bottom = max(0, run.top - pad), min(height, run.bottom + pad)
    band = ink[top:bottom]
    # Slope from the ink centroid of column groups: robust to fillers and gaps.
    step = max(4, run.height // 2)
    starts = np.arange(run.left, run.right - step, step)
    rows = np.arange(band.shape[0], dtype=np.float64)
    # Ink mass and its row moment per group of `step` columns, for all groups at once.
    masses = np.zeros(0)
    moments = np.zeros(0)
    if starts.size:
        cols = band[:, starts[0] : starts[-1] + step].astype(np.float64)
        masses = cols.sum(axis=0).reshape(-1, step).sum(axis=1)
        moments = (rows @ cols).reshape(-1, step).sum(axis=1)
    inked = masses > run.height * step * 0.08
    xs = starts[inked] + step / 2
    ys = moments[inked] / np.maximum(masses[inked], 1e-9)
    ws = masses[inked]
    slope = 0.0
    centre = (run.top + run.bottom) / 2 - top
    if len(xs) >= 4:
        slope, intercept = np.polyfit(xs, ys, 1, w=np.sqrt(ws))
        slope = float(np.clip(slope, -0.08, 0.08))
        centre = float(intercept + slope * (run.left + run.right) / 2)
    # Text height from the straightened row profile at half its peak.
    mid_x = (run.left + run.right) / 2
    shear = np.array([[1, 0, 0], [-slope, 1, slope * mid_x]], dtype=np.float32)
    straight = cv2.warpAffine(band, shear, (width, band.shape[0]), flags=cv2.INTER_LINEAR)
    profile = straight[:, run.left : run.right].mean(axis=1)
    # Where the line's ink lies, from its own rows (neighbours excluded): ink is spread
    # evenly over the character height, so 5 % to 95 % of it spans 90 % of that height,
    # whatever dips the row profile has (digits have little ink between their strokes).
    lo = max(0, int(centre - 0.8 * run.height))
    own = profile[lo : int(centre + 0.8 * run.height) + 1]
    own = np.maximum(own - np.percentile(own, 10), 0) if own.size else own
    if own.size and own.sum() > 0:
        cum = np.cumsum(own) / own.sum()
        first, last = int(np.searchsorted(cum, 0.05)), int(np.searchsorted(cum, 0.95))
        text_h = (last - first + 1) / 0.9
        text_mid = lo + (first + last) / 2
    else:
        text_h, text_mid = float(run.height), centre
    text_h = float(np.clip(text_h, 0.6 * run.height, 1.4 * run.height))
    scale = TEXT_HEIGHT / text_h
    margin = run.height * 0.5
    x0 = max(0.0, run.left - margin)
    x1 = min(float(width), run.right + margin)
    y_top = text_mid - (STRIP_HEIGHT / 2) / scale
    out_w = max(8, round((x1 - x0) * scale))
    warp = np.array([[1 / scale, 0, x0], [0, 1 / scale, y_top]], dtype=np.float32)
    if scale < 0.7:  # soften before shrinking, warpAffine does not average
        straight = cv2.GaussianBlur(straight, (0, 0), 0.4 / scale)
    strip = cv2.warpAffine(straight, warp, (out_w, STRIP_HEIGHT),
                           flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    # Map strip y back through the shear: crop y = top + straight y + slope * (x - mid_x).
    y0_crop = top + y_top + slope * (x0 - mid_x)
    return LineStrip(ink=strip, scale=scale, x0=x0, y0=y0_crop, slope=slope)


def cell_features(strip: np.ndarray, centres: np.ndarray, pitch: float) -> np.ndarray:
    """Return one classifier input row per cell centre (strip x), CELL_H x CELL_W values."""
    half = CELL_SPAN * pitch / 2
    sx = 2 * half / CELL_W  # strip px per cell column
    sy = STRIP_HEIGHT / CELL_H
    # Average like an area resize would: blur to the sampling step, then sample bilinearly.
    src = cv2.GaussianBlur(strip, (0, 0), sigmaX=max(0.3, 0.45 * sx), sigmaY=0.45 * sy)
    cols = (np.arange(CELL_W, dtype=np.float32) + 0.5) * sx - half - 0.5
    rows = (np.arange(CELL_H, dtype=np.float32) + 0.5) * sy - 0.5
    n = len(centres)
    map_x = (np.asarray(centres, dtype=np.float32)[:, None, None] + cols[None, None, :])
    map_x = np.broadcast_to(map_x, (n, CELL_H, CELL_W)).reshape(n * CELL_H, CELL_W)
    map_y = np.broadcast_to(rows[None, :, None], (n, CELL_H, CELL_W)).reshape(n * CELL_H, CELL_W)
    cells = cv2.remap(src, np.ascontiguousarray(map_x), np.ascontiguousarray(map_y),
                      cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return cells.reshape(n, CELL_H * CELL_W)
