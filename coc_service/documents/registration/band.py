"""The machine-readable band at the foot of the French SIV certificate: find, read and parse it.

The band is two lines of 44 OCR-B characters; the first starts with `CR` + `FRA` and carries the
plate, the VIN and the first-registration date, the second the body code, make, commercial name
and the certificate's formula number (as in public specimens: `CI<<MARQUES<<<<<<<MODELE<<<<<<<
2009AS0528402`). No official field-by-field layout of line 1 is public, so the parser is
layout-agnostic: it finds the VIN (17 characters of the VIN alphabet), the plate (SIV or FNI
shape) and dates (YYMMDD, DDMMYYYY, YYYYMMDD) by pattern wherever they stand, and line 2's make
and name as the `<<`-separated words. The band is only ever a second source, cross-checked
against the printed fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from coc_service.documents.registration.normalise import (
    canonical_make,
    normalise_plate,
    normalise_vin,
    vin_plausibility,
    vin_repairs,
)
from coc_service.documents.types import Box

BAND_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
_FORMULA = re.compile(r"(\d{4}[A-Z]{2}\d{5})")


@dataclass
class BandReading:
    """What the band says (each value None when it could not be found)."""

    lines: list[str]
    vin: str | None = None
    vin_candidates: list[str] = field(default_factory=list)
    plate: str | None = None
    dates: list[date] = field(default_factory=list)
    other_dates: list[date] = field(default_factory=list)  # other readings of the same digits
    make: str | None = None
    commercial_name: str | None = None
    formula_number: str | None = None
    box: Box | None = None
    confidence: float = 0.0


def clean_band_line(text: str) -> str:
    """Return a band line in the band alphabet: upper case, no spaces, odd marks read as '<'."""
    text = text.upper().replace(" ", "").replace("«", "<<").replace("‹", "<")
    return "".join(c if c in BAND_ALPHABET else "<" for c in text)


def looks_like_band_line(text: str) -> bool:
    """Return True when an OCR line is plausibly one line of the band."""
    compact = text.replace(" ", "")
    if len(compact) < 24:
        return False
    return compact.count("<") >= 2 or compact.upper().startswith(("CRFRA", "CRFR", "RFRA"))


def starts_like_band(text: str) -> bool:
    """Return True when a line begins like the band's first line, `CRFRA`, give or take one
    misread character (a passport's `P<FRA` does not)."""
    return fuzz.ratio(clean_band_line(text)[:5], "CRFRA") >= 80


def band_dates(text: str) -> tuple[list[date], list[date]]:
    """Return (dates read the usual way, other possible readings) of the digit runs in a band.

    Six digits are read as YYMMDD (the machine-readable-zone habit) and, as a second choice,
    DDMMYY; eight as DDMMYYYY or else YYYYMMDD.
    """
    primary: list[date] = []
    other: list[date] = []
    today = date.today()

    def century(yy: int) -> int:
        return 2000 + yy if 2000 + yy <= today.year + 1 else 1900 + yy

    for run in re.findall(r"(?<!\d)(\d{6}|\d{8})(?!\d)", text):
        if len(run) == 8:
            options = [(int(run[4:]), int(run[2:4]), int(run[:2])),
                       (int(run[:4]), int(run[4:6]), int(run[6:]))]
        else:
            options = [(century(int(run[:2])), int(run[2:4]), int(run[4:])),
                       (century(int(run[4:])), int(run[2:4]), int(run[:2]))]
        valid = []
        for year, month, day in options:
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
            if 1950 <= candidate.year <= today.year + 1:
                valid.append(candidate)
        if valid:
            primary.append(valid[0])
            other.extend(valid[1:])
    return primary, other


def vin_candidates(line: str) -> list[str]:
    """Return the VINs a band line may hold, most plausible first (I/O misreads undone)."""
    scored: dict[str, float] = {}
    for i in range(0, len(line) - 16):
        raw = line[i : i + 17]
        if "<" in raw:
            continue
        window = normalise_vin(raw)
        score = vin_plausibility(window, raw)
        before, after = line[i - 1 : i] if i else "<", line[i + 17 : i + 18] or "<"
        score += 0.2 * (before == "<" or line[:i].endswith("FRA")) + 0.2 * (after == "<")
        if score >= 0.6:
            scored[window] = max(score, scored.get(window, 0.0))
    for run in re.split(r"<+", line):
        if 17 < len(run) <= 19:  # a character too many inside the VIN's own run
            for fixed in vin_repairs(normalise_vin(run)):
                score = vin_plausibility(fixed) + 0.2
                if score >= 0.6:
                    scored[fixed] = max(score, scored.get(fixed, 0.0))
    ranked = sorted(scored, key=lambda v: -scored[v])
    return ranked


def parse_band(lines: list[str], *, expected_vin: str | None = None) -> BandReading:
    """Return what a two-line band says; `expected_vin` (the printed E) settles ambiguities."""
    cleaned = [clean_band_line(line) for line in lines]
    reading = BandReading(lines=cleaned)
    first = next((line for line in cleaned if re.match(r"^.?R?FRA|^CR", line)),
                 cleaned[0] if cleaned else "")
    others = [line for line in cleaned if line is not first]
    reading.vin_candidates = vin_candidates(first) or next(
        (c for c in (vin_candidates(line) for line in others) if c), [])
    if expected_vin and expected_vin in reading.vin_candidates:
        reading.vin = expected_vin
    elif reading.vin_candidates:
        scores = [vin_plausibility(v) for v in reading.vin_candidates[:2]]
        # Several repairs of one misread run are equally good: the band alone cannot choose.
        if len(scores) == 1 or scores[0] > scores[1] or reading.vin_candidates[0] in first:
            reading.vin = reading.vin_candidates[0]
    runs = [run for run in re.split(r"<+", first) if run]
    if reading.vin and runs:
        # Take the VIN's own run out before looking for the plate and dates.
        vin = reading.vin
        vin_run = max(runs, key=lambda run: fuzz.partial_ratio(normalise_vin(run), vin))
        runs.remove(vin_run)
        head = re.match(r"^.{0,2}FRA", vin_run)
        if head and len(vin_run) - head.end() < 17:
            runs.insert(0, vin_run[: head.end()])
    if runs:
        runs[0] = re.sub(r"^.{0,2}FRA", "", runs[0])
    for run in runs:
        plate, strength = normalise_plate(run, "FRA", compact=True)
        if plate and strength >= 0.85:
            reading.plate = plate
            runs.remove(run)
            break
    tail = "<".join(runs)
    if len(first) >= 43 and runs and len(runs[-1]) == 1:
        tail = "<".join(runs[:-1])  # the line ends with a check digit, not part of a date
    reading.dates, reading.other_dates = band_dates(tail)
    for line in others:
        formula = _FORMULA.search(line)
        if formula:
            reading.formula_number = formula.group(1)
        words = [w.replace("<", " ").strip() for w in re.split(r"<{2,}", line) if w.strip("<")]
        words = [w for w in words if not _FORMULA.search(w.replace(" ", ""))]
        for i, word in enumerate(words):
            make = canonical_make(word)
            if make or (i == 1 and len(word) >= 2 and word.replace(" ", "").isalpha()):
                reading.make = make or word
                if i + 1 < len(words):
                    reading.commercial_name = words[i + 1]
                break
    found = sum(x is not None for x in (reading.vin, reading.plate)) + bool(reading.dates)
    shape = sum(abs(len(line) - 44) <= 2 for line in cleaned) / max(1, len(cleaned))
    reading.confidence = round(0.25 * found + 0.25 * shape, 3)
    return reading
