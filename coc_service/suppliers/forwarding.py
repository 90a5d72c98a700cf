"""Forwarding an approved order to its COC supplier: bundle, transition, customer e-mail.

`forward` is what the `forward_order` job runs. It is idempotent: the order row is locked, an
order no longer approved is left alone, and the bundle is written under a fixed key, so running
it twice (a retried job, the reconciler, two workers) stores one bundle, records one transition
and queues one e-mail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from coc_service.db.base import utcnow
from coc_service.db.orders import Order
from coc_service.db.suppliers import Supplier
from coc_service.mail.outbox import queue_mail
from coc_service.orders.lifecycle import OrderStatus, transition
from coc_service.orders.processing import SYSTEM, lock_order
from coc_service.queue import enqueue_after_commit
from coc_service.suppliers.bundles import build_bundle, current_bundle, read_scans, store_bundle
from coc_service.suppliers.catalogue import offer_for_make
from coc_service.suppliers.errors import NoSupplier

if TYPE_CHECKING:
    from coc_service.runtime import Runtime

log = logging.getLogger(__name__)

JOB = "forward_order"
#: the states an order is forwarded from
READY = frozenset({OrderStatus.AUTO_APPROVED.value, OrderStatus.APPROVED.value})
#: what Order.processing_error starts with when forwarding failed for good
FAILURE_PREFIX = "forwarding failed"


@dataclass(frozen=True)
class ForwardResult:
    """Where the order stands after `forward`, and whether this call forwarded it."""

    order_id: str
    status: str | None  # None: no such order
    forwarded: bool
    bundle_id: str | None = None


def queue_forwarding(session: Session, order_id: str) -> None:
    """Forward the order once `session` commits (the job re-checks the order's state)."""
    enqueue_after_commit(session, JOB, order_id)


def supplier_for(session: Session, order: Order) -> Supplier:
    """Return the supplier the order goes to, recording it on the order; raise NoSupplier.

    The supplier the catalogue named when the order was placed keeps it while it is active
    (the price was agreed with it); otherwise the catalogue's current supplier of the make.
    """
    if order.supplier_id is not None:
        chosen = session.get(Supplier, order.supplier_id)
        if chosen is not None and chosen.active:
            return chosen
    entry = offer_for_make(session, order.make)
    if entry is None or not entry.supplier.active:
        raise NoSupplier(f"order {order.reference}: no active supplier serves {order.make}")
    order.supplier_id = entry.supplier_id
    return entry.supplier


def forward(session: Session, runtime: Runtime, order_id: str) -> ForwardResult:
    """Bundle an approved order for its supplier and move it to forwarded; idempotent.

    Raises ForwardingFailed subclasses (permanent) and ServiceUnavailable (retry). The caller
    commits; the "forwarded" e-mail is queued for after that commit.
    """
    order = lock_order(session, order_id)
    if order is None:
        return ForwardResult(order_id, None, False)
    existing = current_bundle(order)
    if order.status not in READY:
        return ForwardResult(order.id, order.status, False, existing.id if existing else None)
    supplier = supplier_for(session, order)
    bundle = build_bundle(order, supplier, read_scans(runtime, order), created_at=utcnow())
    document = store_bundle(session, runtime, order, bundle)
    transition(session, order, OrderStatus.FORWARDED, actor=SYSTEM,
               reason=f"bundle sent to supplier {supplier.code}")
    if order.processing_error and order.processing_error.startswith(FAILURE_PREFIX):
        order.processing_error = None
    session.flush()
    queue_mail(session, order.id, "forwarded")
    log.info("order forwarded", extra={"order_id": order.id, "supplier": supplier.code,
                                       "document_id": document.id})
    return ForwardResult(order.id, order.status, True, document.id)


def record_forwarding_failure(session: Session, order_id: str, message: str) -> None:
    """Show staff why an approved order could not be forwarded (on the order's page)."""
    order = session.get(Order, order_id)
    if order is None or order.status not in READY:
        return
    order.processing_error = f"{FAILURE_PREFIX}: {message}"[:2000]
    session.flush()
