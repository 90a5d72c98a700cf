"""National labels that name a field where its code is unreadable.

Germany, Belgium, Spain and Italy print a label in their language next to each code ("Marke",
"Marca", "Marque / Merk"). A small framed code is the first thing blur and compression destroy,
while the label, printed as words, survives; so a label stands in for its lost code, at a cost.
"""

from __future__ import annotations

import unicodedata

from rapidfuzz import fuzz

from coc_service.documents.registration.codes import CodeHit
from coc_service.documents.registration.layout import Line, is_label_word

# (words of the label, code).
_LABELS: tuple[tuple[str, str], ...] = (
    ("fecha primera matriculacion", "B"), ("data di prima immatricolazione", "B"),
    ("1re immatriculation", "B"), ("1e inschrijving", "B"), ("premiere immatriculation", "B"),
    ("eerste inschrijving", "B"), ("erstzulassung", "B"), ("datum der erstzulassung", "B"),
    ("datum der zulassung", "I"), ("fecha de expedicion", "I"), ("data di rilascio", "I"),
    ("amtliches kennzeichen", "A"), ("kennzeichen", "A"), ("matricula", "A"), ("targa", "A"),
    ("firmenname", "C.1.1"), ("apellidos", "C.1.1"), ("nom naam", "C.1.1"),
    ("cognome", "C.2.1"),
    ("vorname", "C.1.2"), ("vornamen", "C.1.2"), ("prenom voornaam", "C.1.2"),
    ("nombre", "C.1.2"), ("nome", "C.2.2"),
    ("marke", "D.1"), ("marca", "D.1"), ("marque merk", "D.1"), ("marque", "D.1"),
    ("handelsbezeichnung", "D.3"), ("handelsbezeichnungen", "D.3"),
    ("denominacion comercial", "D.3"), ("denominazione commerciale", "D.3"),
    ("modele model", "D.3"),
    ("identifizierungsnummer", "E"), ("fahrzeug identifizierungsnummer", "E"),
    ("numero de identificacion", "E"), ("numero di identificazione", "E"),
    ("chassis chassisnr", "E"),
    ("typgenehmigung", "K"), ("eg typgenehmigung", "K"), ("numero de homologacion", "K"),
    ("numero di omologazione", "K"), ("reception goedkeuring", "K"),
)
_LABEL_COST = 0.25


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    # "rn" and "m" are the classic print confusion ("Vomame" for "Vorname"): one spelling
    return "".join(c for c in decomposed if c.isalnum()).replace("rn", "m")


# (label as compared, its length as printed, its number of words, code)
_TARGETS = tuple((_plain(phrase.replace(" ", "")), len(phrase), len(phrase.split()), code)
                 for phrase, code in _LABELS)
_WORD_COUNTS = sorted({n for _, _, n, _ in _TARGETS})


def label_anchors(lines: list[Line]) -> dict[tuple[int, int], list[CodeHit]]:
    """Return, at the first word of each recognised label, the code that label names.

    Every label that fits a run of words is scored; the best fits are taken first and a word
    belongs to one label only, so that "Datum der Erstzulassung" (B) is not taken for the
    shorter-edit "Datum der Zulassung" (I) it also resembles.
    """
    out: dict[tuple[int, int], list[CodeHit]] = {}
    for li, line in enumerate(lines):
        plain = [_plain(w.text) for w in line.words]
        fits: list[tuple[float, int, int, int, str]] = []  # (ratio, length, start, words, code)
        for wi in range(len(plain)):
            if not plain[wi] or (line.words[wi].text.isupper() and len(plain[wi]) > 3):
                continue  # values are printed in capitals, labels are not
            # A label of n words may have up to two "/" among them.
            runs = {n: [p for p in plain[wi : wi + n + 2] if p][:n] for n in _WORD_COUNTS}
            for target, length, n, code in _TARGETS:
                if len(runs[n]) < n:
                    continue
                ratio = fuzz.ratio("".join(runs[n]), target)
                if ratio >= (88 if length <= 6 else 82):
                    fits.append((ratio, length, wi, n, code))
        taken: set[int] = set()
        for _ratio, _length, wi, n, code in sorted(fits, reverse=True):
            if taken & set(range(wi, wi + n)):
                continue
            start = wi
            # The code stood just before the label's first word: anchor there.
            while start > 0 and is_label_word(line.words[start - 1].text) and (
                    start - 1) not in taken:
                start -= 1
            taken.update(range(wi, wi + n))
            out.setdefault((li, start), []).append(CodeHit(code, _LABEL_COST, ""))
    return out
