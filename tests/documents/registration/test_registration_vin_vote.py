"""The VIN vote: Tesseract's reads, the French band and the glyph classifier's probabilities."""

from __future__ import annotations

import math

import numpy as np

from coc_service.documents.registration.band_glyphs import GlyphLine
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


def test_a_vin_reads_far_likelier_than_other_print() -> None:
    """The likelihood of the likeliest VIN with a known WMI and a numeric serial: high for a
    VIN, low for an approval number or a name read as 17 characters, whatever their sureness."""
    from coc_service.documents.registration.vin_vote import vin_likelihood

    assert vin_likelihood(_sure_of(TRUE)) > 0.9
    assert vin_likelihood(_sure_of("E12018858181138AB")) < 0.45  # no digits at its end
    assert vin_likelihood(_sure_of("QAZ2018858181138X".replace("Q", "0"))) < 0.45
    # An unsure classifier: one character in doubt lowers it a little, not to nothing.
    doubt = _sure_of(TRUE)
    doubt[5] = np.log(np.full(len(VIN_ALPHABET), 1 / len(VIN_ALPHABET)))
    assert 0.6 < vin_likelihood(doubt) < vin_likelihood(_sure_of(TRUE))


def test_a_classifier_whose_cells_slipped_does_not_overrule_the_reads() -> None:
    """Its segmentation cut W in two and took 08 as one: sure of every cell, yet from the
    split on each position holds its neighbour's character."""
    truth = "JHMW9LUYNTP708724"
    decision = decide_vin([[truth], [truth]], [], [], base=0.7,
                          printed=_sure_of("JHMVV9LUYNTP7X724", 0.99))
    assert decision is not None and decision.value == truth


def test_a_second_read_cannot_overturn_a_vin_the_classifier_is_sure_of() -> None:
    """The reader skips the second Tesseract read when the classifier reads the full-page VIN
    with every character at least this likely: even its three variants all reading another
    character (the classifier's remaining probability all on it) leave the VIN as it was."""
    from coc_service.documents.registration.reader import _GLYPH_SURE_LOGP

    p = math.exp(_GLYPH_SURE_LOGP)
    printed = _sure_of(TRUE, p)
    printed[6] = math.log(1e-9)
    printed[6, VIN_ALPHABET.index("5")] = math.log(p)
    printed[6, VIN_ALPHABET.index("S")] = math.log(1 - p)
    decision = decide_vin([[TRUE], [MISREAD], [MISREAD], [MISREAD]], [], [], base=0.7,
                          printed=printed)
    assert decision is not None and decision.value == TRUE


def test_a_read_that_slipped_does_not_silence_the_classifier() -> None:
    """The full page read the code E glued to the VIN and lost a J: the read is the one off by
    a character (no known WMI), and the classifier's VIN, sure of every cell, is kept."""
    truth = "JHMLZ3YACAJ643103"
    decision = decide_vin([["EJHMLZ3YACA643103"]], [], [], base=0.7,
                          printed=_sure_of(truth, 0.99))
    assert decision is not None and decision.value == truth


def _band_line(text: str, p: float) -> GlyphLine:
    """Return a band line the OCR-B classifier read as `text` with probability p per cell."""
    from coc_service.documents.identity.mrz_format import CHARSET

    text = text.ljust(44, "<")
    logp = np.full((44, len(CHARSET)), math.log((1 - p) / (len(CHARSET) - 1)))
    for i, ch in enumerate(text):
        logp[i, CHARSET.index(ch)] = math.log(p)
    return GlyphLine(text, logp, CHARSET)


FORD = "WF0JG769P80340994"
SLIPPED_READ = "EWF0G769P80340994"  # the code E glued on, the J lost


def test_a_sure_band_stands_in_for_a_print_that_makes_no_known_vin() -> None:
    """Every read of the print is off by a character (no known WMI); the band, read surely
    by the OCR-B classifier, holds a Ford VIN and D.1 says Ford: the band's VIN is taken,
    and the note says so."""
    band = [_band_line("CRFRA" + FORD + "<KV059PS<<29072008<<<0", 0.95)]
    decision = decide_vin([[SLIPPED_READ], [SLIPPED_READ]], band, [FORD], base=0.45,
                          make="Ford", printed=_sure_of("VVFJG769P80340994", 0.9))
    assert decision is not None and decision.value == FORD
    assert any("band" in note for note in decision.notes)


def test_an_unsure_band_or_another_make_leaves_the_print_reading() -> None:
    unsure = [_band_line("CRFRA" + FORD + "<KV059PS<<29072008<<<0", 0.4)]
    decision = decide_vin([[SLIPPED_READ], [SLIPPED_READ]], unsure, [FORD], base=0.45,
                          make="Ford", printed=_sure_of("VVFJG769P80340994", 0.9))
    assert decision is not None and decision.value != FORD
    assert not any("band's" in note for note in decision.notes)
    sure = [_band_line("CRFRA" + FORD + "<KV059PS<<29072008<<<0", 0.95)]
    decision = decide_vin([[SLIPPED_READ], [SLIPPED_READ]], sure, [FORD], base=0.45,
                          make="Renault",  # D.1 names another make: the band is no witness
                          printed=_sure_of("VVFJG769P80340994", 0.9))
    assert decision is not None and decision.value != FORD
    assert not any("band's" in note for note in decision.notes)
