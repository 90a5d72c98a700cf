"""Candidate values for each code, validated by what the value must look like.

For every word that may be a code, the words glued to it, to its right and below it are offered
as its value; each kind of value (plate, date, VIN, make...) has a validator that says how well
the text fits. The best-scoring candidate per field wins; a VIN or plate that no code led to is
still found by its pattern anywhere on the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from itertools import pairwise

from coc_service.documents.ocr import Word
from coc_service.documents.registration.codes import (
    FIELD_CODES,
    SPECS,
    CodeHit,
    CodeSpec,
    is_code_like,
    parse_code,
)
from coc_service.documents.registration.labels import label_anchors
from coc_service.documents.registration.layout import (
    Line,
    is_label_word,
    run_below,
    run_right,
    split_label,
    union_box,
)
from coc_service.documents.registration.normalise import (
    clean_text,
    normalise_approval,
    normalise_make,
    normalise_number,
    normalise_plate,
    normalise_vin,
    parse_date,
    vin_format_ok,
    vin_plausibility,
    vin_repairs,
)
from coc_service.documents.types import Box

_NUMBER_RANGES = {
    "f1_max_mass_kg": (100, 60000), "f2_max_mass_service_kg": (100, 60000),
    "g_mass_kg": (100, 60000), "p1_capacity_cc": (40, 20000), "p2_power_kw": (1, 1500),
    "p6_fiscal_power": (1, 200), "s1_seats": (1, 99), "v7_co2_g_km": (0, 999),
}
_SURE_WORD = 0.8  # Tesseract's confidence above which a word is taken as read
_WHERE_FACTOR = {"glued": 0.95, "right": 1.0, "below": 0.92, "pattern": 0.6}


@dataclass
class Candidate:
    field: str
    value: str
    strength: float  # 0..1: how well the text fits the kind of value
    words: list[Word]
    code_cost: float
    where: str  # glued, right, below, pattern

    @property
    def ocr_confidence(self) -> float:
        return sum(w.confidence for w in self.words) / len(self.words) if self.words else 0.0

    @property
    def score(self) -> float:
        return (self.strength * (1.0 - min(self.code_cost, 0.9)) * _WHERE_FACTOR[self.where]
                * (0.6 + 0.4 * self.ocr_confidence))


def _prefixes(words: list[Word], most: int) -> list[list[Word]]:
    return [words[:n] for n in range(min(most, len(words)), 0, -1)]


def _tight(words: list[Word], factor: float = 0.6) -> bool:
    """Return True when consecutive words are close enough to be one printed value."""
    return all(b.box[0] - (a.box[0] + a.box[2]) < factor * max(a.box[3], b.box[3])
               for a, b in pairwise(words))


def _joined(words: list[Word], sep: str = " ") -> str:
    return sep.join(w.text for w in words)


def validate(spec: CodeSpec, words: list[Word], country: str | None
             ) -> tuple[str, float, list[Word]] | None:
    """Return (normalised value, strength, words used) when `words` can be this code's value."""
    if not words:
        return None
    kind = spec.kind
    best: tuple[str, float, list[Word]] | None = None

    def offer(value: str | None, strength: float, used: list[Word]) -> None:
        nonlocal best
        if value and strength > 0 and (best is None or strength > best[1]):
            best = (value, strength, used)

    if kind == "vin":
        for used in _prefixes(words, 3):
            raw = _joined(used, "")
            if sum(c.islower() for c in raw) > 1 or "<" in raw or not _tight(used):
                continue  # a VIN is printed in capitals, as one word (OCR may split it)
            vin = normalise_vin(raw)
            if vin_format_ok(vin):
                offer(vin, vin_plausibility(vin, raw), used)
            elif 17 < len(vin) <= 19:  # a stray mark read as a character: drop one or two
                for fixed in vin_repairs(vin):
                    offer(fixed, 0.8 * vin_plausibility(fixed, raw), used)
    elif kind == "plate":
        for used in _prefixes(words, 3):
            plate, strength = normalise_plate(_joined(used), country)
            offer(plate, strength * (1.0 if len(used) == len(words) or strength >= 0.85 else 0.9),
                  used)
    elif kind == "date":
        for used in _prefixes(words, 4):
            if "<" in _joined(used, ""):
                continue  # the SIV band repeats B in its own digits: no printed date
            for sep in (" ", ""):  # OCR splits dates in wide fonts: "23/0 1/2023"
                if sep == "" and not _tight(used):
                    continue
                found = parse_date(_joined(used, sep))
                if found and 1900 < found.year <= date.today().year + 12:
                    offer(found.isoformat(), 1.0 if len(used) == 1 else 0.9, used)
    elif kind == "make":
        for used in _prefixes(words, 3):
            make, known = normalise_make(_joined(used))
            if not known and any(is_label_word(w.text) for w in used):
                continue  # "CIRCOLAZIONE", "MARKE": a heading or label, not a make
            offer(make, 1.0 if known else 0.4 if len(used) == 1 else 0.35, used)
    elif kind == "approval":
        for used in _prefixes(words, 8):
            if len(used) > 2 and not _tight(used):
                continue
            approval, strength = normalise_approval(_joined(used, ""))
            offer(approval, strength, used)
    elif kind == "number":
        low, high = _NUMBER_RANGES.get(spec.field, (0, 1e6))
        offer(normalise_number(words[0].text, low=low, high=high), 0.9, words[:1])
    elif kind == "category":
        text = clean_text(words[0].text).replace("I", "1").replace("L1", "L1")
        if re.fullmatch(r"[LMNOT][1-7][A-Z]{0,2}", text):
            offer(text, 0.9, words[:1])
    elif kind == "word":
        for used in _prefixes(words, 2):
            text = clean_text(_joined(used))
            if re.fullmatch(r"[A-ZÀ-Ý][A-ZÀ-Ý .\-/]{0,24}", text):
                offer(text, 0.7, used)
    elif kind == "code":
        text = clean_text(words[0].text).replace(" ", "")
        if re.fullmatch(r"[A-Z0-9*/]{3,25}", text):
            offer(text, 0.6, words[:1])
    else:  # name, text: free text, only sanity checks
        text = clean_text(_joined(words))
        if kind == "name":
            text = _ELISION.sub(r"\1'", text)
        letters = sum(c.isalpha() for c in text)
        alnum = sum(c.isalnum() for c in text)
        digits = alnum - letters
        if kind == "name" and digits >= 3:
            pass  # a house number and a postcode: the address below the name, not the name
        elif (kind == "text" and alnum >= 1) or (letters >= 2 and letters >= 0.6 * len(text)):
            offer(text, 0.7 if kind == "name" else 0.6, words)
    if best is not None and kind in ("name", "text", "make", "word", "code") and parse_date(
            best[0]):
        return None  # a date is some date field's value, never a name, a model or a type
    if best is not None and kind in ("name", "text", "make", "word"):
        # Certificates print values in capitals; mostly lower-case words are a printed label.
        raw = _joined(best[2])
        lower = sum(c.islower() for c in raw)
        if lower > sum(c.isupper() for c in raw):
            best = (best[0], best[1] * 0.5, best[2])
    return best


