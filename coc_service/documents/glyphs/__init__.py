"""Printed characters read one by one: cut a line into cells and classify each cell.

`vin_glyph_log_probabilities(grey_crop)` gives, for the 17 positions of a printed VIN, the
log-probabilities of every VIN character, from a small classifier trained on many rendered
fonts (the weights are committed; numpy alone runs them). It is a reading independent of
Tesseract's language model, which turns 5 into S or 1 into L even on clean print.
"""

from __future__ import annotations

from coc_service.documents.glyphs.vin import VIN_ALPHABET, best_vin, vin_glyph_log_probabilities

__all__ = ["VIN_ALPHABET", "best_vin", "vin_glyph_log_probabilities"]
