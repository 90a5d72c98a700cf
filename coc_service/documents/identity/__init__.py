"""Identity documents (ID cards, passports) read by their machine-readable zone.

`read_identity(pages, limits=...)` finds the MRZ band on any page without OCR-ing the page,
reads it with an OCR-B glyph classifier at fixed pitch, corrects it with the check digits,
parses it (ICAO 9303 TD1, TD2, TD3 and the French card of 1988-2021) and, when useful or asked,
cross-checks it against the printed visual zone.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Literal

from coc_service.documents.errors import StageTimeout
from coc_service.documents.identity.fra1988 import derive_expiry
from coc_service.documents.identity.reader import MrzFind, find_mrz, mrz_fields
from coc_service.documents.identity.transliterate import plain_letters
from coc_service.documents.identity.visual import (
    VisualZone,
    date_found,
    find_name,
    issue_date,
    read_beside_card,
    read_other_sides,
    read_visual_zone,
)
from coc_service.documents.types import DocumentType, Field, Limits, MrzReading, Page, Reading

__all__ = ["VisualMode", "read_identity"]

VisualMode = Literal["auto", "always", "never"]
# OCR confidence a printed name needs to replace the MRZ spelling: Tesseract sometimes misplaces
# an accent (Ó read Ô), and the MRZ spelling is always an acceptable value.
ADOPT_CONFIDENCE = 0.85
# A page whose size and proportions are within this of the card's may be its back (a photo of
# the back is cropped a little differently from the front's).
BACK_SIZE_TOLERANCE = 0.2


def _document_type(code: str | None, layout: str) -> DocumentType:
    first = (code or " ")[0]
    if first == "P":
        return "passport"
    if first in "IAC" or layout == "FRA_ID_1988":
        return "id_card"
    return "unknown"  # visas (V) are not identity documents


def _name_may_be_truncated(find: MrzFind) -> bool:
    lines = find.reading.parsed.lines
    layout = find.reading.layout.name
    if layout == "FRA_ID_1988":
        return lines[1][26] != "<" or lines[0][29] != "<"
    name_line = lines[2] if layout == "TD1" else lines[0]
    return name_line[-1] != "<"


def read_identity(
    pages: list[Page],
    *,
    limits: Limits,
    today: date | None = None,
    visual: VisualMode = "auto",
    glance: bool = False,
) -> Reading | None:
    """Return what the identity document on `pages` says, or None when no MRZ is found.

    `visual`: "always" reads the printed zone as a second source (one Tesseract call per
    side); "auto" only when the MRZ is doubtful or a name may be cut short in it; "never"
    keeps to the MRZ (fastest). `glance` looks for the MRZ only where the print size says it
    should be (a fraction of the full search, which finds a few more on poor photos).
    """
    started = time.monotonic()
    find = find_mrz(pages, deadline=started + limits.stage_timeout_s, today=today,
                    glance=glance)
    if find is None or not find.reading.credible:
        return None
    reading = find.reading
    parsed = reading.parsed
    fields = mrz_fields(find)
    notes: list[str] = []
    if reading.correction.changed:
        notes.append(f"MRZ: {reading.correction.changed} character(s) chosen by check digits")
    if parsed.failed_checks:
        notes.append("MRZ checks failed: " + ", ".join(parsed.failed_checks))
    wants_visual = visual == "always" or (
        visual == "auto" and (not reading.trusted or _name_may_be_truncated(find))
    )
    zone = VisualZone()
    if wants_visual:
        remaining = limits.stage_timeout_s - (time.monotonic() - started)
        if remaining > 1.0:
            try:
                zone = read_visual_zone(
                    pages, find.page, find.band_box, find.char_height,
                    layout=reading.layout.name, timeout_s=min(limits.ocr_timeout_s, remaining),
                    other_pages=visual == "always",
                )
            except StageTimeout:  # the MRZ was read; the second source is only a check
                notes.append("visual zone: OCR timed out")
            else:
                notes += _cross_check(zone, find, fields)
    if reading.layout.name == "FRA_ID_1988":
        if visual != "never" and issue_date(zone) is None:
            notes += _read_back(pages, find, zone, limits, started)
        notes += _derived_expiry(fields, zone, find)
    return Reading(
        document_type=_document_type(parsed.values["document_type_code"], reading.layout.name),
        country=parsed.values["issuing_country"],
        fields=fields,
        mrz=MrzReading(
            format=reading.layout.name,
            lines=list(parsed.lines),
            valid=parsed.valid,
            failed_checks=list(parsed.failed_checks),
        ),
        page=find.page.index,
        score=0.99 if reading.trusted else 0.75,
        notes=notes,
    )


def _cross_check(zone: VisualZone, find: MrzFind, fields: dict[str, Field]) -> list[str]:
    """Confirm the MRZ against the printed zone; adopt printed names; return findings."""
    if not zone.pages_read:
        return ["visual zone: no other side to read"]
    notes: list[str] = []
    truncated = _name_may_be_truncated(find)
    for name in ("surname", "given_names"):
        current = fields.get(name)
        if current is None or not current.value:
            continue
        match = find_name(zone, current.value, truncated=truncated)
        if match is None:
            notes.append(f"visual zone: {name} not found")
        elif match.exact and match.confidence >= ADOPT_CONFIDENCE:
            # As printed (accents, hyphens, the part an MRZ cuts off). Tesseract reads French
            # accents well but not others (Ñ, Ă, Ó come out wrong), so elsewhere the printed
            # words are kept in MRZ letters.
            french = find.reading.parsed.values["issuing_country"] == "FRA"
            current.value = match.printed if french else plain_letters(match.printed)
            current.source = "visual"
        else:
            notes.append(f"visual zone: {name} reads {match.printed!r}, MRZ {current.value!r}")
    for name in ("birth_date", "expiry_date"):
        current = fields.get(name)
        if current is None or not current.value or current.derived:
            continue
        if date_found(zone, date.fromisoformat(current.value)) is None:
            notes.append(f"visual zone: {name} {current.value} not found")
    return notes


def _read_back(pages: list[Page], find: MrzFind, zone: VisualZone, limits: Limits,
               started: float) -> list[str]:
    """Read the other side of a 1988 card, which prints the day of issue ("délivrée le"): the
    law's validity runs from that day, the card number gives only the month. The back is an
    other page of the card's size, or printed beside the front on the same sheet."""
    remaining = limits.stage_timeout_s - (time.monotonic() - started)
    if remaining <= 1.0:
        return []
    timeout_s = min(limits.ocr_timeout_s, remaining)
    backs = [page for page in pages if page.index != find.page.index
             and _card_sized(page, find.page)]
    try:
        if backs:
            read_other_sides(zone, backs, find.page, find.char_height, timeout_s=timeout_s)
        if issue_date(zone) is None:  # both sides photocopied on one sheet?
            read_beside_card(zone, find.page, find.band_box, find.char_height,
                             timeout_s=timeout_s)
    except StageTimeout:
        return ["visual zone: OCR of the back timed out"]
    return []


