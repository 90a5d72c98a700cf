"""The back office: review queue, order detail, audited document view, decisions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coc_service.db.audit import AuditEvent
from coc_service.db.orders import CheckResult, Order
from coc_service.orders.lifecycle import transition
from tests.web.shop.webshop import (
    jpeg,
    login,
    mails_enqueued,
    make_user,
    place_order,
    post,
    unique_email,
    upload,
)

pytestmark = pytest.mark.db


@pytest.fixture
def review(app, client, shop):  # type: ignore[no-untyped-def]
    """A customer's order in needs_review with a failed check, and a logged-in staff client."""
    placed = place_order(client)
    with shop.db.transaction() as session:
        order = session.get(Order, placed.order_id)
        session.add(CheckResult(order_id=order.id, position=0, name="vin_match", status="fail",
                                detail="The VIN differs by one character",
                                detail_fr="Le VIN diffère d'un caractère",
                                evidence={"reason": "vin_typo", "items": [
                                    {"source": "document", "field": "vin",
                                     "value": "VF3LBBHZHKS123457", "page": 1,
                                     "confidence": 0.93}]}))
        transition(session, order, "needs_review", actor="system")
    staff = app.test_client()
    email = unique_email("agent")
    make_user(shop, email, role="staff")
    login(staff, email)
    return placed, staff


def _status(runtime, order_id: str) -> str:  # type: ignore[no-untyped-def]
    return runtime.db.session().get(Order, order_id).status  # type: ignore[no-any-return]


def test_queue_and_detail_show_the_checks_and_evidence(review, shop) -> None:  # type: ignore[no-untyped-def]
    placed, staff = review
    queue = staff.get("/back-office").get_data(as_text=True)
    assert placed.reference in queue and "vin_match" in queue
    detail = staff.get(f"/back-office/commande/{placed.order_id}").get_data(as_text=True)
    assert "Le VIN diffère d&#39;un caractère" in detail
    assert "VF3LBBHZHKS123457" in detail and "93 %" in detail


def test_document_view_is_an_audited_download(review, shop) -> None:  # type: ignore[no-untyped-def]
    placed, staff = review
    with shop.db.transaction() as session:
        document_id = session.get(Order, placed.order_id).current_documents()[0].id
    with staff.get(f"/back-office/document/{document_id}") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.get_data()[:3] == b"\xff\xd8\xff"
    events = shop.db.session().scalars(
        select(AuditEvent).where(AuditEvent.object_id == document_id)).all()
    assert [e.action for e in events] == ["document.viewed"]


def test_request_reupload_then_the_customer_uploads(review, client, shop) -> None:  # type: ignore[no-untyped-def]
    placed, staff = review
    missing_reason = post(staff, f"/back-office/commande/{placed.order_id}/demander-document",
                          {"kind": "identity", "reason": ""})
    assert missing_reason.status_code == 303 and _status(shop, placed.order_id) == "needs_review"
    asked = post(staff, f"/back-office/commande/{placed.order_id}/demander-document",
                 {"kind": "identity", "reason": "La photo est floue."})
    assert asked.status_code == 303
    assert _status(shop, placed.order_id) == "awaiting_customer"
    assert (placed.order_id, "action_needed") in mails_enqueued(shop)
    page = client.get(f"/suivi/commande/{placed.order_id}").get_data(as_text=True)
    assert "La photo est floue." in page
    sent = upload(client, "identity", jpeg(),
                  path=f"/suivi/commande/{placed.order_id}/documents/identity")
    assert sent.status_code == 200
    assert _status(shop, placed.order_id) == "processing"


def test_approve_and_reject(review, shop) -> None:  # type: ignore[no-untyped-def]
    placed, staff = review
    no_reason = post(staff, f"/back-office/commande/{placed.order_id}/refuser", {"reason": ""})
    assert no_reason.status_code == 303 and _status(shop, placed.order_id) == "needs_review"
    assert post(staff, f"/back-office/commande/{placed.order_id}/approuver").status_code == 303
    assert _status(shop, placed.order_id) == "approved"
    # a second decision on a decided order is refused cleanly
    late = post(staff, f"/back-office/commande/{placed.order_id}/refuser", {"reason": "trop tard"})
    assert late.status_code == 303 and _status(shop, placed.order_id) == "approved"
    assert "n&#39;est plus en attente" in staff.get(late.headers["Location"]).get_data(as_text=True)


def test_reject_tells_the_customer(review, shop) -> None:  # type: ignore[no-untyped-def]
    placed, staff = review
    post(staff, f"/back-office/commande/{placed.order_id}/refuser",
         {"reason": "Véhicule réceptionné à titre isolé."})
    assert _status(shop, placed.order_id) == "rejected"
    assert (placed.order_id, "rejected") in mails_enqueued(shop)


def test_customers_do_not_see_the_back_office(client, review) -> None:  # type: ignore[no-untyped-def]
    placed, _staff = review
    assert client.get("/back-office").status_code == 302  # a guest: to the login page
    email = unique_email("cust")
    make_user(review[1].application.extensions["coc_runtime"], email)
    login(client, email)
    assert client.get("/back-office").status_code == 404
    assert client.get(f"/back-office/commande/{placed.order_id}").status_code == 404
