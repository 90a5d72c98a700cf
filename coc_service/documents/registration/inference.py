"""Fill fields whose code and label were both unreadable from what their values must be.

Only where nothing better exists, at a low confidence and with a note: the dates a certificate
carries follow each other (first registration, then this registration, then the next
inspection), so unlabelled dates can be given to the missing ones in that order; and a word
that is a known make, nowhere else used, is D.1 (preferably the make the VIN's WMI names).
"""

from __future__ import annotations

from coc_service.documents.registration.fields import Candidate, unclaimed_dates
from coc_service.documents.registration.layout import Line
from coc_service.documents.registration.normalise import canonical_make, canonical_make_for_wmi

_DATE_ORDER = ("first_registration_date", "certificate_date", "x1_inspection_date")


def infer_dates(lines: list[Line], best: dict[str, Candidate], notes: list[str],
                country: str | None) -> None:
    """Give unlabelled dates to the missing B and I (and X.1 on the SIV), in date order."""
    order = _DATE_ORDER if country == "FRA" else _DATE_ORDER[:2]
    missing = [name for name in order if name not in best]
    if not missing or missing == ["x1_inspection_date"]:
        return
    spare: dict[str, Candidate] = {}
    for cand in unclaimed_dates(lines, best):
        spare.setdefault(cand.value, cand)
    values = sorted(v for v in spare if any(_fits(v, slot, order, best) for slot in missing))
    if len(values) != len(missing):
        return  # more or fewer dates than gaps: any assignment would be a guess
    chosen = dict(zip(missing, values, strict=True))
    merged = [chosen[n] if n in chosen else best[n].value for n in order]
    if merged != sorted(merged):
        return
    for name, value in chosen.items():
        best[name] = Candidate(name, value, spare[value].strength, spare[value].words,
                               spare[value].code_cost, "pattern")
        notes.append(f"{name}: code not read; taken from the order of the page's dates")


def _fits(value: str, slot: str, order: tuple[str, ...], best: dict[str, Candidate]) -> bool:
    """Return whether a date can stand in `slot`: B <= I <= X.1 with the dates already known."""
    k = order.index(slot)
    return all(best[n].value <= value if order.index(n) < k else best[n].value >= value
               for n in order if n in best)


def infer_make(lines: list[Line], best: dict[str, Candidate], notes: list[str]) -> None:
    """Take a known make printed on the page as D.1 when D.1 was not found."""
    if "make" in best:
        return
    claimed = {w.box for cand in best.values() for w in cand.words}
    wmi_make = None
    if "vin" in best:
        wmi_make = canonical_make_for_wmi(best["vin"].value[:3])
    found: dict[str, Candidate] = {}
    for line in lines:
        for i in range(len(line.words)):
            for run in (line.words[i : i + 2], line.words[i : i + 1]):
                if any(w.box in claimed for w in run) or not all(w.text.isupper() for w in run):
                    continue
                make = canonical_make(" ".join(w.text for w in run))
                if make and make not in found:
                    found[make] = Candidate("make", make, 0.5, run, 0.4, "pattern")
                    break
    if wmi_make in found:
        best["make"] = found[str(wmi_make)]
    elif len(found) == 1:
        best["make"] = next(iter(found.values()))
    else:
        return
    notes.append("make: code D.1 not read; a make name printed on the page was taken")
