"""What a supplier may see and do: its own forwarded orders, acknowledge, send the certificate.

A supplier account sees an order only when the order was forwarded to that account's supplier;
any other order is NotFound, exactly as if it did not exist. Every function works in the
caller's session and flushes; the caller commits (e-mails are queued for after that commit).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from coc_service.db.accounts import Role, User
from coc_service.db.orders import Document, Order
from coc_service.errors import NotFound
from coc_service.orders.lifecycle import OrderStatus, transition
from coc_service.orders.uploads import attach_certificate
from coc_service.suppliers.bundles import current_bundle
from coc_service.suppliers.certificates import read_certificate
from coc_service.suppliers.errors import CertificateAlreadyReceived

if TYPE_CHECKING:
    from coc_service.runtime import Runtime

S = OrderStatus
#: the states in which an order is with (or back from) its supplier
WITH_SUPPLIER = (S.FORWARDED.value, S.ACKNOWLEDGED.value, S.CERTIFICATE_RECEIVED.value,
                 S.COMPLETED.value)
#: the states in which the supplier can still send the certificate
AWAITING_CERTIFICATE = (S.FORWARDED.value, S.ACKNOWLEDGED.value)


def supplier_of(user: User | None) -> str | None:
    """Return the supplier id a user acts for, or None if the user is no supplier account."""
    if user is None or user.role != Role.SUPPLIER.value or not user.is_active:
        return None
    return user.supplier_id


def supplier_orders(session: Session, supplier_id: str, *, limit: int = 200) -> list[Order]:
    """Return the orders forwarded to the supplier, the ones waiting for it first."""
    stmt = (
        select(Order)
        .where(Order.supplier_id == supplier_id, Order.status.in_(WITH_SUPPLIER),
               Order.restricted.is_(False))
        .order_by(Order.status_changed_at.desc())
        .limit(limit)
    )
    orders = list(session.scalars(stmt))
    return sorted(orders, key=lambda o: o.status not in AWAITING_CERTIFICATE)


def supplier_order(session: Session, supplier_id: str, order_id: str) -> Order:
    """Return the order if it was forwarded to the supplier; raise NotFound otherwise."""
    order = session.get(Order, order_id) if 0 < len(order_id) <= 36 else None
    if (order is None or order.restricted or order.supplier_id != supplier_id
            or order.status not in WITH_SUPPLIER):
        raise NotFound("no such order for this supplier")
    return order


def bundle_of(order: Order) -> Document:
    """Return the order's stored bundle; raise NotFound once retention has erased it."""
    document = current_bundle(order)
    if document is None:
        raise NotFound("the bundle of this order is no longer stored")
    return document


def acknowledge(session: Session, order: Order, *, actor: str) -> bool:
    """Record that the supplier took the order (forwarded → acknowledged); True if it moved.

    Acknowledging again, or after the certificate came, changes nothing.
    """
    if order.status != S.FORWARDED.value:
        return False
    transition(session, order, S.ACKNOWLEDGED, actor=actor, reason="acknowledged by supplier")
    session.flush()
    return True


def receive_certificate(session: Session, runtime: Runtime, order: Order, stream: BinaryIO, *,
                        actor: str) -> Document:
    """Return the stored certificate after checking the PDF; the order is then certificate_received.

    A file that is no PDF that opens raises DocumentRejected and stores nothing; an order that
    already has its certificate raises CertificateAlreadyReceived. The "certificate_ready"
    e-mail is queued for after the caller's commit.
    """
    if order.status not in AWAITING_CERTIFICATE:
        raise CertificateAlreadyReceived(
            "This order already has its certificate.",
            message_fr="Le certificat de cette commande a déjà été reçu.")
    data = read_certificate(stream, runtime.limits)
    return attach_certificate(session, runtime, order, io.BytesIO(data), actor=actor).document
