"""Targeted second reads of small regions (the VIN, the SIV band) in one Tesseract call.

Every Tesseract run pays a fixed start-up (loading the model) of about a third of a full-page
pass, so all crops that deserve a second look are stacked into one image and read at once; the
words are then given back to the crop whose row they fall in. The VIN is read in several
variants (original and cleaned page, two text sizes) so that the reads can be voted.
"""

from __future__ import annotations

import cv2
import numpy as np

from coc_service.documents import ocr
from coc_service.documents.registration.band import BAND_ALPHABET
from coc_service.documents.types import Box, Limits


def crop_box(image: np.ndarray, box: Box, *, text_height: float, pad_x: float = 0.3,
             pad_y: float = 0.4) -> np.ndarray:
    """Return the region of `box` (padded in units of its height), scaled to `text_height`."""
    x, y, w, h = box
    h = max(h, 1)
    x0, y0 = max(0, int(x - pad_x * h)), max(0, int(y - pad_y * h))
    x1 = min(image.shape[1], int(x + w + pad_x * h))
    y1 = min(image.shape[0], int(y + h + pad_y * h))
    crop = image[y0:y1, x0:x1]
    if crop.size == 0:
        return crop
    scale = min(4.0, max(0.4, text_height / h))
    if abs(scale - 1.0) > 0.08:
        crop = cv2.resize(crop, None, fx=scale, fy=scale,
                          interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
    return _white_paper(crop, text_height)


def _white_paper(crop: np.ndarray, text_height: float) -> np.ndarray:
    """Return the crop on white paper with black ink: every crop of a stack must look alike,
    or Tesseract's one threshold for the whole stack turns a grey crop into a black block."""
    k = int(text_height * 1.5) | 1
    background = cv2.morphologyEx(crop, cv2.MORPH_CLOSE,
                                  cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    flat = cv2.divide(crop, np.maximum(background, 1), scale=255)
    low, high = np.percentile(flat, (1, 60))
    if high - low < 10:
        return flat
    stretched = (flat.astype(np.float32) - low) * (255.0 / (high - low))
    return np.clip(stretched, 0, 255).astype(np.uint8)


def read_stacked(crops: list[tuple[str, np.ndarray]], limits: Limits) -> list[tuple[str, str]]:
    """Return (key, text) for each crop, all read by a single Tesseract call.

    Text is in the band alphabet (A-Z, 0-9, '<'); spaces Tesseract puts between words are
    dropped, as VINs and band lines have none that matter.
    """
    crops = [(key, c) for key, c in crops if c.size and c.shape[0] >= 8 and c.shape[1] >= 8]
    if not crops:
        return []
    width = max(c.shape[1] for _, c in crops) + 60
    rows, spans = [], []
    top = 0
    for _, crop in crops:
        gap = max(12, int(0.6 * crop.shape[0]))
        row = np.full((crop.shape[0] + 2 * gap, width), 255, np.uint8)
        row[gap : gap + crop.shape[0], 30 : 30 + crop.shape[1]] = crop
        rows.append(row)
        spans.append((top + gap // 2, top + gap + crop.shape[0] + gap // 2))
        top += row.shape[0]
    stack = np.vstack(rows)
    words = ocr.read_words(stack, lang="eng", psm=6, whitelist=BAND_ALPHABET,
                           timeout_s=limits.ocr_timeout_s).words
    texts: list[list[tuple[int, str]]] = [[] for _ in crops]
    for word in words:
        cy = word.box[1] + word.box[3] / 2
        for i, (y0, y1) in enumerate(spans):
            if y0 <= cy < y1:
                texts[i].append((word.box[0], word.text))
                break
    return [(key, "".join(t for _, t in sorted(parts)))
            for (key, _), parts in zip(crops, texts, strict=True)]


def snap_to_line(grey: np.ndarray, box: Box, text_height: float) -> Box:
    """Return the box of the widest line of print inside `box`: a misread word's box can
    swallow the lines above and below it, which a crop must leave out."""
    from coc_service.documents.identity.mrz_lines import find_line_runs, ink_map

    x, y, w, h = box
    if h <= 1.6 * text_height:
        return box
    crop = grey[max(0, y) : y + h, max(0, x) : x + w]
    if crop.size == 0:
        return box
    runs = [run for run in find_line_runs(ink_map(crop, char_height=text_height), text_height)
            if run.height >= 0.6 * text_height]  # a line of print, not a rule or a stroke
    if len(runs) < 2:
        return box  # one line of print, larger than most: the box is its own
    run = max(runs, key=lambda r: r.width)
    return (x + run.left, y + run.top, run.width, run.height)


def extend_along_ink(grey: np.ndarray, box: Box, *, max_gap: float = 1.2) -> Box:
    """Return `box` widened left and right along its own row of print, up to a gap wider than
    `max_gap` times its height: OCR may put the end of a word on another line ("...B887" here,
    "207" above), and a crop of the word's box alone would cut the VIN short."""
    x, y, w, h = box
    if h <= 2 or w <= 2:
        return box
    top, bottom = max(0, y + h // 5), min(grey.shape[0], y + h - h // 5)
    row = grey[top:bottom]
    if row.size == 0:
        return box
    _, ink = cv2.threshold(row, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    inked = ink.sum(axis=0) > 0
    limit = int(max_gap * h)

    def reach(start: int, step: int) -> int:
        edge, gap, i = start, 0, start + step
        while 0 <= i < inked.size and gap <= limit:
            if inked[i]:
                edge, gap = i, 0
            else:
                gap += 1
            i += step
        return edge

    left, right = reach(x, -1), reach(min(x + w - 1, inked.size - 1), 1)
    return (left, y, max(w, right - left + 1), h)
