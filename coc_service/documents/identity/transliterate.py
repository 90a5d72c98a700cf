"""ICAO 9303 part 3 transliteration of Latin names into the MRZ alphabet (A-Z and '<')."""

from __future__ import annotations

import unicodedata

# Letters ICAO spells with two letters; every other accented Latin letter loses its accent.
# Ä, Ö, Ü may also be written A, O, U (and Å as A) by some issuers: see `mrz_spellings`.
_MULTI = {
    "Ä": "AE", "Ö": "OE", "Ü": "UE", "Å": "AA", "Æ": "AE", "Ø": "OE", "Œ": "OE",
    "ß": "SS", "Þ": "TH", "Ð": "D", "Đ": "D", "Ł": "L", "Ħ": "H", "Ĳ": "IJ", "ẞ": "SS",
}
_SHORT = {"Ä": "A", "Ö": "O", "Ü": "U", "Å": "A"}


def to_mrz(text: str, *, short_umlauts: bool = False) -> str:
    """Return `text` in the MRZ alphabet: upper case, accents removed, spaces/hyphens as '<'.

    Apostrophes and other punctuation are dropped (O'BRIEN -> OBRIEN); ICAO's two-letter
    spellings are used for Ä, Ö, Ü, Å, Æ, Ø, Œ, ß unless `short_umlauts`.
    """
    out: list[str] = []
    for char in text.upper():
        if short_umlauts and char in _SHORT:
            out.append(_SHORT[char])
        elif char in _MULTI:
            out.append(_MULTI[char])
        elif "A" <= char <= "Z":
            out.append(char)
        elif char in " -,":
            out.append("<")
        else:
            base = unicodedata.normalize("NFD", char)[0]
            if "A" <= base <= "Z":
                out.append(base)
    return "<".join(part for part in "".join(out).split("<") if part)


def mrz_spellings(text: str) -> set[str]:
    """Return the MRZ spellings an issuer may have used for `text`, as space-separated words."""
    return {
        to_mrz(text, short_umlauts=short).replace("<", " ") for short in (False, True)
    }


def plain_letters(printed: str) -> str:
    """Return printed words in MRZ letters, keeping their spaces and hyphens: "MUÑOZ-GÓMEZ"
    -> "MUNOZ-GOMEZ"."""
    return " ".join("-".join(to_mrz(part) for part in word.split("-"))
                    for word in printed.split())
