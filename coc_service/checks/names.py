"""Comparing people's and companies' names as a clerk would: insensitive to accents, case,
hyphens, word order, extra given names, MRZ transliteration and the French "épouse"/"née" forms.

Scores are 0-100 (rapidfuzz); the thresholds that turn them into pass/warn/fail live in
CheckSettings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

# Words that join a birth name and a use name on French documents and in what people type:
# "DUPONT épouse MARTIN", "MARTIN née DUPONT", "ép. MARTIN", "Vve DURAND", "dit", "nom d'usage".
_JOINERS = frozenset({"EPOUSE", "EPSE", "EP", "EPX", "NEE", "NE", "VEUVE", "VVE", "VEUF", "DIT",
                      "DITE", "USAGE"})
_USE_NAME_LABEL = re.compile(r"\bNOM D USAGE\b")
# Letters NFKD does not take apart
_SPECIAL = str.maketrans({"ß": "SS", "Æ": "AE", "Œ": "OE", "Ø": "O", "Ł": "L", "Đ": "D",
                          "Þ": "TH", "æ": "AE", "œ": "OE", "ø": "O", "ł": "L", "đ": "D"})
# ICAO 9303 transliteration writes Ä, Ö, Ü as AE, OE, UE (and Å as AA) in the MRZ
_ICAO = str.maketrans({"Ä": "AE", "Ö": "OE", "Ü": "UE", "Å": "AA"})
_NOT_LETTER = re.compile(r"[^A-Z]+")
# Legal forms and filler words dropped before comparing company names
_LEGAL_FORMS = frozenset({"SA", "SAS", "SASU", "SARL", "EURL", "SNC", "SCI", "SCP", "SELARL", "SCA",
                          "GIE", "EI", "EIRL", "STE", "SOCIETE", "STE.", "ETS", "ETABLISSEMENTS",
                          "CIE", "ET", "GMBH", "AG", "BV", "NV", "SPRL", "SRL", "LTD", "LIMITED",
                          "INC", "LLC", "PLC", "THE", "LA", "LE", "LES", "DE", "DES", "DU"})


def _ascii_upper(text: str, *, icao: bool) -> str:
    text = (text or "").upper()
    if icao:
        text = text.translate(_ICAO)
    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(c for c in text if not unicodedata.combining(c))


def name_tokens(text: str | None, *, icao: bool = False) -> list[str]:
    """Return the words of a name, ASCII upper case, split on spaces, hyphens, apostrophes and
    the MRZ filler '<'."""
    words = " ".join(t for t in _NOT_LETTER.split(_ascii_upper(text or "", icao=icao)) if t)
    return _USE_NAME_LABEL.sub("USAGE", words).split()


def similarity(a: str, b: str) -> float:
    """Return 0-100 Levenshtein similarity: one wrong letter in DUPONT costs 17 points, and an
    added ending (MARTIN, MARTINEZ) costs as much per letter, unlike rapidfuzz's ratio."""
    return 100.0 * Levenshtein.normalized_similarity(a, b)


_ICAO_DIGRAPHS = re.compile(r"([AOU])E")


def _variants(text: str | None) -> list[list[str]]:
    """Return the name's words with accents dropped, with the ICAO transliteration (Ä as AE),
    and with AE, OE, UE folded to A, O, U: a customer typing "Kathe" for the passport's KAETHE
    (Käthe) is the same person."""
    out = [name_tokens(text), name_tokens(text, icao=True)]
    out.append([_ICAO_DIGRAPHS.sub(r"\1", w) for w in out[0]])
    unique: list[list[str]] = []
    for words in out:
        if words not in unique:
            unique.append(words)
    return unique


