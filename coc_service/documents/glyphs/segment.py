"""Cut a crop of one printed line (a VIN) into exactly its characters' cells.

Print is thresholded against the local paper (glyphs.ink), the line's band is found from the
row profile, and the connected components that belong to it become blobs, usually one
character each (pieces stacked one above the other are joined). Knowing how many characters
the line holds and that printed capitals and digits share one height, a dynamic programme picks
the cuts: gaps between blobs are free, a cut through ink (touching characters) costs, a gap
left uncut (a character broken in two) costs, and cells far narrower or wider than the mean
pitch cost. Monospaced print whose runs of touching characters have no clear place to cut
falls back to equal-pitch cells, provided every real gap lies on the grid. When no cut fits,
nothing is returned rather than cells that would be read as garbage.

Where print runs together (blur, tight spacing, a J's hook under its neighbour) the ink alone
cannot tell a W from two Vs, nor where 0 and 8 meet; given a judge (the glyph classifier), the
programme is run again over the same candidate cuts with each cell's price raised by how badly
it reads as any character, so that the cuts chosen are those whose cells both look like
characters and read as one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from coc_service.documents.glyphs.ink import INK_THRESHOLD, ink_strength, runs, text_band

_STRICTER = (0.55, 0.7)  # ink levels tried when print at INK_THRESHOLD runs together
_CLEAN_COST = 0.12  # a cut this cheap per cell needs no other ink level
_MAX_MEAN_COST = 0.9  # a segmentation dearer than this per cell is not trusted
_INK_CUT = 0.45  # fixed price of cutting through ink (on top of the ink cut)
_UNCUT_GAP = 4.0  # price per line height of a gap left inside a cell
_UNCUT_FIXED = 0.3  # and of leaving it uncut at all
_WIDTH = 12.0  # weight of a cell's width outside the plausible range
_WIDE, _NARROW = np.log(1.75), np.log(0.35)  # plausible width between gaps, in mean pitches
_WIDE_CUT, _NARROW_CUT = np.log(1.4), np.log(0.7)  # and when a side is cut through ink
_UNEVEN = 0.3  # weight of any departure from the mean pitch
_EQUAL_PITCH_COST = 0.5  # equal cells are a guess: trusted less than cuts found in the print
_READ_WEIGHT = 1.0  # a judge's cost (minus a log-probability) against the cuts' price per cell
_JUDGED_CELL_COST = 1.0  # cells dearer than this by their shape alone are not judged
_JUDGE_FROM = 0.02  # cuts this cheap per cell (gaps all round) need no judging


# Judges candidate cells (recognition-driven segmentation): given the line's print and (k, 2)
# cell bounds, how badly each reads as any character (minus its best log-probability).
CellJudge = Callable[["LinePrint", np.ndarray], np.ndarray]


@dataclass
class LinePrint:
    """A line's print at one ink level, as blobs: what cells are cut from."""

    ink: np.ndarray  # float32 ink strength in [0, 1]
    blob_of: np.ndarray  # int32, the blob of each print pixel, -1 where none
    blobs: np.ndarray  # (n, 4) x0, x1, y0, y1 of the blobs, left to right
    top: int  # first row of the characters
    bottom: int  # one past their last row
    threshold: float  # the ink level print was taken at

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def owners(self, cuts: np.ndarray) -> np.ndarray:
        """Return each pixel's cell: a blob's whole ink goes to the cell holding its middle,
        unless a cut runs through the blob (touching characters), which then divides it."""
        blobs = self.blobs[:, :2]
        inner = cuts[1:-1]
        split = np.asarray(((inner[None, :] > blobs[:, :1] + 1)
                            & (inner[None, :] < blobs[:, 1:] - 1)).any(axis=1))
        whole = np.searchsorted(cuts, blobs.mean(axis=1)) - 1
        by_column = np.searchsorted(cuts, np.arange(self.blob_of.shape[1]) + 0.5) - 1
        safe = np.maximum(self.blob_of, 0)
        owner = np.where(split[safe], by_column[None, :], whole[safe])
        owner[(self.blob_of < 0) | (owner < 0) | (owner >= len(cuts) - 1)] = -1
        return owner.astype(np.int16)

    def cell_mask(self, left: float, right: float, x0: int, x1: int) -> np.ndarray:
        """Return, over columns x0:x1, the print of the one cell from `left` to `right` as
        `owners` gives it whatever the other cuts: the blobs whose middle it holds and that
        neither of its sides runs through, and its columns of the blobs a side divides."""
        x0_, x1_ = self.blobs[:, 0], self.blobs[:, 1]
        crossed = ((left > x0_ + 1) & (left < x1_ - 1)) | ((right > x0_ + 1) & (right < x1_ - 1))
        middle = (x0_ + x1_) / 2
        whole = ~crossed & (middle > left) & (middle <= right)  # as searchsorted places it
        # Per blob (and -1, no blob): 1 = wholly this cell's, 2 = this cell's within its sides.
        kind = np.r_[0, np.where(crossed, 2, whole.astype(np.int8))].astype(np.int8)
        status = kind[self.blob_of[:, x0:x1] + 1]
        cols = np.arange(x0, x1) + 0.5
        return np.asarray((status == 1) | ((status == 2) & ((cols > left) & (cols <= right))))


