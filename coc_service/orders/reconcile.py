"""Re-enqueue work stuck too long, so that a killed worker or an emptied Redis loses no order.

The database is the source of truth: an order in `submitted` or `processing` whose state has
not moved for a while gets its unread documents and its evaluation enqueued again, and an
approved order still without its supplier bundle is forwarded again. Jobs are idempotent and
de-duplicated by id, so enqueuing again is always safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from coc_service.db.base import utcnow
from coc_service.db.orders import Document, Order
from coc_service.orders.lifecycle import OrderStatus
from coc_service.orders.processing import (
    DONE_STATES,
    documents_digest,
    queue_unread_documents,
    scans,
    start_processing,
)
from coc_service.queue import enqueue_after_commit

#: orders the forward_order job moves on to their supplier
_APPROVED = (OrderStatus.AUTO_APPROVED.value, OrderStatus.APPROVED.value)


@dataclass
class ReconcileReport:
    started: list[str] = field(default_factory=list)  # submitted orders moved to processing
    documents_requeued: int = 0
    evaluations_requeued: int = 0
    forwards_requeued: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "orders_started": len(self.started),
            "documents_requeued": self.documents_requeued,
            "evaluations_requeued": self.evaluations_requeued,
            "forwards_requeued": self.forwards_requeued,
        }


def reconcile(
    session: Session, *, stuck_after: timedelta, now: datetime | None = None
) -> ReconcileReport:
    """Enqueue again what orders stuck longer than `stuck_after` still need; report it."""
    now = now or utcnow()
    cutoff = now - stuck_after
    report = ReconcileReport()
    stmt = (
        select(Order)
        .where(Order.status.in_([OrderStatus.SUBMITTED.value, OrderStatus.PROCESSING.value]))
        .where(or_(Order.status_changed_at <= cutoff, Order.updated_at <= cutoff))
        .order_by(Order.status_changed_at)
        .limit(500)
    )
    for order in session.scalars(stmt):
        if order.status == OrderStatus.SUBMITTED.value:
            start_processing(session, order, reason="picked up by the reconciler")
            report.started.append(order.id)
            continue
        documents = scans(order)
        stale = [
            d for d in documents
            if d.status not in DONE_STATES and (d.queued_at is None or d.queued_at <= cutoff)
        ]
        if stale:
            report.documents_requeued += queue_unread_documents(session, order)
        elif all(d.status in DONE_STATES for d in documents) and (
            order.evaluated_digest != documents_digest(documents)
        ):
            order.evaluation_requested_digest = documents_digest(documents)
            enqueue_after_commit(session, "evaluate_order", order.id)
            report.evaluations_requeued += 1
    report.forwards_requeued = requeue_forwarding(session, cutoff)
    return report


def requeue_forwarding(session: Session, cutoff: datetime) -> int:
    """Enqueue the forwarding of approved orders left without a bundle since `cutoff`."""
    has_bundle = exists().where(Document.order_id == Order.id, Document.kind == "bundle",
                                Document.erased_at.is_(None))
    stmt = (
        select(Order.id)
        .where(Order.status.in_(_APPROVED), Order.status_changed_at <= cutoff, ~has_bundle)
        .order_by(Order.status_changed_at)
        .limit(500)
    )
    order_ids = list(session.scalars(stmt))
    for order_id in order_ids:
        enqueue_after_commit(session, "forward_order", order_id)
    return len(order_ids)