def surname_alternatives(text: str | None) -> list[list[str]]:
    """Return the surnames a name field may stand for.

    "DUPONT EPOUSE MARTIN" gives [DUPONT], [MARTIN] and [DUPONT, MARTIN]; a plain surname gives
    itself.
    """
    out: list[list[str]] = []
    for words in _variants(text):
        parts: list[list[str]] = [[]]
        for w in words:
            if w in _JOINERS and len(words) > 1:
                parts.append([])
            else:
                parts[-1].append(w)
        parts = [p for p in parts if p]
        for candidate in [*parts, [w for p in parts for w in p]]:
            if candidate and candidate not in out:
                out.append(candidate)
    return out


def _words_score(a: list[str], b: list[str]) -> float:
    """Return how alike two word lists are, whatever their order or spacing ("LE GALL" and
    "LEGALL" are alike)."""
    if not a or not b:
        return 0.0
    return max(similarity(" ".join(a), " ".join(b)), similarity("".join(a), "".join(b)),
               similarity(" ".join(sorted(a)), " ".join(sorted(b))))


def surname_score(typed: str | None, printed: str | None) -> float:
    """Return 0-100: how well a typed surname matches a printed one (any alternative)."""
    return max((_words_score(a, b) for a in surname_alternatives(typed)
                for b in surname_alternatives(printed)), default=0.0)


def given_names_score(typed: str | None, printed: str | None) -> float:
    """Return 0-100: how well typed given names match the printed ones.

    Every typed given name must be one of the printed ones (people type one of several); a
    hyphenated name typed as one word ("Jeanpierre") matches consecutive printed names.
    """
    best = 0.0
    for t in _variants(typed):
        for p in _variants(printed):
            if not t or not p:
                continue
            each = min(max(similarity(w, q) for q in p) for w in t)
            joined = "".join(t)
            windows = max(similarity(joined, "".join(p[i:j]))
                          for i in range(len(p)) for j in range(i + 1, len(p) + 1))
            best = max(best, each, windows)
    return best


def person_score(first: str | None, last: str | None, surname: str | None,
                 given: str | None) -> float:
    """Return 0-100: how surely the typed first and last names are the printed person.

    The weaker of surname and given-name similarity counts; names typed in the wrong boxes
    (surname as first name) are tried too.
    """
    straight = min(surname_score(last, surname), given_names_score(first, given))
    swapped = min(surname_score(first, surname), given_names_score(last, given))
    return max(straight, swapped)


def person_in_holder_score(surname: str | None, given: str | None, holder: str | None) -> float:
    """Return 0-100: how surely a registration holder line (C.1, "DUPONT JEAN PIERRE") names the
    person with this surname and these given names."""
    holder_words = [w for w in name_tokens(holder) if w not in _JOINERS]
    holder_icao = [w for w in name_tokens(holder, icao=True) if w not in _JOINERS]
    best = 0.0
    for h in (holder_words, holder_icao):
        if not h:
            continue
        for s in surname_alternatives(surname):
            surname_part = min(max(similarity(w, x) for x in h) for w in s)
            rest = [x for x in h if max(similarity(x, w) for w in s) < 90] or h
            given_words = [w for v in _variants(given) for w in v]
            given_part = max((similarity(g, x) for g in given_words for x in rest), default=0.0)
            best = max(best, min(surname_part, given_part))
    return best


def company_key(name: str | None) -> list[str]:
    """Return the words of a company name without legal forms and fillers ("SAS", "Société")."""
    return [w for w in name_tokens(name) if w not in _LEGAL_FORMS]


def company_score(typed: str | None, printed: str | None) -> float:
    """Return 0-100: how well a typed company name matches a printed one."""
    a, b = company_key(typed), company_key(printed)
    if not a or not b:
        return 0.0
    # token_set_ratio lets "Transports Dupont" match "Transports Dupont et Fils"
    return max(_words_score(a, b), fuzz.token_set_ratio(" ".join(a), " ".join(b)))


def describe(parts: Iterable[str | None]) -> str:
    """Return the non-empty parts joined by spaces (for details that show a name)."""
    return " ".join(p for p in parts if p)
