"""Read a printed VIN character by character, without Tesseract's language model."""

from __future__ import annotations

import numpy as np

from coc_service.documents.glyphs.cells import box_features, cell_boxes
from coc_service.documents.glyphs.model import GlyphModel, glyph_model
from coc_service.documents.glyphs.segment import segment_line

VIN_LENGTH = 17
# registration.normalise.VIN_ALPHABET, in its order (a test holds them equal); not imported,
# as the registration reader imports this module and must not be imported by it.
VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
# The classifier is as sure of a cell cut across touching characters as of a clean one, but
# such lines are read right far less often (generated certificates and held-out renderings:
# whole VIN right 99 % below a mean cut cost of 0.05, 82 % to 0.15, about 30 % above), so its
# probabilities are mixed with a uniform guess by this much, plus this much per unit of cost
# (the pair with the lowest log-loss of the true characters on those lines).
_FLOOR, _PER_COST = 0.005, 0.5


def vin_glyph_log_probabilities(grey_crop: np.ndarray, model: GlyphModel | None = None
                                ) -> np.ndarray | None:
    """Return (17, len(VIN_ALPHABET)) log-probabilities of each VIN position, columns in
    VIN_ALPHABET's order, or None when the crop cannot be cut into 17 characters.

    `grey_crop` is a grey-scale crop of the one printed line that holds the VIN, dark print
    on light paper, about centred on the VIN (reread.crop_box around its word box does).
    `model` defaults to the committed one. The more the cut had to go through ink, the
    flatter the probabilities (see _PER_COST).
    """
    line = segment_line(grey_crop, VIN_LENGTH)
    if line is None:
        return None
    boxes = cell_boxes(line)
    if boxes is None:
        return None
    model = model or glyph_model()
    logp = model.log_probs(box_features(boxes))
    if model.alphabet != VIN_ALPHABET:  # a model saved with its classes in another order
        logp = logp[:, [model.alphabet.index(c) for c in VIN_ALPHABET]]
    doubt = min(0.9, _FLOOR + _PER_COST * line.cost)
    return np.log((1 - doubt) * np.exp(logp) + doubt / len(VIN_ALPHABET))


def best_vin(logp: np.ndarray) -> str:
    """Return the most likely character at each position of (17, 33) log-probabilities."""
    return "".join(VIN_ALPHABET[i] for i in logp.argmax(axis=1))
