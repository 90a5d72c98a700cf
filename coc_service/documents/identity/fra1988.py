"""Legal validity of the French national identity card of 1988-2021, whose MRZ has no expiry.

The card number starts with the year and month of issue (YYMM). Its validity is set by the
décret n° 55-1397 du 22 octobre 1955 (article 1er) as amended by the décret n° 2013-1188 du
18 décembre 2013: fifteen years for a card issued to an adult, ten years for a minor's; the
extension from ten to fifteen years applies to cards issued from 1 January 2014 and to the
adults' cards still valid on that date, i.e. issued from 2 January 2004 (their printed date is
not changed). Cards issued before 2 January 2004, and minors' cards, keep ten years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

EXTENSION_FROM = date(2004, 1, 2)  # first issue date extended to 15 years (décret 2013-1188)


@dataclass(frozen=True)
class DerivedExpiry:
    expiry: date
    years: int
    exact: bool  # False when only the issue month is known (the earliest end is given)
    reason: str


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def issue_month(card_number: str) -> date | None:
    """Return the first day of the issue month encoded in a 1988-format card number."""
    if len(card_number) < 4 or not card_number[:4].isdigit():
        return None
    yy, mm = int(card_number[:2]), int(card_number[2:4])
    if not 1 <= mm <= 12:
        return None
    year = 1900 + yy if yy >= 88 else 2000 + yy  # the format was issued from 1988 to 2021
    if year > 2021:
        return None
    return date(year, mm, 1)


def derive_expiry(card_number: str, birth: date | None, issued: date | None = None) -> (
    DerivedExpiry | None
):
    """Return the end of validity the law gives a 1988-format card, or None if unknown.

    `issued` is the exact issue date when read elsewhere (the back of the card, "délivrée
    le"); otherwise only the month is known and the earliest possible end is returned, so that
    a card is never held valid beyond its real end. An adult/minor doubt (18th birthday in the
    issue month) is resolved the same way, to the shorter validity.
    """
    month = issue_month(card_number)
    if month is None:
        return None
    if issued is not None and (issued.year, issued.month) != (month.year, month.month):
        issued = None  # the other source disagrees with the number: trust the number
    start = issued or month
    if birth is None:
        adult = False
    else:
        coming_of_age = _add_years(birth, 18)
        adult = coming_of_age <= start
    years = 15 if adult and start >= EXTENSION_FROM else 10
    expiry = _add_years(start, years) - timedelta(days=1)
    who = "adult" if adult else "minor"
    reason = f"issued {start:%Y-%m} to a {who}: {years} years (décret 2013-1188)"
    return DerivedExpiry(expiry=expiry, years=years, exact=issued is not None, reason=reason)
