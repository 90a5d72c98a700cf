"""Jobs on the `orders` queue."""

from __future__ import annotations

from coc_service import runtime as runtimes
from coc_service.orders.processing import evaluate


def evaluate_order(order_id: str) -> str | None:
    """Run the check catalogue on a read order and move it to auto_approved or needs_review."""
    runtime = runtimes.current()
    with runtime.db.transaction() as session:
        return evaluate(session, runtime, order_id)
