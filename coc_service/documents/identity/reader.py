"""Read an identity document from its pages: find and read the MRZ, then build the fields."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import cv2
import numpy as np

from coc_service.documents.identity.band import (
    BandCandidate,
    find_mrz_bands,
    scale_for_print,
    warp_band,
)
from coc_service.documents.identity.mrz_ocr import BandReading, read_band
from coc_service.documents.identity.mrz_parse import checks_for
from coc_service.documents.pages import main_print_height
from coc_service.documents.types import Box, Field, Page

TARGET_CHAR = 30.0  # px the MRZ characters get in the band crop the classifier reads
MAX_CANDIDATES = 5  # band candidates tried per page
HINTED_CANDIDATES = 2  # of which tried first, found at the scale the page's print calls for
MAX_TURNED = 2  # of which read upside down too, when nothing upright was credible


@dataclass
class MrzFind:
    page: Page
    reading: BandReading
    to_page: np.ndarray  # 3x3, band-crop pixels -> page pixels
    char_height: float  # page px
    band_box: Box


def expanded_quad(cand: BandCandidate) -> np.ndarray:
    """Return the candidate's quad grown across the lines, so a missed line is inside."""
    quad = cand.quad.astype(np.float64).copy()
    down = quad[3] - quad[0]
    down /= max(np.linalg.norm(down), 1e-6)
    grow = 1.2 * cand.char_height
    quad[0] -= down * grow
    quad[1] -= down * grow
    quad[2] += down * grow
    quad[3] += down * grow
    return quad.astype(np.float32)


def _read_candidate(page: Page, cand: BandCandidate, flip: bool,
                    today: date | None) -> MrzFind | None:
    crop, to_page = warp_band(page.image, expanded_quad(cand), cand.char_height,
                              target_char=TARGET_CHAR)
    if flip:  # an upside-down document: read the crop turned half a turn
        h, w = crop.shape
        crop = cv2.rotate(crop, cv2.ROTATE_180)
        turn = np.array([[-1, 0, w - 1], [0, -1, h - 1], [0, 0, 1]], dtype=np.float64)
        to_page = to_page @ turn
    reading = read_band(crop, TARGET_CHAR, today=today)
    if reading is None:
        return None
    find = MrzFind(page, reading, to_page, cand.char_height, (0, 0, 0, 0))
    find.band_box = _band_box(find)
    return find


def find_mrz(pages: list[Page], *, deadline: float, today: date | None = None,
             glance: bool = False) -> MrzFind | None:
    """Return the best MRZ reading over all pages (upright first, then turned 180°).

    Each page is first searched at the one scale its print size calls for (page preparation
    measured it): that finds nearly every MRZ at a fraction of the cost of searching every
    scale, which is done only when nothing trustworthy was read there (`glance` stops
    there). A band already read at one scale is not read again at another.
    """
    seen: dict[int, dict[float, list[BandCandidate]]] = {id(page): {} for page in pages}
    tried: list[tuple[Page, BandCandidate, bool]] = []
    best: MrzFind | None = None

    def attempt(page: Page, cand: BandCandidate, flip: bool) -> None:
        nonlocal best
        if any(p is page and f == flip and c.same_band(cand) for p, c, f in tried):
            return
        tried.append((page, cand, flip))
        found = _read_candidate(page, cand, flip, today)
        if found is not None and (best is None or found.reading.score > best.reading.score):
            best = found

    for page in pages:
        hint = scale_for_print(main_print_height(page), page.image.shape)
        for cand in find_mrz_bands(page.image, max_candidates=HINTED_CANDIDATES,
                                   seen=seen[id(page)], scales=[hint]):
            if time.monotonic() > deadline:
                return best
            attempt(page, cand, False)
            if best is not None and best.reading.trusted:
                return best
    if glance:
        return best
    candidates = [(page, cand) for page in pages for cand in find_mrz_bands(
        page.image, max_candidates=MAX_CANDIDATES, seen=seen[id(page)])]
    turned = sorted(candidates, key=lambda pc: -pc[1].prior)[:MAX_TURNED]
    for flip in (False, True):
        for page, cand in turned if flip else candidates:
            if time.monotonic() > deadline:
                return best
            attempt(page, cand, flip)
            if best is not None and best.reading.trusted:
                return best
        if best is not None and best.reading.credible:
            return best
    return best


def _page_points(find: MrzFind, pts: np.ndarray) -> np.ndarray:
    return cv2.perspectiveTransform(pts.reshape(-1, 1, 2).astype(np.float64),
                                    find.to_page).reshape(-1, 2)


def cells_box(find: MrzFind, cells: list[tuple[int, int]]) -> Box:
    """Return the page box (x, y, w, h) around MRZ cells given as (line, index)."""
    corners = []
    for line_no, i in cells:
        line = find.reading.cells[line_no]
        cx, cy = line.centres[i]
        hx, hy = line.pitch / 2, line.height * 0.6
        corners += [(cx - hx, cy - hy), (cx + hx, cy - hy), (cx + hx, cy + hy), (cx - hx, cy + hy)]
    pts = _page_points(find, np.array(corners))
    x0, y0 = np.floor(pts.min(axis=0))
    x1, y1 = np.ceil(pts.max(axis=0))
    return (int(x0), int(y0), int(x1 - x0), int(y1 - y0))


def _band_box(find: MrzFind) -> Box:
    cells = [(k, i) for k, line in enumerate(find.reading.cells)
             for i in (0, len(line.centres) - 1)]
    return cells_box(find, cells)


# Which check digit protects which field (the composite protects them all as well).
_PROTECTED_BY = {
    "document_number": "document_number",
    "birth_date": "birth_date",
    "expiry_date": "expiry_date",
}


def mrz_fields(find: MrzFind) -> dict[str, Field]:
    """Return the contract's identity fields read from the MRZ, each with confidence and box."""
    reading = find.reading
    parsed = reading.parsed
    probs = reading.correction.confidences
    failed = set(parsed.failed_checks)
    composite_ok = reading.layout.composite.name not in failed
    check_names = {c.name for c in checks_for(reading.layout, parsed.lines)}
    fields: dict[str, Field] = {}
    for name, value in parsed.values.items():
        spans = parsed.spans.get(name, [])
        cells = [(s.line, i) for s in spans for i in range(s.start, s.end)]
        chosen = [probs[ln][i] for ln, i in cells]
        lowest = min(chosen, default=0.0)
        check = _PROTECTED_BY.get(name)
        if reading.layout.name == "FRA_ID_1988" and composite_ok and reading.credible:
            confidence = 0.9 + 0.1 * lowest  # its final check covers every character
        elif check in check_names and check not in failed and reading.credible:
            confidence = 0.9 + 0.1 * lowest
        elif check is not None and check in failed:
            confidence = 0.5 * lowest
        else:  # unprotected (names, codes): the typical character, held down by the worst
            typical = float(np.exp(np.mean(np.log(np.maximum(chosen, 1e-6))))) if chosen else 0.0
            confidence = min(typical, 3 * lowest)
        if not reading.credible:
            confidence *= 0.5
        fields[name] = Field(
            value=value,
            confidence=confidence,
            page=find.page.index,
            box=cells_box(find, cells) if cells else None,
            source="mrz",
        )
    return fields
