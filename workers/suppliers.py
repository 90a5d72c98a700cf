"""Jobs on the `suppliers` queue."""

from __future__ import annotations

from coc_service import runtime as runtimes
from coc_service.suppliers.errors import ForwardingFailed
from coc_service.suppliers.forwarding import forward, record_forwarding_failure


def forward_order(order_id: str) -> str | None:
    """Bundle an approved order for its supplier and mark it forwarded; return its status.

    Storage, key service or database outages raise ServiceUnavailable: RQ retries, then the
    reconciler. A permanent failure (no supplier for the make, a scan missing or altered) is
    recorded on the order, where staff see it, and the order stays approved.
    """
    runtime = runtimes.current()
    try:
        with runtime.db.transaction() as session:
            return forward(session, runtime, order_id).status
    except ForwardingFailed as exc:
        with runtime.db.transaction() as session:
            record_forwarding_failure(session, order_id, f"{exc.code}: {exc}")
        return "failed"
