"""The EU-harmonised registration codes (Directive 1999/37/EC) and how OCR misspells them.

`parse_code(token)` returns the codes a word may be, each with a cost (0 = printed exactly), so
that "D.1", "D1", "D,1", "0.1" and "[D.1]" all become D.1 and "1.2]" becomes J.2 at a higher
cost. Which candidate wins is decided later by the value found next to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CodeSpec:
    """One code we read: the output field it feeds and the kind of value it holds."""

    code: str
    field: str
    kind: str  # plate, date, vin, make, name, text, approval, number, category, word, code


FIELD_CODES: tuple[CodeSpec, ...] = (
    CodeSpec("A", "registration_number", "plate"),
    CodeSpec("B", "first_registration_date", "date"),
    CodeSpec("C.1", "holder_name", "name"),
    CodeSpec("C.1.1", "holder_surname", "name"),
    CodeSpec("C.1.2", "holder_given_names", "name"),
    CodeSpec("C.1.3", "holder_address", "text"),
    CodeSpec("C.2.1", "owner_surname", "name"),
    CodeSpec("C.2.2", "owner_given_names", "name"),
    CodeSpec("C.2.3", "owner_address", "text"),
    CodeSpec("C.3", "holder_address", "text"),
    CodeSpec("D.1", "make", "make"),
    CodeSpec("D.2", "d2_type", "code"),
    CodeSpec("D.2.1", "d21_national_type", "code"),
    CodeSpec("D.3", "commercial_name", "text"),
    CodeSpec("E", "vin", "vin"),
    CodeSpec("F.1", "f1_max_mass_kg", "number"),
    CodeSpec("F.2", "f2_max_mass_service_kg", "number"),
    CodeSpec("G", "g_mass_kg", "number"),
    CodeSpec("I", "certificate_date", "date"),
    CodeSpec("J", "j_category", "category"),
    CodeSpec("J.1", "j1_genre", "word"),
    CodeSpec("K", "type_approval_number", "approval"),
    CodeSpec("P.1", "p1_capacity_cc", "number"),
    CodeSpec("P.2", "p2_power_kw", "number"),
    CodeSpec("P.3", "p3_fuel", "word"),
    CodeSpec("P.6", "p6_fiscal_power", "number"),
    CodeSpec("S.1", "s1_seats", "number"),
    CodeSpec("V.7", "v7_co2_g_km", "number"),
    CodeSpec("V.9", "v9_env_class", "text"),
    CodeSpec("X.1", "x1_inspection_date", "date"),
)
SPECS = {spec.code: spec for spec in FIELD_CODES}

# Codes printed on certificates that we do not output; knowing them keeps their values out of
# the neighbouring fields.
OTHER_CODES = frozenset({
    "C.4", "C.4a", "C.4.1", "C.4.2", "C.4.3", "C.4c", "C.5", "C.6", "D.4", "D.5", "F.3", "G.1", "H",
    "J.2", "J.3", "L", "M", "N", "O.1", "O.2", "P.4", "P.5", "Q", "R", "S.2", "T", "U.1", "U.2",
    "U.3", "V.1", "V.2", "V.3", "V.4", "V.5", "V.6", "V.8", "W", "Y.1", "Y.2", "Y.3", "Y.4", "Y.5",
    "Y.6", "Z", "Z.1", "Z.2", "Z.3", "Z.4", "X.2",
})
ALL_CODES = frozenset(SPECS) | OTHER_CODES

# First character as OCR reads it -> (letter, cost) alternatives.
_LETTER = {
    "0": (("D", 0.3), ("O", 0.3)), "O": (("O", 0.1), ("D", 0.35)), "8": (("B", 0.3),),
    "€": (("E", 0.2), ("C", 0.3)), "£": (("E", 0.3),), "(": (("C", 0.4),), "6": (("G", 0.35),),
    "1": (("I", 0.3), ("J", 0.35)), "l": (("I", 0.3),), "|": (("I", 0.3),), "!": (("I", 0.35),),
    "5": (("S", 0.3),), "$": (("S", 0.3),), "2": (("Z", 0.4),), "i": (("I", 0.3),),
    "j": (("J", 0.3),), "T": (("I", 0.45),), "L": (("L", 0.0), ("I", 0.35)),
    # A small D loses its straight side or its bowl: "b.1", "p.3" (the value decides).
    "b": (("B", 0.25), ("D", 0.3)), "p": (("P", 0.05), ("D", 0.4)),
    "À": (("A", 0.1),), "Á": (("A", 0.1),), "Â": (("A", 0.1),), "Ä": (("A", 0.15),),
    "É": (("E", 0.1),), "È": (("E", 0.1),), "Ê": (("E", 0.1),), "Ë": (("E", 0.1),),
    "Ç": (("C", 0.2),), "Ô": (("O", 0.2), ("D", 0.4)),
}
_DIGIT = {"l": "1", "I": "1", "i": "1", "|": "1", "!": "1", "]": "1", "L": "1", "t": "1",
          "O": "0", "o": "0", "Z": "2", "z": "2", "S": "5", "s": "5", "A": "4", "q": "9", "g": "9"}
_SEP = ".,:;'·`-_"
_FRAME_JUNK = "fFilI|!1t[(J"
_OPEN = "[({|<«"
_CLOSE = "])}|>»:;\\"
_SHAPE = re.compile(r"^([A-Z])((?:[" + re.escape(_SEP) + r"]?[0-9]){0,2})(a|c)?$")


@dataclass(frozen=True)
class CodeHit:
    code: str
    cost: float  # 0 when printed exactly; higher when OCR noise had to be undone
    rest: str  # value text glued after the code ("A]AB-123-CD" -> "AB-123-CD")


def _letter_options(ch: str) -> tuple[tuple[str, float], ...]:
    if ch in _LETTER:
        return _LETTER[ch]
    if ch.isalpha() and ch.isascii():
        # Lower-case c, p, s, v, x... look like their capitals at small sizes.
        return ((ch.upper(), 0.0 if ch.isupper() else 0.05 if ch in "ckopsuvwxz" else 0.25),)
    return ()


def _canonical(letter: str, tail: str) -> tuple[str, float] | None:
    """Return (code, cost) for a code letter and the raw text after it, when it is a code."""
    found = _canonical_once(letter, tail)
    if found is None and len(tail) >= 3:
        # A dot read as a thin letter ("C.1L1" for C.1.1): try each such letter as the dot.
        for i, ch in enumerate(tail):
            if ch in "lLI|i!" and 0 < i < len(tail) - 1:
                retry = _canonical_once(letter, tail[:i] + "." + tail[i + 1 :])
                if retry is not None:
                    return retry[0], retry[1] + 0.2
    return found


def _canonical_once(letter: str, tail: str) -> tuple[str, float] | None:
    cost = 0.0
    digits: list[str] = []
    suffix = ""
    separators = 0
    for i, ch in enumerate(tail):
        if ch in _SEP:
            separators += 1
            continue
        if ch.isdigit():
            digits.append(ch)
        elif ch in "acAC" and i == len(tail) - 1 and digits:
            suffix = ch.lower()
            cost += 0.1 if ch.isupper() else 0.0  # "C4A": the small a read as a capital
        elif ch in _DIGIT:
            digits.append(_DIGIT[ch])
            cost += 0.2
        else:
            return None
    if len(digits) > 2:
        return None
    code = letter + "".join("." + d for d in digits)
    if suffix:
        code = f"{letter}.{''.join(digits)}{suffix}"
    if code not in ALL_CODES:  # "C.11" and "D21" (lost dots) were read digit by digit above
        return None
    if digits and separators < len(digits):
        cost += 0.1  # "D1" for "D.1": common, slightly less sure
    return code, cost


def _hyphen_glued(head: str, rest: str) -> bool:
    """Return True for a value OCR glued to its code with a hyphen read for the frame's edge:
    "D-3-V60" is D.3 then V60 (the code's own dot read as a hyphen too)."""
    return rest[0] == "-" and len(head) >= 2 and head[0] in _SEP and head[-1].isdigit()


def parse_code(token: str) -> list[CodeHit]:
    """Return the codes `token` may be (cheapest first), each with any value glued after it."""
    text = token.strip()
    opened = False
    while text and text[0] in _OPEN and len(text) > 1:
        text, opened = text[1:], True
    if not text:
        return []
    hits: list[CodeHit] = []
    for letter, letter_cost in _letter_options(text[0]):
        # Try the longest code-shaped prefix first; what follows a closing mark is a glued value.
        for end in range(min(len(text), 7), 0, -1):
            head, rest = text[1:end], text[end:]
            closed = False
            while head and head[-1] in _CLOSE and head[-1] not in _SEP:
                head, closed = head[:-1], True
            if head.endswith((":", ";")):
                head, closed = head[:-1], True
            if rest and not closed and rest[0] not in _CLOSE and not _hyphen_glued(head, rest):
                continue
            found = _canonical(letter, head)
            if found is None:
                continue
            code, cost = found
            rest = rest.lstrip("".join(set(_CLOSE + _SEP)) + " ")
            bonus = -0.05 if (opened or closed) else 0.0
            hits.append(CodeHit(code, max(0.0, letter_cost + cost + bonus), rest))
            break
    if not hits and len(text) >= 3 and text[0] in _FRAME_JUNK and text[1].isupper():
        # The left edge of a code's frame read as a letter: "fB]" is [B].
        hits = [CodeHit(h.code, h.cost + 0.2, h.rest) for h in parse_code(text[1:])]
    hits.sort(key=lambda h: h.cost)
    return hits


def is_code_like(token: str, *, max_cost: float = 0.15) -> bool:
    """Return True when a word is very probably a printed code (used to end a value)."""
    hits = parse_code(token)
    return any(h.cost <= max_cost and not h.rest for h in hits)
