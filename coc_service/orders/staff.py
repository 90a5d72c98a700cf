"""Back-office decisions on an order in review: approve, reject, ask for a new document.

Each records its transition (who and why) through the lifecycle and flushes; the caller commits.
A decision taken twice (a double click) is a no-op the second time, not an error.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from coc_service.db.orders import Order
from coc_service.orders.errors import WrongDocumentKind
from coc_service.orders.lifecycle import OrderStatus, transition
from coc_service.orders.processing import SCAN_KINDS
from coc_service.queue import enqueue_after_commit

#: what Document.error_code says on the document a customer must replace
REUPLOAD_REQUESTED = "reupload_requested"


def request_reupload(session: Session, order: Order, kind: str, *, actor: str,
                     reason: str) -> str:
    """Ask the customer for a new `kind` document: needs_review → awaiting_customer.

    `reason` is shown to the customer (write it for them, without internal notes). The current
    document of that kind is marked with error_code "reupload_requested" and the reason, so the
    order page can say which file to replace and why. Returns the order's status.
    """
    if kind not in SCAN_KINDS:
        raise WrongDocumentKind(f"kind must be one of {', '.join(SCAN_KINDS)}")
    if order.status == OrderStatus.AWAITING_CUSTOMER.value and _requested(order, kind):
        return order.status
    transition(session, order, OrderStatus.AWAITING_CUSTOMER, actor=actor,
               reason=f"{kind}: {reason}")
    for document in order.current_documents():
        if document.kind == kind:
            document.error_code = REUPLOAD_REQUESTED
            document.error_message = reason
    session.flush()
    return order.status


def _requested(order: Order, kind: str) -> bool:
    return any(d.kind == kind and d.error_code == REUPLOAD_REQUESTED
               for d in order.current_documents())


def approve(session: Session, order: Order, *, actor: str, reason: str = "") -> str:
    """Approve an order in review (needs_review → approved) and return its status.

    The order is forwarded to its supplier by a job queued for after the caller's commit.
    """
    if order.status == OrderStatus.APPROVED.value:
        return order.status
    transition(session, order, OrderStatus.APPROVED, actor=actor, reason=reason or "approved")
    session.flush()
    enqueue_after_commit(session, "forward_order", order.id)  # to the supplier
    return order.status


def reject(session: Session, order: Order, *, actor: str, reason: str) -> str:
    """Reject an order in review (needs_review → rejected) and return its status.

    `reason` is shown to the customer.
    """
    if order.status == OrderStatus.REJECTED.value:
        return order.status
    transition(session, order, OrderStatus.REJECTED, actor=actor, reason=reason)
    session.flush()
    return order.status
