"""Jobs on the `maintenance` queue, enqueued by the scheduler."""

from __future__ import annotations

from datetime import timedelta

from coc_service import runtime as runtimes
from coc_service.orders.reconcile import reconcile as reconcile_orders
from coc_service.privacy.retention_items import RetentionIncomplete


def reconcile() -> dict[str, int]:
    """Re-enqueue the work of orders stuck too long; return what was done."""
    runtime = runtimes.current()
    stuck_after = timedelta(seconds=runtime.settings.reconcile_after_s)
    with runtime.db.transaction() as session:
        return reconcile_orders(session, stuck_after=stuck_after).as_dict()


def apply_retention() -> dict[str, object]:
    """Apply the retention policy once (the scheduler runs this daily); return the counts."""
    from coc_service.db.base import utcnow
    from coc_service.privacy.retention import apply_retention as apply_policy

    runtime = runtimes.current()
    with runtime.db.transaction() as session:
        report = apply_policy(session, runtime, now=utcnow(), dry_run=False)
    if report.failed:  # the rest is committed; a failed job shows staff that some items wait
        raise RetentionIncomplete(report.failed)
    return report.as_dict()