# OCR sets an elided particle apart from its name: "DELL 'ORTO", "D' ARTAGNAN".
_ELISION = re.compile(r"\b([A-ZÀ-Ý]{1,4}) ?['’] ?(?=[A-ZÀ-Ý])")
_PARTIAL = re.compile(r"^[\[(|]?([A-Z0])[.,:;]?[\])|]?$")


def _partial_codes(lines: list[Line], found: set[str]) -> dict[tuple[int, int], list[CodeHit]]:
    """Return the codes a word may be whose digits OCR lost ("D." where D.3 was not found).

    Each code of that letter not found elsewhere on the page is offered, dearer when there are
    several; the value next to the word then decides (a make for D.1, a name for D.3).
    """
    out: dict[tuple[int, int], list[CodeHit]] = {}
    for li, line in enumerate(lines):
        for wi, word in enumerate(line.words):
            match = _PARTIAL.match(word.text)
            if not match or parse_code(word.text):
                continue
            letter = "D" if match.group(1) == "0" else match.group(1)
            missing = [c for c in SPECS if c.startswith(letter + ".") and c not in found]
            if missing:
                cost = 0.35 + 0.1 * (len(missing) - 1)
                out[(li, wi)] = [CodeHit(code, cost, "") for code in missing]
    return out


def code_candidates(lines: list[Line], country: str | None) -> dict[str, list[Candidate]]:
    """Return every candidate value found next to a code (or a label naming it), by field."""
    out = _anchored(lines, country, {})
    codes_found = {spec.code for spec in FIELD_CODES if spec.field in out}
    partial = _partial_codes(lines, codes_found)
    if partial:
        for name, cands in _anchored(lines, country, partial).items():
            out.setdefault(name, []).extend(cands)
    labels = label_anchors(lines)
    if labels:
        # The value under a label starts under its code, left of the label's first word.
        for name, cands in _anchored(lines, country, labels, below_left=6.0).items():
            out.setdefault(name, []).extend(cands)
    return out


