"""The VIN vote: Tesseract's reads, the French band and the glyph classifier's probabilities."""

from __future__ import annotations

import math

import numpy as np

from coc_service.documents.registration.normalise import VIN_ALPHABET
from coc_service.documents.registration.vin_vote import decide_vin

TRUE = "ZFAGNE5BW4D507273"
MISREAD = "ZFAGNESBW4D507273"  # Tesseract's language model: 5 as S between letters


def _sure_of(vin: str, p: float = 0.97) -> np.ndarray:
    """Return the (17, 33) log-probabilities of a classifier sure of `vin` at each position."""
    rest = (1 - p) / (len(VIN_ALPHABET) - 1)
    logp = np.full((17, len(VIN_ALPHABET)), math.log(rest))
    for i, ch in enumerate(vin):
        logp[i, VIN_ALPHABET.index(ch)] = math.log(p)
    return logp


def test_reads_alone_keep_the_misread() -> None:
    decision = decide_vin([[MISREAD], [MISREAD]], [], [], base=0.7, make="Fiat")
    assert decision is not None and decision.value == MISREAD


def test_the_glyph_classifier_outweighs_a_language_model_slip() -> None:
    decision = decide_vin([[MISREAD], [MISREAD]], [], [], base=0.7, make="Fiat",
                          printed=_sure_of(TRUE))
    assert decision is not None and decision.value == TRUE
    assert "readings differ" in " ".join(decision.notes)


def test_an_unsure_classifier_does_not_overrule_agreeing_reads() -> None:
    flat = np.log(np.full((17, len(VIN_ALPHABET)), 1 / len(VIN_ALPHABET)))
    decision = decide_vin([[MISREAD], [MISREAD], [MISREAD]], [], [], base=0.7, printed=flat)
    assert decision is not None and decision.value == MISREAD


def test_the_classifier_alone_decides_when_tesseract_read_nothing() -> None:
    decision = decide_vin([], [], [], base=0.45, printed=_sure_of(TRUE))
    assert decision is not None and decision.value == TRUE
    assert decision.confidence < 0.9  # one source only: not beyond doubt
    assert decide_vin([], [], [], base=0.45) is None
