"""Forwarding: queued after approval, run by a real worker, idempotent, mail queued once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from coc_service.db.base import utcnow
from coc_service.db.orders import Document, Order, OrderTransition
from coc_service.orders.lifecycle import transition
from coc_service.orders.processing import evaluate
from coc_service.orders.reconcile import reconcile
from coc_service.orders.staff import approve
from tests.suppliers.conftest import Approved, queued_jobs, run_supplier_jobs
from tests.web.shop.webshop import mails_enqueued, place_order
from workers.suppliers import forward_order

pytestmark = pytest.mark.db

FORWARD = "workers.suppliers.forward_order"


def _counts(runtime: Any, order_id: str) -> tuple[int, int]:
    """Return (bundle documents, transitions to forwarded) of the order."""
    session = runtime.db.session()
    bundles = session.scalar(select(func.count()).select_from(Document).where(
        Document.order_id == order_id, Document.kind == "bundle"))
    forwards = session.scalar(select(func.count()).select_from(OrderTransition).where(
        OrderTransition.order_id == order_id, OrderTransition.to_status == "forwarded"))
    return bundles, forwards


def test_forwarding_twice_stores_one_bundle_and_moves_once(approved: Approved,
                                                           shop: Any) -> None:
    assert forward_order(approved.order_id) == "forwarded"
    first_mails = mails_enqueued(shop)
    assert first_mails.count((approved.order_id, "forwarded")) == 1
    assert forward_order(approved.order_id) == "forwarded"  # a retried or duplicate job
    assert _counts(shop, approved.order_id) == (1, 1)
    assert mails_enqueued(shop).count((approved.order_id, "forwarded")) == 1
    order = shop.db.session().get(Order, approved.order_id)
    assert [t.to_status for t in order.transitions][-2:] == ["auto_approved", "forwarded"]
    assert order.transitions[-1].actor == "system"
    assert order.transitions[-1].reason == "bundle sent to supplier euro-coc"


def test_an_order_not_approved_is_left_alone(app: Any, shop: Any) -> None:
    placed = place_order(app.test_client())  # submitted, still being read
    assert forward_order(placed.order_id) in ("submitted", "processing")
    assert _counts(shop, placed.order_id) == (0, 0)
    assert forward_order("00000000-0000-0000-0000-000000000000") is None


def test_auto_approval_queues_the_forwarding_after_commit(app: Any, shop: Any,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    import coc_service.orders.evaluation as evaluation

    placed = place_order(app.test_client())
    with shop.db.transaction() as session:
        order = session.get(Order, placed.order_id)
        if order.status == "submitted":
            transition(session, order, "processing", actor="system")
        for document in order.current_documents():
            document.status = "processed"
    shop.redis.flushdb()
    monkeypatch.setattr(evaluation, "run_catalogue", lambda *a: ("auto_approved", []))
    with shop.db.transaction() as session:
        assert evaluate(session, shop, placed.order_id) == "auto_approved"
        assert queued_jobs(shop, "suppliers") == []  # not before the commit
    assert queued_jobs(shop, "suppliers") == [(FORWARD, [placed.order_id])]
    run_supplier_jobs(shop)  # a real RQ worker runs it from its JSON payload
    assert shop.db.session().get(Order, placed.order_id).status == "forwarded"
    assert (placed.order_id, "forwarded") in mails_enqueued(shop)


def test_staff_approval_queues_the_forwarding(approved: Approved, shop: Any) -> None:
    with shop.db.transaction() as session:
        order = session.get(Order, approved.order_id)
        order.status = "needs_review"  # as if the checks had flagged it
        approve(session, order, actor="staff-1")
        assert queued_jobs(shop, "suppliers") == []
    assert queued_jobs(shop, "suppliers") == [(FORWARD, [approved.order_id])]
    run_supplier_jobs(shop)
    order = shop.db.session().get(Order, approved.order_id)
    assert order.status == "forwarded"
    assert [t.to_status for t in order.transitions][-2:] == ["approved", "forwarded"]


def test_a_rolled_back_approval_queues_nothing(approved: Approved, shop: Any) -> None:
    session = shop.db.session()
    order = session.get(Order, approved.order_id)
    order.status = "needs_review"
    approve(session, order, actor="staff-1")
    session.rollback()
    session.close()
    assert queued_jobs(shop, "suppliers") == []


def test_the_reconciler_forwards_approved_orders_left_behind(approved: Approved,
                                                             shop: Any) -> None:
    later = utcnow() + timedelta(minutes=10)
    with shop.db.transaction() as session:
        report = reconcile(session, stuck_after=timedelta(minutes=5), now=later)
    assert report.forwards_requeued == 1 and report.as_dict()["forwards_requeued"] == 1
    assert queued_jobs(shop, "suppliers") == [(FORWARD, [approved.order_id])]
    run_supplier_jobs(shop)
    assert shop.db.session().get(Order, approved.order_id).status == "forwarded"
    # once forwarded (a bundle exists), the reconciler has nothing more to do for it
    with shop.db.transaction() as session:
        again = reconcile(session, stuck_after=timedelta(minutes=5), now=later)
    assert again.forwards_requeued == 0


def test_the_reconciler_waits_before_forwarding_again(approved: Approved, shop: Any) -> None:
    with shop.db.transaction() as session:
        report = reconcile(session, stuck_after=timedelta(minutes=5))
    assert report.forwards_requeued == 0
    assert queued_jobs(shop, "suppliers") == []
