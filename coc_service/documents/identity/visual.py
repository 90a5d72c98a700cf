"""The visual zone as a second source: names as printed (accents kept) and dates, cross-checked
against the MRZ.

Only a region is OCR-ed, in one Tesseract call: the part of the page above the MRZ (passport
data page, 1988 French card, TD2 cards), or the other side of a TD1 card (its front). Names are
found by matching the MRZ's transliterated words against the printed words, which keeps this
independent of each country's labels and layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from coc_service.documents import ocr
from coc_service.documents.identity.transliterate import mrz_spellings
from coc_service.documents.text_layout import find_blobs
from coc_service.documents.types import Box, Page

_VISUAL_CHAR = 30.0  # px the MRZ characters get in the OCR-ed region; printed text is similar
_MAX_PIXELS = 1_600_000
_BLOB_SIDE = 1400  # px: the sheet is searched for print beside the card at this size
_MIN_BESIDE_BLOBS = 25  # fewer character-like blobs beside the card are background, not print


@dataclass
class VisualLine:
    text: str
    page: int
    box: Box
    words: list[tuple[str, float]] = field(default_factory=list)  # (word, OCR confidence)

    def tokens(self) -> list[tuple[str, float, bool]]:
        """Return the line's name-like tokens (letters, inner hyphens and apostrophes), upper
        case, with their OCR confidence and whether they were printed in capitals."""
        words = self.words or [(self.text, 1.0)]
        return [(t.upper(), conf, t == t.upper()) for word, conf in words
                for t in _TOKEN.findall(word)]


@dataclass
class VisualZone:
    lines: list[VisualLine] = field(default_factory=list)
    pages_read: list[int] = field(default_factory=list)


def _ocr_region(image: np.ndarray, region: tuple[int, int, int, int], scale: float,
                page: int, timeout_s: float) -> list[VisualLine]:
    x, y, w, h = region
    crop = image[y : y + h, x : x + w]
    if crop.size == 0:
        return []
    scale = min(scale, (_MAX_PIXELS / crop.size) ** 0.5)
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    small = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=interp)
    text = ocr.read_words(small, lang="fra", psm=3, timeout_s=timeout_s)
    out = []
    for words in text.lines():
        x0 = min(wd.box[0] for wd in words)
        y0 = min(wd.box[1] for wd in words)
        x1 = max(wd.box[0] + wd.box[2] for wd in words)
        y1 = max(wd.box[1] + wd.box[3] for wd in words)
        box = (round(x + x0 / scale), round(y + y0 / scale), round((x1 - x0) / scale),
               round((y1 - y0) / scale))
        out.append(VisualLine(" ".join(wd.text for wd in words), page, box,
                              [(wd.text, wd.confidence) for wd in words]))
    return out


def read_visual_zone(pages: list[Page], mrz_page: Page, band_box: Box, char_height: float,
                     *, layout: str, timeout_s: float, other_pages: bool = False) -> VisualZone:
    """Return the printed lines of the visual zone that goes with an MRZ.

    `other_pages` also reads the other sides of a non-TD1 document (the back of the 1988
    French card prints its issue date).
    """
    zone = VisualZone()
    scale = _VISUAL_CHAR / max(char_height, 1.0)
    x, y, w, _ = band_box
    if layout != "TD1":
        image = mrz_page.image
        top = max(0, round(y - 0.72 * w))
        left = max(0, round(x - 0.03 * w))
        right = min(image.shape[1], round(x + 1.03 * w))
        region = (left, top, right - left, max(0, y - top))
        zone.lines += _ocr_region(image, region, scale, mrz_page.index, timeout_s)
        zone.pages_read.append(mrz_page.index)
    if layout == "TD1" or other_pages:  # a TD1 card carries its names on the front
        read_other_sides(zone, pages, mrz_page, char_height, timeout_s=timeout_s)
    return zone


def read_other_sides(zone: VisualZone, pages: list[Page], mrz_page: Page, char_height: float,
                     *, timeout_s: float) -> None:
    """Add to the zone the lines of every page but the MRZ's one not read yet (whole pages,
    the print scaled as the MRZ's characters)."""
    scale = _VISUAL_CHAR / max(char_height, 1.0)
    for page in pages:
        if page.index == mrz_page.index or page.index in zone.pages_read:
            continue
        region = (0, 0, page.image.shape[1], page.image.shape[0])
        zone.lines += _ocr_region(page.image, region, scale, page.index, timeout_s)
        zone.pages_read.append(page.index)


def read_beside_card(zone: VisualZone, page: Page, band_box: Box, char_height: float,
                     *, timeout_s: float) -> None:
    """Add to the zone what is printed on the MRZ's page beside the card (the back of a 1988
    card photocopied next to its front on one sheet), when there is print enough there.

    The front is placed from its MRZ band (the band spans most of the card's width, the card
    is about 0.8 band widths tall and the band at its foot); every character-like blob outside
    it is taken, and the box around them is read.
    """
    image = page.image
    reduce = min(1.0, _BLOB_SIDE / max(image.shape[:2]))
    small = cv2.resize(image, None, fx=reduce, fy=reduce, interpolation=cv2.INTER_AREA)
    blobs = find_blobs(small)
    x, y, w, h = band_box
    left, right = x - 0.12 * w, x + 1.12 * w
    top, bottom = y + h - 0.85 * w, y + h + 0.12 * w
    bx, by = blobs.x / reduce, blobs.y / reduce
    outside = ~((bx >= left) & (bx <= right) & (by >= top) & (by <= bottom))
    if int(outside.sum()) < _MIN_BESIDE_BLOBS:
        return
    pad = 2.0 * char_height
    x0 = max(0, int(bx[outside].min() - pad))
    y0 = max(0, int(by[outside].min() - pad))
    x1 = min(image.shape[1], int(bx[outside].max() + pad))
    y1 = min(image.shape[0], int(by[outside].max() + pad))
    scale = _VISUAL_CHAR / max(char_height, 1.0)
    zone.lines += _ocr_region(image, (x0, y0, x1 - x0, y1 - y0), scale, page.index, timeout_s)


