"""Read a printed VIN character by character, without Tesseract's language model."""

from __future__ import annotations

import numpy as np

from coc_service.documents.glyphs.cells import box_features, cell_boxes, judged_boxes
from coc_service.documents.glyphs.model import GlyphModel, glyph_model
from coc_service.documents.glyphs.segment import CellJudge, LinePrint, segment_line

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
_BLANK_CELL = 10.0  # the judge's cost of a candidate cell that holds no print


def vin_glyph_log_probabilities(grey_crop: np.ndarray, model: GlyphModel | None = None, *,
                                judged: bool = True) -> np.ndarray | None:
    """Return (17, len(VIN_ALPHABET)) log-probabilities of each VIN position, columns in
    VIN_ALPHABET's order, or None when the crop cannot be cut into 17 characters.

    `grey_crop` is a grey-scale crop of the one printed line that holds the VIN, dark print
    on light paper, about centred on the VIN (reread.crop_box around its word box does).
    `model` defaults to the committed one. The more the cut had to go through ink, the
    flatter the probabilities (see _PER_COST). Where print runs together the classifier judges
    where to cut (segment.py), unless `judged` is False: a quicker, rougher reading.
    """
    model = model or glyph_model()
    line = segment_line(grey_crop, VIN_LENGTH, judge=_judge(model) if judged else None)
    if line is None:
        return None
    boxes = cell_boxes(line)
    if boxes is None:
        return None
    logp = model.log_probs(box_features(boxes))
    if model.alphabet != VIN_ALPHABET:  # a model saved with its classes in another order
        logp = logp[:, [model.alphabet.index(c) for c in VIN_ALPHABET]]
    doubt = min(0.9, _FLOOR + _PER_COST * line.cost)
    return np.log((1 - doubt) * np.exp(logp) + doubt / len(VIN_ALPHABET))


def _judge(model: GlyphModel) -> CellJudge:
    """Return the segmenter's judge of candidate cells: minus the classifier's log-probability
    of the likeliest character (touching characters are cut where the cells read well)."""

    def judge(line: LinePrint, bounds: np.ndarray) -> np.ndarray:
        boxes = judged_boxes(line, bounds)
        cost = -model.log_probs(box_features(boxes)).max(axis=1)
        return np.where(boxes.reshape(len(boxes), -1).any(axis=1), cost, _BLANK_CELL)

    return judge


def best_vin(logp: np.ndarray) -> str:
    """Return the most likely character at each position of (17, 33) log-probabilities."""
    return "".join(VIN_ALPHABET[i] for i in logp.argmax(axis=1))
