"""What a customer orders, validated the same way for the pages and for the API.

`parse_order_input(data)` takes the ORDER.json shape of CONTRACTS.md plus addresses and the shop's
options, and returns an OrderInput or raises OrderValidationError listing every bad field by its
dotted path. Accepted shape (values are strings unless said otherwise)::

    {"customer": {"kind": "individual"|"company" (inferred from company_name/siren if absent),
                  "first_name", "last_name", "email", "phone" (optional),
                  "company_name", "siren", "vat_number" (company; VAT optional)},
     "vehicle": {"vin", "make", "first_registration_date" (YYYY-MM-DD),
                 "registration_number" (optional), "registration_country" (ISO-2, default FR),
                 "extra": {<name>: value} (the make's required fields; also accepted flat)},
     "billing_address": {"line1", "line2", "postcode", "city", "country" (ISO-2, default FR)},
     "shipping_address": {...} or "shipping_same_as_billing": true (the default when absent),
     "delivery_option": "email"|"post"|"express" (default email),
     "terms_accepted": bool, "marketing_consent": bool (default false), "locale": "fr"|"en"}
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from coc_service.orders.messages import FieldError, OrderValidationError, field_error
from coc_service.orders.rules import (
    check_country,
    check_email,
    check_first_registration,
    check_phone,
    check_postcode,
    check_registration_number,
    check_siren,
    check_vat,
    check_vin,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from coc_service.db.suppliers import CatalogueEntry


@dataclass(frozen=True)
class DeliveryOption:
    code: str
    price_cents: int
    label_en: str
    label_fr: str


#: how the certificate reaches the customer, and what that adds to the catalogue price
DELIVERY_OPTIONS: dict[str, DeliveryOption] = {
    "email": DeliveryOption("email", 0, "PDF by e-mail", "PDF par e-mail"),
    "post": DeliveryOption("post", 900, "Paper copy by post", "Exemplaire papier par courrier"),
    "express": DeliveryOption("express", 2400, "Express post (48 h)", "Courrier express (48 h)"),
}
LOCALES = ("fr", "en")
# control, surrogate and unassigned characters: never in a name or an address (and PostgreSQL
# text cannot even hold NUL)
_CONTROL = frozenset({"Cc", "Cs", "Cn"})
CUSTOMER_KINDS = ("individual", "company")


@dataclass(frozen=True)
class VehicleInput:
    vin: str
    make: str  # the catalogue's canonical spelling
    first_registration_date: date
    registration_number: str | None = None
    registration_country: str = "FR"
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CustomerInput:
    kind: str
    first_name: str
    last_name: str
    email: str  # normalised by email-validator
    phone: str | None = None  # E.164
    company_name: str | None = None
    siren: str | None = None
    vat_number: str | None = None  # compact, e.g. FR40303265045

    @property
    def is_company(self) -> bool:
        return self.kind == "company"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AddressInput:
    line1: str
    postcode: str
    city: str
    country: str = "FR"
    line2: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"line1": self.line1, "line2": self.line2, "postcode": self.postcode,
                "city": self.city, "country": self.country}


@dataclass(frozen=True)
class OrderInput:
    """A valid order, ready for `coc_service.orders.service.create_order`."""

    customer: CustomerInput
    vehicle: VehicleInput
    billing_address: AddressInput
    shipping_address: AddressInput  # equal to billing_address when same_as_billing
    shipping_same_as_billing: bool = True
    delivery_option: str = "email"
    terms_accepted: bool = False
    marketing_consent: bool = False
    locale: str = "fr"

    @property
    def delivery(self) -> DeliveryOption:
        return DELIVERY_OPTIONS[self.delivery_option]


class _Form:
    """Reads values by dotted path and collects the first problem of each field."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, FieldError] = {}

    def fail(self, path: str, error: FieldError) -> None:
        self.errors.setdefault(path, error)

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.data.get(name)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(name, field_error("not_an_object"))
            return {}
        return value

    def text(self, section: Mapping[str, Any], path: str, *, required: bool = True,
             max_length: int = 200) -> str | None:
        value = section.get(path.rsplit(".", 1)[-1])
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(path, field_error("required"))
            return None
        if not isinstance(value, str):
            self.fail(path, field_error("not_a_string"))
            return None
        value = " ".join(value.split())
        if any(unicodedata.category(c) in _CONTROL for c in value):
            self.fail(path, field_error("invalid_characters"))
            return None
        if len(value) > max_length:
            self.fail(path, field_error("too_long", max=max_length))
            return None
        return value

    def flag(self, path: str, *, default: bool) -> bool:
        value = self.data.get(path, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"on", "true", "1", "yes", "y"}:
            return True  # an HTML checkbox
        if isinstance(value, str) and value.lower() in {"off", "false", "0", "no", "n", ""}:
            return False
        self.fail(path, field_error("not_a_boolean"))
        return default

    def choice(self, path: str, choices: tuple[str, ...], default: str) -> str:
        value = self.data.get(path)
        if value is None or value == "":
            return default
        if not isinstance(value, str) or value not in choices:
            self.fail(path, field_error("choice", choices=", ".join(choices)))
            return default
        return value

    def checked(self, path: str, rule: Any, value: str | None, *args: Any) -> str | None:
        """Return rule(value, *args) or None after recording the rule's FieldError."""
        if value is None:
            return None
        outcome = rule(value, *args)
        if isinstance(outcome, FieldError):
            self.fail(path, outcome)
            return None
        return str(outcome)


