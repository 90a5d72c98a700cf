"""Read one certificate page: a single full-page OCR pass, code-anchored fields, one stacked
second read of the VIN and the SIV band, and cross-checks between the sources.

The VIN is read where the full pass read it, else next to its code or label; where neither
holds a VIN (blurred rows the full pass skips, a code it misread, other print taken for the
VIN) the page's rows of print are searched for the one the glyph classifier reads best as a
VIN (_vin_region)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from coc_service.documents import ocr
from coc_service.documents.glyphs import vin_glyph_log_probabilities
from coc_service.documents.glyphs.rows import print_runs
from coc_service.documents.registration import MIN_SCORE
from coc_service.documents.registration.accents import restore_accents
from coc_service.documents.registration.band import (
    BandReading,
    clean_band_line,
    looks_like_band_line,
    parse_band,
    starts_like_band,
)
from coc_service.documents.registration.band_glyphs import GlyphLine, read_band_glyphs
from coc_service.documents.registration.clean import prepare_page
from coc_service.documents.registration.codes import FIELD_CODES
from coc_service.documents.registration.country import detect_country, looks_like_registration
from coc_service.documents.registration.crosscheck import compose_holder_name, cross_check_band
from coc_service.documents.registration.fields import (
    Candidate,
    best_candidates,
    code_candidates,
    pattern_candidates,
    unread_rows,
    vin_regions,
)
from coc_service.documents.registration.inference import (
    infer_commercial_name,
    infer_dates,
    infer_holder,
    infer_make,
)
from coc_service.documents.registration.layout import Line, group_lines, union_box
from coc_service.documents.registration.normalise import (
    VIN_ALPHABET,
    local_accents,
    normalise_plate,
    normalise_vin,
    vin_format_ok,
    vin_plausibility,
    vin_repairs,
)
from coc_service.documents.registration.reread import (
    crop_box,
    extend_along_ink,
    read_stacked,
    snap_to_line,
)
from coc_service.documents.registration.vin_vote import decide_vin, vin_likelihood
from coc_service.documents.types import Box, Field, Limits, Page, Reading

# The full pass reads sparse text (psm 11): a certificate is a grid of short fields, which page
# segmentation (psm 3) tends to merge across columns.
_FULL_PSM = 11
# Text heights (px) of the VIN crop variants in the second read: different sizes and sources
# make different mistakes, which the vote then outweighs.
_VIN_VARIANTS = (("grey", 32), ("clean", 32), ("grey", 44))
_BAND_HEIGHT = 36
_GLYPH_TEXT_HEIGHT = 40  # the glyph classifier's crops: text this tall, a J's hook kept whole
# Every character at least this likely (log 0.75) by the glyph classifier, and equal to the
# full-page read: two independent readers agree, and a third read would change nothing (in
# the vote, its three variants all reading another character X outweigh the full-page read
# by log(3.3 / 1.3) = 0.93, less than the classifier's log(0.75 / 0.25) = 1.1).
_GLYPH_SURE_LOGP = -0.29
_GLYPH_ALONE_LOGP = -0.073  # log 0.93: the same when the classifier alone read the VIN
_CLEAR_CODE_COST = 0.2
# A full-page VIN read this well (a known WMI, read whole, few I and O taken for 1 and 0) is
# where the VIN is printed.
_SURE_STRENGTH = 0.85
# The glyph classifier's likelihood (vin_vote.vin_likelihood) of a row that holds the VIN: on
# generated hard pages the VINs OCR skipped read 0.8 to 0.97 (one barely legible 0.42), every
# other row of print at most 0.53; a row replaces a region OCR pointed at only when surer.
_ROW_LIKELIHOOD, _SURE_ROW_LIKELIHOOD = 0.6, 0.75
_CLEAR_ROW_LIKELIHOOD = 0.9  # a row this likely is the VIN: the search ends there
_MAX_ROWS = 6  # rows of print searched for a VIN, those of a VIN's proportions first
_VIN_ASPECT = 11.5
# The contract's fields first, then the other codes in their printed order.
_FIELD_ORDER = tuple(dict.fromkeys((
    "registration_number", "first_registration_date", "holder_name", "make", "commercial_name",
    "vin", "type_approval_number", "certificate_date", *(spec.field for spec in FIELD_CODES))))
# Tesseract's word confidence above which a whole, plausible VIN is not read again: on the
# generated set every full-page VIN read at 0.68 or more was right, every wrong one below.
_SURE_WORD_CONFIDENCE = 0.8
_PEOPLE_FIELDS = ("holder_name", "holder_surname", "holder_given_names", "holder_address",
                  "owner_surname", "owner_given_names", "owner_address")


@dataclass
class PageRead:
    reading: Reading
    text: str


def _grey(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def vin_options(text: str) -> list[str]:
    """Return the VIN a read gives, the few VINs it gives once a stray character is dropped, or
    the VIN inside a read that ran on into the print beside it."""
    if "<" in text:
        return []  # a machine-readable-zone line (passport, band), not a printed VIN
    vin = normalise_vin(text)
    options = [vin] if vin_format_ok(vin) else vin_repairs(vin)
    if not options and len(vin) > 17:
        # The read ran into print beside the VIN (its code, a label): the VIN is the stretch
        # of 17 that starts with a known WMI.
        windows = (normalise_vin(vin[i : i + 17]) for i in range(len(vin) - 16))
        options = [v for v in windows if vin_plausibility(v) >= 0.9]
    return [v for v in options if vin_plausibility(v) >= 0.5]


def _band_lines(lines: list[Line], height: int) -> list[Line]:
    """Return the (at most two) OCR lines of the page that look like the SIV band."""
    found = [ln for ln in lines if ln.top > 0.4 * height and looks_like_band_line(ln.text)]
    return found[-2:]


def _parse_band_reads(full: list[str], second: list[str], expected_vin: str | None
                      ) -> BandReading:
    """Return the better band parse of the full-pass text and the second read, line by line."""
    chosen = []
    for i, text in enumerate(full):
        other = second[i] if i < len(second) else ""
        chosen.append(other if abs(len(other) - 44) < abs(len(text) - 44) else text)
    reading = parse_band(chosen, expected_vin=expected_vin)
    if reading.vin is None and second:
        fallback = parse_band(second, expected_vin=expected_vin)
        if fallback.vin is not None:
            return fallback
    return reading


def read_page(page: Page, limits: Limits) -> PageRead:
    """Return what one page says as a registration certificate, with its score."""
    grey = _grey(page.image)
    clean = prepare_page(grey)
    words = ocr.read_words(clean, lang="fra", psm=_FULL_PSM, timeout_s=limits.ocr_timeout_s).words
    lines = group_lines(words)
    text = "\n".join(line.text for line in lines)
    notes: list[str] = []
    band_lines, glyphs = _find_band(grey, lines)
    band_box = union_box([w for ln in band_lines for w in ln.words]) if band_lines else None
    country = detect_country(text, band_found=bool(band_lines))
    found = code_candidates(lines, country)
    # Fields next to a clearly printed code: what says "this is a certificate" (labels and
    # guessed codes also occur on other documents, e.g. "Cognome" on an Italian passport).
    anchored = {name for name, cands in found.items()
                if any(c.code_cost <= _CLEAR_CODE_COST for c in cands)}
    best = best_candidates(found, pattern_candidates(lines, country))
    country = country or _country_of_plate(best)
    infer_dates(lines, best, notes, country)
    infer_make(lines, best, notes)
    infer_holder(lines, best, notes, country)
    infer_commercial_name(lines, best, notes, country)
    fields = {name: _field(cand, page.index) for name, cand in best.items()}
    for name in _PEOPLE_FIELDS:
        if name in fields and fields[name].value:
            fields[name].value = local_accents(str(fields[name].value), country)
    notes += restore_accents(grey, fields, country, limits)

    vin_cand = best.get("vin")
    # Only a page that can still be taken for a certificate is worth searching for its VIN.
    search = _score(text, anchored, fields, None) + (0.2 if band_lines else 0.0) >= MIN_SCORE
    regions, printed = _vin_region(grey, clean, lines, vin_cand, search=search)
    if vin_cand is not None and not _overlaps(regions[0], union_box(vin_cand.words)):
        notes.append(f"vin: {vin_cand.value}, read where no VIN is printed, gave way to the "
                     "VIN the glyph classifier found")
        del fields["vin"]
        vin_cand = None
    second = _second_read(grey, clean,
                          regions if _needs_second_read(vin_cand, glyphs, printed) else [],
                          band_lines if len(glyphs) < len(band_lines) else [], limits)
    band = _band_reading(band_lines, glyphs, second, vin_cand.value if vin_cand else None)
    print_sources = [_candidate_vins(vin_cand)] if vin_cand is not None else []
    print_sources += [vin_options(t) for k, t in second if k == "vin"]
    decision = decide_vin([s for s in print_sources if s], glyphs,
                          band.vin_candidates if band is not None else [],
                          base=vin_cand.score if vin_cand else 0.45,
                          make=str(fields["make"].value) if "make" in fields else None,
                          printed=printed)
    if decision is not None:
        fields["vin"] = Field(decision.value, decision.confidence, page.index,
                              regions[0] if regions else band_box,
                              "ocr" if regions else "band")
        notes += decision.notes
    if band is not None and band_box is not None:
        cross_check_band(fields, band, band_box, page.index, notes)
    compose_holder_name(fields)
    ordered = {name: fields[name] for name in _FIELD_ORDER if name in fields}
    ordered.update(fields)
    reading = Reading(document_type="registration_certificate", country=country, fields=ordered,
                      page=page.index, score=_score(text, anchored, fields, band), notes=notes)
    return PageRead(reading, text)


def _find_band(grey: np.ndarray, lines: list[Line]) -> tuple[list[Line], list[GlyphLine]]:
    """Return the OCR lines of the SIV band and their reading by the OCR-B glyph classifier.

    The glyph reading is empty when the classifier could not fit the lines (Tesseract then
    reads them in the second read); a passport's or ID card's MRZ looks alike but does not
    start with CRFRA, and is no band.
    """
    band_lines = _band_lines(lines, grey.shape[0])
    if not band_lines:
        return [], []
    box = union_box([w for ln in band_lines for w in ln.words])
    glyphs = read_band_glyphs(grey, box, float(np.median([ln.height for ln in band_lines])))
    texts = [ln.text for ln in band_lines] + [g.text for g in glyphs]
    if not any(starts_like_band(t) for t in texts):
        return [], []
    return band_lines, glyphs


def _country_of_plate(best: dict[str, Candidate]) -> str | None:
    """Return the country whose plate format the registration number has, when no heading
    said where the certificate comes from."""
    if "registration_number" not in best:
        return None
    for guess in ("FRA", "ITA", "ESP", "BEL", "DEU"):
        if normalise_plate(best["registration_number"].value, guess)[1] >= 0.85:
            return guess
    return None


def _second_read(grey: np.ndarray, clean: np.ndarray, vin_boxes: list[Box],
                 band_lines: list[Line], limits: Limits) -> list[tuple[str, str]]:
    """Return the texts of one stacked Tesseract read of the VIN's crop variants and the band
    lines the glyph classifier could not read (nothing to read: no Tesseract run)."""
    crops: list[tuple[str, np.ndarray]] = []
    for box in vin_boxes:
        for source, height in _VIN_VARIANTS:
            image = grey if source == "grey" else clean
            crops.append(("vin", crop_box(image, box, text_height=height, pad_x=0.9)))
    for i, line in enumerate(band_lines):
        crops.append((f"band{i}", crop_box(clean, union_box(line.words),
                                            text_height=_BAND_HEIGHT, pad_x=0.6, pad_y=0.3)))
    return read_stacked(crops, limits) if crops else []


def _band_reading(band_lines: list[Line], glyphs: list[GlyphLine],
                  second: list[tuple[str, str]], expected_vin: str | None
                  ) -> BandReading | None:
    """Return the parsed band from the glyph classifier, else from Tesseract's reads."""
    if not band_lines:
        return None
    if glyphs:
        return parse_band([g.text for g in glyphs], expected_vin=expected_vin)
    return _parse_band_reads([clean_band_line(ln.text) for ln in band_lines],
                             [clean_band_line(t) for k, t in second if k.startswith("band")],
                             expected_vin)


