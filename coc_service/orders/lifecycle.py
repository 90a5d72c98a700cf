"""The order state machine of DESIGN.md: the one place that says which move is legal."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from coc_service.db.base import utcnow
from coc_service.db.orders import Order, OrderTransition
from coc_service.errors import CocError


class OrderStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PROCESSING = "processing"
    AUTO_APPROVED = "auto_approved"
    NEEDS_REVIEW = "needs_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    AWAITING_CUSTOMER = "awaiting_customer"
    FORWARDED = "forwarded"
    ACKNOWLEDGED = "acknowledged"
    CERTIFICATE_RECEIVED = "certificate_received"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


S = OrderStatus

_FORWARD: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.PROCESSING}),
    S.PROCESSING: frozenset({S.AUTO_APPROVED, S.NEEDS_REVIEW}),
    S.NEEDS_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.AWAITING_CUSTOMER}),
    S.AWAITING_CUSTOMER: frozenset({S.PROCESSING}),
    S.AUTO_APPROVED: frozenset({S.FORWARDED}),
    S.APPROVED: frozenset({S.FORWARDED}),
    S.FORWARDED: frozenset({S.ACKNOWLEDGED}),
    S.ACKNOWLEDGED: frozenset({S.CERTIFICATE_RECEIVED}),
    S.CERTIFICATE_RECEIVED: frozenset({S.COMPLETED}),
}

#: states from which an order may still be cancelled ("any state before forwarded")
CANCELLABLE = frozenset(
    {S.DRAFT, S.SUBMITTED, S.PROCESSING, S.NEEDS_REVIEW, S.AWAITING_CUSTOMER, S.AUTO_APPROVED,
     S.APPROVED}
)

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    state: _FORWARD.get(state, frozenset()) | ({S.CANCELLED} if state in CANCELLABLE else set())
    for state in OrderStatus
}

FINAL = frozenset({S.COMPLETED, S.CANCELLED, S.REJECTED})
#: where the automatic chain stops and a person (or the supplier) takes over
SETTLED_AFTER_CHECKS = frozenset({S.AUTO_APPROVED, S.NEEDS_REVIEW}) | FINAL | frozenset(
    {S.APPROVED, S.AWAITING_CUSTOMER, S.FORWARDED, S.ACKNOWLEDGED, S.CERTIFICATE_RECEIVED}
)


class IllegalTransition(CocError):
    """An order was asked to move where the lifecycle does not allow."""

    exit_code = 2

    def __init__(self, order_ref: str, current: str, target: str) -> None:
        allowed = ", ".join(sorted(TRANSITIONS.get(OrderStatus(current), ()))) or "none (final)"
        super().__init__(
            f"Order {order_ref} cannot go from {current} to {target}; allowed from {current}: "
            f"{allowed}"
        )
        self.current = current
        self.target = target


def can_transition(current: str, target: str) -> bool:
    try:
        return OrderStatus(target) in TRANSITIONS[OrderStatus(current)]
    except ValueError:
        return False


def transition(
    session: Session, order: Order, target: OrderStatus | str, *, actor: str, reason: str = ""
) -> OrderTransition:
    """Move `order` to `target`, record who, when and why, or raise IllegalTransition."""
    target = OrderStatus(target)
    if not can_transition(order.status, target):
        raise IllegalTransition(order.reference, order.status, target.value)
    now = utcnow()
    record = OrderTransition(
        order_id=order.id,
        from_status=order.status,
        to_status=target.value,
        actor=actor,
        reason=reason,
        created_at=now,
    )
    session.add(record)
    order.status = target.value
    order.status_changed_at = now
    if target is S.SUBMITTED:
        order.submitted_at = now
    if target in FINAL:
        order.completed_at = now
    return record


def record_creation(session: Session, order: Order, *, actor: str) -> OrderTransition:
    """Record the birth of an order (None → draft) so the timeline starts at creation."""
    record = OrderTransition(
        order_id=order.id, from_status=None, to_status=order.status, actor=actor,
        reason="created", created_at=order.created_at or utcnow(),
    )
    session.add(record)
    return record