def parse_order_input(
    data: Mapping[str, Any],
    *,
    session: Session | None = None,
    require_terms: bool = False,
    today: date | None = None,
) -> OrderInput:
    """Return the validated OrderInput of `data`; raise OrderValidationError naming every field.

    With a `session` the make must be on sale in the catalogue and the extra fields that make
    requires must be present; without one, any make the vehicle table knows is accepted (for
    offline tools). `require_terms` is for the pages: the customer must tick the terms box.
    """
    if not isinstance(data, Mapping):
        raise OrderValidationError({"$": field_error("invalid_body")})
    form = _Form(data)
    vehicle = _vehicle(form, session, today or date.today())
    customer = _customer(form)
    billing = _address(form, "billing_address")
    same = form.flag("shipping_same_as_billing", default=data.get("shipping_address") is None)
    shipping = billing if same else _address(form, "shipping_address")
    delivery = form.choice("delivery_option", tuple(DELIVERY_OPTIONS), "email")
    terms = form.flag("terms_accepted", default=False)
    if require_terms and not terms:
        form.fail("terms_accepted", field_error("terms"))
    marketing = form.flag("marketing_consent", default=False)
    locale = form.choice("locale", LOCALES, "fr")
    if form.errors:
        raise OrderValidationError(form.errors)
    assert vehicle and customer and billing and shipping
    return OrderInput(
        customer=customer, vehicle=vehicle, billing_address=billing, shipping_address=shipping,
        shipping_same_as_billing=same, delivery_option=delivery, terms_accepted=terms,
        marketing_consent=marketing, locale=locale,
    )


def _vehicle(form: _Form, session: Session | None, today: date) -> VehicleInput | None:
    section = form.section("vehicle")
    if "vehicle" not in form.data:
        form.fail("vehicle", field_error("required"))
    vin = form.checked("vehicle.vin", check_vin, form.text(section, "vehicle.vin", max_length=40))
    make_text = form.text(section, "vehicle.make", max_length=64)
    entry = None
    make = None
    if make_text is not None:
        make, entry = _catalogue_make(make_text, session)
        if make is None:
            form.fail("vehicle.make", field_error("make_unknown"))
    if vin and make:
        from coc_service.vehicles.makes import are_siblings, canonical_make
        from coc_service.vehicles.wmi import make_for_vin, makes_for_wmi

        chosen = canonical_make(make) or make
        wmi_makes = makes_for_wmi(vin)
        if wmi_makes and not any(are_siblings(chosen, m) for m in wmi_makes):
            form.fail("vehicle.make",
                      field_error("vin_make_mismatch", vin_make=make_for_vin(vin), make=make))
    first = form.checked("vehicle.first_registration_date", check_first_registration,
                         form.text(section, "vehicle.first_registration_date"), today)
    country = form.checked(
        "vehicle.registration_country", check_country,
        form.text(section, "vehicle.registration_country", required=False) or "FR",
    )
    plate = form.checked(
        "vehicle.registration_number", check_registration_number,
        form.text(section, "vehicle.registration_number", required=False, max_length=20),
        country or "FR",
    )
    extra = _extra_fields(form, section, entry)
    if vin is None or make is None or first is None or country is None:
        return None
    return VehicleInput(vin=vin, make=make, first_registration_date=date.fromisoformat(first),
                        registration_number=plate, registration_country=country, extra=extra)


