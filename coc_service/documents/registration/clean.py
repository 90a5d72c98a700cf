"""Prepare a certificate page for OCR: flatten the security background and remove code frames.

Certificates are printed on tinted paper with fine guilloche patterns, and several print each
field code inside a small frame; Tesseract reads such a frame as "[", "]", "|" or even as a
letter ("E]" becomes "En!"). Dividing by the estimated background removes the tint and uneven
light; frames are the connected components that are hollow (little ink for their size) and
enclose other components, so they are erased without touching the characters they surround.
"""

from __future__ import annotations

import cv2
import numpy as np


def flatten_background(grey: np.ndarray) -> np.ndarray:
    """Return the page divided by its estimated background (paper tint and light removed)."""
    k = max(15, grey.shape[1] // 60) | 1  # wider than a stroke, narrower than a light gradient
    background = cv2.morphologyEx(grey, cv2.MORPH_CLOSE,
                                  cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    return cv2.divide(grey, background, scale=255)


def remove_frames(flat: np.ndarray) -> np.ndarray:
    """Return the page with small hollow frames around text (code boxes) painted white."""
    _, ink = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count < 3:
        return flat
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    plausible = heights[(heights > 5) & (heights < flat.shape[0] // 10)]
    if plausible.size == 0:
        return flat
    typical = float(np.median(plausible))
    x, y, w, h, area = (stats[1:, i] for i in range(5))
    candidates = np.nonzero(
        (h >= 0.7 * typical) & (h <= 5 * typical) & (w >= 0.7 * typical) & (w <= 30 * typical)
        & (area < 0.3 * w * h)
    )[0]
    frames = [i + 1 for i in candidates
              if ((x > x[i]) & (y > y[i]) & (x + w < x[i] + w[i]) & (y + h < y[i] + h[i])).any()]
    if not frames:
        return flat
    out = flat.copy()
    out[np.isin(labels, frames)] = 255
    return out


def prepare_page(grey: np.ndarray) -> np.ndarray:
    """Return the grey page ready for the full OCR pass."""
    return remove_frames(flatten_background(grey))
