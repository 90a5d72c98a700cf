"""Decide the VIN from several reads, character by character, with what a VIN must be.

The printed E is read several times (the full page and variants of its own crop); on the
French certificate the band's OCR-B classifier adds log-probabilities for every character.
Each position takes the character that the reads and the band together make most likely; then
ISO 3779 / 49 CFR 565 rules repair what is still impossible: the model-year position never holds
I, O, Q, U, Z or 0, and a North-American VIN's ninth character is its check digit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from coc_service.documents.registration.band_glyphs import GlyphLine, vin_log_probability
from coc_service.documents.registration.normalise import (
    VIN_ALPHABET,
    canonical_make_for_wmi,
    vin_format_ok,
    vin_plausibility,
)

# Characters OCR confuses in print, for the constraint repairs.
_CONFUSABLE = {
    "0": "DQ8", "1": "7TLJ", "2": "Z7", "3": "8B", "4": "A", "5": "S6", "6": "G5B", "7": "T12Z",
    "8": "B30", "9": "G", "A": "4", "B": "8R3", "C": "G", "D": "0", "E": "F", "F": "E", "G": "6C",
    "J": "1", "L": "1", "M": "N", "N": "M", "R": "B", "S": "5", "T": "71", "U": "V", "V": "UY",
    "Y": "V", "Z": "27",
}
_MODEL_YEAR_FORBIDDEN = set("IOQUZ0")
_PRINT_PRIOR = 0.3  # pseudo-count per character: one read never makes a character certain
_BAND_MIN_MEAN_LOGP = -2.5  # below this the band does not hold this VIN at all
# The band's own VIN read this surely (mean probability per character) stands in for a print
# whose reads make no VIN of a known manufacturer.
_BAND_SURE_P = 0.75
_SLIP = 3  # mismatches beyond the edit distance that say a segmentation slipped
_WMI_CHOICES = 4  # the likeliest characters per WMI position searched for a known WMI
_DIGITS = [VIN_ALPHABET.index(c) for c in "0123456789"]


@dataclass
class VinDecision:
    value: str
    confidence: float
    notes: list[str]


def _check_digit_ok(vin: str) -> bool:
    from coc_service.vehicles.vin import vin_check_digit_ok

    return bool(vin_check_digit_ok(vin))


def _band_cells(candidates: list[str], lines: list[GlyphLine]) -> tuple[np.ndarray, str] | None:
    """Return the band's (17, 37) log-probabilities where it holds the VIN, and its charset."""
    best: tuple[float, GlyphLine, int] | None = None
    for vin in candidates:
        for line in lines:
            score, start = vin_log_probability(vin, line)
            if best is None or score > best[0]:
                best = (score, line, start)
    if best is None or best[0] / 17 < _BAND_MIN_MEAN_LOGP:
        return None
    _, line, start = best
    return line.logp[start : start + 17], line.charset


def vin_likelihood(logp: np.ndarray) -> float:
    """Return how well (17, 33) glyph log-probabilities read as a VIN, 0..1: the geometric mean
    probability of the likeliest VIN they allow that starts with a known WMI and ends in four
    digits (ISO 3779's serial), 0 when no known WMI is among the likelier characters. A line
    of other print (a date, an approval number, a name) scores far lower than a VIN."""
    top = np.argsort(-logp[:3], axis=1)[:, :_WMI_CHOICES]
    known = [float(logp[0, a] + logp[1, b] + logp[2, c]) for a in top[0] for b in top[1]
             for c in top[2] if canonical_make_for_wmi(
                 VIN_ALPHABET[a] + VIN_ALPHABET[b] + VIN_ALPHABET[c]) is not None]
    if not known:
        return 0.0
    total = max(known) + float(logp[3:13].max(axis=1).sum() + logp[13:, _DIGITS].max(axis=1).sum())
    return math.exp(total / 17)