def _anchored(lines: list[Line], country: str | None,
              only: dict[tuple[int, int], list[CodeHit]], *, below_left: float = 1.5
              ) -> dict[str, list[Candidate]]:
    """Return candidates next to every code word (or only next to the `only` positions)."""
    out: dict[str, list[Candidate]] = {}
    for li, line in enumerate(lines):
        for wi, word in enumerate(line.words):
            hits = only.get((li, wi), []) if only else parse_code(word.text)
            for hit in hits:
                spec = SPECS.get(hit.code)
                if spec is None:
                    continue
                runs: list[tuple[str, list[Word]]] = []
                if hit.rest:
                    glued = Word(hit.rest, word.confidence, word.box, word.line)
                    runs.append(("glued", [glued, *run_right(line, wi, max_start_gap=1.2,
                                                             max_gap=1.2)]))
                # A model (D.3) may be named like a code: "C3", "X1".
                first_code_cost = 0.0 if spec.kind == "text" else 0.15
                right = run_right(line, wi, max_start_gap=8.0, max_gap=1.2,
                                  first_code_cost=first_code_cost)
                labels, value = split_label(right, line.height)
                if labels and not value:
                    # The value may stand further from its label than words of one value do.
                    value = run_right(line, line.words.index(labels[-1]), max_start_gap=5.0,
                                      max_gap=1.2, first_code_cost=first_code_cost)
                anchor = labels[-1] if labels else word
                if value and value[0].box[0] - (anchor.box[0] + anchor.box[2]) < 8 * line.height:
                    runs.append(("right", value))
                below = run_below(lines, li, word, max_gap=1.2, left=below_left)
                if below and not is_code_like(below[0].text, max_cost=0.25):
                    # (a line below that starts with its own code is that code's field)
                    runs.append(("below", below))
                for where, words in runs:
                    found = validate(spec, words, country)
                    if found is None:
                        continue
                    value_text, strength, used = found
                    if where == "below" and labels:
                        strength = min(1.0, strength * 1.08)  # a label above a value: a sure pair
                    out.setdefault(spec.field, []).append(
                        Candidate(spec.field, value_text, strength, used, hit.cost, where)
                    )
    return out


def pattern_candidates(lines: list[Line], country: str | None) -> dict[str, list[Candidate]]:
    """Return VIN, plate and EU type-approval candidates found by their shape alone, wherever
    they are (a code OCR misread, "Kk" for K, must not lose a value this distinctive)."""
    out: dict[str, list[Candidate]] = {}
    vin_spec, plate_spec, approval_spec = SPECS["E"], SPECS["A"], SPECS["K"]
    for line in lines:
        for i in range(len(line.words)):
            run = line.words[i : i + 3]
            found = validate(approval_spec, run, country)
            if found and found[1] >= 0.7 and found[0].startswith("e"):
                out.setdefault("type_approval_number", []).append(
                    Candidate("type_approval_number", found[0], found[1] * 0.9, found[2], 0.0,
                              "pattern"))
            found = validate(vin_spec, run, country)
            if found and found[1] >= 0.6:
                out.setdefault("vin", []).append(
                    Candidate("vin", found[0], found[1], found[2], 0.0, "pattern"))
            found = validate(plate_spec, run, country)
            if (found and found[1] >= 0.85 and _tight(found[2], 1.0)
                    and sum(c.isdigit() for w in found[2] for c in w.text) >= 2
                    and not any(parse_code(w.text) for w in found[2])):
                # (a plate found by its shape alone has printed digits: "LEBLANC" read with
                # letters taken for digits is a name, not LE-814-NC)
                out.setdefault("registration_number", []).append(
                    Candidate("registration_number", found[0], found[1], found[2], 0.0, "pattern"))
    return out


