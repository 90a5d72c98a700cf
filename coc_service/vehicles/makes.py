"""Canonical vehicle make names, their aliases and the manufacturer groups they belong to.

One table serves the document readers (D.1 on a registration certificate), the checks (the
ordered make against D.1 and the VIN's WMI) and the web shop's catalogue, so that "VW",
"Volkswagen" and an OCR'd "V0LKSWAGEN" are the same make everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from rapidfuzz import fuzz, process

# (canonical name, manufacturer group, aliases). The canonical name is how the shop spells it.
_MAKES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # Volkswagen group
    ("Volkswagen", "Volkswagen", ("VW", "V.W.", "VOLKSWAGEN VW", "VW VOLKSWAGEN", "VOLKSWAGON")),
    ("Audi", "Volkswagen", ("AUDI AG", "AUDI SPORT")),
    ("Seat", "Volkswagen", ("SEAT SA",)),
    ("Cupra", "Volkswagen", ("SEAT CUPRA", "CUPRA SEAT")),
    ("Škoda", "Volkswagen", ("SKODA AUTO",)),
    ("Porsche", "Volkswagen", ()),
    ("Bentley", "Volkswagen", ()),
    ("Lamborghini", "Volkswagen", ()),
    ("Bugatti", "Volkswagen", ()),
    ("Ducati", "Volkswagen", ()),
    ("MAN", "Traton", ("M.A.N.",)),
    ("Scania", "Traton", ()),
    # Stellantis
    ("Peugeot", "Stellantis", ("PSA PEUGEOT", "AUTOMOBILES PEUGEOT")),
    ("Citroën", "Stellantis", ("AUTOMOBILES CITROEN",)),
    ("DS", "Stellantis", ("DS AUTOMOBILES", "DS AUTOMOBILE", "CITROEN DS")),
    ("Opel", "Stellantis", ("OPEL AUTOMOBILE", "ADAM OPEL")),
    ("Vauxhall", "Stellantis", ()),
    ("Fiat", "Stellantis", ("FIAT PROFESSIONAL", "FIAT AUTO")),
    ("Abarth", "Stellantis", ("FIAT ABARTH",)),
    ("Alfa Romeo", "Stellantis", ("ALFA", "ALFAROMEO")),
    ("Lancia", "Stellantis", ()),
    ("Maserati", "Stellantis", ()),
    ("Jeep", "Stellantis", ()),
    ("Chrysler", "Stellantis", ()),
    ("Dodge", "Stellantis", ()),
    ("Ram", "Stellantis", ("RAM TRUCKS", "DODGE RAM")),
    ("Talbot", "Stellantis", ()),
    # Renault group and the alliance with Nissan and Mitsubishi
    ("Renault", "Renault-Nissan-Mitsubishi", ("RENAULT SAS", "REGIE RENAULT")),
    ("Dacia", "Renault-Nissan-Mitsubishi", ("RENAULT DACIA",)),
    ("Alpine", "Renault-Nissan-Mitsubishi", ("ALPINE RENAULT", "RENAULT ALPINE")),
    ("Nissan", "Renault-Nissan-Mitsubishi", ()),
    ("Infiniti", "Renault-Nissan-Mitsubishi", ()),
    ("Mitsubishi", "Renault-Nissan-Mitsubishi", ("MITSUBISHI MOTORS",)),
    ("Matra", "Renault-Nissan-Mitsubishi", ()),
    ("Lada", "AvtoVAZ", ("VAZ", "AVTOVAZ")),
    # BMW group
    ("BMW", "BMW", ("B.M.W.", "BMW I", "BMW M")),
    ("Mini", "BMW", ("BMW MINI", "MINI BMW")),
    ("Rolls-Royce", "BMW", ("ROLLS ROYCE", "ROLLS")),
    # Mercedes-Benz group
    ("Mercedes-Benz", "Mercedes-Benz", (
        "MERCEDES", "MB", "MERCEDES BENZ", "DAIMLER BENZ", "DAIMLER", "MERCEDES AMG", "AMG",
        "MERCEDES-AMG", "DAIMLERCHRYSLER")),
    ("Smart", "Mercedes-Benz", ("MCC SMART", "SMART MCC")),
    # Ford
    ("Ford", "Ford", ("FORD WERKE", "FORD-WERKE", "FORD FRANCE")),
    ("Lincoln", "Ford", ()),
    # Toyota group
    ("Toyota", "Toyota", ()),
    ("Lexus", "Toyota", ()),
    ("Daihatsu", "Toyota", ()),
    # Hyundai group
    ("Hyundai", "Hyundai", ()),
    ("Kia", "Hyundai", ("KIA MOTORS",)),
    ("Genesis", "Hyundai", ()),
    # Geely and Volvo
    ("Volvo", "Geely", ("VOLVO CARS", "VOLVO TRUCKS")),
    ("Polestar", "Geely", ()),
    ("Lotus", "Geely", ()),
    ("Lynk & Co", "Geely", ("LYNK AND CO", "LYNK CO", "LYNK&CO")),
    ("Geely", "Geely", ()),
    # Tata
    ("Jaguar", "Tata", ()),
    ("Land Rover", "Tata", ("LANDROVER", "RANGE ROVER", "LAND-ROVER", "JAGUAR LAND ROVER")),
    ("Tata", "Tata", ()),
    # General Motors
    ("Chevrolet", "General Motors", ("CHEVY",)),
    ("Cadillac", "General Motors", ()),
    ("Buick", "General Motors", ()),
    ("GMC", "General Motors", ()),
    ("Daewoo", "General Motors", ()),
    ("Holden", "General Motors", ()),
    # SAIC
    ("MG", "SAIC", ("MG MOTOR", "MG MOTORS", "M.G.", "MG ROVER")),
    ("Rover", "SAIC", ("AUSTIN ROVER",)),
    ("Austin", "SAIC", ()),
    # Japanese makers on their own
    ("Honda", "Honda", ()),
    ("Acura", "Honda", ()),
    ("Mazda", "Mazda", ()),
    ("Subaru", "Subaru", ()),
    ("Suzuki", "Suzuki", ()),
    ("Isuzu", "Isuzu", ()),
    ("Yamaha", "Yamaha", ()),
    ("MBK", "Yamaha", ()),
    ("Kawasaki", "Kawasaki", ()),
    # others
    ("Tesla", "Tesla", ()),
    ("BYD", "BYD", ()),
    ("SsangYong", "KG Mobility", ("SSANG YONG", "KGM", "KG MOBILITY")),
    ("Great Wall", "Great Wall", ("GWM", "ORA", "GWM ORA")),
    ("Chery", "Chery", ()),
    ("Omoda", "Chery", ()),
    ("Mahindra", "Mahindra", ()),
    ("Saab", "Saab", ()),
    ("Ferrari", "Ferrari", ()),
    ("Aston Martin", "Aston Martin", ("ASTON-MARTIN", "ASTON MARTIN LAGONDA")),
    ("McLaren", "McLaren", ()),
    ("Morgan", "Morgan", ()),
    ("Iveco", "Iveco", ("IVECO FRANCE",)),
    ("DAF", "Paccar", ()),
    ("Renault Trucks", "Volvo Group", ("RENAULT VI", "RVI")),
    ("Piaggio", "Piaggio", ()),
    ("Vespa", "Piaggio", ()),
    ("Aprilia", "Piaggio", ()),
    ("Moto Guzzi", "Piaggio", ("GUZZI",)),
    ("MV Agusta", "MV Agusta", ("MV", "CAGIVA")),
    ("Benelli", "Benelli", ()),
    ("KTM", "Pierer", ()),
    ("Husqvarna", "Pierer", ()),
    ("Triumph", "Triumph", ()),
    ("Harley-Davidson", "Harley-Davidson", ("HARLEY DAVIDSON", "HARLEY")),
    ("Royal Enfield", "Eicher", ()),
    ("Aixam", "Aixam", ()),
    ("Ligier", "Ligier", ("MICROCAR",)),
)  # fmt: skip

# Brands whose vehicles a registration certificate may show under the parent's name in D.1
# (a 2012 DS3 reads "CITROEN", an early Cupra "SEAT", a Vauxhall bought in the UK is an Opel).
_SIBLINGS: tuple[frozenset[str], ...] = (
    frozenset({"DS", "Citroën"}),
    frozenset({"Cupra", "Seat"}),
    frozenset({"Abarth", "Fiat"}),
    frozenset({"Alpine", "Renault"}),
    frozenset({"Opel", "Vauxhall"}),
    frozenset({"Dodge", "Ram"}),
    frozenset({"Vespa", "Piaggio"}),
    frozenset({"Chevrolet", "Daewoo"}),
    frozenset({"MBK", "Yamaha"}),
)

_KEY_DROP = re.compile(r"[^A-Z0-9]+")
# OCR reads letters as digits; no make name in the table holds a digit, so map them back
_DIGIT_AS_LETTER = str.maketrans("015862", "OISBGZ")
_SPECIAL = str.maketrans({"ß": "SS", "Æ": "AE", "Œ": "OE", "Ø": "O", "Ł": "L", "&": " AND "})


def make_key(name: str) -> str:
    """Return the comparison key of a make name: ASCII upper case letters and digits only."""
    text = unicodedata.normalize("NFKD", (name or "").upper().translate(_SPECIAL))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _KEY_DROP.sub("", text)


@cache
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, _group, aliases in _MAKES:
        for alias in (canonical, *aliases):
            index[make_key(alias)] = canonical
    return index


@cache
def _groups() -> dict[str, str]:
    return {canonical: group for canonical, group, _aliases in _MAKES}


def all_makes() -> tuple[str, ...]:
    """Return every canonical make name, in table order."""
    return tuple(canonical for canonical, _group, _aliases in _MAKES)


def make_group(make: str) -> str | None:
    """Return the manufacturer group of a canonical make, or None when unknown."""
    return _groups().get(make)


def same_group(a: str, b: str) -> bool:
    """Return True when two canonical makes belong to one manufacturer group."""
    group = make_group(a)
    return group is not None and group == make_group(b)


def are_siblings(a: str, b: str) -> bool:
    """Return True when one make may be registered under the other's name (DS and Citroën)."""
    return a == b or frozenset({a, b}) in _SIBLINGS


