"""Geometry of OCR words on a certificate: visual lines, and the words right of or below a code.

Tesseract's own line numbers are unreliable on forms (sparse mode makes every fragment a block),
so lines are rebuilt from the word boxes. Values sit to the right of their code on the same line
(the SIV, Spain) or below it (Germany, Italy); printed labels in the national language between a
code and its value are recognised by vocabulary and skipped.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from coc_service.documents.ocr import Word
from coc_service.documents.registration.codes import is_code_like, parse_code
from coc_service.documents.types import Box


@dataclass
class Line:
    words: list[Word]

    @property
    def top(self) -> int:
        return min(w.box[1] for w in self.words)

    @property
    def bottom(self) -> int:
        return max(w.box[1] + w.box[3] for w in self.words)

    @property
    def height(self) -> float:
        return float(statistics.median(w.box[3] for w in self.words))

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def _center_y(word: Word) -> float:
    return word.box[1] + word.box[3] / 2


def _split_joined(word: Word) -> list[Word]:
    """Return a word that OCR glued to its neighbour with underscores ("Inschrijving__1-VWE-752")
    as separate words, the box shared out by character count."""
    parts = [p for p in re.split(r"_+", word.text) if p]
    if len(parts) < 2:
        return [word]
    x, y, w, h = word.box
    total = sum(len(p) for p in parts)
    out, left = [], x
    for part in parts:
        width = max(1, round(w * len(part) / total))
        out.append(Word(part, word.confidence, (left, y, width, h), word.line))
        left += width
    return out


def group_lines(words: list[Word]) -> list[Line]:
    """Return the words grouped into visual lines, top to bottom, each sorted left to right."""
    lines: list[list[Word]] = []
    words = [part for word in words for part in _split_joined(word)]
    for word in sorted(words, key=_center_y):
        cy = _center_y(word)
        best = None
        for candidate in lines[-4:]:  # only recent lines can still be level with this word
            ref = statistics.median(_center_y(w) for w in candidate)
            h = statistics.median(w.box[3] for w in candidate)
            if abs(cy - ref) <= 0.45 * max(h, word.box[3]) and not any(
                _overlap_x(word.box, w.box) > 0.5 * min(word.box[2], w.box[2]) for w in candidate
            ):
                best = candidate
                break
        if best is None:
            lines.append([word])
        else:
            best.append(word)
    return [Line(_join_split_codes(sorted(ws, key=lambda w: w.box[0]))) for ws in lines]


# What OCR leaves of a code's dotted digits when it splits them from the letter: ".1", ",4a",
# "1" (the dot lost too), "1.1]".
_CODE_TAIL = re.compile(r"^[.,:;]?[0-9lI|][0-9a-c.,]{0,3}[\])|:]?$")


def _join_split_codes(words: list[Word]) -> list[Word]:
    """Return the words with each code OCR split in two ("C" ".1") made one word again.

    Only a lone letter followed at a letter's distance by its dotted digits is joined, and
    only when the two make a code together that neither is alone.
    """
    out: list[Word] = []
    for word in words:
        last = out[-1] if out else None
        if (last is not None and len(last.text) <= 2 and _CODE_TAIL.match(word.text)
                and word.box[0] - (last.box[0] + last.box[2]) <= 1.2 * max(last.box[3], 1)
                and not parse_code(last.text) and parse_code(last.text + word.text)):
            box = union_box([last, word])
            out[-1] = Word(last.text + word.text, min(last.confidence, word.confidence), box,
                           last.line)
            continue
        out.append(word)
    return out


def _overlap_x(a: Box, b: Box) -> int:
    return max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))


def union_box(words: list[Word]) -> Box:
    """Return the smallest box holding every word."""
    x0 = min(w.box[0] for w in words)
    y0 = min(w.box[1] for w in words)
    x1 = max(w.box[0] + w.box[2] for w in words)
    y1 = max(w.box[1] + w.box[3] for w in words)
    return (x0, y0, x1 - x0, y1 - y0)


# Words printed as labels next to the codes on national certificates (lower case, no accents).
_LABEL_WORDS = sorted({
    "adres", "adresse", "alimentazione", "amtliches", "anschrift", "apellidos", "brandstof",
    "carburant", "categoria", "chassis", "chassisnr", "chassisnummer", "cilindrada", "cilindrata",
    "cm3", "co2", "cognome", "combustible", "comercial", "commerciale", "data", "date", "datum",
    "del", "denominacion", "denominazione", "der", "des", "dieser", "domicilio", "eerste", "eg",
    "energiequelle", "erstzulassung", "expedicion", "fahrzeug", "fahrzeugklasse", "fecha",
    "firmenname", "g", "gesamtmasse", "goedkeuring", "handelsbezeichnung", "handelsbezeichnungen",
    "homologacion", "hubraum", "identificacion", "identificazione", "identifizierungsnummer",
    "immatricolazione", "immatriculation", "in", "indirizzo", "inschrijving", "kennzeichen", "kg",
    "km", "kraftstoffart", "kw", "marca", "marke", "marque", "masse", "matricula", "matriculacion",
    "merk", "model", "modele", "naam", "name", "nennleistung", "nom", "nombre", "nome", "nr",
    "numero", "oder", "omologazione", "plazas", "posti", "potencia", "premiere", "prenom", "prima",
    "primera", "ragione", "razon", "reception", "rilascio", "sedere", "sitzplatze", "social",
    "targa", "techn", "tipo", "typ", "typgenehmigung", "variante", "vehiculo", "veicolo", "version",
    "voornaam", "vorname", "vornamen", "zul", "zulassung",
    # headings, which must not become values either
    "carta", "circolazione", "permiso", "circulacion", "certificat", "zulassungsbescheinigung",
    "inschrijvingsbewijs", "bundesrepublik", "deutschland", "repubblica", "italiana", "reino",
    "republique", "francaise", "royaume", "belgique", "koninkrijk",
})


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if c.isalnum())


def is_label_word(text: str, *, small: bool = False) -> bool:
    """Return True when a word is one of the printed labels of a national certificate.

    `small`: the word is printed smaller than the values around it, as labels are, so capitals
    (OCR reads small print as capitals) do not make it a value. A bilingual label glued by its
    slash ("NOM/NAAM") is a label when each part is.
    """
    parts = [part for part in re.split(r"[/|]", text) if _plain(part)]
    if len(parts) > 1:
        return all(_is_label_part(part, small=True) for part in parts)
    return _is_label_part(text, small=small)


def _is_label_part(text: str, *, small: bool) -> bool:
    plain = _plain(text)
    capitals = text.isupper() and not small
    if len(plain) < 2 or plain.isdigit():
        return False
    if len(plain) <= 3:
        return plain in _LABEL_WORDS and not capitals
    # Values are printed in capitals, labels mostly not: a capitalised word must match closely.
    cutoff = 90 if capitals else 84 if len(plain) <= 4 else 78
    match = process.extractOne(plain, _LABEL_WORDS, scorer=fuzz.ratio, score_cutoff=cutoff)
    return match is not None


def _is_connector(text: str) -> bool:
    """Return True for the small words and marks inside labels ("o", "de", "/", "(kg)")."""
    plain = _plain(text)
    return not plain or (len(plain) <= 3 and not plain.isdigit() and not text.isupper())


def split_label(words: list[Word], value_height: float) -> tuple[list[Word], list[Word]]:
    """Return (leading label words, the rest) of a run of words that follows a code."""
    cut = 0
    seen_label = False
    for i, word in enumerate(words):
        if is_label_word(word.text, small=word.box[3] < 0.75 * value_height):
            seen_label, cut = True, i + 1
        elif _is_connector(word.text) or (word.box[3] < 0.75 * value_height
                                          and not word.text.isupper()):
            continue  # part of a label only if a label word follows or came before
        else:
            break
    if seen_label:
        # Connectors straight after the last label word belong to it too ("Nom / Naam /").
        while cut < len(words) and _is_connector(words[cut].text):
            cut += 1
    return words[:cut], words[cut:]


def run_right(line: Line, start: int, *, max_start_gap: float, max_gap: float,
              first_code_cost: float = 0.15) -> list[Word]:
    """Return the words after index `start` on a line up to a wide gap or the next code.

    A first word that reads as a code at no more than `first_code_cost` is the next code, not
    a value; 0 keeps a model name that looks like a code whose dot was lost ("C3", "X1")."""
    words = line.words
    if start >= len(words) - 1:
        return []
    h = line.height
    out: list[Word] = []
    prev_right = words[start].box[0] + words[start].box[2]
    prev_h = words[start].box[3]
    for word in words[start + 1 :]:
        gap = word.box[0] - prev_right
        limit = max_start_gap if not out else max_gap
        # Gaps scale with the taller neighbour: labels are small, values large.
        if gap > limit * max(h, prev_h, word.box[3]):
            break
        if out and gap > 0.5 * h and is_code_like(word.text, max_cost=0.15):
            break
        if not out and is_code_like(word.text, max_cost=first_code_cost):
            break
        out.append(word)
        prev_right, prev_h = word.box[0] + word.box[2], word.box[3]
    return out


def run_below(lines: list[Line], line_index: int, anchor: Word, *, max_gap: float,
              left: float = 1.5) -> list[Word]:
    """Return the run of words on the first line below `anchor` that starts under it
    (from `left` line heights left of it to 5 right of it)."""
    h = lines[line_index].height
    x0 = anchor.box[0]
    bottom = anchor.box[1] + anchor.box[3]
    for line in lines[line_index + 1 : line_index + 5]:
        if line.top - bottom > 2.5 * h:
            return []
        for i, word in enumerate(line.words):
            if x0 - left * h <= word.box[0] <= x0 + 5 * h:
                # Only a code printed in full stops here: "X1" under D.3 is a model name.
                if is_code_like(word.text, max_cost=0.0):
                    return []
                run = [word, *run_right(line, i, max_start_gap=max_gap, max_gap=max_gap)]
                labels, value = split_label(run, h)
                if labels and not value:
                    break  # a label that wrapped onto its own line: the value is further down
                return value
        else:
            continue
        bottom = line.bottom
    return []
