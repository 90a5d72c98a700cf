"""Placing, submitting and cancelling orders: the services the pages and the API share.

Every function here works inside the caller's session and flushes; the caller commits (jobs are
enqueued after that commit, see coc_service.queue). Documents are attached by
coc_service.orders.uploads, staff decisions live in coc_service.orders.staff and the JSON shape
of an order in coc_service.orders.views; they are re-exported here for one import.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coc_service.accounts.tokens import authenticate, create_order_token, token_opens_order
from coc_service.db.accounts import Address, ApiToken, Customer, User
from coc_service.db.base import new_id, utcnow
from coc_service.db.orders import Order
from coc_service.orders.errors import (
    CatalogueUnavailable,
    IdempotencyConflict,
    MissingDocuments,
    OrderNotEditable,
)
from coc_service.orders.input import OrderInput
from coc_service.orders.lifecycle import OrderStatus, record_creation, transition
from coc_service.orders.processing import scans, start_processing
from coc_service.orders.staff import approve, reject, request_reupload
from coc_service.orders.uploads import AttachResult, attach_certificate, attach_document
from coc_service.orders.views import order_view

if TYPE_CHECKING:
    from coc_service.runtime import Runtime

__all__ = [
    "AttachResult",
    "approve",
    "attach_certificate",
    "attach_document",
    "cancel_order",
    "create_order",
    "find_order_for_token",
    "order_for_token",
    "order_view",
    "reject",
    "request_reupload",
    "submit_order",
]

log = logging.getLogger(__name__)

# no 0/O, 1/I/L, U/V pairs: a reference read over the phone or copied by hand stays exact
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
REFERENCE_LENGTH = 6
_ID = re.compile(r"[0-9a-fA-F-]{1,36}")  # row ids are UUID strings


def new_reference() -> str:
    """Return a random human reference like "COC-7K3M9Q" (not checked for uniqueness)."""
    return "COC-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def _unique_reference(session: Session) -> str:
    for _ in range(20):
        reference = new_reference()
        if session.scalars(select(Order.id).where(Order.reference == reference)).first() is None:
            return reference
    raise RuntimeError("could not draw a free order reference")  # 29**6 ≈ 600 million


def _idempotency_digest(key: str, user: User | None) -> str:
    # stored hashed and scoped to the account, so that one client's key never finds another's
    scope = user.id if user is not None else "guest"
    return hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()


def _same_order(order: Order, data: OrderInput) -> bool:
    """Whether a replayed request describes the order already made with its key."""
    return (order.vin == data.vehicle.vin
            and order.customer_snapshot.get("email") == data.customer.email
            and order.make == data.vehicle.make)


def create_order(
    session: Session,
    runtime: Runtime | None,
    data: OrderInput,
    *,
    user: User | None = None,
    idempotency_key: str | None = None,
    actor: str = "customer",
    issue_token: bool | None = None,
) -> tuple[Order, str | None]:
    """Return (the new draft order, its access token in clear or None).

    A token is issued for guest orders (`user` None) and whenever `issue_token` is True (the API
    always asks for one); only its SHA-256 is stored. Calling again with the same
    `idempotency_key` (a second click, a reload, a retried request) returns the same order: with
    a fresh token for guests, who could not read the first answer; refused with
    IdempotencyConflict when the data describe another vehicle or customer. For a logged-in user
    the saved profile (Customer and its addresses) is updated from the order. `runtime` is
    accepted for symmetry with the other services (prices come from the session's catalogue).
    Raises CatalogueUnavailable if the make left the catalogue since validation.
    """
    want_token = (user is None) if issue_token is None else issue_token
    digest = _idempotency_digest(idempotency_key, user) if idempotency_key else None
    if digest is not None:
        existing = session.scalars(select(Order).where(Order.idempotency_key == digest)).first()
        if existing is not None:
            return _replay(session, existing, data, want_token)
    from coc_service.suppliers.catalogue import offer_for_make

    entry = offer_for_make(session, data.vehicle.make)
    if entry is None:
        raise CatalogueUnavailable(f"{data.vehicle.make} is no longer in the catalogue",
                                   message_fr=f"{data.vehicle.make} n'est plus au catalogue")
    customer = _customer_profile(session, data, user)
    now = utcnow()
    order = Order(
        id=new_id(), reference=_unique_reference(session), status=OrderStatus.DRAFT.value,
        status_changed_at=now, created_at=now, updated_at=now, locale=data.locale,
        customer_id=customer.id, user_id=user.id if user else None, supplier_id=entry.supplier_id,
        idempotency_key=digest, vin=data.vehicle.vin, make=entry.make,
        first_registration_date=data.vehicle.first_registration_date,
        registration_number=data.vehicle.registration_number,
        vehicle_extra={**data.vehicle.extra,
                       "registration_country": data.vehicle.registration_country},
        customer_kind=data.customer.kind, customer_snapshot=data.customer.as_dict(),
        billing_address=data.billing_address.as_dict(),
        shipping_address=data.shipping_address.as_dict(),
        delivery_option=data.delivery_option,
        price_cents=entry.price_cents + data.delivery.price_cents, currency="EUR",
        terms_accepted_at=now if data.terms_accepted else None,
        marketing_consent=data.marketing_consent,
    )
    if digest is not None:
        # two identical requests racing: the unique key lets exactly one insert win
        try:
            with session.begin_nested():
                session.add(order)
                session.flush()
        except IntegrityError:
            existing = session.scalars(select(Order).where(Order.idempotency_key == digest)).first()
            if existing is None:
                raise
            return _replay(session, existing, data, want_token)
    else:
        session.add(order)
        session.flush()
    record_creation(session, order, actor=actor)
    if user is not None and data.marketing_consent and not user.marketing_consent:
        user.marketing_consent = True
        user.marketing_consent_at = now
    token = create_order_token(session, order)[1] if want_token else None
    session.flush()
    log.info("order created", extra={"order_id": order.id, "reference": order.reference})
    return order, token


def _replay(session: Session, order: Order, data: OrderInput,
            want_token: bool) -> tuple[Order, str | None]:
    if not _same_order(order, data):
        raise IdempotencyConflict(
            "This idempotency key was already used for another order.",
            message_fr="Cette clé d'idempotence a déjà servi pour une autre commande.",
        )
    token = create_order_token(session, order)[1] if want_token else None
    return order, token


def _customer_profile(session: Session, data: OrderInput, user: User | None) -> Customer:
    """Return the saved profile updated from the order (a fresh one for a guest)."""
    customer = None
    if user is not None:
        customer = session.scalars(select(Customer).where(Customer.user_id == user.id)).first()
    if customer is None:
        customer = Customer(id=new_id(), user_id=user.id if user else None)
        session.add(customer)
    c = data.customer
    customer.kind = c.kind
    customer.first_name, customer.last_name = c.first_name, c.last_name
    customer.email, customer.phone = c.email, c.phone
    customer.company_name, customer.siren, customer.vat_number = (
        c.company_name, c.siren, c.vat_number)
    addresses = {"billing": data.billing_address, "shipping": data.shipping_address}
    for kind, value in addresses.items():
        row = customer.address(kind)
        if row is None:
            row = Address(kind=kind, line1=value.line1, postcode=value.postcode,
                          city=value.city, country=value.country)
            customer.addresses.append(row)
        row.line1, row.line2, row.postcode = value.line1, value.line2, value.postcode
        row.city, row.country = value.city, value.country
    session.flush()
    return customer


def _lock(session: Session, order: Order) -> Order:
    """Return `order` re-read under a row lock, so concurrent submits serialise."""
    stmt = (select(Order).where(Order.id == order.id).with_for_update()
            .execution_options(populate_existing=True))
    locked = session.scalars(stmt).one()
    return locked


def submit_order(session: Session, runtime: Runtime | None, order: Order, *,
                 actor: str = "customer") -> str:
    """Submit a draft for processing and return its status; a repeated submit changes nothing.

    A draft needs one current identity and one registration document (MissingDocuments names
    what is missing); it then goes draft → submitted → processing and its documents are queued
    for reading once the caller commits. An order already submitted (in any later state) is
    returned as it is; a cancelled or rejected order refuses with OrderNotEditable.
    """
    order = _lock(session, order)
    if order.status != OrderStatus.DRAFT.value:
        if order.status in (OrderStatus.CANCELLED.value, OrderStatus.REJECTED.value):
            raise OrderNotEditable(f"This order is {order.status} and cannot be submitted.",
                                   message_fr="Cette commande ne peut plus être envoyée.")
        return order.status
    present = {d.kind for d in scans(order)}
    missing = [kind for kind in ("identity", "registration") if kind not in present]
    if missing:
        raise MissingDocuments(missing)
    transition(session, order, OrderStatus.SUBMITTED, actor=actor, reason="submitted")
    start_processing(session, order, actor="system", reason="documents queued for reading")
    session.flush()
    return order.status


def cancel_order(session: Session, order: Order, *, actor: str, reason: str = "") -> str:
    """Cancel an order not yet forwarded and return its status; cancelling twice is a no-op.

    Raises lifecycle.IllegalTransition once the order has gone to the supplier.
    """
    order = _lock(session, order)
    if order.status == OrderStatus.CANCELLED.value:
        return order.status
    transition(session, order, OrderStatus.CANCELLED, actor=actor, reason=reason or "cancelled")
    session.flush()
    return order.status


def find_order_for_token(session: Session, token: str | None) -> Order | None:
    """Return the order an order access token (e.g. from a guest's link) opens, else None."""
    row = authenticate(session, token)
    if row is None or row.order_id is None:
        return None
    return session.get(Order, row.order_id)


def order_for_token(session: Session, row: ApiToken | None, order_id: str) -> Order | None:
    """Return the order `order_id` if the authenticated token may use it, else None.

    None for unknown and foreign orders alike, so that callers answer 404 to both.
    """
    if row is None or not _ID.fullmatch(order_id):
        return None
    order = session.get(Order, order_id)
    if order is None or order.restricted or not token_opens_order(row, order):
        return None
    return order