@dataclass
class LineCells:
    """A line of print cut into cells; coordinates are the crop's pixels."""

    ink: np.ndarray  # float32 ink strength in [0, 1]
    owner: np.ndarray  # int16, the cell each print pixel belongs to, -1 where none
    top: int  # first row of the characters
    bottom: int  # one past their last row
    cuts: np.ndarray  # (n + 1,) float x boundaries of the n cells
    cost: float  # mean price per cell of the chosen cuts (0 = clean gaps everywhere)
    threshold: float  # the ink level the cells were cut at

    @property
    def height(self) -> int:
        return self.bottom - self.top


def segment_line(grey: np.ndarray, count: int = 17, judge: CellJudge | None = None
                 ) -> LineCells | None:
    """Return the crop's line cut into `count` cells, or None when it cannot be done well.

    With a `judge`, a line that cannot be cut at clean gaps alone is cut where the cells read
    best as well as where the ink is thinnest (recognition-driven segmentation).
    """
    if grey.ndim != 2 or min(grey.shape) < 10:
        return None
    ink = ink_strength(grey)
    band = text_band((ink > INK_THRESHOLD).astype(np.uint8))
    if band is None:
        return None
    top, bottom = band
    found: list[_Cuts] = []
    # Blur merges neighbours at the usual ink level; a stricter level parts them again.
    for threshold in (INK_THRESHOLD, *_STRICTER):
        got = _cut_at(ink, threshold, top, bottom, count)
        if got is not None:
            found.append(got)
            if got.cost < _CLEAN_COST:
                break
    if not found:
        return None
    found.sort(key=lambda f: f.cost)
    best = found[0]
    if judge is not None and best.cost >= _JUDGE_FROM:
        best = _judged(best, count, judge)
    if best.cost > _MAX_MEAN_COST:
        return None
    line = best.line
    return LineCells(line.ink, line.owners(best.cuts), line.top, line.bottom, best.cuts,
                     best.cost, line.threshold)


@dataclass
class _Cuts:
    """The cheapest cuts of a line at one ink level, and where else it could be cut."""

    line: LinePrint
    lattices: list[tuple[np.ndarray, np.ndarray]]  # candidate positions, price of each cell
    cuts: np.ndarray
    cost: float  # mean price per cell of the cuts
    fit: float  # and how badly their cells read, once judged


