"""Single-field rules of the order form: each returns the normalised value or a FieldError.

Libraries do the real work: python-stdnum (SIREN, EU VAT), phonenumbers, email-validator, the
vehicles package (VIN), Babel's territory list (ISO 3166-1 alpha-2 countries).
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from coc_service.orders.messages import FieldError, field_error

EARLIEST_FIRST_REGISTRATION = date(1950, 1, 1)

# SIV (2009 on): AA-123-AA; letters I, O and U are never used, nor the blocks 000.
_SIV = re.compile(r"([A-HJ-NP-TV-Z]{2})[\s-]?(\d{3})[\s-]?([A-HJ-NP-TV-Z]{2})")
# FNI (before 2009): 1 to 4 digits, 1 to 3 letters, the département (01-95, 2A, 2B, 971-976).
_FNI = re.compile(r"(\d{1,4})[\s-]?([A-Z]{1,3})[\s-]?(\d{2}|2A|2B|97[1-6])")
_FOREIGN_PLATE = re.compile(r"[A-Z0-9][A-Z0-9 \-]{0,14}[A-Z0-9]|[A-Z0-9]")
_FR_POSTCODE = re.compile(r"\d{5}")
_POSTCODE = re.compile(r"[A-Z0-9][A-Z0-9 \-]{1,10}[A-Z0-9]")
# codes Babel lists that are not countries one can ship to
_PSEUDO_TERRITORIES = frozenset({"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"})


def check_vin(text: str) -> str | FieldError:
    from coc_service.vehicles.vin import normalise_vin, vin_format_ok

    vin = normalise_vin(text)
    return vin if vin_format_ok(vin) else field_error("vin_format")


def check_first_registration(text: str, today: date) -> str | FieldError:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return field_error("date_format")
    if day > today:
        return field_error("date_future")
    if day < EARLIEST_FIRST_REGISTRATION:
        return field_error("date_too_old")
    return day.isoformat()


def check_registration_number(text: str, country: str) -> str | FieldError:
    """Return the plate in its printed form (AA-123-AA, 1234 AB 56, or as typed abroad)."""
    plate = text.upper().strip()
    if country == "FR":
        siv = _SIV.fullmatch(plate)
        if siv and siv.group(2) != "000":
            return "-".join(siv.groups())
        fni = _FNI.fullmatch(plate)
        if fni and fni.group(1).strip("0") != "":
            return " ".join(fni.groups())
        return field_error("registration_number")
    if not _FOREIGN_PLATE.fullmatch(plate):
        return field_error("registration_number_foreign")
    return plate


def check_email(text: str) -> str | FieldError:
    from email_validator import EmailNotValidError, validate_email

    try:
        # deliverability needs DNS: not in a request path, and the e-mail itself proves it later
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return field_error("email")


def check_phone(text: str) -> str | FieldError:
    import phonenumbers

    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        return field_error("phone")
    if not phonenumbers.is_valid_number(number):
        return field_error("phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_siren(text: str) -> str | FieldError:
    from stdnum.exceptions import ValidationError
    from stdnum.fr import siren

    try:
        return str(siren.validate(text))
    except ValidationError:
        return field_error("siren")


def check_vat(text: str, siren: str | None) -> str | FieldError:
    """Return the compact EU VAT number; a French one must carry the SIREN given."""
    from stdnum.eu import vat
    from stdnum.exceptions import ValidationError
    from stdnum.fr import tva

    try:
        number = str(vat.validate(text))
    except ValidationError:
        return field_error("vat_number")
    if siren and number.startswith("FR") and tva.to_siren(number) != siren:
        return field_error("vat_siren_mismatch")
    return number


@cache
def iso_countries() -> frozenset[str]:
    """Return the ISO 3166-1 alpha-2 codes of countries and territories."""
    from babel import Locale

    codes = (str(code) for code in Locale("en").territories)
    return frozenset(
        code for code in codes
        if len(code) == 2 and code.isalpha() and code not in _PSEUDO_TERRITORIES
    )


def check_country(text: str) -> str | FieldError:
    code = text.strip().upper()
    return code if code in iso_countries() else field_error("country")


def check_postcode(text: str, country: str) -> str | FieldError:
    code = text.strip().upper()
    if country in ("FR", "MC"):  # Monaco uses French 980xx codes
        return code if _FR_POSTCODE.fullmatch(code) else field_error("postcode_fr")
    return code if _POSTCODE.fullmatch(code) else field_error("postcode")