def decide_vin(print_sources: list[list[str]], band_lines: list[GlyphLine],
               band_options: list[str], *, base: float, make: str | None = None,
               printed: np.ndarray | None = None) -> VinDecision | None:
    """Return the VIN the reads make most likely, or None when there is nothing to decide.

    `printed` holds the printed VIN's (17, 33) log-probabilities by the glyph classifier
    (coc_service.documents.glyphs), columns in VIN_ALPHABET's order; they add to every
    position's score like the band's, and alone can decide a VIN Tesseract could not read.
    """
    weighted: list[tuple[str, float]] = []
    for options in print_sources:
        for vin in options:
            weighted.append((vin, 1.0 / len(options)))
    totals: dict[str, float] = {}
    for vin, w in weighted:
        totals[vin] = totals.get(vin, 0.0) + w
    if not totals and not band_options and printed is None:
        return None
    # The band is searched for the VIN the print supports best: a layout-agnostic search for
    # any candidate could match a shifted one ("A" of "CRFRA" + the VIN's first 16).
    most = max(totals.values(), default=0.0)
    aligned = [v for v, w in sorted(totals.items(), key=lambda t: -t[1]) if w >= 0.5 * most]
    if printed is not None and most >= 1 and _slipped(_argmax_vin(printed), aligned[0]) and (
            vin_plausibility(aligned[0]) >= vin_plausibility(_argmax_vin(printed))):
        # Its cells are off by a character against a whole read (not one of the guesses a
        # read too long gives) at least as plausible: every position after the slip holds
        # another's character. (When the read is the less plausible, it slipped: a code
        # glued to its front, a character lost.)
        printed = None
    band = _band_cells(aligned or band_options[:1], band_lines) if band_lines else None
    if band is None and band_options:
        weighted += [(vin, 1.0 / len(band_options)) for vin in band_options]
    total = sum(w for _, w in weighted)
    scores = np.zeros((17, len(VIN_ALPHABET)))
    for i in range(17):
        for j, ch in enumerate(VIN_ALPHABET):
            count = sum(w for vin, w in weighted if vin[i] == ch)
            if total:
                scores[i, j] = math.log((count + _PRINT_PRIOR) / (total + _PRINT_PRIOR * 33))
            if band is not None:
                logp, charset = band
                scores[i, j] += float(logp[i, charset.index(ch)])
    if printed is not None:
        scores += printed
    first = weighted[0][0] if weighted else None
    chosen = []
    for i in range(17):
        order = np.argsort(-scores[i], kind="stable")
        top = VIN_ALPHABET[order[0]]
        # A tie between reads goes to the full-page read, which saw the whole field.
        if first and scores[i, order[0]] == scores[i, VIN_ALPHABET.index(first[i])]:
            top = first[i]
        chosen.append(top)
    value = _apply_rules("".join(chosen), scores, make)
    notes = []
    if not _known_wmi(value, make):
        from_band = _sure_band_vin(band_options, band_lines, make)
        if from_band is not None:
            notes.append(f"vin: the print reads as {value}, no VIN of a known manufacturer; "
                         f"the band's {from_band[0]} was taken")
            value, band = from_band[0], from_band[1]
    firsts = list(dict.fromkeys(options[0] for options in print_sources if options))
    if len(firsts) > 1 or (firsts and value not in firsts):
        notes.append(f"vin: readings differ ({', '.join(firsts)}); chose {value}")
    agree = sum(w for vin, w in weighted if vin == value) / total if total else 0.0
    if printed is not None:  # the classifier's mean probability of the chosen characters
        glyph_p = float(np.mean(np.exp([printed[i, VIN_ALPHABET.index(c)]
                                         for i, c in enumerate(value)])))
        agree = glyph_p if not total else 0.5 * agree + 0.5 * glyph_p
    if band is not None:
        logp, charset = band
        band_p = float(np.mean(np.exp([logp[i, charset.index(c)] for i, c in enumerate(value)])))
        confidence = 0.3 * base + 0.25 * agree + 0.45 * band_p
    else:
        confidence = 0.45 * base + 0.35 * agree + 0.2 * vin_plausibility(value)
    if not vin_format_ok(value):
        return None
    return VinDecision(value, round(min(0.99, max(0.05, confidence)), 3), notes)