def _vin_region(grey: np.ndarray, clean: np.ndarray, lines: list[Line],
                cand: Candidate | None, *, search: bool = True
                ) -> tuple[list[Box], np.ndarray | None]:
    """Return where the VIN is printed and its glyph log-probabilities (None when its crop
    cannot be cut into 17 characters).

    The VIN the full page read is where its words are; else it is next to its code or label.
    Where neither gives a VIN the glyph classifier can read (OCR skipped the row, misread the
    code, or took other print for the VIN: one with no known WMI), the rows of print the OCR
    did not read as words are searched for the one that reads best as a VIN (unless `search`
    is False).
    """
    text_height = float(np.median([ln.height for ln in lines])) if lines else 20.0
    if cand is not None:
        regions = [snap_to_line(grey, union_box(cand.words), text_height)]
    else:
        regions = [extend_along_ink(grey, snap_to_line(grey, box, text_height))
                   for box in vin_regions(lines)[:1]]
    printed = _printed_glyphs(grey, regions)
    if cand is not None and cand.strength >= _SURE_STRENGTH:
        return regions, printed
    own = vin_likelihood(printed) if printed is not None else 0.0
    if own >= _ROW_LIKELIHOOD or not search:
        return regions, printed
    row = _likeliest_vin_row(grey, clean, lines, text_height)
    if row is None or row[0] < (_ROW_LIKELIHOOD if not regions else _SURE_ROW_LIKELIHOOD):
        return regions, printed
    return [row[1]], row[2]


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _likeliest_vin_row(grey: np.ndarray, clean: np.ndarray, lines: list[Line],
                       text_height: float) -> tuple[float, Box, np.ndarray] | None:
    """Return (likelihood, box, glyph log-probabilities) of the row of print, among those the
    OCR did not read as words, that reads best as a VIN."""
    rows = unread_rows(lines, print_runs(clean, text_height))
    # Those as long as a VIN first: 17 characters are 9 to 14 times as wide as high.
    rows.sort(key=lambda b: abs(math.log(b[2] / max(b[3], 1) / _VIN_ASPECT)))
    best: tuple[float, Box] | None = None
    for box in rows[:_MAX_ROWS]:
        rough = _printed_glyphs(grey, [box], judged=False)  # a quick look at every row
        likelihood = vin_likelihood(rough) if rough is not None else 0.0
        if best is None or likelihood > best[0]:
            best = (likelihood, box)
        if likelihood >= _CLEAR_ROW_LIKELIHOOD:
            break
    if best is None:
        return None
    logp = _printed_glyphs(grey, [best[1]])
    return (vin_likelihood(logp), best[1], logp) if logp is not None else None


