"""Read one certificate page: a single full-page OCR pass, code-anchored fields, one stacked
second read of the VIN and the SIV band, and cross-checks between the sources."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from coc_service.documents import ocr
from coc_service.documents.registration.band import (
    BandReading,
    clean_band_line,
    looks_like_band_line,
    parse_band,
)
from coc_service.documents.registration.band_glyphs import GlyphLine, read_band_glyphs
from coc_service.documents.registration.clean import prepare_page
from coc_service.documents.registration.country import detect_country, looks_like_registration
from coc_service.documents.registration.crosscheck import compose_holder_name, cross_check_band
from coc_service.documents.registration.fields import (
    Candidate,
    best_candidates,
    code_candidates,
    pattern_candidates,
    unclaimed_dates,
    vin_regions,
)
from coc_service.documents.registration.layout import Line, group_lines, union_box
from coc_service.documents.registration.normalise import (
    local_accents,
    normalise_plate,
    normalise_vin,
    vin_format_ok,
    vin_plausibility,
    vin_repairs,
)
from coc_service.documents.registration.reread import crop_box, read_stacked
from coc_service.documents.registration.vin_vote import decide_vin
from coc_service.documents.types import Field, Limits, Page, Reading

# The full pass reads sparse text (psm 11): a certificate is a grid of short fields, which page
# segmentation (psm 3) tends to merge across columns.
_FULL_PSM = 11
# Text heights (px) of the VIN crop variants in the second read: different sizes and sources
# make different mistakes, which the vote then outweighs.
_VIN_VARIANTS = (("grey", 32), ("clean", 32), ("grey", 44))
_BAND_HEIGHT = 36
_PEOPLE_FIELDS = ("holder_name", "holder_surname", "holder_given_names", "holder_address",
                  "owner_surname", "owner_given_names", "owner_address")


@dataclass
class PageRead:
    reading: Reading
    text: str


def _grey(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def vin_options(text: str) -> list[str]:
    """Return the VIN a read gives, or the few VINs it gives once a stray character is dropped."""
    vin = normalise_vin(text)
    options = [vin] if vin_format_ok(vin) else vin_repairs(vin)
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
    band_lines = _band_lines(lines, clean.shape[0])
    country = detect_country(text, band_found=bool(band_lines))
    found = code_candidates(lines, country)
    anchored = {name for name, cands in found.items() if cands}
    best = best_candidates(found, pattern_candidates(lines, country))
    if country is None and "registration_number" in best:
        for guess in ("FRA", "ITA", "ESP", "BEL", "DEU"):
            if normalise_plate(best["registration_number"].value, guess)[1] >= 0.85:
                country = guess
                break
    if "certificate_date" not in best:
        # I is a lone thin letter that OCR often loses; a single date no code took is its value.
        spare = [c for c in unclaimed_dates(lines, best)
                 if "first_registration_date" not in best
                 or c.value >= best["first_registration_date"].value]
        if len({c.value for c in spare}) == 1:
            best["certificate_date"] = spare[0]
            notes.append("certificate_date: code I not read; the one unlabelled date was taken")
    fields = {name: _field(cand, page.index) for name, cand in best.items()}
    for name in _PEOPLE_FIELDS:
        if name in fields and fields[name].value:
            fields[name].value = local_accents(str(fields[name].value), country)

    # The band: read by the OCR-B glyph classifier when it can, else by Tesseract below.
    band_box = union_box([w for ln in band_lines for w in ln.words]) if band_lines else None
    glyphs: list[GlyphLine] = []
    if band_box is not None:
        height = float(np.median([ln.height for ln in band_lines]))
        glyphs = read_band_glyphs(grey, band_box, height)

    # One stacked second read by Tesseract: the VIN in a few variants (and the band lines when
    # the glyph classifier could not read them).
    vin_cand = best.get("vin")
    crops: list[tuple[str, np.ndarray]] = []
    regions = [union_box(vin_cand.words)] if vin_cand is not None else vin_regions(lines)[:1]
    for box in regions:
        for source, height in _VIN_VARIANTS:
            image = grey if source == "grey" else clean
            crops.append(("vin", crop_box(image, box, text_height=height)))
    if band_lines and len(glyphs) < len(band_lines):
        for i, line in enumerate(band_lines):
            crops.append((f"band{i}", crop_box(clean, union_box(line.words),
                                                text_height=_BAND_HEIGHT, pad_x=0.6,
                                                pad_y=0.3)))
    second = read_stacked(crops, limits) if crops else []

    band: BandReading | None = None
    if band_lines:
        expected = vin_cand.value if vin_cand else None
        if glyphs:
            band = parse_band([g.text for g in glyphs], expected_vin=expected)
        else:
            band = _parse_band_reads([clean_band_line(ln.text) for ln in band_lines],
                                     [clean_band_line(t) for k, t in second
                                      if k.startswith("band")], expected)
    print_sources: list[list[str]] = []
    if vin_cand is not None:
        print_sources.append(_candidate_vins(vin_cand))
    print_sources += [vin_options(t) for k, t in second if k == "vin"]
    decision = decide_vin([s for s in print_sources if s], glyphs,
                          band.vin_candidates if band is not None else [],
                          base=vin_cand.score if vin_cand else 0.45)
    if decision is not None:
        fields["vin"] = Field(decision.value, decision.confidence, page.index,
                              regions[0] if regions else band_box,
                              "ocr" if regions else "band")
        notes += decision.notes
    if band is not None and band_box is not None:
        cross_check_band(fields, band, band_box, page.index, notes)
    compose_holder_name(fields)
    score = _score(text, anchored, fields, band)
    reading = Reading(document_type="registration_certificate", country=country, fields=fields,
                      page=page.index, score=score, notes=notes)
    return PageRead(reading, text)


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
