"""Print against the paper: ink strength, and the one line of print in a crop."""

from __future__ import annotations

import cv2
import numpy as np

INK_THRESHOLD = 0.4  # ink strength that counts as print


def ink_strength(grey: np.ndarray) -> np.ndarray:
    """Return how dark each pixel is against the paper around it, in [0, 1] (1 = full print).

    The paper's level is a grey closing wider than a character's strokes, so uneven light and
    a tinted background drop out; the darkest print found sets full strength.
    """
    img = grey.astype(np.float32)
    size = max(9, int(grey.shape[0] * 0.5) | 1)
    paper = cv2.morphologyEx(img, cv2.MORPH_CLOSE,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    paper = cv2.blur(paper, (size, size))
    dark = np.maximum(paper - img, 0)
    full = max(24.0, float(np.percentile(dark, 99.5)) * 0.85)
    return np.clip(dark / full, 0.0, 1.0)


def text_band(binary: np.ndarray) -> tuple[int, int] | None:
    """Return (top, bottom) rows of the crop's one line of print; None when there is no print
    or a second line as strong as the first."""
    rows = binary.sum(axis=1).astype(np.float32)
    if rows.max() < 3:
        return None
    rows = np.convolve(rows, np.ones(3, np.float32) / 3, mode="same")
    bands = runs(rows > 0.25 * rows.max())
    # Runs a row or two apart are one line cut by a thin stroke (a "-" or a serif row).
    merged: list[list[int]] = []
    for start, end in bands:
        if merged and start - merged[-1][1] <= 2:
            merged[-1][1] = end
        else:
            merged.append([int(start), int(end)])
    masses = [float(rows[s:e].sum()) for s, e in merged]
    main = int(np.argmax(masses))
    top, bottom = merged[main]
    if bottom - top < 6:
        return None
    for k, (start, end) in enumerate(merged):
        if k != main and masses[k] > 0.35 * masses[main] and end - start > 0.5 * (bottom - top):
            return None
    return top, bottom


def runs(flags: np.ndarray) -> np.ndarray:
    """Return (start, end) of each run of True, end exclusive, as an (n, 2) array."""
    padded = np.concatenate(([False], flags.astype(bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return edges.reshape(-1, 2)