def _card_sized(page: Page, front: Page) -> bool:
    """Return True when a page has the card's size and proportions (its back), measured at
    each page's own print resolution; a letter or a certificate is far larger."""
    def inches(target: Page) -> tuple[float, float]:
        long, short = max(target.image.shape[:2]), min(target.image.shape[:2])
        return long / target.dpi, long / max(1, short)

    (length, ratio), (front_length, front_ratio) = inches(page), inches(front)
    return (abs(length / front_length - 1.0) <= BACK_SIZE_TOLERANCE
            and abs(ratio / front_ratio - 1.0) <= BACK_SIZE_TOLERANCE)


def _derived_expiry(fields: dict[str, Field], zone: VisualZone, find: MrzFind) -> list[str]:
    number = fields["document_number"]
    birth = fields["birth_date"].value
    issued = issue_date(zone)
    derived = derive_expiry(number.value or "", date.fromisoformat(birth) if birth else None,
                            issued)
    if derived is None:
        return ["1988 French card: issue month unreadable, expiry unknown"]
    fields["expiry_date"] = Field(
        value=derived.expiry.isoformat(),
        confidence=min(number.confidence, 0.95 if derived.exact else 0.85),
        page=find.page.index,
        box=number.box,
        source="derived",
        derived=True,
    )
    exactness = "" if derived.exact else "; day of issue unknown, earliest end given"
    return [f"expiry derived: {derived.reason}{exactness}"]