def _catalogue_make(text: str, session: Session | None) -> tuple[str | None, Any]:
    """Return (catalogue make, its CatalogueEntry) for what the customer chose or typed."""
    from coc_service.vehicles.makes import canonical_make

    canonical = canonical_make(text)
    if session is None:
        return canonical, None
    from coc_service.suppliers.catalogue import active_offers

    for entry in active_offers(session):
        same = canonical is not None and canonical_make(entry.make) == canonical
        if entry.make == text or same:
            return entry.make, entry
    return None, None


def _extra_fields(form: _Form, section: Mapping[str, Any],
                  entry: CatalogueEntry | None) -> dict[str, str]:
    if entry is None:
        return {}
    raw_extra = section.get("extra")
    extra_section: Mapping[str, Any] = raw_extra if isinstance(raw_extra, Mapping) else {}
    values: dict[str, str] = {}
    for spec in entry.required_fields or []:
        name = str(spec.get("name", ""))
        if not name:
            continue
        source = extra_section if name in extra_section else section
        value = form.text(source, f"vehicle.extra.{name}", max_length=100)
        if value is not None:
            values[name] = value
    return values


def _customer(form: _Form) -> CustomerInput | None:
    section = form.section("customer")
    if "customer" not in form.data:
        form.fail("customer", field_error("required"))
    kind_raw = section.get("kind")
    if kind_raw in (None, ""):
        kind = "company" if section.get("company_name") or section.get("siren") else "individual"
    elif kind_raw in CUSTOMER_KINDS:
        kind = str(kind_raw)
    else:
        form.fail("customer.kind", field_error("choice", choices=", ".join(CUSTOMER_KINDS)))
        kind = "individual"
    first = form.text(section, "customer.first_name", max_length=100)
    last = form.text(section, "customer.last_name", max_length=100)
    email = form.checked("customer.email", check_email,
                         form.text(section, "customer.email", max_length=254))
    phone = form.checked("customer.phone", check_phone,
                         form.text(section, "customer.phone", required=False, max_length=32))
    company = siren = vat = None
    if kind == "company":
        company = form.text(section, "customer.company_name")
        siren = form.checked("customer.siren", check_siren,
                             form.text(section, "customer.siren", max_length=20))
        vat = form.checked("customer.vat_number", check_vat,
                           form.text(section, "customer.vat_number", required=False,
                                     max_length=20), siren)
    if first is None or last is None or email is None:
        return None
    return CustomerInput(kind=kind, first_name=first, last_name=last, email=email, phone=phone,
                         company_name=company, siren=siren, vat_number=vat)


def _address(form: _Form, name: str) -> AddressInput | None:
    section = form.section(name)
    if name not in form.data:
        form.fail(name, field_error("required"))
        return None
    line1 = form.text(section, f"{name}.line1")
    line2 = form.text(section, f"{name}.line2", required=False)
    city = form.text(section, f"{name}.city", max_length=100)
    country = form.checked(f"{name}.country", check_country,
                           form.text(section, f"{name}.country", required=False) or "FR")
    postcode = form.checked(f"{name}.postcode", check_postcode,
                            form.text(section, f"{name}.postcode", max_length=16),
                            country or "FR")
    if line1 is None or city is None or country is None or postcode is None:
        return None
    return AddressInput(line1=line1, line2=line2, postcode=postcode, city=city, country=country)