def _known_wmi(vin: str, make: str | None) -> bool:
    """Return True when the VIN starts with a known WMI (the make's, when D.1 names one)."""
    wmi_make = canonical_make_for_wmi(vin[:3])
    return wmi_make is not None and (make is None or wmi_make == make)


def _sure_band_vin(band_options: list[str], band_lines: list[GlyphLine], make: str | None
                   ) -> tuple[str, tuple[np.ndarray, str]] | None:
    """Return the band's VIN and its cells when the glyph classifier read it surely as a VIN
    of a known manufacturer (the make's, when D.1 names one); else None.

    The band and the printed E are printed together from the same record: when the print's
    reads lost or split a character (a W cut into VV, the code E glued on) and make no known
    VIN, the band's clear OCR-B is the better witness of the same VIN.
    """
    if not band_options or not band_lines:
        return None
    vin = band_options[0]
    if vin_plausibility(vin) < 1.0 or not _known_wmi(vin, make):
        return None
    cells = _band_cells([vin], band_lines)
    if cells is None:
        return None
    logp, charset = cells
    mean_p = float(np.mean(np.exp([logp[i, charset.index(c)] for i, c in enumerate(vin)])))
    return (vin, cells) if mean_p >= _BAND_SURE_P else None


def _argmax_vin(logp: np.ndarray) -> str:
    return "".join(VIN_ALPHABET[int(i)] for i in np.argmax(logp, axis=1))


def _slipped(glyphs: str, read: str) -> bool:
    """Return True when the glyph classifier's VIN differs from a read far more position by
    position than by an alignment: its segmentation split or merged a character (a W cut into
    VV, 08 taken as one), so its positions after the slip hold its neighbours."""
    if len(glyphs) != len(read):
        return False
    previous = list(range(len(read) + 1))
    for i, a in enumerate(glyphs, 1):
        current = [i]
        for j, b in enumerate(read, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return sum(a != b for a, b in zip(glyphs, read, strict=True)) >= previous[-1] + _SLIP


def _substitutions(vin: str, positions: range, limit: int) -> list[tuple[str, list[int]]]:
    """Return VINs with up to `limit` confusable characters replaced at `positions`."""
    out: list[tuple[str, list[int]]] = [(vin, [])]
    for _ in range(limit):
        grown = []
        for text, changed in out:
            for i in positions:
                if i in changed:
                    continue
                for alt in _CONFUSABLE.get(text[i], ""):
                    if alt in VIN_ALPHABET:
                        grown.append((text[:i] + alt + text[i + 1 :], [*changed, i]))
        out += grown
    return out[1:]


def _loss(original: str, changed: str, scores: np.ndarray) -> float:
    return float(sum(scores[i, VIN_ALPHABET.index(a)] - scores[i, VIN_ALPHABET.index(b)]
                     for i, (a, b) in enumerate(zip(original, changed, strict=True)) if a != b))


def _apply_rules(vin: str, scores: np.ndarray, make: str | None) -> str:
    """Return the VIN made valid where it cannot be as read, by the cheapest change to
    characters OCR confuses: a WMI that exists (the make's, when D.1 names one), a model-year
    character that exists, a North-American check digit that holds."""
    if canonical_make_for_wmi(vin[:3]) is None:
        known = [(text, _loss(vin, text, scores)) for text, _ in _substitutions(vin, range(3), 2)
                 if canonical_make_for_wmi(text[:3]) is not None]
        if known:
            known.sort(key=lambda item: (canonical_make_for_wmi(item[0][:3]) != make, item[1]))
            vin = known[0][0]
    chars = list(vin)
    if chars[9] in _MODEL_YEAR_FORBIDDEN:
        allowed = [c for c in _CONFUSABLE.get(chars[9], "") if c not in _MODEL_YEAR_FORBIDDEN]
        if allowed:
            chars[9] = max(allowed, key=lambda c: scores[9, VIN_ALPHABET.index(c)])
    vin = "".join(chars)
    if vin[0] in "12345" and vin_format_ok(vin) and not _check_digit_ok(vin):
        options = [(_loss(vin, text, scores), text)
                   for text, _ in _substitutions(vin, range(17), 1) if _check_digit_ok(text)]
        if options:
            vin = min(options)[1]
    return vin
