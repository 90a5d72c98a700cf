"""Master key rotation: re-wrap every order's data key under a new master key.

Objects are never touched: a data key stays the same, only its wrapping changes. Orders are
taken in batches of ids, each batch in its own transaction, and keys already under the new
master key are skipped, so an interrupted rotation is simply run again. Run it once more after
the service has switched to the new key, to catch orders created meanwhile under the old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from coc_service.db.orders import Order
from coc_service.db.session import Database
from coc_service.privacy import audit
from coc_service.storage.errors import IntegrityError, UnknownMasterKey
from coc_service.storage.keys import KeyProvider, KeyRing, needs_rewrap, rewrap


@dataclass
class RotationReport:
    """How many data keys were re-wrapped, were already under the new key, or failed."""

    rewrapped: int = 0
    already_current: int = 0
    unreadable: list[str] = field(default_factory=list)  # order ids whose key did not unwrap

    @property
    def ok(self) -> bool:
        return not self.unreadable


def rotate_data_keys(
    database: Database, old: KeyProvider, new: KeyProvider, *, batch_size: int = 200,
    actor_id: str | None = None, actor_role: str = "operator",
) -> RotationReport:
    """Re-wrap every stored data key under `new` (unwrapping with `old`); return the counts."""
    if batch_size < 1:
        raise ValueError("batch size must be positive")
    unwrapper = KeyRing(new, old)  # keys already re-wrapped by an earlier run open too
    report = RotationReport()
    last_id = ""
    while True:
        with database.transaction() as session:
            batch = session.scalars(
                select(Order).where(Order.wrapped_data_key.is_not(None), Order.id > last_id)
                .order_by(Order.id).limit(batch_size)
            ).all()
            for order in batch:
                last_id = order.id
                wrapped = order.wrapped_data_key
                assert wrapped is not None
                if not needs_rewrap(wrapped, new):
                    report.already_current += 1
                    continue
                try:
                    order.wrapped_data_key = rewrap(wrapped, unwrapper, new)
                except (UnknownMasterKey, IntegrityError):
                    report.unreadable.append(order.id)
                    continue
                order.data_key_id = new.key_id
                report.rewrapped += 1
        if len(batch) < batch_size:
            break
    with database.transaction() as session:
        audit.record(session, actor_id=actor_id, actor_role=actor_role, action="keys.rotated",
                     object_type="master_key", object_id=None, reason="master key rotation",
                     details={"new_key_id": new.key_id, "rewrapped": report.rewrapped,
                              "already_current": report.already_current,
                              "unreadable": len(report.unreadable)})
    return report
