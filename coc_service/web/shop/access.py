"""Which orders this visitor may see: their account's, or the guest orders opened in this session.

Everything else answers 404, the same for an order that does not exist and one that belongs to
someone else, so that order ids cannot be probed.
"""

from __future__ import annotations

from flask import abort, session
from sqlalchemy.orm import Session

from coc_service.db.orders import Order
from coc_service.web.accounts.auth import current_user

GUEST_ORDERS = "guest_orders"
_MAX_GUEST_ORDERS = 20


def grant_order(order_id: str) -> None:
    """Let this browser session open `order_id` (a guest's own order, or a signed link)."""
    granted = [o for o in session.get(GUEST_ORDERS, []) if o != order_id]
    session[GUEST_ORDERS] = [*granted, order_id][-_MAX_GUEST_ORDERS:]


def may_see(order: Order) -> bool:
    if order.restricted:
        return False  # kept for the legal archive only
    user = current_user()
    if user is not None and order.user_id == user.id:
        return True
    return order.id in session.get(GUEST_ORDERS, [])


def visible_order(db: Session, order_id: str) -> Order:
    """Return the order if this visitor may see it; abort with 404 otherwise."""
    order = db.get(Order, order_id) if order_id and len(order_id) <= 36 else None
    if order is None or not may_see(order):
        abort(404)
    return order
