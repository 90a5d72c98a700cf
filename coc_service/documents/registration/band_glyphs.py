"""Read the SIV band with the identity reader's fixed-pitch OCR-B glyph classifier.

The band is printed in OCR-B at a fixed pitch, 44 characters a line, like a passport's MRZ, so
the MRZ machinery of coc_service.documents.identity (ink map, line strips, cell alignment, glyph
classifier) reads it without Tesseract and far more reliably; each cell also gives
log-probabilities over the 37 band characters, which later weigh the printed VIN's reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coc_service.documents.types import Box

BAND_LENGTH = 44


@dataclass
class GlyphLine:
    text: str
    logp: np.ndarray  # (44, 37) log-probabilities over CHARSET
    charset: str


def read_band_glyphs(grey: np.ndarray, box: Box, line_height: float) -> list[GlyphLine]:
    """Return the band's lines read cell by cell (empty when the geometry does not fit)."""
    from coc_service.documents.identity.glyphs import glyph_classifier
    from coc_service.documents.identity.mrz_format import CHARSET
    from coc_service.documents.identity.mrz_lines import find_line_runs, ink_map, normalise_line
    from coc_service.documents.identity.mrz_ocr import read_line

    x, y, w, h = box
    pad_x, pad_y = int(1.5 * line_height), int(0.9 * line_height)
    crop = grey[max(0, y - pad_y) : y + h + pad_y, max(0, x - pad_x) : x + w + pad_x]
    if crop.size == 0 or line_height < 6:
        return []
    ink = ink_map(crop, char_height=line_height)
    runs = [r for r in find_line_runs(ink, line_height) if r.width >= 15 * line_height]
    model = glyph_classifier()
    out = []
    for run in runs[-2:]:
        got = read_line(normalise_line(ink, run), BAND_LENGTH, model)
        if got is None:
            continue
        logp = got[0]
        out.append(GlyphLine("".join(CHARSET[i] for i in logp.argmax(axis=1)), logp, CHARSET))
    return out


def vin_log_probability(vin: str, line: GlyphLine) -> tuple[float, int]:
    """Return (best summed log-probability of `vin` anywhere in the line, its start cell)."""
    index = [line.charset.index(c) for c in vin]
    best, where = -np.inf, -1
    for start in range(0, line.logp.shape[0] - len(vin) + 1):
        score = float(line.logp[np.arange(start, start + len(vin)), index].sum())
        if score > best:
            best, where = score, start
    return best, where
