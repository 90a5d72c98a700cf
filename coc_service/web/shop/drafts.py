"""The visitor's draft order: find it, fill the forms from it, create it once, keep it current.

The draft is created once, when the customer step is first sent, with the idempotency key of
the flow (coc_service.web.shop.flow): a second click, a reload or a retried request returns the
same order. Later visits to the vehicle or customer step edit that draft in place.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coc_service.db.accounts import Customer, User
from coc_service.db.base import utcnow
from coc_service.db.orders import Order
from coc_service.orders.input import OrderInput, parse_order_input
from coc_service.orders.lifecycle import OrderStatus
from coc_service.orders.messages import OrderValidationError
from coc_service.suppliers.catalogue import offer_for_make
from coc_service.web.i18n import current_language
from coc_service.web.shop.flow import draft_order_id, forget_draft, saved_vehicle


def validation_errors(exc: OrderValidationError) -> dict[str, str]:
    """Return field path → message in the visitor's language."""
    return exc.messages(current_language())


def current_draft(session: Session) -> Order | None:
    """Return this visitor's draft order if it is still a draft, else None."""
    order_id = draft_order_id()
    if not order_id:
        return None
    order = session.get(Order, order_id)
    if order is None or order.status != OrderStatus.DRAFT.value or order.restricted:
        forget_draft()
        return None
    return order


def draft_vehicle_values(order: Order | None) -> dict[str, str]:
    """Return the vehicle step's fields, from the draft or from what the session kept."""
    if order is None:
        return saved_vehicle()
    values = {
        "vehicle.vin": order.vin,
        "vehicle.make": order.make,
        "vehicle.first_registration_date": (
            order.first_registration_date.isoformat() if order.first_registration_date else ""
        ),
        "vehicle.registration_number": order.registration_number or "",
    }
    for name, value in (order.vehicle_extra or {}).items():
        if name != "registration_country":
            values[f"vehicle.extra.{name}"] = str(value)
    return values


def _address_values(prefix: str, address: dict[str, Any]) -> dict[str, str]:
    return {f"{prefix}.{k}": str(v) for k, v in address.items() if v is not None}


def draft_customer_values(session: Session, order: Order | None,
                          user: User | None) -> dict[str, str]:
    """Return the customer step's fields: the draft's, else the account's saved profile."""
    if order is not None:
        values = {f"customer.{k}": str(v) for k, v in order.customer_snapshot.items()
                  if v is not None}
        values.update(_address_values("billing_address", order.billing_address))
        values.update(_address_values("shipping_address", order.shipping_address))
        values["shipping_same_as_billing"] = (
            "1" if order.shipping_address == order.billing_address else "")
        values["delivery_option"] = order.delivery_option
        return values
    values = {"shipping_same_as_billing": "1", "delivery_option": "email",
              "customer.kind": "individual"}
    if user is None:
        return values
    values["customer.email"] = user.email
    profile = session.scalars(select(Customer).where(Customer.user_id == user.id)).first()
    if profile is not None:
        values.update(profile_values(profile))
    return values


def profile_values(profile: Customer) -> dict[str, str]:
    """Return form fields filled from a saved profile ("no need to type it all again")."""
    values: dict[str, str] = {"customer.kind": profile.kind}
    for name in ("first_name", "last_name", "email", "phone", "company_name", "siren",
                 "vat_number"):
        value = getattr(profile, name)
        if value:
            values[f"customer.{name}"] = value
    billing, shipping = profile.address("billing"), profile.address("shipping")
    if billing is not None:
        values.update(_address_values("billing_address", billing.as_dict()))
    if shipping is not None:
        values.update(_address_values("shipping_address", shipping.as_dict()))
    same = billing is None or shipping is None or billing.as_dict() == shipping.as_dict()
    values["shipping_same_as_billing"] = "1" if same else ""
    return values


def parse(values: dict[str, Any], session: Session) -> OrderInput:
    """Return the validated order input of the flow's fields (raises OrderValidationError)."""
    return parse_order_input(values, session=session)


def apply_input(session: Session, order: Order, data: OrderInput) -> None:
    """Bring a draft up to date with edited steps: vehicle, customer, addresses, delivery, price."""
    entry = offer_for_make(session, data.vehicle.make)
    if entry is None:  # validated a moment ago against the same catalogue
        raise OrderValidationError({})
    order.vin = data.vehicle.vin
    order.make = entry.make
    order.supplier_id = entry.supplier_id
    order.first_registration_date = data.vehicle.first_registration_date
    order.registration_number = data.vehicle.registration_number
    order.vehicle_extra = {**data.vehicle.extra,
                           "registration_country": data.vehicle.registration_country}
    order.customer_kind = data.customer.kind
    order.customer_snapshot = data.customer.as_dict()
    order.billing_address = data.billing_address.as_dict()
    order.shipping_address = data.shipping_address.as_dict()
    order.delivery_option = data.delivery_option
    order.price_cents = entry.price_cents + data.delivery.price_cents
    order.locale = data.locale
    order.updated_at = utcnow()
    session.flush()


def update_draft_vehicle(session: Session, order: Order, vehicle: dict[str, str]) -> None:
    """Apply an edited vehicle step to the draft (the customer step's values are kept)."""
    from coc_service.web.shop.flow import nest

    values = {**draft_customer_values(session, order, None), **vehicle}
    values = {k: v for k, v in values.items() if not k.startswith("vehicle.")} | vehicle
    values["shipping_same_as_billing"] = values.get("shipping_same_as_billing") or "0"
    values["locale"] = order.locale
    apply_input(session, order, parse(nest(values), session))


def record_consents(order: Order, user: User | None, *, marketing: bool) -> None:
    """Record, at submission, the terms accepted and the (separate) marketing choice."""
    now = utcnow()
    order.terms_accepted_at = now
    order.marketing_consent = marketing
    if user is not None and marketing and not user.marketing_consent:
        user.marketing_consent = True
        user.marketing_consent_at = now
