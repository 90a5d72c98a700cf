"""Checking the printed fields against the SIV band, and composing the holder's name.

The band confirms or contradicts the printed plate, make, commercial name and first-registration
date and fills them in when the print is unreadable; every disagreement is written to the notes.
(The VIN's sources are weighed in vin_vote.)
"""

from __future__ import annotations

from coc_service.documents.registration.band import BandReading
from coc_service.documents.types import Box, Field

# A band read this well (VIN or plate found, lines of the right length) is trusted for D.3.
TRUSTED_BAND = 0.5
# A printed D.3 read less surely than this gives way to the band's name.
DOUBTFUL_NAME = 0.5


def cross_check_band(fields: dict[str, Field], band: BandReading, box: Box, page: int,
                      notes: list[str]) -> None:
    """Compare plate, first-registration date and make with the band; fill what is missing."""
    checks = (("registration_number", band.plate), ("make", band.make))
    for name, value in checks:
        if value is None:
            continue
        printed = fields.get(name)
        if printed is None or printed.value is None or printed.confidence < 0.35:
            if printed is not None and printed.value and not _same(printed.value, value):
                notes.append(f"{name}: printed value unclear ({printed.value!r}); band says "
                             f"{value!r}")
            fields[name] = Field(value, 0.6, page, box, "band")
        elif _same(printed.value, value):
            printed.confidence = round(min(0.99, printed.confidence + 0.15), 3)
        else:
            notes.append(f"{name}: printed {printed.value!r} but band says {value!r}")
            printed.confidence = round(max(0.05, printed.confidence - 0.2), 3)
    printed_date = fields.get("first_registration_date")
    iso_dates = [d.isoformat() for d in band.dates]
    if printed_date is not None and printed_date.value:
        if printed_date.value in iso_dates + [d.isoformat() for d in band.other_dates]:
            printed_date.confidence = round(min(0.99, printed_date.confidence + 0.15), 3)
        elif iso_dates:
            notes.append(f"first_registration_date: printed {printed_date.value} not in band")
            printed_date.confidence = round(max(0.05, printed_date.confidence - 0.15), 3)
    elif len(iso_dates) == 1:
        fields["first_registration_date"] = Field(iso_dates[0], 0.55, page, box, "band")
    _cross_check_name(fields, band, box, page, notes)


def _cross_check_name(fields: dict[str, Field], band: BandReading, box: Box, page: int,
                      notes: list[str]) -> None:
    """Compare the printed commercial name (D.3) with the band's.

    The band is read glyph by glyph in one known font, the print by free OCR next to other
    codes: on a poor photo D.3 comes back empty, or doubtful with a stray mark ("3 FOCUS",
    "63 JAZ", "1181" for 118I). The band's name then wins, unless it is the printed one cut
    short (the band's second line has room for some 25 characters of make and name). A name
    printed clearly stays: the band has no hyphen (T-ROC) and its reader may misread too.
    """
    name = band.commercial_name
    if not name or band.confidence < TRUSTED_BAND:
        return
    printed = fields.get("commercial_name")
    if printed is None or not printed.value:
        fields["commercial_name"] = Field(name, 0.55, page, box, "band")
        return
    ours, theirs = _key(str(printed.value)), _key(name)
    if ours == theirs:
        printed.confidence = round(min(0.99, printed.confidence + 0.15), 3)
    elif ours.startswith(theirs):
        return  # the band's is the printed name cut short
    elif printed.confidence < DOUBTFUL_NAME:
        notes.append(f"commercial_name: printed {printed.value!r} unclear; band says {name!r}")
        fields["commercial_name"] = Field(name, 0.55, page, printed.box, "band")
    else:
        notes.append(f"commercial_name: printed {printed.value!r} but band says {name!r}")
        printed.confidence = round(max(0.05, printed.confidence - 0.2), 3)


def _same(a: str, b: str) -> bool:
    return _key(a) == _key(b)


def _key(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalnum())


def compose_holder_name(fields: dict[str, Field]) -> None:
    """Compose holder_name from C.1.1 + C.1.2 (or the owner's C.2.x) when C.1 is absent, or
    when what was taken for C.1 is less sure than the two and does not hold the surname (a
    stray mark next to a misread code).

    A document that prints C.1.2 (given names) prints the surname under C.1.1, not C.1: a
    C.1 read without any C.1.1, with C.1.2's names next to it on its line, is C.1.1 with its
    code misread, and the given names belong after it.
    """
    current, given_names = fields.get("holder_name"), fields.get("holder_given_names")
    if (current is not None and current.value and "holder_surname" not in fields
            and given_names is not None and given_names.value
            and _key(str(given_names.value)) not in _key(str(current.value))
            and _follows_on_line(current.box, given_names.box)):
        fields["holder_name"] = _joined([current, given_names], current.source)
        return
    for surname, given in (("holder_surname", "holder_given_names"),
                           ("owner_surname", "owner_given_names")):
        if surname in fields and fields[surname].value:
            parts = [fields[surname]]
            if given in fields and fields[given].value:
                parts.append(fields[given])
            composed = _joined(parts)
            current = fields.get("holder_name")
            if current is None or (
                    surname == "holder_surname" and composed.confidence > current.confidence
                    and str(parts[0].value) not in str(current.value or "")):
                fields["holder_name"] = composed
            return


def _joined(parts: list[Field], source: str = "ocr") -> Field:
    """Return the fields' values as one, as sure as the least sure, boxed around them all."""
    return Field(" ".join(str(p.value) for p in parts), min(p.confidence for p in parts),
                 parts[0].page, _union([p.box for p in parts if p.box is not None]), source)


def _follows_on_line(first: Box | None, then: Box | None) -> bool:
    """Return True when box `then` stands on the same line as `first`, to its right."""
    if first is None or then is None:
        return False
    overlap = min(first[1] + first[3], then[1] + then[3]) - max(first[1], then[1])
    return overlap >= 0.5 * min(first[3], then[3]) and then[0] >= first[0] + first[2] - 2


def _union(boxes: list[Box]) -> Box | None:
    if not boxes:
        return None
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)
