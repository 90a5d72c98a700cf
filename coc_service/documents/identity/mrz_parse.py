"""Parse MRZ lines into the contract's identity fields and verify every check digit."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from coc_service.documents.identity.countries import iso_alpha3
from coc_service.documents.identity.mrz_format import (
    FRA_ID_1988,
    TD1,
    CheckSpec,
    MrzLayout,
    Span,
    check_digit,
    overflow_check,
)

IDENTITY_FIELDS = (
    "document_type_code",
    "issuing_country",
    "surname",
    "given_names",
    "document_number",
    "birth_date",
    "expiry_date",
    "sex",
    "nationality",
)


@dataclass
class ParsedMrz:
    """Field values read from MRZ lines, the checks that failed, and where each field sits."""

    layout: MrzLayout
    lines: list[str]
    values: dict[str, str | None]
    failed_checks: list[str]
    spans: dict[str, list[Span]] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.failed_checks


def checks_for(layout: MrzLayout, lines: list[str]) -> list[CheckSpec]:
    """Return the check specs that apply to these lines (a TD1 number may overflow)."""
    checks = list(layout.checks)
    overflow = overflow_check(layout, lines)
    if overflow is not None:
        checks = [overflow if c.name == "document_number" else c for c in checks]
    return [*checks, layout.composite]


def _data(spec: CheckSpec, lines: list[str]) -> str:
    return "".join(lines[s.line][s.start : s.end] for s in spec.data)


def check_passes(spec: CheckSpec, lines: list[str]) -> bool:
    """Return whether the check digit of `spec` matches its data."""
    data = _data(spec, lines)
    got = lines[spec.digit[0]][spec.digit[1]]
    if got == "<":
        # A filler check digit stands for an empty field (a TD3 personal number).
        return not data.strip("<")
    return got == check_digit(data)


def failed_checks(layout: MrzLayout, lines: list[str]) -> list[str]:
    """Return the names of the checks that fail on these lines."""
    return [spec.name for spec in checks_for(layout, lines) if not check_passes(spec, lines)]


EXPIRY_HORIZON_YEARS = 20


def mrz_date(yymmdd: str, *, kind: str, today: date) -> date | None:
    """Return the date an MRZ YYMMDD stands for, or None when it is not a calendar date.

    The century is not encoded: a birth date is the latest one not after today; an expiry is
    in this century unless that puts it more than EXPIRY_HORIZON_YEARS ahead: no passport or
    identity card is issued for that long (10 years for a passport, 15 for the French card
    with its extension), so such a date is an old, long-expired one.
    """
    if len(yymmdd) != 6 or not yymmdd.isdigit():
        return None
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if kind == "birth":
        candidates = [2000 + yy, 1900 + yy]
        for year in candidates:
            parsed = _safe_date(year, mm, dd)
            if parsed is None:
                return None
            if parsed <= today:
                return parsed
        return None
    year = 2000 + yy if 2000 + yy <= today.year + EXPIRY_HORIZON_YEARS else 1900 + yy
    return _safe_date(year, mm, dd)


def _safe_date(year: int, month: int, day: int) -> date | None:
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _words(text: str) -> str:
    return " ".join(part for part in text.split("<") if part)


def split_name(name_field: str) -> tuple[str, str]:
    """Return (surname, given names) of an ICAO name field: "ERIKSSON<<ANNA<MARIA<<<"."""
    stripped = name_field.rstrip("<")
    surname, _, given = stripped.partition("<<")
    return _words(surname), _words(given)


def parse_mrz(layout: MrzLayout, lines: list[str], *, today: date | None = None) -> ParsedMrz:
    """Return the fields of `lines` read with `layout`, with every check digit verified."""
    today = today or date.today()
    if len(lines) != layout.lines or any(len(line) != layout.length for line in lines):
        raise ValueError(f"{layout.name} needs {layout.lines} lines of {layout.length} characters")
    values: dict[str, str | None] = dict.fromkeys(IDENTITY_FIELDS)
    spans: dict[str, list[Span]] = {}
    failed = failed_checks(layout, lines)
    l0 = lines[0]

    def put(name: str, value: str | None, *where: Span) -> None:
        values[name] = value if value else None
        spans[name] = list(where)

    put("document_type_code", l0[0:2].replace("<", ""), Span(0, 0, 2))
    put("issuing_country", iso_alpha3(l0[2:5]), Span(0, 2, 5))
    if layout is FRA_ID_1988:
        l1 = lines[1]
        put("surname", _words(l0[5:30]), Span(0, 5, 30))
        put("given_names", _words(l1[13:27]), Span(1, 13, 27))
        put("document_number", l1[0:12].replace("<", ""), Span(1, 0, 12))
        birth, sex = l1[27:33], l1[34]
        birth_span, sex_span = Span(1, 27, 33), Span(1, 34, 35)
        expiry, expiry_span = None, None
        put("nationality", "FRA", Span(0, 2, 5))
    else:
        number_spec = next(c for c in checks_for(layout, lines) if c.name == "document_number")
        number = "".join(lines[s.line][s.start : s.end] for s in number_spec.data)
        put("document_number", number.replace("<", ""), *number_spec.data)
        if layout is TD1:
            data = lines[1]
            surname, given = split_name(lines[2])
            name_span = Span(2, 0, 30)
            birth, sex, expiry, nationality = data[0:6], data[7], data[8:14], data[15:18]
            birth_span, sex_span = Span(1, 0, 6), Span(1, 7, 8)
            expiry_span, nat_span = Span(1, 8, 14), Span(1, 15, 18)
        else:  # TD2 and TD3 share the placement of the second line's fields
            data = lines[1]
            surname, given = split_name(l0[5:])
            name_span = Span(0, 5, layout.length)
            birth, sex, expiry, nationality = data[13:19], data[20], data[21:27], data[10:13]
            birth_span, sex_span = Span(1, 13, 19), Span(1, 20, 21)
            expiry_span, nat_span = Span(1, 21, 27), Span(1, 10, 13)
        put("surname", surname, name_span)
        put("given_names", given, name_span)
        put("nationality", iso_alpha3(nationality), nat_span)
    birth_date = mrz_date(birth, kind="birth", today=today)
    put("birth_date", birth_date.isoformat() if birth_date else None, birth_span)
    if birth_date is None:
        failed.append("birth_date_value")
    if expiry is not None and expiry_span is not None:
        expiry_date = mrz_date(expiry, kind="expiry", today=today)
        put("expiry_date", expiry_date.isoformat() if expiry_date else None, expiry_span)
        if expiry_date is None:
            failed.append("expiry_date_value")
    put("sex", {"M": "M", "F": "F"}.get(sex, "X"), sex_span)
    return ParsedMrz(layout=layout, lines=list(lines), values=values, failed_checks=failed,
                     spans=spans)