def _cut_at(ink: np.ndarray, threshold: float, top: int, bottom: int, count: int
            ) -> _Cuts | None:
    """Return the cheapest cuts of the line with print taken at `threshold`, or None."""
    height = bottom - top
    blob_of, blobs = _line_blobs((ink > threshold).astype(np.uint8), top, bottom)
    if len(blobs) == 0:
        return None
    columns = (blob_of >= 0).sum(axis=0).astype(np.float32)
    options: list[tuple[float, np.ndarray]] = []  # (mean price, cuts)
    lattices = []
    for first, last in _spans(blobs, ink.shape[1], height, count):
        span = blobs[first : last + 1, :2]
        lattice = _lattice(span, columns, height, count)
        if lattice is not None:
            got = _shortest(lattice[1], count)
            if got is not None:
                lattices.append(lattice)
                options.append((got[0] / count, lattice[0][got[1]]))
        equal = _equal_pitch(span, columns, height, count)
        if equal is not None:
            options.append(equal)
    if not options:
        return None
    cost, cuts = min(options, key=lambda o: o[0])
    line = LinePrint(ink, blob_of, blobs, top, bottom, threshold)
    return _Cuts(line, lattices, cuts, cost, cost)


def _judged(found: _Cuts, count: int, judge: CellJudge) -> _Cuts:
    """Return the cuts of the line at this ink level whose cells are both well shaped and
    well read: its cheapest cuts or a division of one of its lattices."""
    line = found.line
    read = judge(line, np.c_[found.cuts[:-1], found.cuts[1:]])
    best = _Cuts(line, found.lattices, found.cuts, found.cost,
                 found.cost + _READ_WEIGHT * float(read.mean()))
    for pos, cell in found.lattices:
        got = _judged_cuts(line, pos, cell, count, judge)
        if got is not None and got[0] < best.fit and got[1] <= _MAX_MEAN_COST:
            best = _Cuts(line, found.lattices, got[2], got[1], got[0])
    return best


def _judged_cuts(line: LinePrint, pos: np.ndarray, cell: np.ndarray, count: int,
                 judge: CellJudge) -> tuple[float, float, np.ndarray] | None:
    """Return (mean fit, mean geometric cost, cuts) of the division of the lattice whose cells
    are both well shaped and well read."""
    starts, ends = np.nonzero(cell < _JUDGED_CELL_COST)
    if starts.size == 0:
        return None
    read = judge(line, np.c_[pos[starts], pos[ends]])
    total = np.full_like(cell, np.inf)
    total[starts, ends] = cell[starts, ends] + _READ_WEIGHT * read
    got = _shortest(total, count)
    if got is None:
        return None
    chosen = got[1]
    geometric = float(cell[chosen[:-1], chosen[1:]].sum()) / count
    return got[0] / count, geometric, pos[chosen]


