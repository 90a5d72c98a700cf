"""Vehicle Identification Numbers (ISO 3779): normalisation, format and check digit.

python-stdnum has no VIN module (checked: stdnum 2.2), so the ISO 3779 / 49 CFR 565 check digit
is computed here; it is a short, fully specified algorithm.
"""

from __future__ import annotations

import re

#: the 33 characters a VIN may contain: digits and Latin letters except I, O and Q
VIN_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPRSTUVWXYZ")
VIN_LENGTH = 17

# 49 CFR 565.15: letters transliterated to numbers, and the weight of each position
_TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8,
    "J": 1, "K": 2, "L": 3, "M": 4, "N": 5, "P": 7, "R": 9,
    "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
}  # fmt: skip
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# A VIN never holds I, O or Q, so when one appears it is a misread or mistyped 1 or 0.
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "Q": "0"})
_SEPARATORS = re.compile(r"[\s\-_.·/]+")


def normalise_vin(text: str) -> str:
    """Return the VIN upper-cased, without spaces or dashes, with O→0, I→1 and Q→0."""
    return _SEPARATORS.sub("", text or "").upper().translate(_CONFUSABLES)


def vin_format_ok(vin: str) -> bool:
    """Return True when `vin` is exactly 17 characters of the VIN alphabet."""
    return len(vin) == VIN_LENGTH and all(c in VIN_ALPHABET for c in vin)


def vin_check_digit(vin: str) -> str:
    """Return the check digit (0-9 or X) that position 9 of `vin` should hold.

    Raises ValueError when `vin` is not 17 characters of the VIN alphabet.
    """
    if not vin_format_ok(vin):
        raise ValueError("not a 17-character VIN")
    total = sum(_TRANSLITERATION[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin_check_digit_ok(vin: str) -> bool:
    """Return True when position 9 of `vin` holds its check digit."""
    return vin_format_ok(vin) and vin[8] == vin_check_digit(vin)


def wmi(vin: str) -> str:
    """Return the World Manufacturer Identifier: the first three characters."""
    return vin[:3]


def is_north_american(vin: str) -> bool:
    """Return True for VINs of North-American makers (WMI starting 1-5), where the check
    digit is mandatory (49 CFR 565)."""
    return bool(vin) and vin[0] in "12345"