def canonical_make(name: str | None, *, fuzzy_cutoff: float = 86.0) -> str | None:
    """Return the canonical make for a name typed by a customer or read by OCR, else None.

    Exact on the key (accents, case, spaces, hyphens ignored) first; then on a window of one to
    three words (OCR may add words around D.1); then fuzzy, only for keys of five characters or
    more and only when one make clearly wins, because "KIA" and "KTM" are one letter apart.
    """
    if not name or not name.strip():
        return None
    index = _alias_index()
    words = [make_key(w) for w in re.split(r"[\s/,;:()]+", name) if make_key(w)]
    candidates = [make_key(name)]
    for size in (3, 2, 1):
        candidates += ["".join(words[i : i + size]) for i in range(len(words) - size + 1)]
    for key in candidates:
        for variant in (key, key.translate(_DIGIT_AS_LETTER)):
            if variant in index:
                return index[variant]
    for key in candidates:
        found = _fuzzy(key.translate(_DIGIT_AS_LETTER), fuzzy_cutoff)
        if found is not None:
            return found
    return None


def _fuzzy(key: str, cutoff: float) -> str | None:
    if len(key) < 5:
        return None
    index = _alias_index()
    matches = process.extract(key, list(index), scorer=fuzz.ratio, score_cutoff=cutoff, limit=6)
    if not matches:
        return None
    best = matches[0][1]
    # two different makes scoring almost as well means the OCR noise is ambiguous: refuse
    winners = {index[alias] for alias, score, _ in matches if score >= best - 4}
    return winners.pop() if len(winners) == 1 else None