_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)


@dataclass
class NameMatch:
    printed: str  # as printed, upper case
    exact: bool  # transliterates to exactly the MRZ value (or extends a truncated one)
    distance: int
    confidence: float = 1.0  # the lowest OCR confidence of its words


def find_name(zone: VisualZone, mrz_value: str, *, truncated: bool) -> NameMatch | None:
    """Return the printed words that spell `mrz_value` (space-separated MRZ words)."""
    if not mrz_value:
        return None
    target = mrz_value
    n_words = len(target.split())
    best: NameMatch | None = None
    for line in zone.lines:
        tokens = line.tokens()
        for size in range(max(1, n_words - 1), n_words + 4):
            for start in range(0, max(0, len(tokens) - size) + 1):
                window = tokens[start : start + size]
                if not window:
                    continue
                printed = " ".join(t for t, _, _ in window)
                confidence = min(c for _, c, _ in window)
                for spelled in mrz_spellings(printed):
                    if spelled == target or (truncated and spelled.startswith(target)):
                        if truncated:  # the MRZ lost the end: take the capitals that follow
                            end = start + size
                            while end < len(tokens) and tokens[end][2]:
                                end += 1
                            window = tokens[start:end]
                            printed = " ".join(t for t, _, _ in window)
                            confidence = min(c for _, c, _ in window)
                        return NameMatch(printed, True, 0, confidence)
                    dist = Levenshtein.distance(spelled, target)
                    if dist <= max(1, len(target) // 6) and (best is None or dist < best.distance):
                        best = NameMatch(printed, False, dist, confidence)
    return best


_MONTHS = {
    **dict.fromkeys(["JAN", "JANV", "GEN", "ENE", "JANVIER", "JANUARY"], 1),
    **dict.fromkeys(["FEB", "FEV", "FÉV", "FEVR", "FÉVR"], 2),
    **dict.fromkeys(["MAR", "MARS", "MÄR", "MRZ"], 3),
    **dict.fromkeys(["APR", "AVR", "ABR"], 4),
    **dict.fromkeys(["MAY", "MAI", "MAG"], 5),
    **dict.fromkeys(["JUN", "JUIN", "GIU"], 6),
    **dict.fromkeys(["JUL", "JUIL", "LUG"], 7),
    **dict.fromkeys(["AUG", "AOU", "AOUT", "AOÛT", "AGO"], 8),
    **dict.fromkeys(["SEP", "SEPT", "SET"], 9),
    **dict.fromkeys(["OCT", "OKT", "OTT"], 10),
    **dict.fromkeys(["NOV"], 11),
    **dict.fromkeys(["DEC", "DÉC", "DEZ", "DIC"], 12),
}
# Lookaheads so that matches may overlap: "Q4 11 06 2033" holds "11 06 2033".
_NUMERIC = re.compile(
    r"(?<!\d)(?=(\d{1,2})\s?[./\- ]\s?(\d{1,2})\s?[./\- ]\s?(\d{4}|\d{2})(?!\d))")
_NAMED = re.compile(r"(?<!\d)(?=(\d{1,2})\s+([A-ZÀ-Ý]{3,5})\.?(?:\s*/\s*[A-ZÀ-Ý]{3,5}\.?)?\s+"
                    r"(\d{4}|\d{2})(?!\d))")


def dates_in(zone: VisualZone) -> list[tuple[int, int, int, VisualLine]]:
    """Return (day, month, year) found in the zone; two-digit years are kept as 0..99."""
    out = []
    for line in zone.lines:
        text = line.text.upper()
        for m in _NUMERIC.finditer(text):
            out.append((int(m[1]), int(m[2]), int(m[3]), line))
        for m in _NAMED.finditer(text):
            month = _MONTHS.get(m[2])
            if month:
                out.append((int(m[1]), month, int(m[3]), line))
    return [d for d in out if 1 <= d[0] <= 31 and 1 <= d[1] <= 12]


def date_found(zone: VisualZone, wanted: date) -> VisualLine | None:
    """Return the line that prints `wanted` (4- or 2-digit year), if any."""
    for day, month, year, line in dates_in(zone):
        if (day, month) == (wanted.day, wanted.month) and year in (wanted.year,
                                                                    wanted.year % 100):
            return line
    return None


_ISSUED = re.compile(r"D[ÉE]LIVR[ÉE]E?\s+LE", re.IGNORECASE)


def issue_date(zone: VisualZone) -> date | None:
    """Return the "délivrée le" date printed on the back of a 1988 French card, if read."""
    for day, month, year, line in dates_in(zone):
        if _ISSUED.search(line.text) and year > 1900:
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None
