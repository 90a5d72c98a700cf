"""Check that the customer can be reached: a well-formed e-mail address and phone number."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from coc_service.checks.context import CheckContext, order_evidence
from coc_service.checks.results import CheckResult, result

DEFAULT_PHONE_REGION = "FR"


def email_ok(address: str) -> bool:
    """Return True when `address` is a well-formed e-mail address (no DNS lookup)."""
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def phone_ok(number: str, region: str = DEFAULT_PHONE_REGION) -> bool:
    """Return True when `number` is a valid phone number (national numbers read as French)."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed)


def contact_valid(ctx: CheckContext) -> CheckResult:
    """The e-mail address is well-formed (fail otherwise: the certificate is sent there); the
    phone number, when given, is valid (warn otherwise: it is only a second way to reach)."""
    name = "contact_valid"
    customer = ctx.order.customer
    evidence = [order_evidence("customer.email", customer.email),
                order_evidence("customer.phone", customer.phone)]
    if not email_ok(customer.email):
        return result(name, "fail", "email_invalid",
                      f"The e-mail address {customer.email!r} is not well-formed.",
                      f"L'adresse e-mail {customer.email!r} est mal formée.", evidence)
    if customer.phone and not phone_ok(customer.phone):
        return result(name, "warn", "phone_invalid",
                      f"The phone number {customer.phone!r} is not a valid number.",
                      f"Le numéro de téléphone {customer.phone!r} n'est pas valide.", evidence)
    return result(name, "pass", "ok", "E-mail address and phone number are well-formed.",
                  "L'adresse e-mail et le numéro de téléphone sont bien formés.", evidence)