def unclaimed_dates(lines: list[Line], best: dict[str, Candidate]) -> list[Candidate]:
    """Return the dates on the page that no field took, as certificate_date candidates."""
    claimed = {w.box for cand in best.values() for w in cand.words}
    spec = SPECS["I"]
    out = []
    for line in lines:
        for i, word in enumerate(line.words):
            if word.box in claimed or not any(ch.isdigit() for ch in word.text):
                continue
            found = validate(spec, line.words[i : i + 3], None)
            if found and not {w.box for w in found[2]} & claimed:
                out.append(Candidate(spec.field, found[0], found[1] * 0.6, found[2], 0.4,
                                     "pattern"))
    return out


def best_candidates(*pools: dict[str, list[Candidate]]) -> dict[str, Candidate]:
    """Return the best candidate per field; a run of words is the value of one field only.

    Candidates are taken best first; one whose words are already another field's value is
    skipped, so that e.g. a date right of a misread code cannot be both B and I.
    """
    everything = [c for pool in pools for cands in pool.values() for c in cands]
    everything.sort(key=lambda c: -c.score)
    best: dict[str, Candidate] = {}
    claimed: set[tuple[int, int, int, int]] = set()
    for cand in everything:
        if cand.field in best:
            continue
        boxes = {w.box for w in cand.words}
        if boxes & claimed:
            continue
        best[cand.field] = cand
        claimed |= boxes
    # The same value offered from several places (code and pattern): agreement adds confidence.
    for field_name, cand in best.items():
        agreeing = sum(1 for c in everything if c.field == field_name and c.value == cand.value)
        if agreeing > 1:
            best[field_name] = replace(cand, strength=min(1.0, cand.strength * 1.05))
    return best


def vin_regions(lines: list[Line]) -> list[Box]:
    """Return the boxes of the words next to an E code (or its label), for when none of them
    read as a VIN: a VIN misread as a word still sits where a VIN is, as long as a VIN."""
    anchors: dict[tuple[int, int], float] = {}
    for li, line in enumerate(lines):
        for wi, word in enumerate(line.words):
            costs = [h.cost for h in parse_code(word.text) if h.code == "E" and h.cost <= 0.35]
            if costs:
                anchors[(li, wi)] = min(costs)
    for key, hits in label_anchors(lines).items():
        if any(h.code == "E" for h in hits):
            anchors.setdefault(key, 0.4)
    regions: list[tuple[float, Box]] = []
    for (li, wi), cost in anchors.items():
        line, word = lines[li], lines[li].words[wi]
        # Wider gaps than for values: a VIN misread in the middle splits into pieces.
        right = run_right(line, wi, max_start_gap=8.0, max_gap=2.5)
        _, value = split_label(right, line.height)
        for run in (value, run_below(lines, li, word, max_gap=2.5, left=6.0)):
            if not run:
                continue
            box = union_box(run)
            text = "".join(w.text for w in run)
            alnum = sum(c.isalnum() for c in text)
            capitals = sum(c.isupper() or c.isdigit() for c in text)
            if alnum >= 4 and capitals >= 0.8 * alnum and box[2] >= 6 * line.height:
                regions.append((cost, box))
    return [box for _, box in sorted(regions, key=lambda r: r[0])]


def unread_rows(lines: list[Line], boxes: list[Box]) -> list[Box]:
    """Return the boxes (runs of print found from the ink) that the full-page OCR did not
    read as words in lower case: a VIN has none, so only the others may hold a VIN it missed
    or garbled."""
    words = [w for line in lines for w in line.words
             if w.confidence >= _SURE_WORD and sum(c.islower() for c in w.text) >= 2]
    out = []
    for x, y, w, h in boxes:
        if not any(x <= wx + ww / 2 <= x + w and y <= wy + wh / 2 <= y + h
                   for wx, wy, ww, wh in (word.box for word in words)):
            out.append((x, y, w, h))
    return out