def _line_blobs(binary: np.ndarray, top: int, bottom: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the blob of every pixel (-1 where none) and the blobs' (x0, x1, y0, y1), left
    to right.

    Blobs are the connected components that belong to the line, merged where one lies above
    the other (a character broken across) or is a fragment within another's columns (a
    speck, a detached serif). Full-height components side by side stay apart even when their
    columns overlap: kerned pairs (AY, LT) and a J's hook under its neighbour.
    """
    height = bottom - top
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    parts = []
    for k in range(1, n):
        x, y, w, h, area = stats[k]
        overlap = min(y + h, bottom) - max(y, top)
        # Wide and hollow is a frame or a rule; wide and full is characters run together.
        if (overlap >= 0.5 * min(h, height) and h <= 1.6 * height
                and area >= max(3.0, 0.004 * height * height)
                and (w <= 3 * height or area >= 0.2 * w * h)):
            parts.append([int(x), int(x + w), int(y), int(y + h), k])
    parts.sort()
    groups: list[list[int]] = []  # [x0, x1, y0, y1, label, label, ...]
    for x0, x1, y0, y1, k in parts:
        if groups:
            g = groups[-1]
            across = min(g[1], x1) - max(g[0], x0)
            down = min(g[3], y1) - max(g[2], y0)
            short = min(g[3] - g[2], y1 - y0) < 0.5 * height
            if across >= 0.6 * min(g[1] - g[0], x1 - x0) and (
                    short or down < 0.3 * min(g[3] - g[2], y1 - y0)):
                g[:4] = [min(g[0], x0), max(g[1], x1), min(g[2], y0), max(g[3], y1)]
                g.append(k)
                continue
        groups.append([x0, x1, y0, y1, k])
    groups.sort(key=lambda g: g[0] + g[1])
    lookup = np.full(n, -1, np.int32)
    for i, g in enumerate(groups):
        lookup[g[4:]] = i
    blobs = np.array([g[:4] for g in groups], np.int64).reshape(-1, 4)
    return lookup[labels], blobs


def _spans(blobs: np.ndarray, width: int, height: int, count: int) -> list[tuple[int, int]]:
    """Return (first, last) blob ranges that may hold the line: they cover the crop's centre
    (the crop was taken around it), are as wide as `count` characters can be, end at a gap
    wider than those between characters, and begin and end with a whole character: one as
    high as the line (not a label's small letter) and not cut by the crop's edge."""
    gaps = np.maximum(blobs[1:, 0] - blobs[:-1, 1], 0)
    whole = (blobs[:, 3] - blobs[:, 2] >= 0.75 * height) & (blobs[:, 0] > 0) & (
        blobs[:, 1] < width)
    centre = width / 2
    lo_w, hi_w = count * 0.35 * height, count * 1.25 * height
    out = []
    n = len(blobs)
    for first in range(n):
        if blobs[first, 0] > centre:
            break
        if not whole[first] or (first > 0 and gaps[first - 1] < 0.3 * height):
            continue
        for last in range(first, n):
            span = blobs[last, 1] - blobs[first, 0]
            if span > hi_w:
                break
            if blobs[last, 1] < centre or span < lo_w or not whole[last]:
                continue
            if last + 1 < n and gaps[last] < 0.3 * height:
                continue
            out.append((first, last))
    return out


def _equal_pitch(blobs: np.ndarray, columns: np.ndarray, height: int, count: int
                 ) -> tuple[float, np.ndarray] | None:
    """Return (cost, cuts) of `count` equal cells over the blobs when the print is monospaced:
    every gap between blobs falls on a cell boundary (characters run together in between)."""
    gaps = np.maximum(blobs[1:, 0] - blobs[:-1, 1], 0)
    mean_gap = float(np.median(gaps)) if len(gaps) else 0.0
    left, right = blobs[0, 0] - mean_gap / 2, blobs[:, 1].max() + mean_gap / 2
    cuts = np.linspace(left, right, count + 1)
    pitch = (right - left) / count
    if len(gaps) < 2:
        return None
    middles = (blobs[1:, 0] + blobs[:-1, 1]) / 2
    off_grid = np.abs((middles - left) / pitch - np.round((middles - left) / pitch))
    ink_cum = np.concatenate(([0.0], np.cumsum(columns)))
    ink = np.diff(ink_cum[np.clip(cuts.astype(int), 0, len(columns))])
    if off_grid.max() > 0.2 or ink.min() < 0.04 * height * height:
        return None
    return _EQUAL_PITCH_COST, cuts


def _lattice(blobs: np.ndarray, columns: np.ndarray, height: int, count: int
             ) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the candidate cut positions over the blobs and the (m, m) price of a cell from
    each to each (inf where none can be)."""
    left, right = float(blobs[0, 0]), float(blobs[:, 1].max())
    gaps = np.maximum(blobs[1:, 0] - blobs[:-1, 1], 0)
    mean_gap = float(np.median(gaps)) if len(gaps) else 0.0
    pitch = (right - left + mean_gap) / count
    # Candidate cuts: every gap's middle (free), and the ink minima inside wide blobs.
    xs, price, on_gap = [left - mean_gap / 2], [0.0], [-1]
    for k in range(len(blobs) - 1):
        xs.append((blobs[k, 1] + blobs[k + 1, 0]) / 2)
        price.append(0.0)
        on_gap.append(k)
    smooth = np.convolve(columns, np.ones(3, np.float32) / 3, mode="same")
    for start, end in blobs:
        if end - start < 0.75 * pitch:
            continue
        inner = np.arange(int(start + 0.25 * pitch), int(end - 0.25 * pitch))
        if inner.size < 3:
            continue
        values = smooth[inner]
        is_min = np.r_[False, (values[1:-1] <= values[:-2]) & (values[1:-1] <= values[2:]), False]
        for first, end in runs(is_min):  # a flat valley is one place to cut, at its middle
            x = int(inner[(first + end - 1) // 2])
            xs.append(float(x) + 0.5)
            price.append(_INK_CUT + float(smooth[x]) / height)
            on_gap.append(-1)
    xs.append(right + mean_gap / 2)
    price.append(0.0)
    on_gap.append(-1)
    order = np.argsort(xs, kind="stable")
    pos, cut_price = np.asarray(xs)[order], np.asarray(price)[order]
    # Price of the gaps left strictly inside a cell, from a cumulative sum: gaps whose middle
    # is at or left of a cut, less the gap the right-hand cut itself sits in.
    gap_price = _UNCUT_GAP * gaps / height + _UNCUT_FIXED
    gap_x = np.maximum.accumulate((blobs[1:, 0] + blobs[:-1, 1]) / 2)
    gap_cum = np.concatenate(([0.0], np.cumsum(gap_price)))
    below = gap_cum[np.searchsorted(gap_x, pos, side="right")]
    sits_in = np.asarray(on_gap)[order]
    own = gap_price[np.maximum(sits_in, 0)] * (sits_in >= 0) if len(gaps) else 0.0 * pos
    uncut = np.maximum(below[None, :] - own[None, :] - below[:, None], 0)
    ink_cum = np.concatenate(([0.0], np.cumsum(columns)))
    at = np.clip(pos.astype(int), 0, len(columns))
    ink_in = ink_cum[at][None, :] - ink_cum[at][:, None]
    ratio = np.log(np.maximum((pos[None, :] - pos[:, None]) / pitch, 1e-6))
    # A cell between two gaps may be a narrow J or a wide W; one made by cutting through ink
    # divides touching characters, which are of ordinary width.
    through_ink = (cut_price > 0)[:, None] | (cut_price > 0)[None, :]
    wide = np.where(through_ink, _WIDE_CUT, _WIDE)
    narrow = np.where(through_ink, _NARROW_CUT, _NARROW)
    cell = (_WIDTH * (np.maximum(0, ratio - wide) ** 2 + np.maximum(0, narrow - ratio) ** 2)
            + _UNEVEN * ratio**2 + uncut + cut_price[None, :])
    cell[(pos[None, :] <= pos[:, None]) | (ink_in < 0.04 * height * height)] = np.inf
    return pos, cell


def _shortest(cell: np.ndarray, count: int) -> tuple[float, np.ndarray] | None:
    """Return (total price, indices) of the cheapest `count` cells from the first position
    to the last, or None when there is no such path."""
    m = len(cell)
    best = np.full(m, np.inf)
    best[0] = 0.0
    back = np.zeros((count, m), int)
    for k in range(count):
        total = best[:, None] + cell
        back[k] = np.argmin(total, axis=0)
        best = total[back[k], np.arange(m)]
    if not np.isfinite(best[-1]):
        return None
    chosen = [m - 1]
    for k in range(count - 1, -1, -1):
        chosen.append(int(back[k, chosen[-1]]))
    return float(best[-1]), np.asarray(chosen[::-1])
