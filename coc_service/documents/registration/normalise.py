"""Domain normalisers for registration values: VINs, plates, dates, makes, approval numbers.

Each returns the normalised value (or None when the text cannot be that kind of value) so that a
reader can use them both to clean a value and to decide which OCR candidate is the right one.
VIN and make knowledge lives in coc_service.vehicles (imported lazily so this package works, with
a smaller built-in fallback, before or without it).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from types import ModuleType

VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_LETTER_FIXES = str.maketrans({"O": "0", "I": "1", "Q": "0"})
# ISO 3779: the last four characters of a VIN are numeric; letters read there are OCR confusions.
_VIN_SERIAL_FIXES = str.maketrans({"S": "5", "B": "8", "Z": "2", "G": "6", "D": "0", "T": "7"})
_NOT_VIN = re.compile(r"[^A-Z0-9]")


def _vehicles_module(name: str) -> ModuleType | None:
    """Return coc_service.vehicles.<name> when that module exists, else None."""
    try:
        module = __import__(f"coc_service.vehicles.{name}", fromlist=[name])
    except ImportError:
        return None
    return module


def normalise_vin(text: str) -> str:
    """Return the text as a VIN candidate: upper case, separators dropped, I/O/Q mapped."""
    vin_module = _vehicles_module("vin")
    if vin_module is not None and hasattr(vin_module, "normalise_vin"):
        candidate = _NOT_VIN.sub("", str(vin_module.normalise_vin(text)).upper())
    else:
        candidate = _NOT_VIN.sub("", text.upper()).translate(_VIN_LETTER_FIXES)
    candidate = candidate.translate(_VIN_LETTER_FIXES)
    if len(candidate) == 17:
        candidate = candidate[:13] + candidate[13:].translate(_VIN_SERIAL_FIXES)
    return candidate


def vin_format_ok(vin: str) -> bool:
    """Return True when `vin` has the form of a VIN (17 characters, no I, O or Q)."""
    vin_module = _vehicles_module("vin")
    if vin_module is not None and hasattr(vin_module, "vin_format_ok"):
        return bool(vin_module.vin_format_ok(vin))
    return len(vin) == 17 and all(c in VIN_ALPHABET for c in vin)


def vin_plausibility(vin: str, raw: str | None = None) -> float:
    """Return 0..1: how much a well-formed VIN looks like a real one rather than a word.

    Real VINs end in digits (ISO 3779: the last characters are a serial number), mix letters
    and digits, start with a known WMI; a word that merely has 17 letters does none of that.
    `raw` is the text as read: a word full of I, O and Q mapped to digits was not a VIN.
    """
    if not vin_format_ok(vin):
        return 0.0
    digits = sum(c.isdigit() for c in vin)
    if not vin[-3:].isdigit() or digits < 4 or digits > 15:
        return 0.15
    score = 0.55
    if vin[-4:].isdigit():
        score += 0.1
    if vin[-6:].isdigit():
        score += 0.05
    if canonical_make_for_wmi(vin[:3]) is not None:
        score += 0.3
    if raw is not None:
        mapped = sum(c in "IOQioq" for c in raw)
        score -= 0.1 * max(0, mapped - 1)
    return max(0.0, min(score, 1.0))


def vin_repairs(candidate: str) -> list[str]:
    """Return the VINs obtained by dropping one or two stray characters from an 18-19 read."""
    extra = len(candidate) - 17
    if extra not in (1, 2):
        return []
    out: set[str] = set()
    for i in range(len(candidate)):
        once = candidate[:i] + candidate[i + 1 :]
        if extra == 1:
            out.add(once)
            continue
        for j in range(i, len(once)):
            out.add(once[:j] + once[j + 1 :])
    # Stray marks sit at the ends of a read more often than inside it: those repairs first.
    edges = [candidate[extra:], candidate[:-extra], candidate[1:-1] if extra == 2 else ""]
    ordered = [v for v in edges if v] + sorted(out)
    fixed = [normalise_vin(v) for v in ordered]
    return [v for v in dict.fromkeys(fixed) if vin_format_ok(v)]


def canonical_make_for_wmi(wmi: str) -> str | None:
    """Return the make a WMI belongs to when coc_service.vehicles knows it, else None."""
    for module_name, func in (("makes", "make_for_wmi"), ("vin", "make_for_wmi"),
                              ("wmi", "make_for_wmi")):
        module = _vehicles_module(module_name)
        if module is not None and hasattr(module, func):
            found = getattr(module, func)(wmi)
            return str(found) if found else None
    return None


def canonical_make(name: str) -> str | None:
    """Return the canonical spelling of a make, or None when the name is not a known make."""
    module = _vehicles_module("makes")
    if module is not None and hasattr(module, "canonical_make"):
        found = module.canonical_make(name)
        return str(found) if found else None
    return None


def clean_text(text: str) -> str:
    """Return text upper-cased with accents kept, OCR edge punctuation and extra spaces removed."""
    text = unicodedata.normalize("NFC", text).upper()
    text = re.sub(r"[|\[\]{}_~«»“”\"]+", " ", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .,:;-'/")


def normalise_make(text: str) -> tuple[str | None, bool]:
    """Return (make in its canonical spelling, known) for a D.1 value."""
    cleaned = clean_text(text)
    if not cleaned or not re.search(r"[A-Z]{2}", cleaned):
        return None, False
    known = canonical_make(cleaned)
    if known:
        return known, True
    return cleaned, False


_DATE_PATTERNS = (
    re.compile(r"(?<!\d)(\d{1,2})\s?[./\-,]\s?(\d{1,2})\s?[./\-,]\s?(\d{4})(?!\d)"),  # DD/MM/YYYY
    re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"),  # ISO
    re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{4})(?!\d)"),  # DDMMYYYY when separators were lost
    re.compile(r"(?<!\d)(\d{1,2})\s?[./\-,](\d{2})(\d{4})(?!\d)"),  # one of them lost
    re.compile(r"(?<!\d)(\d{2})(\d{2})\s?[./\-,]\s?(\d{4})(?!\d)"),
)
_DIGIT_FIXES = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "|": "1",
                              "i": "1", "!": "1", "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2",
                              "G": "6", "g": "9", "q": "9", "T": "7", "A": "4"})


def parse_date(text: str, *, earliest: int = 1900, latest: int = 2100) -> date | None:
    """Return the date written in `text` (DD/MM/YYYY, DD.MM.YYYY, DD-MM-YYYY, YYYY-MM-DD)."""
    # Letters are mapped to look-alike digits only as a second try, word by word, so that a
    # label glued to a date ("B17/06/1997") does not swallow its first digit.
    fixed = " ".join(
        word.translate(_DIGIT_FIXES) if sum(c.isdigit() for c in word) >= len(word) / 2 else word
        for word in text.split()
    )
    for candidate in (text, fixed):
        for index, pattern in enumerate(_DATE_PATTERNS):
            for match in pattern.finditer(candidate):
                a, b, c = (int(g) for g in match.groups())
                year, month, day = (a, b, c) if index == 1 else (c, b, a)
                if not earliest <= year <= latest:
                    continue
                try:
                    return date(year, month, day)
                except ValueError:
                    continue  # 31/02 and the like: impossible, try the next match
    return None


_SIV = re.compile(r"^([A-HJ-NP-TV-Z]{2})-?(\d{3})-?([A-HJ-NP-TV-Z]{2})$")
_FNI = re.compile(r"^(\d{1,4})([A-Z]{1,3})(\d{2}|2A|2B|97\d)$")
_PLATE_PATTERNS = {
    "ITA": re.compile(r"^([A-Z]{2})(\d{3})([A-Z]{2})$"),
    "ESP": re.compile(r"^(\d{4})([B-DF-HJ-NP-TV-Z]{3})$"),
    "BEL": re.compile(r"^(\d)-?([A-Z]{3})-?(\d{3})$"),
    "DEU": re.compile(r"^([A-ZÄÖÜ]{1,3})-([A-Z]{1,2}) ?(\d{1,4}[EH]?)$"),
}


def _letters_digits_fixed(text: str, shape: str) -> str:
    """Return `text` with letters/digits swapped where `shape` ("L"/"D" per char) demands it."""
    to_digit = str.maketrans({"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "S": "5",
                              "B": "8", "G": "6", "T": "7", "A": "4"})
    to_letter = str.maketrans({"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G", "7": "T",
                               "4": "A"})
    out = []
    for ch, kind in zip(text, shape, strict=True):
        out.append(ch.translate(to_digit) if kind == "D" else ch.translate(to_letter))
    return "".join(out)


def normalise_plate(text: str, country: str | None = None, *, compact: bool = False
                    ) -> tuple[str | None, float]:
    """Return (plate in its national spelling, 0..1 strength of the format match).

    `compact` says the text is known to be a plate written without separators (the SIV band),
    so that the old French `1234AB56` is accepted without its spaces.
    """
    raw = clean_text(text).replace(" - ", "-")
    packed = re.sub(r"[^A-Z0-9ÄÖÜ]", "", raw)
    if not 2 <= len(packed) <= 10:
        return None, 0.0
    if country in (None, "FRA") and len(packed) == 7:
        fixed = _letters_digits_fixed(packed, "LLDDDLL")
        siv = _SIV.match(fixed)
        if siv:
            return "-".join(siv.groups()), 1.0 if fixed == packed else 0.85
    siv_like = re.fullmatch(r"[A-Z]{2,3}-?\d{3}-?[A-Z]{2,3}", raw)
    if country == "FRA" and len(packed) == 8 and siv_like:
        # A frame mark or stray letter read into an SIV plate: drop the doubled letter.
        repairs = {packed[:i] + packed[i + 1 :] for i in range(8)}
        valid = sorted(r for r in repairs if _SIV.match(r))
        if len(valid) == 1:
            return "-".join(_SIV.match(valid[0]).groups()), 0.6  # type: ignore[union-attr]
    if country in (None, "FRA"):
        fni = _FNI.match(packed)
        if fni and (compact or " " in raw or "-" in raw):
            return " ".join(fni.groups()), 0.9
    if country in (None, "DEU"):
        german = _PLATE_PATTERNS["DEU"].match(re.sub(r"\s*-\s*", "-", raw))
        if german:
            return f"{german.group(1)}-{german.group(2)} {german.group(3)}", 1.0
    for name, pattern in _PLATE_PATTERNS.items():
        if country not in (None, name) or name == "DEU":
            continue
        shape = {"ITA": "LLDDDLL", "ESP": "DDDDLLL", "BEL": "DLLLDDD"}[name]
        fixed = _letters_digits_fixed(packed, shape) if len(packed) == len(shape) else packed
        found = pattern.match(fixed)
        if found:
            sep = "-" if name == "BEL" else " "
            return sep.join(found.groups()), 1.0 if fixed == packed else 0.85
    # A foreign or older format: keep it as read when it looks like a plate at all.
    if re.search(r"\d", packed) and re.search(r"[A-Z]", packed) and len(raw) <= 12:
        return raw, 0.4
    return None, 0.0


_STARS = str.maketrans("+X×", "***")
_APPROVAL = re.compile(
    r"^E(\d{1,2})[*+X×]((?:\d{2,4}/\d{1,4}[*+X×]?)+)[*+X×](\d{3,5})[*+X×](\d{1,2})$"
)


# The framework directives and regulations whole-vehicle approvals are granted under: when OCR
# loses the stars, the directive's known spelling tells the approval number's parts apart.
_DIRECTIVES = ("70/156", "92/53", "98/14", "2001/116", "2007/46", "2018/858", "2002/24",
               "168/2013", "2003/37", "167/2013")
_KNOWN_DIRECTIVE = re.compile(
    r"^[E<€ÉC£]?(\d{1,2})\D?(" + "|".join(re.escape(d) for d in _DIRECTIVES)
    + r")\D?(\d{4})\D?(\d{2})$"
)


def normalise_approval(text: str) -> tuple[str | None, float]:
    """Return (EU type-approval number such as e2*2007/46*0534*12, strength); national kept."""
    compact = re.sub(r"\s+", "", clean_text(text))
    if compact[:1] in "€É£":  # the small "e" of the approval mark read as a look-alike
        compact = "E" + compact[1:]
    compact = compact[:1] + compact[1:].replace("O", "0")
    if not compact or not re.search(r"\d", compact):
        return None, 0.0
    match = _APPROVAL.match(compact.translate(_STARS) if compact.startswith("E") else compact)
    strength = 1.0
    if not match and compact[:1] not in ("E", ""):
        # The small "e" misread as another character ("29*2018/858*..." for e9*...).
        match = _APPROVAL.match("E" + compact[1:].translate(_STARS))
        strength = 0.7
    if match:
        directives = re.sub(r"[*+X×]", "*", match.group(2)).strip("*")
        return f"e{match.group(1)}*{directives}*{match.group(3)}*{match.group(4)}", strength
    known = _KNOWN_DIRECTIVE.match(compact)
    if known:  # stars lost or misread ("<6*2007/46091908"): the directive says where they were
        country, directive, number, extension = known.groups()
        return f"e{country}*{directive}*{number}*{extension}", 0.75
    if sum(c.isdigit() for c in text) < 3:  # digits as printed, not letters mapped to them
        return None, 0.0
    return compact.lower() if compact.startswith("E") else compact, 0.4


def normalise_number(text: str, *, low: float = 0, high: float = 1e6) -> str | None:
    """Return a plain number (digits, optional decimal comma/point) within [low, high]."""
    compact = re.sub(r"\s+", "", text).strip(".,:;|[]")
    compact = compact.translate(_DIGIT_FIXES)
    if not re.fullmatch(r"\d+(?:[.,]\d+)?", compact):
        return None
    if not low <= float(compact.replace(",", ".")) <= high:
        return None
    return compact


# Tesseract's French model knows the circumflex but not the umlaut, the Spanish acute or the
# Italian grave on every letter, and reads them as the circumflex it knows. German, Spanish and
# Italian spelling has no circumflex, so on those certificates it stands for the local accent.
_ACCENTS = {
    "DEU": str.maketrans("ÂÔÛ", "ÄÖÜ"),
    "ESP": str.maketrans("ÂÊÎÔÛÀÈÌÒÙ", "ÁÉÍÓÚÁÉÍÓÚ"),
    "ITA": str.maketrans("ÂÊÎÔÛ", "ÀÈÌÒÙ"),
}


def local_accents(text: str, country: str | None) -> str:
    """Return a name or address with accents the OCR model lacks put back for `country`."""
    table = _ACCENTS.get(country or "")
    return text.translate(table) if table else text
