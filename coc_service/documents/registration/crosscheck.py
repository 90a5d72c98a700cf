"""Choosing between sources of one value and checking them against each other.

The VIN is read up to five times (full page, three variants of its own crop, the SIV band) and
voted; the SIV band confirms or contradicts the printed plate, make and first-registration date
and fills them in when the print is unreadable. Every disagreement is written to the notes.
"""

from __future__ import annotations

from coc_service.documents.registration.band import BandReading
from coc_service.documents.registration.normalise import vin_format_ok, vin_plausibility
from coc_service.documents.types import Box, Field


def _vote(reads: list[str]) -> str:
    """Return the per-position majority of equal-length reads (first read wins ties)."""
    return "".join(max(chars, key=chars.count) for chars in zip(*reads, strict=True))


def settle_vin(fields: dict[str, Field], sources: list[list[str]], *, base: float,
               box: Box | None, source: str, page: int, notes: list[str]) -> None:
    """Choose the VIN from the full-page read, the crop re-reads and the band.

    Each source offers one VIN or, when a stray character had to be dropped, a few; the value
    offered by the most sources wins, then one read whole, then the most plausible one. When
    no value has two sources behind it, the reads are voted position by position. `base` is
    the score of the full-page candidate (how well its code and text fitted).
    """
    support: dict[str, int] = {}
    exact: set[str] = set()  # read as 17 characters by some source, not repaired
    for options in sources:
        for vin in set(options):
            support[vin] = support.get(vin, 0) + 1
        if len(options) == 1:
            exact.add(options[0])
    firsts = [options[0] for options in sources]
    value = max(support, key=lambda v: (support[v], v in exact, vin_plausibility(v),
                                        v in firsts[:1]))
    if support[value] == 1 and len(sources) >= 3:
        voted = _vote(firsts)
        if vin_format_ok(voted) and vin_plausibility(voted) >= vin_plausibility(value):
            value = voted
    agree = support.get(value, 0)
    confidence = (0.55 * base + 0.2 * (agree >= 2) + 0.1 * (agree >= 3)
                  + 0.15 * vin_plausibility(value))
    if len(set(firsts)) > 1:
        notes.append(f"vin: readings differ ({', '.join(sorted(set(firsts)))}); chose {value}")
        if agree < 2:
            confidence -= 0.15
    fields["vin"] = Field(value, round(min(0.99, max(0.05, confidence)), 3), page, box, source)


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


def _same(a: str, b: str) -> bool:
    def key(s: str) -> str:
        return "".join(c for c in s.upper() if c.isalnum())

    return key(a) == key(b)


def compose_holder_name(fields: dict[str, Field]) -> None:
    """Compose holder_name from C.1.1 + C.1.2 (or the owner's C.2.x) when C.1 is absent."""
    if "holder_name" in fields:
        return
    for surname, given in (("holder_surname", "holder_given_names"),
                           ("owner_surname", "owner_given_names")):
        if surname in fields and fields[surname].value:
            parts = [fields[surname]]
            if given in fields and fields[given].value:
                parts.append(fields[given])
            value = " ".join(str(p.value) for p in parts)
            boxes = [p.box for p in parts if p.box is not None]
            box = None
            if boxes:
                x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
                x1 = max(b[0] + b[2] for b in boxes)
                y1 = max(b[1] + b[3] for b in boxes)
                box = (x0, y0, x1 - x0, y1 - y0)
            confidence = min(p.confidence for p in parts)
            fields["holder_name"] = Field(value, confidence, parts[0].page, box)
            return
