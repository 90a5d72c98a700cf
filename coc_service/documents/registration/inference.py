"""Fill fields whose code and label were both unreadable from what their values must be.

Only where nothing better exists, at a low confidence and with a note: the dates a certificate
carries follow each other (first registration, then this registration, then the next
inspection), so unlabelled dates can be given to the missing ones in that order; and a word
that is a known make, nowhere else used, is D.1 (preferably the make the VIN's WMI names).
On the French SIV, whose layout is fixed, the holder (C.1) is the line printed right above
"EST LE PROPRIETAIRE DU VEHICULE" (C.4a), and the model (D.3) follows the national type (D.2.1,
a CNIT such as M10ABCDE1234) on the make's line.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from coc_service.documents.ocr import Word
from coc_service.documents.registration.codes import parse_code
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


_C4A_WORDS = ("PROPRIETAIRE", "VEHICULE")
_NAME_WORD = re.compile(r"^[A-ZÀ-Ý][A-ZÀ-Ý'’-]*$")
_CNIT = re.compile(r"^[A-Z0-9]{10,15}$")
_MODEL_WORD = re.compile(r"^[A-Z0-9][A-Z0-9.+-]*$")
_MIN_NAME_LETTERS = 4  # fewer letters taken for C.1 are a stray mark, not a name
_CODE_LENGTH = 4  # "C.1" misread
_MISREAD_CODE = 0.4  # OCR confidence below which such a short first word is taken for it


def infer_holder(lines: list[Line], best: dict[str, Candidate], notes: list[str],
                 country: str | None) -> None:
    """On the SIV, take the line of capitals right above C.4a's sentence as C.1 when C.1 was
    not read, or read as a stray mark."""
    current = best.get("holder_name")
    if country != "FRA" or (current is not None and sum(
            c.isalpha() for c in current.value) >= _MIN_NAME_LETTERS):
        return
    below = _c4a_line(lines)
    if below is None or below == 0:
        return
    line = lines[below - 1]
    if lines[below].top - line.bottom > 2.5 * line.height:
        return
    words = [w for w in line.words if _NAME_WORD.match(w.text)]
    # The line starts with C.1's own code, which OCR may have turned into a short word
    # ("CID"), read far less surely than the capitals of the name.
    words = words[next((i for i, w in enumerate(words) if len(w.text) >= 2 and not (
        len(w.text) <= _CODE_LENGTH and w.confidence < _MISREAD_CODE)), len(words)):]
    if not words or sum(len(w.text) for w in words) < _MIN_NAME_LETTERS:
        return
    best["holder_name"] = Candidate("holder_name", " ".join(w.text for w in words), 0.5,
                                    words, 0.4, "pattern")
    notes.append("holder_name: code C.1 not read; taken from the SIV's layout")


def _c4a_line(lines: list[Line]) -> int | None:
    """Return the index of the topmost line holding C.4a's "PROPRIETAIRE" or "VEHICULE"."""
    for index, line in enumerate(lines):
        if any(fuzz.ratio(w.text.upper(), target) >= 80
               for w in line.words for target in _C4A_WORDS):
            return index
    return None


def infer_commercial_name(lines: list[Line], best: dict[str, Candidate],
                          notes: list[str], country: str | None) -> None:
    """On the SIV, take the words after the CNIT on the make's line as D.3 when D.3 was not
    read: D.1, D.2, D.2.1 and D.3 share that line, in that order."""
    if country != "FRA" or "commercial_name" in best or "make" not in best:
        return
    make_words = {w.box for w in best["make"].words}
    line = next((ln for ln in lines if any(w.box in make_words for w in ln.words)), None)
    if line is None:
        return
    cnit = [i for i, w in enumerate(line.words) if _is_cnit(w)]
    if not cnit:
        return
    words: list[Word] = []
    for word in line.words[cnit[-1] + 1 :]:
        if not words and _may_be_model_code(word.text):
            continue  # D.3's own code, read well enough to be a code but its value not taken
        if not _MODEL_WORD.match(word.text) or len(words) == 3:
            break
        words.append(word)
    if not words:
        return
    best["commercial_name"] = Candidate("commercial_name", " ".join(w.text for w in words),
                                        0.45, words, 0.4, "pattern")
    notes.append("commercial_name: code D.3 not read; taken from the SIV's layout")


def _may_be_model_code(text: str) -> bool:
    """Return True when a word may be D.3's own code: a code printed with its dot ("v.3"), or
    D.3 misread ("p3"). A dotless "C4" or "X1" there is the model's name."""
    dotted = any(mark in text for mark in ".,:;")
    return any(not hit.rest and (hit.cost <= 0.5 if hit.code == "D.3" else
                                 dotted and hit.cost <= 0.3)
               for hit in parse_code(text))


def _is_cnit(word: Word) -> bool:
    text = word.text
    return bool(_CNIT.match(text)) and any(c.isdigit() for c in text) and sum(
        c.isalpha() for c in text) >= 3
