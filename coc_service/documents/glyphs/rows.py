"""Runs of print on a page as long as a word of many characters, found from the ink alone.

Full-page OCR skips whole rows of blurred print, and reads others as a few garbled words; a
VIN on such a row is still a run of ink about 17 characters long. The page's connected pieces
of print are joined left to right into runs across gaps narrower than a third of their own
height (the gaps inside a word, not the spaces between words), and the runs one line high and
many characters long are kept.
"""

from __future__ import annotations

import cv2
import numpy as np

_JOIN = 0.33  # gaps narrower than this share of the print's height join it into one run
_PIECE = (0.4, 3.0)  # a piece's height, in text heights: no speck, no frame or picture
_ASPECT = (7.0, 24.0)  # a run's width over its height: 12 to 22 characters of most faces


def print_runs(flat: np.ndarray, text_height: float) -> list[tuple[int, int, int, int]]:
    """Return the (x, y, w, h) boxes of runs of print one line high and many characters long
    on `flat` (a grey page with its background flattened: dark print on light paper), left
    to right; `text_height` is the page's usual height of print."""
    if flat.ndim != 2 or flat.size == 0:
        return []
    _, ink = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[1:count, cv2.CC_STAT_HEIGHT]
    keep = (heights >= _PIECE[0] * text_height) & (heights <= _PIECE[1] * text_height)
    pieces = stats[1:count][keep]
    done: list[list[int]] = []
    active: list[list[int]] = []  # [x0, x1, y0, y1] of the runs still being grown
    for x, y, w, h, _area in pieces[np.argsort(pieces[:, 0], kind="stable")]:
        reach = x - _JOIN * _PIECE[1] * text_height  # no run ending left of this grows more
        done += [run for run in active if run[1] < reach]
        active = [run for run in active if run[1] >= reach]
        for run in reversed(active):
            height = max(run[3] - run[2], h)
            if x - run[1] > _JOIN * height or run[1] - x > 0.5 * height:
                continue
            if min(run[3], y + h) - max(run[2], y) >= 0.5 * min(run[3] - run[2], h):
                run[1], run[2], run[3] = max(run[1], x + w), min(run[2], y), max(run[3], y + h)
                break
        else:
            active.append([int(x), int(x + w), int(y), int(y + h)])
    return [(int(x0), int(y0), int(x1 - x0), int(y1 - y0))
            for x0, x1, y0, y1 in sorted(done + active)
            if _ASPECT[0] <= (x1 - x0) / max(y1 - y0, 1) <= _ASPECT[1]]
