"""Layouts of the machine-readable zones we read: where each field sits and what may be there.

ICAO Doc 9303 parts 4 (TD3), 5 (TD1) and 6 (TD2), plus the French national identity card of
1988-2021 (2 x 36 characters, its own layout). Positions are 0-based, ends exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FormatName = Literal["TD1", "TD2", "TD3", "FRA_ID_1988"]

# Classes of the glyph classifier, in this order everywhere.
CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Per-position alphabets, one letter per position in the layout strings below.
ALPHABETS: dict[str, str] = {
    "P": "PV",  # first letter of a TD3 document code: passports (and MRV-A visas)
    "L": "IACV",  # first letter of a TD1/TD2 document code: cards (and MRV-B visas)
    "A": LETTERS + "<",  # names, codes
    "X": DIGITS + LETTERS + "<",  # document numbers, optional data
    "N": DIGITS,  # dates, numeric parts
    "M": "01",  # first digit of a month
    "D": "0123",  # first digit of a day
    "C": DIGITS,  # a check digit
    "K": DIGITS + "<",  # a check digit that may be a filler (empty field, overflow)
    "S": "MFX<",  # sex
}


def char_value(char: str) -> int:
    """Return the ICAO 9303 value of an MRZ character: digits, A=10..Z=35, filler 0."""
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - 55
    return 0


WEIGHTS = (7, 3, 1)


def check_digit(data: str) -> str:
    """Return the ICAO 9303 check digit (weights 7, 3, 1 repeating, modulo 10) of `data`."""
    return str(sum(char_value(c) * WEIGHTS[i % 3] for i, c in enumerate(data)) % 10)


@dataclass(frozen=True)
class Span:
    line: int
    start: int
    end: int


@dataclass(frozen=True)
class CheckSpec:
    """A check digit at `digit` (line, index) over the concatenation of `data`."""

    name: str
    data: tuple[Span, ...]
    digit: tuple[int, int]

    def positions(self) -> list[tuple[int, int]]:
        return [(s.line, i) for s in self.data for i in range(s.start, s.end)]


@dataclass(frozen=True)
class MrzLayout:
    name: FormatName
    length: int
    classes: tuple[str, ...]  # one alphabet letter per position, per line
    checks: tuple[CheckSpec, ...]  # field checks (disjoint)
    composite: CheckSpec  # covers field checks and maybe extra positions
    country_codes: tuple[Span, ...]  # spans that hold an ICAO country code

    @property
    def lines(self) -> int:
        return len(self.classes)

    def alphabet(self, line: int, index: int) -> str:
        return ALPHABETS[self.classes[line][index]]


def _s(line: int, start: int, end: int) -> Span:
    return Span(line, start, end)


_DATE = "NNMNDN"

TD3 = MrzLayout(
    name="TD3",
    length=44,
    classes=(
        "PA" + "AAA" + "A" * 39,
        "X" * 9 + "C" + "AAA" + _DATE + "C" + "S" + _DATE + "C" + "X" * 14 + "K" + "C",
    ),
    checks=(
        CheckSpec("document_number", (_s(1, 0, 9),), (1, 9)),
        CheckSpec("birth_date", (_s(1, 13, 19),), (1, 19)),
        CheckSpec("expiry_date", (_s(1, 21, 27),), (1, 27)),
        CheckSpec("personal_number", (_s(1, 28, 42),), (1, 42)),
    ),
    composite=CheckSpec("composite", (_s(1, 0, 10), _s(1, 13, 20), _s(1, 21, 43)), (1, 43)),
    country_codes=(_s(0, 2, 5), _s(1, 10, 13)),
)

TD1 = MrzLayout(
    name="TD1",
    length=30,
    classes=(
        "LA" + "AAA" + "X" * 9 + "K" + "X" * 15,
        _DATE + "C" + "S" + _DATE + "C" + "AAA" + "X" * 11 + "C",
        "A" * 30,
    ),
    checks=(
        CheckSpec("document_number", (_s(0, 5, 14),), (0, 14)),
        CheckSpec("birth_date", (_s(1, 0, 6),), (1, 6)),
        CheckSpec("expiry_date", (_s(1, 8, 14),), (1, 14)),
    ),
    composite=CheckSpec(
        "composite", (_s(0, 5, 30), _s(1, 0, 7), _s(1, 8, 15), _s(1, 18, 29)), (1, 29)
    ),
    country_codes=(_s(0, 2, 5), _s(1, 15, 18)),
)

TD2 = MrzLayout(
    name="TD2",
    length=36,
    classes=(
        "LA" + "AAA" + "A" * 31,
        "X" * 9 + "K" + "AAA" + _DATE + "C" + "S" + _DATE + "C" + "X" * 7 + "C",
    ),
    checks=(
        CheckSpec("document_number", (_s(1, 0, 9),), (1, 9)),
        CheckSpec("birth_date", (_s(1, 13, 19),), (1, 19)),
        CheckSpec("expiry_date", (_s(1, 21, 27),), (1, 27)),
    ),
    composite=CheckSpec("composite", (_s(1, 0, 10), _s(1, 13, 20), _s(1, 21, 35)), (1, 35)),
    country_codes=(_s(0, 2, 5), _s(1, 10, 13)),
)

# French national identity card, 1988-2021. Line 1: IDFRA, surname (25), issuing office (6:
# department and office, e.g. "920023" or "92C001"). Line 2: card number (12: issue year and
# month YYMM, department (3), serial (5)), its check digit, given names (14, separated by "<<"),
# birth date and its check digit, sex, and a final check digit over line 1 and line 2 [0:35].
FRA_ID_1988 = MrzLayout(
    name="FRA_ID_1988",
    length=36,
    classes=(
        "LA" + "AAA" + "A" * 25 + "X" * 6,
        "NNMN" + "XXX" + "NNNNN" + "C" + "A" * 14 + _DATE + "C" + "S" + "C",
    ),
    checks=(
        CheckSpec("document_number", (_s(1, 0, 12),), (1, 12)),
        CheckSpec("birth_date", (_s(1, 27, 33),), (1, 33)),
    ),
    composite=CheckSpec("final", (_s(0, 0, 36), _s(1, 0, 35)), (1, 35)),
    country_codes=(),
)

LAYOUTS: dict[str, MrzLayout] = {
    layout.name: layout for layout in (TD1, TD2, TD3, FRA_ID_1988)
}


def layouts_for(lines: int, length: int) -> list[MrzLayout]:
    """Return the layouts that have `lines` lines of `length` characters (TD2 and French 2x36)."""
    return [lay for lay in LAYOUTS.values() if lay.lines == lines and lay.length == length]


def overflow_check(layout: MrzLayout, lines: list[str]) -> CheckSpec | None:
    """Return the document-number check of a TD1/TD2 whose number overflows, else None.

    When a number is longer than 9 characters the check position holds a filler and the rest
    of the number, then its check digit, start the optional data (ICAO 9303-5 and 9303-6).
    """
    if layout.name == "TD1":
        line, number, check, optional = 0, (5, 14), 14, (15, 30)
    elif layout.name == "TD2":
        line, number, check, optional = 1, (0, 9), 9, (28, 35)
    else:
        return None
    text = lines[line]
    if text[check] != "<" or not text[number[0] : number[1]].strip("<"):
        return None
    rest = text[optional[0] : optional[1]]
    end = rest.find("<")
    if end < 0:
        end = len(rest)
    if end < 2:  # at least one more character of the number, then the check digit
        return None
    digit_at = optional[0] + end - 1
    return CheckSpec(
        "document_number",
        (_s(line, number[0], number[1]), _s(line, optional[0], digit_at)),
        (line, digit_at),
    )