def _printed_glyphs(grey: np.ndarray, regions: list[Box], *, judged: bool = True
                    ) -> np.ndarray | None:
    """Return the printed VIN's (17, 33) log-probabilities by the multi-font glyph classifier,
    a reading free of Tesseract's language model (which turns 5 into S even on clean print);
    None when its crop cannot be cut into 17 characters."""
    if not regions:
        return None
    crop = crop_box(grey, regions[0], text_height=_GLYPH_TEXT_HEIGHT, pad_x=0.9, pad_y=0.6)
    return vin_glyph_log_probabilities(crop, judged=judged) if crop.size else None


def _needs_second_read(cand: Candidate | None, glyphs: list[GlyphLine],
                       printed: np.ndarray | None) -> bool:
    """Return False when the VIN is already sure: read whole with a high word confidence as a
    plausible VIN, found again in the band by the OCR-B classifier, or read the same, every
    character beyond doubt, by the printed-glyph classifier (or by it alone, surer still,
    where the full page read no VIN)."""
    if cand is None:
        # The classifier alone, every character this sure, outweighs the second read's three
        # variants all reading another: log(0.93 / 0.07) = 2.6 > log(3.3 / 0.3) = 2.4.
        return printed is None or float(np.min(np.max(printed, axis=1))) < _GLYPH_ALONE_LOGP
    if printed is not None:
        best = "".join(VIN_ALPHABET[int(i)] for i in np.argmax(printed, axis=1))
        if best == cand.value and float(np.min(np.max(printed, axis=1))) >= _GLYPH_SURE_LOGP:
            return False
    whole = len(cand.words) == 1 and normalise_vin(cand.words[0].text) == cand.value
    if whole and any(cand.value in g.text for g in glyphs):
        return False
    return not (whole and cand.words[0].confidence >= _SURE_WORD_CONFIDENCE
                and vin_plausibility(cand.value) >= 0.9)


def _candidate_vins(cand: Candidate) -> list[str]:
    """Return the full-pass VIN and, when it had to be repaired, the other repairs."""
    read = normalise_vin("".join(w.text for w in cand.words))
    if vin_format_ok(read):
        return [read]
    return [cand.value, *(v for v in vin_repairs(read) if v != cand.value)]


def _field(cand: Candidate, page: int) -> Field:
    return Field(cand.value, round(min(0.99, max(0.0, cand.score)), 3), page,
                 union_box(cand.words) if cand.words else None)


def _score(text: str, anchored: set[str], fields: dict[str, Field],
           band: BandReading | None) -> float:
    """Return 0..1: how sure we are that the page is a registration certificate."""
    score = 0.07 * len(anchored)
    if "vin" in fields and fields["vin"].value and "vin" in anchored:
        score += 0.2
    if band is not None and band.vin:
        score += 0.2
    return round(min(1.0, max(score, looks_like_registration(text))), 3)
