"""Fixtures of the supplier tests: an order placed through the shop and approved, supplier
accounts, and a real RQ worker for the `suppliers` queue."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image
from rq import SimpleWorker
from rq.serializers import JSONSerializer
from sqlalchemy import select

from coc_service.accounts.passwords import hash_password
from coc_service.db.accounts import Role, User
from coc_service.db.orders import Order
from coc_service.db.suppliers import Supplier
from coc_service.orders.lifecycle import OrderStatus, transition
from tests.web.shop.webshop import (  # noqa: F401  (fixtures)
    PASSWORD,
    Placed,
    place_order,
    quick_password_hashes,
    shop,
    unique_email,
)


@dataclass
class Approved:
    """An order placed by a customer's client and approved by the checks."""

    order_id: str
    reference: str
    customer: Any  # the customer's test client


def approve_by_checks(runtime: Any, order_id: str) -> None:
    """Move a submitted order on as the checks would: processing → auto_approved."""
    with runtime.db.transaction() as session:
        order = session.get(Order, order_id)
        if order.status == OrderStatus.SUBMITTED.value:
            transition(session, order, OrderStatus.PROCESSING, actor="system")
        for document in order.current_documents():
            document.status = "processed"
        transition(session, order, OrderStatus.AUTO_APPROVED, actor="system", reason="all pass")


@pytest.fixture
def approved(app: Any, shop: Any) -> Approved:  # noqa: F811  (the fixture)
    """A Peugeot order (served by euro-coc) in auto_approved, its scans stored encrypted."""
    customer = app.test_client()
    placed: Placed = place_order(customer)
    approve_by_checks(shop, placed.order_id)
    shop.redis.flushdb()  # the jobs the shop queued on the way (mails, reads) are not ours
    return Approved(placed.order_id, placed.reference, customer)


def supplier_account(runtime: Any, code: str) -> str:
    """Create a portal account for supplier `code`; return its e-mail."""
    email = unique_email(f"portail-{code}")
    with runtime.db.transaction() as session:
        supplier = session.scalars(select(Supplier).where(Supplier.code == code)).one()
        session.add(User(email=email, password_hash=hash_password(PASSWORD),
                         role=Role.SUPPLIER.value, supplier_id=supplier.id))
    return email


def run_supplier_jobs(runtime: Any) -> None:
    """Run what waits on the `suppliers` queue with a real RQ worker, until it is empty."""
    queue = runtime.queue.queue("suppliers")
    worker = SimpleWorker([queue], connection=runtime.redis, serializer=JSONSerializer)
    worker.work(burst=True, with_scheduler=False)


def queued_jobs(runtime: Any, queue_name: str) -> list[tuple[str, list[Any]]]:
    """Return (function, args) of every job waiting on `queue_name`."""
    queue = runtime.queue.queue(queue_name)
    return [(job.func_name, list(job.args)) for job in queue.get_jobs()]


def pdf_bytes(text_colour: int = 40) -> bytes:
    """Return a small one-page PDF (a stand-in certificate), made by Pillow."""
    image = Image.new("L", (620, 877), 250)
    for x in range(60, 560):
        for y in (80, 120, 160):
            image.putpixel((x, y), text_colour)
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=72.0)
    return buffer.getvalue()
