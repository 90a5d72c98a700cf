"""The saved profile form ("Modifier mes données"): validated with the order form's own rules."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from coc_service.db.accounts import Address, Customer, User
from coc_service.db.base import new_id
from coc_service.orders.messages import FieldError, field_error
from coc_service.orders.rules import (
    check_country,
    check_email,
    check_phone,
    check_postcode,
    check_siren,
    check_vat,
)

ADDRESS_KINDS = ("billing", "shipping")


def validate_profile(values: Mapping[str, str], locale: str) -> tuple[dict[str, str],
                                                                      dict[str, str | None]]:
    """Return (errors by field, clean values) for the profile form's dotted field names."""
    errors: dict[str, FieldError] = {}
    clean: dict[str, str | None] = {}

    def text(name: str, *, required: bool = False, max_length: int = 200) -> str | None:
        value = " ".join(values.get(name, "").split())
        if not value:
            if required:
                errors[name] = field_error("required")
            return None
        if len(value) > max_length:
            errors[name] = field_error("too_long", max=max_length)
            return None
        return value

    def checked(name: str, outcome: str | FieldError | None) -> str | None:
        if isinstance(outcome, FieldError):
            errors[name] = outcome
            return None
        return outcome

    kind = values.get("customer.kind") or "individual"
    clean["customer.kind"] = kind if kind in ("individual", "company") else "individual"
    clean["customer.first_name"] = text("customer.first_name", max_length=100)
    clean["customer.last_name"] = text("customer.last_name", max_length=100)
    email = text("customer.email", required=True, max_length=254)
    clean["customer.email"] = checked("customer.email", check_email(email) if email else None)
    phone = text("customer.phone", max_length=32)
    clean["customer.phone"] = checked("customer.phone", check_phone(phone) if phone else None)
    company = clean["customer.kind"] == "company"
    clean["customer.company_name"] = text("customer.company_name", required=company)
    siren = text("customer.siren", required=company, max_length=20)
    clean["customer.siren"] = checked("customer.siren", check_siren(siren) if siren else None)
    vat = text("customer.vat_number", max_length=20)
    clean["customer.vat_number"] = checked(
        "customer.vat_number", check_vat(vat, clean["customer.siren"]) if vat else None)
    for kind_name in ADDRESS_KINDS:
        prefix = f"{kind_name}_address"
        line1 = text(f"{prefix}.line1")
        postcode = text(f"{prefix}.postcode", max_length=16)
        city = text(f"{prefix}.city", max_length=100)
        if not (line1 or postcode or city):
            continue  # an address left empty is simply not saved
        country = checked(f"{prefix}.country",
                          check_country(text(f"{prefix}.country") or "FR"))
        for name, value in (("line1", line1), ("postcode", postcode), ("city", city)):
            if value is None:
                errors[f"{prefix}.{name}"] = field_error("required")
        clean[f"{prefix}.line1"] = line1
        clean[f"{prefix}.line2"] = text(f"{prefix}.line2")
        clean[f"{prefix}.city"] = city
        clean[f"{prefix}.country"] = country
        clean[f"{prefix}.postcode"] = checked(
            f"{prefix}.postcode", check_postcode(postcode, country or "FR") if postcode else None)
    return {k: e.message(locale) for k, e in errors.items()}, clean


def save_profile(session: Session, user: User, clean: Mapping[str, str | None]) -> Customer:
    """Write the clean values to the account's saved profile and return it."""
    customer = user.customer
    if customer is None:
        customer = Customer(id=new_id(), user_id=user.id)
        session.add(customer)
        user.customer = customer
    customer.kind = clean.get("customer.kind") or "individual"
    for name in ("first_name", "last_name", "email", "phone", "company_name", "siren",
                 "vat_number"):
        setattr(customer, name, clean.get(f"customer.{name}"))
    if customer.kind != "company":
        customer.company_name = customer.siren = customer.vat_number = None
    for kind in ADDRESS_KINDS:
        prefix = f"{kind}_address"
        row = customer.address(kind)
        if not clean.get(f"{prefix}.line1"):
            if row is not None:
                customer.addresses.remove(row)
            continue
        if row is None:
            row = Address(kind=kind, line1="", postcode="", city="")
            customer.addresses.append(row)
        row.line1 = clean[f"{prefix}.line1"] or ""
        row.line2 = clean.get(f"{prefix}.line2")
        row.postcode = clean.get(f"{prefix}.postcode") or ""
        row.city = clean.get(f"{prefix}.city") or ""
        row.country = clean.get(f"{prefix}.country") or "FR"
    session.flush()
    return customer
