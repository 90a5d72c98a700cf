"""Which member state issued a certificate, and how much a text looks like one at all.

Both work on OCR text and tolerate its noise: headings are matched word by word with a fuzzy
ratio after accents are dropped, codes through the same parser the reader uses.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

from coc_service.documents.registration.codes import SPECS, parse_code
from coc_service.documents.registration.normalise import normalise_vin, vin_format_ok

# (country, words that together make a cue, weight). Strong cues are the document titles.
_CUES: tuple[tuple[str, str, float], ...] = (
    ("FRA", "republique francaise", 3.0),
    ("FRA", "certificat d immatriculation", 1.5),  # also printed on Belgian certificates
    ("BEL", "royaume de belgique", 3.0),
    ("BEL", "koninkrijk belgie", 3.0),
    ("BEL", "inschrijvingsbewijs", 3.0),
    ("BEL", "belgique", 1.5),
    ("BEL", "belgie", 1.5),
    ("DEU", "zulassungsbescheinigung", 2.5),  # Belgium prints it as its third language
    ("DEU", "bundesrepublik deutschland", 3.0),
    ("DEU", "fahrzeugschein", 2.0),
    ("DEU", "kennzeichen", 1.0),
    ("DEU", "erstzulassung", 1.0),
    ("ESP", "permiso de circulacion", 3.0),
    ("ESP", "reino de espana", 3.0),
    ("ESP", "trafico", 1.0),
    ("ESP", "matriculacion", 1.0),
    ("ITA", "carta di circolazione", 3.0),
    ("ITA", "repubblica italiana", 3.0),
    ("ITA", "immatricolazione", 1.0),
    ("ITA", "motorizzazione", 1.5),
)
_TITLES = ("certificat d immatriculation", "zulassungsbescheinigung", "inschrijvingsbewijs",
           "permiso de circulacion", "carta di circolazione", "kentekenbewijs", "carte grise",
           "fahrzeugschein", "registration certificate")


def _plain_words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+", ascii_text)


def _has_phrase(words: list[str], phrase: str) -> bool:
    """Return True when the words contain the phrase, allowing OCR slips in each word."""
    target = phrase.split()
    n = len(target)
    for i in range(len(words) - n + 1):
        if all(fuzz.ratio(words[i + k], target[k]) >= (80 if len(target[k]) > 3 else 100)
               for k in range(n)):
            return True
    joined = "".join(target)
    return len(joined) >= 12 and any(
        fuzz.ratio("".join(words[i : i + n]), joined) >= 85 for i in range(len(words) - n + 1))


def country_scores(text: str) -> dict[str, float]:
    """Return a score per alpha-3 country from the headings and labels in the text."""
    words = _plain_words(text)
    scores: dict[str, float] = {}
    for country, phrase, weight in _CUES:
        if _has_phrase(words, phrase):
            scores[country] = scores.get(country, 0.0) + weight
    if "BEL" in scores:
        # Belgian certificates are trilingual: French and German titles do not make them so.
        scores["FRA"] = scores.get("FRA", 0.0) - 1.5
        scores["DEU"] = scores.get("DEU", 0.0) - 2.5
    return {c: s for c, s in scores.items() if s > 0}


def detect_country(text: str, *, band_found: bool = False) -> str | None:
    """Return the issuing country (alpha-3) of a certificate, or None when nothing says it."""
    scores = country_scores(text)
    if band_found:
        scores["FRA"] = scores.get("FRA", 0.0) + 3.0
    if not scores:
        return None
    return max(scores.items(), key=lambda item: item[1])[0]


def looks_like_registration(text: str) -> float:
    """Return 0..1: how much an OCR text looks like a vehicle registration certificate."""
    words = _plain_words(text)
    score = 0.0
    if any(_has_phrase(words, title) for title in _TITLES):
        score += 0.45
    codes = set()
    for token in text.split():
        for hit in parse_code(token):
            if hit.cost <= 0.15 and hit.code in SPECS and ("." in hit.code or len(token) <= 3):
                codes.add(hit.code)
    dotted = sum(1 for c in codes if "." in c)
    score += min(0.45, 0.06 * dotted + 0.02 * (len(codes) - dotted))
    if any(len(t) == 17 and vin_format_ok(normalise_vin(t)) and re.search(r"\d{4}$", t)
           for t in text.upper().split()):
        score += 0.05
    if re.search(r"C?RFRA[A-Z0-9<]{20,}", re.sub(r"\s", "", text.upper())):
        score += 0.15
    if re.search(r"\bE[1-9]\d?\s?\*\s?\d{2,4}/\d", text, re.IGNORECASE):
        score += 0.1
    return round(min(1.0, score), 3)
